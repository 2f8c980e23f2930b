/**
 * The in-process Cache (REDIS_URL unset: development, tests, one instance). With the API and the
 * worker in one process (`npm start`) an outbox handler's invalidation reaches it; with them apart
 * (`--role=api` / `--role=worker`) set REDIS_URL, or entries live out their time to live.
 */
import { Clock, Effect, Layer, Option } from "effect"
import { Cache } from "../../application/ports/cache.js"

/** At most this many entries; the oldest inserted go first (a bound, not an LRU). */
const MAX_ENTRIES = 10_000

export const makeMemoryCache = (): Cache["Type"] => {
  const entries = new Map<string, { readonly value: string; readonly expiresAt: number }>()
  return {
    get: (key) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const e = entries.get(key)
        if (e === undefined) return Option.none()
        if (e.expiresAt <= now) {
          entries.delete(key)
          return Option.none()
        }
        return Option.some(e.value)
      }),
    set: (key, value, ttlMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        entries.delete(key)
        entries.set(key, { value, expiresAt: now + ttlMs })
        while (entries.size > MAX_ENTRIES) {
          const oldest = entries.keys().next()
          if (oldest.done === true) break
          entries.delete(oldest.value)
        }
      }),
    invalidate: (prefix) =>
      Effect.sync(() => {
        for (const key of [...entries.keys()]) if (key.startsWith(prefix)) entries.delete(key)
      })
  }
}

export const MemoryCacheLive = Layer.sync(Cache, makeMemoryCache)
