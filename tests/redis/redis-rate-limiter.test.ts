/**
 * The Redis limiter against a real Redis (REDIS_URL). Without REDIS_URL the suite is skipped and
 * its title says why.
 */
import { randomUUID } from "node:crypto"
import { Redis } from "ioredis"
import { Effect, Exit, Layer, TestClock } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { RateLimiter, RateLimiterUnavailable } from "../../application/ports/rate-limiter.js"
import { KEY_PREFIX, RedisRateLimiterFromUrl, makeRedisRateLimiter } from "../../adapters/redis/rate-limiter.js"
import { storageKey } from "../../adapters/redis/sliding-window.js"
import { rateLimiterContract } from "./rate-limiter-contract.js"

const url = process.env["REDIS_URL"]?.trim() || undefined
const run = `test:${randomUUID()}:`
/** One connection for the sequential tests, eight more racing in the concurrency test. */
let main: Redis
let racers: Array<Redis> = []

describe.skipIf(url === undefined)(url === undefined ? "Redis limiter (skipped: REDIS_URL is unset)" : "Redis limiter", () => {
  beforeAll(async () => {
    main = new Redis(url as string)
    racers = Array.from({ length: 8 }, () => new Redis(url as string))
    await Promise.all([main.ping(), ...racers.map((r) => r.ping())])
  })
  afterAll(async () => {
    // Leave nothing behind: delete this run's keys (all of kind "test" under this run's namespace), then close every connection.
    const keys = await main.keys(`${KEY_PREFIX}test:*`)
    if (keys.length > 0) await main.del(...keys)
    await Promise.all([main, ...racers].map((r) => r.quit()))
  })

  rateLimiterContract({
    name: "Redis limiter",
    keyPrefix: run,
    limiter: () => makeRedisRateLimiter(main),
    racers: () => racers.map(makeRedisRateLimiter)
  })

  it.effect("the log expires one window after its last allowed hit (no keys left behind)", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_750_000_000_000)
      yield* makeRedisRateLimiter(main).hit({ key: `${run}ttl`, limit: 3, windowMs: 90_000 })
      const ttl = yield* Effect.promise(() => main.pttl(`${KEY_PREFIX}${storageKey(`${run}ttl`)}`))
      expect(ttl).toBeGreaterThan(80_000)
      expect(ttl).toBeLessThanOrEqual(90_000)
    })
  )

  it.live("the URL Layer connects when built and quits when released", () =>
    Effect.gen(function* () {
      const decision = yield* RateLimiter.pipe(
        Effect.flatMap((l) => l.hit({ key: `${run}layer`, limit: 1, windowMs: 1_000 })),
        Effect.provide(RedisRateLimiterFromUrl(url as string))
      )
      expect(decision).toEqual({ allowed: true, remaining: 0 })
    })
  )

  it.live("an unreachable Redis fails the Layer at startup, and a dropped client reports RateLimiterUnavailable", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Layer.build(RedisRateLimiterFromUrl("redis://127.0.0.1:1")).pipe(Effect.scoped))
      expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/RedisConnectError/)

      const closed = new Redis(url as string, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false })
      const hit = yield* Effect.flip(makeRedisRateLimiter(closed).hit({ key: `${run}down`, limit: 1, windowMs: 1_000 }))
      expect(hit).toBeInstanceOf(RateLimiterUnavailable)
      closed.disconnect()
    })
  )
})
