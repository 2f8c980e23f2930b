/**
 * The ioredis client as a scoped resource: connected when the Layer is built (a wrong REDIS_URL
 * fails startup, not the first login), QUIT when its scope closes.
 */
import { Context, Data, Effect, Layer, Redacted } from "effect"
import { Redis } from "ioredis"

export class RedisClient extends Context.Tag("amana/RedisClient")<RedisClient, Redis>() {}

export class RedisConnectError extends Data.TaggedError("RedisConnectError")<{ readonly cause: unknown }> {
  readonly code = "REDIS.CONNECT_FAILED"
}

/**
 * Fail fast rather than queue: a command waits at most one reconnect attempt, so a Redis outage
 * surfaces as RateLimiterUnavailable within seconds instead of hanging a login request.
 */
const clientOptions = { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 } as const

export const makeRedisClient = (url: string | Redacted.Redacted<string>) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const client = new Redis(Redacted.isRedacted(url) ? Redacted.value(url) : url, clientOptions)
        // ioredis emits connection errors as events too; without a listener Node would log them as unhandled.
        client.on("error", () => undefined)
        try {
          await client.connect()
        } catch (cause) {
          client.disconnect()
          throw cause
        }
        return client
      },
      catch: (cause) => new RedisConnectError({ cause })
    }),
    (client) => Effect.promise(() => client.quit().catch(() => client.disconnect()))
  )

export const RedisClientLive = (url: string | Redacted.Redacted<string>): Layer.Layer<RedisClient, RedisConnectError> =>
  Layer.scoped(RedisClient, makeRedisClient(url))
