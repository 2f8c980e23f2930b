/**
 * RateLimiter: a sliding-window limit per key. Redis-backed (atomic Lua) when REDIS_URL is set,
 * in-process otherwise.
 */
import { Context, Data } from "effect"
import type { Effect } from "effect"

export interface RateLimit {
  /** e.g. "otp:254708374149". */
  readonly key: string
  readonly limit: number
  readonly windowMs: number
}

export type RateDecision = { readonly allowed: true; readonly remaining: number } | { readonly allowed: false; readonly retryAfterMs: number }

export class RateLimiterUnavailable extends Data.TaggedError("RateLimiterUnavailable")<{ readonly cause: unknown }> {
  readonly code = "RATE_LIMITER.UNAVAILABLE"
}

export class RateLimiter extends Context.Tag("amana/RateLimiter")<
  RateLimiter,
  {
    /** Count one hit and say whether it was within the limit (a refused hit is not counted). */
    readonly hit: (limit: RateLimit) => Effect.Effect<RateDecision, RateLimiterUnavailable>
    /** What `hit` would answer now, counting nothing (to check a lock before spending a guess). */
    readonly peek: (limit: RateLimit) => Effect.Effect<RateDecision, RateLimiterUnavailable>
  }
>() {}
