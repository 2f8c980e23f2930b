/**
 * Stores as tenants: a store by its slug and its product list, as buyers may see them (a
 * KYC-verified store, its verified products), cached (Redis or in-process, the Cache port) and
 * dropped from the cache when the store or one of its products changes (an outbox handler runs
 * `invalidateStoreCache` on the change's events). A cache that cannot answer is skipped: the
 * database answers instead. Misses are never cached (a slug nobody has yet may be opened).
 */
import { Data, Effect, Option } from "effect"
import type { StoreId } from "../../domain/ids.js"
import type { ProductSummary } from "../catalogue/catalogue.port.js"
import { Cache } from "../ports/cache.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import { StorefrontReader } from "./storefront.port.js"
import type { StoreView } from "./storefront.port.js"

export class StoreNotFound extends Data.TaggedError("StoreNotFound")<{ readonly slug: string }> {
  readonly code = "STORE.NOT_FOUND"
  override get message() {
    return `there is no store ${this.slug} open to buyers`
  }
}

/** Store settings change rarely and are invalidated on change; product lists also carry stock, so they live shorter. */
export const STORE_TTL_MS = 5 * 60_000
export const STORE_PRODUCTS_TTL_MS = 60_000

const storeKeys = (slug: string) => `store:${slug}:`
/** A key under the store's prefix: dropped with the rest of its cache when the store or one of its products changes. */
export const storeCacheKey = (slug: string, name: string) => `${storeKeys(slug.toLowerCase())}${name}`

/** Read through the cache: a hit is returned as stored, a miss is loaded and stored (Some only). */
const cachedSome = <A, E, R>(key: string, ttlMs: number, load: Effect.Effect<Option.Option<A>, E, R>) =>
  Effect.gen(function* () {
    const cache = yield* Cache
    const hit = yield* cache
      .get(key)
      .pipe(Effect.catchTag("CacheUnavailable", (e) => Effect.as(Effect.logWarning("cache read failed", e.cause), Option.none())))
    if (Option.isSome(hit)) return Option.some(JSON.parse(hit.value) as A)
    const loaded = yield* load
    if (Option.isSome(loaded))
      yield* cache
        .set(key, JSON.stringify(loaded.value), ttlMs)
        .pipe(Effect.catchTag("CacheUnavailable", (e) => Effect.logWarning("cache write failed", e.cause)))
    return loaded
  })

export const storeBySlug = (slug: string) =>
  Effect.gen(function* () {
    const reader = yield* StorefrontReader
    const key = slug.toLowerCase()
    const store = yield* cachedSome<StoreView, StoreUnavailable, never>(`${storeKeys(key)}settings`, STORE_TTL_MS, reader.storeBySlug(key))
    return yield* Option.match(store, { onNone: () => Effect.fail(new StoreNotFound({ slug })), onSome: Effect.succeed })
  }).pipe(Effect.withSpan("Storefront.store"))

export const storeProducts = (slug: string, limit = 20, offset = 0) =>
  Effect.gen(function* () {
    const store = yield* storeBySlug(slug)
    const reader = yield* StorefrontReader
    const items = yield* cachedSome<ReadonlyArray<ProductSummary>, StoreUnavailable, never>(
      `${storeKeys(store.slug)}products:${limit}:${offset}`,
      STORE_PRODUCTS_TTL_MS,
      Effect.map(reader.storeProducts(store.id, { limit, offset }), Option.some)
    )
    return { store, items: Option.getOrElse(items, () => []) }
  }).pipe(Effect.withSpan("Storefront.products"))

/** Drops what is cached for one store (its settings and every page of its products). */
export const invalidateStoreCache = (storeId: StoreId) =>
  Effect.gen(function* () {
    const slug = yield* Effect.flatMap(StorefrontReader, (r) => r.slugOf(storeId))
    if (Option.isSome(slug)) yield* Effect.flatMap(Cache, (c) => c.invalidate(storeKeys(slug.value)))
  }).pipe(Effect.withSpan("Storefront.invalidate"))

/** Drops every store's cache (a brand decision can change what many stores show). */
export const invalidateAllStoreCaches = () => Effect.flatMap(Cache, (c) => c.invalidate("store:")).pipe(Effect.withSpan("Storefront.invalidateAll"))
