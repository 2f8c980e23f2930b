/**
 * The in-process RateLimiter (REDIS_URL unset: development, tests, a single instance). Same rule as
 * the Redis one (sliding-window.ts), same Clock; limits are per process, so with several instances
 * each would allow the limit on its own: production sets REDIS_URL.
 */
import { Clock, Effect, Layer } from "effect"
import { RateLimiter } from "../../application/ports/rate-limiter.js"
import type { RateLimit } from "../../application/ports/rate-limiter.js"
import { assertValidLimit, hitLog, peekLog, storageKey } from "./sliding-window.js"

interface Log {
  readonly hits: Array<number>
  /** Like Redis PEXPIRE: the log is dropped one window after its last allowed hit. */
  expiresAt: number
}

/** Sweep idle logs every this many hits, so keys that are never hit again do not pile up. */
const SWEEP_EVERY = 1_000

export const makeMemoryRateLimiter = (): RateLimiter["Type"] => {
  const logs = new Map<string, Log>()
  let sinceSweep = 0
  const sweep = (now: number) => {
    for (const [key, log] of logs) if (log.expiresAt <= now) logs.delete(key)
  }
  return {
    hit: (limit: RateLimit) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        assertValidLimit(limit)
        if (++sinceSweep >= SWEEP_EVERY) {
          sinceSweep = 0
          sweep(now)
        }
        const key = storageKey(limit.key)
        let log = logs.get(key)
        if (log === undefined || log.expiresAt <= now) {
          log = { hits: [], expiresAt: now }
          logs.set(key, log)
        }
        // Synchronous from here on: no other fiber can interleave, which is the atomicity Redis gets from Lua.
        const decision = hitLog(log.hits, now, limit.limit, limit.windowMs)
        if (decision.allowed) log.expiresAt = now + limit.windowMs
        return decision
      }),
    peek: (limit: RateLimit) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        assertValidLimit(limit)
        const log = logs.get(storageKey(limit.key))
        return peekLog(log === undefined || log.expiresAt <= now ? [] : log.hits, now, limit.limit, limit.windowMs)
      })
  }
}

/** A fresh, empty limiter each time the Layer is built. */
export const MemoryRateLimiterLive: Layer.Layer<RateLimiter> = Layer.sync(RateLimiter, makeMemoryRateLimiter)
