/**
 * Cache: short-lived copies of reads that many requests share (a store's settings, its product
 * list), in Redis when REDIS_URL is set (shared by every instance), in-process otherwise. Values are
 * text with a time to live; `invalidate` drops every key under a prefix. A cache that cannot answer
 * is CacheUnavailable: readers fall back to the database, invalidators fail (and are retried).
 */
import { Context, Data } from "effect"
import type { Effect, Option } from "effect"

export class CacheUnavailable extends Data.TaggedError("CacheUnavailable")<{ readonly cause: unknown }> {
  readonly code = "CACHE.UNAVAILABLE"
}

export class Cache extends Context.Tag("amana/Cache")<
  Cache,
  {
    readonly get: (key: string) => Effect.Effect<Option.Option<string>, CacheUnavailable>
    readonly set: (key: string, value: string, ttlMs: number) => Effect.Effect<void, CacheUnavailable>
    /** Drops every key that starts with `prefix`. */
    readonly invalidate: (prefix: string) => Effect.Effect<void, CacheUnavailable>
  }
>() {}
