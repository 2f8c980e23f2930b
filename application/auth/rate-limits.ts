/**
 * The platform's rate limits (PRODUCT.md and the API contract), enforced through the RateLimiter port.
 * A refusal is a value (`RateLimited`) carrying when to come back; the HTTP adapter turns it into
 * 429 with Retry-After. A limiter that cannot answer fails closed (RateLimiterUnavailable): an
 * OTP flood or an STK flood costs real money and annoys real people.
 */
import { Context, Data, Effect } from "effect"
import { RateLimiter } from "../ports/rate-limiter.js"
import type { RateLimit } from "../ports/rate-limiter.js"

const MINUTE = 60_000

/**
 * Phone login (buyers, sellers and riders alike): how many codes may be sent and how many wrong
 * codes tried, per phone, per client address and across the platform, in one window. Wrong guesses
 * count per phone per window, whatever code they were aimed at (a new code restores nothing).
 * Addresses are generous: many Kenyan mobile users share one carrier-grade NAT address.
 */
export interface LoginLimitSettings {
  readonly windowMs: number
  readonly codesPerPhone: number
  readonly codesPerAddress: number
  readonly codesGlobal: number
  readonly wrongGuessesPerPhone: number
  /** every code exchange from one address counts (wrong or not), so parallel guesses cannot race past it */
  readonly attemptsPerAddress: number
  readonly attemptsGlobal: number
}

export const DEFAULT_LOGIN_LIMITS: LoginLimitSettings = {
  windowMs: 15 * MINUTE,
  codesPerPhone: 5,
  codesPerAddress: 30,
  codesGlobal: 3_000,
  wrongGuessesPerPhone: 5,
  attemptsPerAddress: 60,
  attemptsGlobal: 6_000
}

/** The login limits in force: the defaults unless an adapter provides others (OTP_GLOBAL_LIMIT). */
export class LoginLimits extends Context.Reference<LoginLimits>()("amana/LoginLimits", { defaultValue: () => DEFAULT_LOGIN_LIMITS }) {}

export const Limits = {
  /** One-time login codes sent to one phone. */
  otp: (phone: string, s: LoginLimitSettings = DEFAULT_LOGIN_LIMITS): RateLimit => ({ key: `otp:${phone}`, limit: s.codesPerPhone, windowMs: s.windowMs }),
  otpFromAddress: (address: string, s: LoginLimitSettings): RateLimit => ({ key: `otp:addr:${address}`, limit: s.codesPerAddress, windowMs: s.windowMs }),
  otpGlobal: (s: LoginLimitSettings): RateLimit => ({ key: "otp:global", limit: s.codesGlobal, windowMs: s.windowMs }),
  wrongCodes: (phone: string, s: LoginLimitSettings): RateLimit => ({ key: `otp-wrong:${phone}`, limit: s.wrongGuessesPerPhone, windowMs: s.windowMs }),
  codeAttemptsFromAddress: (address: string, s: LoginLimitSettings): RateLimit => ({
    key: `otp-try:addr:${address}`,
    limit: s.attemptsPerAddress,
    windowMs: s.windowMs
  }),
  codeAttemptsGlobal: (s: LoginLimitSettings): RateLimit => ({ key: "otp-try:global", limit: s.attemptsGlobal, windowMs: s.windowMs }),
  /** STK pushes: 3 per hour per phone (PRODUCT.md). */
  stkPush: (phone: string): RateLimit => ({ key: `stk:${phone}`, limit: 3, windowMs: 60 * MINUTE }),
  /** Authenticated API calls: 100 per minute per bearer token (keyed by the session, never the token itself). */
  session: (sessionId: string): RateLimit => ({ key: `session:${sessionId}`, limit: 100, windowMs: MINUTE })
} as const

export class RateLimited extends Data.TaggedError("RateLimited")<{
  readonly what: string
  readonly retryAfterMs: number
  readonly limit: number
  readonly windowMs: number
}> {
  readonly code = "RATE_LIMIT.EXCEEDED"
  override get message() {
    return `too many ${this.what}: at most ${this.limit} per ${Math.round(this.windowMs / MINUTE)} minutes; try again in ${Math.ceil(this.retryAfterMs / 1000)} s`
  }
}

const refuse = (what: string, limit: RateLimit, retryAfterMs: number) => new RateLimited({ what, retryAfterMs, limit: limit.limit, windowMs: limit.windowMs })

/** Fails with RateLimited when `limit` is already spent, counting nothing. */
export const ensureNotLimited = (what: string, limit: RateLimit) =>
  Effect.flatMap(RateLimiter, (limiter) =>
    Effect.flatMap(limiter.peek(limit), (d) => (d.allowed ? Effect.void : Effect.fail(refuse(what, limit, d.retryAfterMs))))
  )

/** Count one hit against `limit`; fails with RateLimited when over. */
export const enforce = (what: string, limit: RateLimit) =>
  Effect.flatMap(RateLimiter, (limiter) =>
    Effect.flatMap(limiter.hit(limit), (d) =>
      d.allowed ? Effect.void : Effect.fail(new RateLimited({ what, retryAfterMs: d.retryAfterMs, limit: limit.limit, windowMs: limit.windowMs }))
    )
  )
