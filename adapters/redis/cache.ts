/**
 * Cache on Redis: one key per entry with a PX time to live, under "amana:cache:[<namespace>:]" so
 * environments (and test files) sharing a Redis never read each other's entries. Invalidation walks
 * the prefix with SCAN (never KEYS, which blocks Redis) and UNLINKs what it finds: it is rare (a
 * store or product change), the reads it protects are not.
 */
import { Duration, Effect, Layer, Option } from "effect"
import type { Redis } from "ioredis"
import { Cache, CacheUnavailable } from "../../application/ports/cache.js"
import { RedisClient, RedisClientLive } from "./client.js"
import { withDeadline } from "./deadline.js"
import type { RedisConnectError } from "./client.js"

const TIMEOUT = Duration.seconds(2)

/** The namespace is read when the cache is made (tests set one per file before anything runs). */
export const cacheKeyPrefix = () => {
  const ns = process.env["CACHE_NAMESPACE"] ?? process.env["RATE_LIMIT_NAMESPACE"]
  return `amana:cache:${ns ? `${ns}:` : ""}`
}

/** A glob pattern matching exactly the keys that start with `prefix` (its own * ? [ ] \ escaped). */
const globPrefix = (prefix: string) => `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`

export const makeRedisCache = (redis: Redis): Cache["Type"] => {
  const base = cacheKeyPrefix()
  const run = <A>(what: string, f: () => Promise<A>) =>
    withDeadline(
      TIMEOUT,
      f,
      (cause) => new CacheUnavailable({ cause }),
      () => new CacheUnavailable({ cause: `Redis did not answer ${what} within 2s` })
    )
  return {
    get: (key) =>
      Effect.map(
        run("GET", () => redis.get(base + key)),
        Option.fromNullable
      ),
    set: (key, value, ttlMs) => Effect.asVoid(run("SET", () => redis.set(base + key, value, "PX", Math.max(1, Math.round(ttlMs))))),
    invalidate: (prefix) =>
      run("SCAN", async () => {
        let cursor = "0"
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", globPrefix(base + prefix), "COUNT", 500)
          if (keys.length > 0) await redis.unlink(...keys)
          cursor = next
        } while (cursor !== "0")
      })
  }
}

export const RedisCacheFromClient: Layer.Layer<Cache, never, RedisClient> = Layer.effect(Cache, Effect.map(RedisClient, makeRedisCache))

/** The cache with its own client: connects when built, quits when the Layer's scope closes. */
export const RedisCacheFromUrl = (url: Parameters<typeof RedisClientLive>[0]): Layer.Layer<Cache, RedisConnectError> =>
  RedisCacheFromClient.pipe(Layer.provide(RedisClientLive(url)))
