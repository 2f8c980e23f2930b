/**
 * Which RateLimiter to run: Redis when REDIS_URL is set (and non-empty), the in-process one
 * otherwise. A set but unreachable REDIS_URL fails startup rather than silently falling back:
 * a fallback would quietly give each instance its own limits.
 */
import { Config, Effect, Layer, Option, Redacted } from "effect"
import type { ConfigError } from "effect/ConfigError"
import type { RateLimiter } from "../../application/ports/rate-limiter.js"
import type { RedisConnectError } from "./client.js"
import { MemoryRateLimiterLive } from "./memory-rate-limiter.js"
import { RedisRateLimiterFromUrl } from "./rate-limiter.js"

export const rateLimiterLayerFromEnv: Layer.Layer<RateLimiter, ConfigError | RedisConnectError> = Layer.unwrapEffect(
  Effect.map(Config.option(Config.redacted("REDIS_URL")), (url) =>
    Option.match(
      Option.filter(url, (u) => Redacted.value(u).trim() !== ""),
      {
        onNone: () => MemoryRateLimiterLive.pipe(Layer.tap(() => Effect.logInfo("RateLimiter: in-process (REDIS_URL unset)"))),
        onSome: (u) => RedisRateLimiterFromUrl(u).pipe(Layer.tap(() => Effect.logInfo("RateLimiter: Redis")))
      }
    )
  )
)
