/**
 * The Cache port's two adapters obey one contract: a value is read back until its time to live ends,
 * `invalidate` drops exactly the keys under its prefix (also when the prefix holds glob characters),
 * and nothing crosses namespaces. The Redis half runs when REDIS_URL is set; its title says so when not.
 */
import { randomUUID } from "node:crypto"
import { Redis } from "ioredis"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Cache } from "../../application/ports/cache.js"
import { cacheKeyPrefix, makeRedisCache } from "../../adapters/redis/cache.js"
import { makeMemoryCache } from "../../adapters/redis/memory-cache.js"

const url = process.env["REDIS_URL"]?.trim() || undefined

const contract = (name: string, cache: () => Cache["Type"]) => {
  const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
  const k = (key: string) => `contract:${randomUUID()}:${key}`

  it(`${name}: a value set is read back; an unknown key is none`, async () => {
    const c = cache()
    const key = k("a")
    await run(c.set(key, '{"x":1}', 60_000))
    expect(await run(c.get(key))).toEqual(Option.some('{"x":1}'))
    expect(await run(c.get(k("missing")))).toEqual(Option.none())
  })

  it(`${name}: a value is gone once its time to live has passed`, async () => {
    const c = cache()
    const key = k("short")
    await run(c.set(key, "v", 30))
    await new Promise((done) => setTimeout(done, 80))
    expect(await run(c.get(key))).toEqual(Option.none())
  })

  it(`${name}: invalidate drops every key under the prefix and nothing else (glob characters are literal)`, async () => {
    const c = cache()
    const base = k("store")
    for (const key of [`${base}:duka:settings`, `${base}:duka:products:20:0`, `${base}:duka-2:settings`, `${base}:d*ka:settings`])
      await run(c.set(key, "v", 60_000))
    await run(c.invalidate(`${base}:d*ka:`))
    expect(await run(c.get(`${base}:duka:settings`))).toEqual(Option.some("v"))
    expect(await run(c.get(`${base}:d*ka:settings`))).toEqual(Option.none())
    await run(c.invalidate(`${base}:duka:`))
    expect(await run(c.get(`${base}:duka:settings`))).toEqual(Option.none())
    expect(await run(c.get(`${base}:duka:products:20:0`))).toEqual(Option.none())
    expect(await run(c.get(`${base}:duka-2:settings`))).toEqual(Option.some("v"))
  })
}

describe("in-process cache", () => {
  const shared = makeMemoryCache()
  contract("memory", () => shared)
})

let redis: Redis
describe.skipIf(url === undefined)(url === undefined ? "Redis cache (skipped: REDIS_URL is unset)" : "Redis cache", () => {
  beforeAll(async () => {
    redis = new Redis(url as string)
    await redis.ping()
  })
  afterAll(async () => {
    const keys = await redis.keys(`${cacheKeyPrefix()}contract:*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  })
  contract("Redis", () => makeRedisCache(redis))

  it("Redis: keys live under this environment's namespace, with a time to live", async () => {
    const c = makeRedisCache(redis)
    const key = `contract:${randomUUID()}`
    await Effect.runPromise(c.set(key, "v", 60_000))
    expect(cacheKeyPrefix()).toContain(process.env["RATE_LIMIT_NAMESPACE"] ?? "")
    const ttl = await redis.pttl(`${cacheKeyPrefix()}${key}`)
    expect(ttl).toBeGreaterThan(50_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
  })
})
