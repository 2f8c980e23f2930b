/**
 * A store's Meta catalogue feed (GET /feeds/meta/:storeSlug.csv): its listed SKUs as Meta's data
 * feed in CSV (domain/meta-feed.ts), for a KYC-verified store only (else StoreNotFound, 404).
 * Cached under the store's cache prefix, so the storefront's invalidation (every product, stock,
 * KYC and brand change: composition/event-handlers.ts, STORE_CHANGES) drops it with the rest; the
 * time to live bounds what no event announces (stock reserved by checkouts).
 */
import { Effect, Option } from "effect"
import { feedCsv, feedRows } from "../../domain/meta-feed.js"
import { Cache } from "../ports/cache.js"
import { storeBySlug, storeCacheKey } from "../storefront/storefront.js"
import { CatalogueLinks, MetaFeedReader } from "./meta-catalogue.port.js"

export const META_FEED_TTL_MS = 5 * 60_000
const FEED_KEY = "meta-feed.csv"

export const metaFeed = (slug: string) =>
  Effect.gen(function* () {
    const store = yield* storeBySlug(slug)
    const cache = yield* Cache
    const key = storeCacheKey(store.slug, FEED_KEY)
    const hit = yield* cache
      .get(key)
      .pipe(Effect.catchTag("CacheUnavailable", (e) => Effect.as(Effect.logWarning("cache read failed", e.cause), Option.none<string>())))
    if (Option.isSome(hit)) return hit.value
    const items = yield* Effect.flatMap(MetaFeedReader, (r) => r.listedItems(store.id))
    const links = yield* CatalogueLinks
    const csv = feedCsv(feedRows(items.map((i) => ({ ...i, link: links.productLink(i.productId) }))))
    yield* cache.set(key, csv, META_FEED_TTL_MS).pipe(Effect.catchTag("CacheUnavailable", (e) => Effect.logWarning("cache write failed", e.cause)))
    return csv
  }).pipe(Effect.withSpan("MetaCatalogue.feed"))
