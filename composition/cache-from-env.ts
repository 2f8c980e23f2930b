/**
 * Which Cache to run: Redis when REDIS_URL is set (and non-empty), the in-process one otherwise. A
 * set but unreachable REDIS_URL fails startup (like the rate limiter): a silent fallback would give
 * each instance its own cache that another instance's invalidation never reaches.
 */
import { Config, Effect, Layer, Option, Redacted } from "effect"
import type { ConfigError } from "effect/ConfigError"
import type { Cache } from "../application/ports/cache.js"
import { RedisCacheFromUrl } from "../adapters/redis/cache.js"
import type { RedisConnectError } from "../adapters/redis/client.js"
import { MemoryCacheLive } from "../adapters/redis/memory-cache.js"

export const cacheLayerFromEnv: Layer.Layer<Cache, ConfigError | RedisConnectError> = Layer.unwrapEffect(
  Effect.map(Config.option(Config.redacted("REDIS_URL")), (url) =>
    Option.match(
      Option.filter(url, (u) => Redacted.value(u).trim() !== ""),
      {
        onNone: () => MemoryCacheLive.pipe(Layer.tap(() => Effect.logInfo("Cache: in-process (REDIS_URL unset)"))),
        onSome: (u) => RedisCacheFromUrl(u).pipe(Layer.tap(() => Effect.logInfo("Cache: Redis")))
      }
    )
  )
)
