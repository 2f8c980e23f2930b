/**
 * The platform's rate limits (PRODUCT.md and the API contract), enforced through the RateLimiter port.
 * A refusal is a value (`RateLimited`) carrying when to come back; the HTTP adapter turns it into
 * 429 with Retry-After. A limiter that cannot answer fails closed (RateLimiterUnavailable): an
 * OTP flood or an STK flood costs real money and annoys real people.
 */
import { Data, Effect } from "effect"
import { RateLimiter } from "../ports/rate-limiter.js"
import type { RateLimit } from "../ports/rate-limiter.js"

const MINUTE = 60_000

export const Limits = {
  /** One-time login codes: 5 per 15 minutes per phone. */
  otp: (phone: string): RateLimit => ({ key: `otp:${phone}`, limit: 5, windowMs: 15 * MINUTE }),
  /** STK pushes: 3 per hour per phone (PRODUCT.md). */
  stkPush: (phone: string): RateLimit => ({ key: `stk:${phone}`, limit: 3, windowMs: 60 * MINUTE }),
  /** Authenticated API calls: 100 per minute per bearer token (keyed by the session, never the token itself). */
  session: (sessionId: string): RateLimit => ({ key: `session:${sessionId}`, limit: 100, windowMs: MINUTE })
} as const

export class RateLimited extends Data.TaggedError("RateLimited")<{ readonly what: string; readonly retryAfterMs: number; readonly limit: number; readonly windowMs: number }> {
  readonly code = "RATE_LIMITED"
  override get message() {
    return `too many ${this.what}: at most ${this.limit} per ${Math.round(this.windowMs / MINUTE)} minutes; try again in ${Math.ceil(this.retryAfterMs / 1000)} s`
  }
}

/** Count one hit against `limit`; fails with RateLimited when over. */
export const enforce = (what: string, limit: RateLimit) =>
  Effect.flatMap(RateLimiter, (limiter) =>
    Effect.flatMap(limiter.hit(limit), (d) =>
      d.allowed ? Effect.void : Effect.fail(new RateLimited({ what, retryAfterMs: d.retryAfterMs, limit: limit.limit, windowMs: limit.windowMs }))
    )
  )
