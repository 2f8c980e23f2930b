/**
 * RateLimiter on Redis: one Lua script (sliding-window.ts) per hit, so the check and the insert are
 * atomic across every app instance; 200 racing hits on a limit of 100 allow exactly 100.
 *
 * Time comes from Effect's Clock and is passed into the script (not Redis TIME): tests pin it with
 * TestClock, and the in-process limiter reads the same clock, so both obey one spec. The cost is
 * that instances' clocks must agree (NTP); a skew of a second shifts a 15-minute window by a second.
 *
 * Keys are namespaced "amana:rate:[<namespace>:]<storageKey(key)>"; each log expires one window after its last allowed hit.
 */
import { randomUUID } from "node:crypto"
import { Clock, Duration, Effect, Layer } from "effect"
import type { Redis } from "ioredis"
import { RateLimiter, RateLimiterUnavailable } from "../../application/ports/rate-limiter.js"
import type { RateDecision, RateLimit } from "../../application/ports/rate-limiter.js"
import { RedisClient, RedisClientLive } from "./client.js"
import { withDeadline } from "./deadline.js"
import type { RedisConnectError } from "./client.js"
import { assertValidLimit, hitScript, peekScript, storageKey } from "./sliding-window.js"

/**
 * Keys live under one namespace. RATE_LIMIT_NAMESPACE separates environments sharing a Redis (each
 * test run gets its own, so limits spent by an earlier run never leak into the next).
 */
export const KEY_PREFIX = `amana:rate:${process.env["RATE_LIMIT_NAMESPACE"] ? `${process.env["RATE_LIMIT_NAMESPACE"]}:` : ""}`
const COMMAND = "amanaSlidingWindowHit"
const PEEK = "amanaSlidingWindowPeek"
/** A limiter that cannot answer quickly is unavailable; the caller decides to fail open or closed. */
const HIT_TIMEOUT = Duration.seconds(2)

type Script = (key: string, now: number, windowMs: number, limit: number, member: string) => Promise<[number, number]>
type WithHitCommand = Redis & { [COMMAND]: Script; [PEEK]: Script }

/** Defines the script on the client (ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT). */
const withHitCommand = (redis: Redis): WithHitCommand => {
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: hitScript })
  if (!(PEEK in redis)) redis.defineCommand(PEEK, { numberOfKeys: 1, lua: peekScript })
  return redis as WithHitCommand
}

export const makeRedisRateLimiter = (redis: Redis): RateLimiter["Type"] => {
  const client = withHitCommand(redis)
  const run = (script: typeof COMMAND | typeof PEEK) => (limit: RateLimit) =>
    Effect.gen(function* () {
      assertValidLimit(limit)
      const now = yield* Clock.currentTimeMillis
      const [allowed, value] = yield* withDeadline(
        HIT_TIMEOUT,
        // The member only has to be unique: two hits in the same millisecond are two hits.
        () => client[script](KEY_PREFIX + storageKey(limit.key), now, limit.windowMs, limit.limit, `${now}:${randomUUID()}`),
        (cause) => new RateLimiterUnavailable({ cause }),
        () => new RateLimiterUnavailable({ cause: "Redis did not answer within 2s" })
      )
      const decision: RateDecision = allowed === 1 ? { allowed: true, remaining: value } : { allowed: false, retryAfterMs: value }
      return decision
    }).pipe(
      Effect.withSpan(script === COMMAND ? "RateLimiter.hit" : "RateLimiter.peek", {
        attributes: { "rate.limit": limit.limit, "rate.window_ms": limit.windowMs }
      })
    )
  return { hit: run(COMMAND), peek: run(PEEK) }
}

/** The limiter over a client you own (you connect and quit it). */
export const RedisRateLimiterLive = (redis: Redis): Layer.Layer<RateLimiter> => Layer.succeed(RateLimiter, makeRedisRateLimiter(redis))

/** The limiter over the RedisClient in context. */
export const RedisRateLimiterFromClient: Layer.Layer<RateLimiter, never, RedisClient> = Layer.effect(RateLimiter, Effect.map(RedisClient, makeRedisRateLimiter))

/** The limiter with its own client: connects when built, quits when the Layer's scope closes. */
export const RedisRateLimiterFromUrl = (url: Parameters<typeof RedisClientLive>[0]): Layer.Layer<RateLimiter, RedisConnectError> =>
  RedisRateLimiterFromClient.pipe(Layer.provide(RedisClientLive(url)))
