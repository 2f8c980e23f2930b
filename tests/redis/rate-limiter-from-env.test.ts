import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { RateLimiter } from "../../application/ports/rate-limiter.js"
import { rateLimiterLayerFromEnv } from "../../adapters/redis/rate-limiter-from-env.js"

const withEnv = (env: Record<string, string>) =>
  Layer.provide(rateLimiterLayerFromEnv, Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

const hitOnce = RateLimiter.pipe(Effect.flatMap((l) => l.hit({ key: `env-test:${Math.random()}`, limit: 2, windowMs: 1_000 })))

describe("rateLimiterLayerFromEnv", () => {
  it.live("REDIS_URL unset or blank: the in-process limiter", () =>
    Effect.gen(function* () {
      expect(yield* Effect.provide(hitOnce, withEnv({}))).toEqual({ allowed: true, remaining: 1 })
      expect(yield* Effect.provide(hitOnce, withEnv({ REDIS_URL: "  " }))).toEqual({ allowed: true, remaining: 1 })
    })
  )

  it.live("REDIS_URL set: Redis, and an unreachable one fails startup instead of silently falling back", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Effect.provide(hitOnce, withEnv({ REDIS_URL: "redis://127.0.0.1:1" })))
      expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/RedisConnectError/)
    })
  )
})
