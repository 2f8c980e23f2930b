/**
 * The sliding-window-log rule, written once in TypeScript (the in-process limiter runs it) and
 * mirrored line for line in Lua (the Redis limiter runs it atomically). One behaviour suite
 * (tests/redis/rate-limiter-contract.ts) holds both to it.
 *
 * The rule, for a key with limit L and window W at time `now` (epoch ms):
 *   1. hits at or before now - W have aged out and are forgotten;
 *   2. with n hits left: if n < L the hit is allowed and logged at `now`; remaining = L - n - 1;
 *   3. else it is refused and NOT logged (hammering does not extend a lockout); retryAfterMs is the
 *      time until enough hits age out to leave room for one: the (n - L)th oldest (0-based) hit's
 *      time + W - now. With n = L that is the oldest hit.
 */
import { createHash } from "node:crypto"
import type { RateDecision, RateLimit } from "../../application/ports/rate-limiter.js"

/**
 * What a limit's key is stored under: its first segment (the kind, e.g. "otp") readable, the rest
 * hashed. Keys carry caller-supplied text (emails, addresses, phones): stored hashed they are a
 * fixed 50-odd bytes whatever was sent, and a dump of Redis names no one.
 */
export const storageKey = (key: string): string => {
  const colon = key.indexOf(":")
  const kind = colon > 0 && colon <= 32 ? key.slice(0, colon) : "key"
  return `${kind}:${createHash("sha256").update(key).digest("base64url")}`
}

/** A limit that cannot be honoured is a caller bug, not a runtime condition: it dies loudly. */
export const assertValidLimit = (limit: RateLimit): void => {
  if (!Number.isSafeInteger(limit.limit) || limit.limit < 1) {
    throw new RangeError(`RateLimiter: limit must be a positive integer, got ${limit.limit} for ${limit.key}`)
  }
  if (!Number.isSafeInteger(limit.windowMs) || limit.windowMs < 1) {
    throw new RangeError(`RateLimiter: windowMs must be a positive integer, got ${limit.windowMs} for ${limit.key}`)
  }
}

const forgetAged = (log: Array<number>, now: number, windowMs: number): void => {
  let expired = 0
  while (expired < log.length && (log[expired] as number) <= now - windowMs) expired++
  log.splice(0, expired)
}

/** Steps 1 and 2/3 without logging: what a hit now would be told (the "peek" of the port). */
export const peekLog = (log: Array<number>, now: number, limit: number, windowMs: number): RateDecision => {
  forgetAged(log, now, windowMs)
  const count = log.length
  return count < limit ? { allowed: true, remaining: limit - count - 1 } : { allowed: false, retryAfterMs: (log[count - limit] as number) + windowMs - now }
}

/**
 * Apply the rule to an ascending log of hit times, in place (the in-process limiter owns the array).
 */
export const hitLog = (log: Array<number>, now: number, limit: number, windowMs: number): RateDecision => {
  forgetAged(log, now, windowMs)
  const count = log.length
  if (count < limit) {
    // A clock that stepped back would log out of order; keep the log sorted like a Redis ZSET.
    let at = log.length
    while (at > 0 && (log[at - 1] as number) > now) at--
    log.splice(at, 0, now)
    return { allowed: true, remaining: limit - count - 1 }
  }
  return { allowed: false, retryAfterMs: (log[count - limit] as number) + windowMs - now }
}

/**
 * The same rule in Lua. KEYS[1] = the log (a ZSET scored by hit time);
 * ARGV = now, windowMs, limit, a unique member for this hit.
 * Returns {1, remaining} or {0, retryAfterMs}. `record` false is the port's `peek`: no ZADD.
 */
const windowScript = (record: boolean): string => `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then${record ? "\n  redis.call('ZADD', key, now, ARGV[4])\n  redis.call('PEXPIRE', key, window)" : ""}
  return {1, limit - count - 1}
end
local edge = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return {0, tonumber(edge[2]) + window - now}
`

export const hitScript = windowScript(true)
export const peekScript = windowScript(false)
