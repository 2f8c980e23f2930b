/**
 * CatalogueReader over PostgreSQL. "Sellable" is the domain's rule (domain/catalogue.ts
 * `sellability`) restated as a WHERE clause so the database can filter and page: store KYC VERIFIED,
 * product VERIFIED (and not archived), brand VERIFIED when there is one, an active variant with stock available.
 *
 * Search: Postgres full text in two configurations — 'simple' (words as typed: Swahili and
 * anything else) and 'english' (stemmed: "dresses" finds "dress") — plus pg_trgm word similarity
 * over title and description for typos ("kitnge" finds "Kitenge"). Ranked by the best of the two.
 */
import type { BrandId, CategoryId, LocationId, ProductId, StoreId, VariantId } from "../../domain/ids.js"
import { Effect, Layer, Option } from "effect"
import { CatalogueReader } from "../../application/catalogue/catalogue.port.js"
import type { LocationView, ProductSummary } from "../../application/catalogue/catalogue.port.js"
import type { Currency } from "../../domain/money.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

/** pg_trgm word similarity at or above this counts as a (typo-tolerant) match. */
const TYPO_THRESHOLD = 0.45

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
export type SummaryRow = {
  id: ProductId
  store_id: StoreId
  store_name: string
  title: string
  description: string
  price: number
  currency: string
  media: Array<string>
  available: number
}
/** A product row as buyers see it (search, a store's list). */
export const summary = (r: SummaryRow): ProductSummary => ({
  id: r.id,
  storeId: r.store_id,
  storeName: r.store_name,
  title: r.title,
  description: r.description,
  price: { amount: r.price, currency: r.currency.trim() as Currency },
  media: r.media,
  available: r.available
})

type LocationRow = {
  id: LocationId
  kind: LocationView["kind"]
  name: string
  parent_id: LocationId | null
  address: string | null
  lat: string | null
  lng: string | null
}
const location = (r: LocationRow): LocationView => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  parentId: r.parent_id ?? undefined,
  address: r.address ?? undefined,
  lat: r.lat === null ? undefined : Number(r.lat),
  lng: r.lng === null ? undefined : Number(r.lng)
})

export const CatalogueReaderLive = Layer.effect(
  CatalogueReader,
  Effect.map(Database, (db) => ({
    search: ({ text, limit, offset, storeId }) =>
      Effect.map(
        q(db, (sql) => {
          const matches =
            text === undefined
              ? sql`true`
              : sql`(p.search @@ websearch_to_tsquery('simple', ${text})
                     or p.search_en @@ websearch_to_tsquery('english', ${text})
                     or word_similarity(lower(${text}), lower(p.title || ' ' || p.description)) >= ${TYPO_THRESHOLD})`
          const score =
            text === undefined
              ? sql`0::real`
              : sql`greatest(ts_rank(p.search, websearch_to_tsquery('simple', ${text})), ts_rank(p.search_en, websearch_to_tsquery('english', ${text})),
                             word_similarity(lower(${text}), lower(p.title || ' ' || p.description)))`
          return sql<Array<SummaryRow>>`
            select p.id, p.store_id, s.name as store_name, p.title, p.description, p.base_price as price, p.currency, p.media, st.available
              from products p
              join stores s on s.id = p.store_id and s.kyc_state = 'VERIFIED'
              left join brands b on b.id = p.brand_id
              cross join lateral (
                select coalesce(sum(i.on_hand - i.reserved), 0)::int as available
                  from variants v join inventory i on i.variant_id = v.id where v.product_id = p.id and v.active
              ) st
             where p.state = 'VERIFIED' and p.archived_at is null and (p.brand_id is null or b.state = 'VERIFIED') and st.available > 0 and ${matches}
               and ${storeId === undefined ? sql`true` : sql`p.store_id = ${storeId}`}
             order by ${score} desc, p.created_at desc, p.id
             limit ${limit} offset ${offset}`
        }),
        (rows) => rows.map(summary)
      ),

    product: (productId) =>
      Effect.gen(function* () {
        const rows = yield* q(
          db,
          (sql) => sql<
            Array<SummaryRow & { brand_name: string | null; brand_state: string | null; category_id: CategoryId | null; commission_rate_bps: number }>
          >`
          select p.id, p.store_id, s.name as store_name, p.title, p.description, p.base_price as price, p.currency, p.media,
                 b.name as brand_name, b.state as brand_state, p.category_id, p.commission_rate_bps, 0 as available
            from products p join stores s on s.id = p.store_id left join brands b on b.id = p.brand_id
           where p.id = ${productId} and p.state = 'VERIFIED' and p.archived_at is null and s.kyc_state = 'VERIFIED'`
        )
        const r = rows[0]
        if (!r) return Option.none()
        const variants = yield* q(
          db,
          (sql) => sql<Array<{ id: VariantId; sku: string; attributes: Record<string, string>; price: number; weight_grams: number; available: number }>>`
          select v.id, v.sku, v.attributes, coalesce(v.price_override, ${r.price}) as price, v.weight_grams,
                 coalesce((select sum(i.on_hand - i.reserved) from inventory i where i.variant_id = v.id), 0)::int as available
            from variants v where v.product_id = ${productId} and v.active order by v.id`
        )
        const currency = r.currency.trim() as Currency
        const available = variants.reduce((n, v) => n + v.available, 0)
        const brandOk = r.brand_name === null || r.brand_state === "VERIFIED"
        return Option.some({
          ...summary({ ...r, available }),
          brand: r.brand_name ?? undefined,
          categoryId: r.category_id ?? undefined,
          commissionRateBps: r.commission_rate_bps,
          sellable: brandOk && available > 0,
          variants: variants.map((v) => ({
            id: v.id,
            sku: v.sku,
            attributes: v.attributes,
            price: { amount: v.price, currency },
            weightGrams: v.weight_grams,
            available: v.available
          }))
        })
      }),

    pickupPoints: ({ text, limit }) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<LocationRow>>`
          select id, kind, name, parent_id, address, lat::text, lng::text from locations
           where kind = 'PICKUP_POINT' and active
             and (${text ?? null}::text is null
                  or lower(name || ' ' || coalesce(address, '')) like '%' || lower(${text ?? ""}) || '%'
                  or word_similarity(lower(${text ?? ""}), lower(name || ' ' || coalesce(address, ''))) >= ${TYPO_THRESHOLD})
           order by word_similarity(lower(${text ?? ""}), lower(name || ' ' || coalesce(address, ''))) desc, name, id
           limit ${limit}`
        ),
        (rows) => rows.map(location)
      ),

    locations: (parentId) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<LocationRow>>`
          select id, kind, name, parent_id, address, lat::text, lng::text from locations
           where active and ${parentId === undefined ? sql`parent_id is null` : sql`parent_id = ${parentId}`}
           order by case kind when 'COUNTY' then code else name end, id`
        ),
        (rows) => rows.map(location)
      ),

    locationExists: (id) =>
      Effect.map(
        q(db, (sql) => sql`select 1 from locations where id = ${id}`),
        (rows) => rows.length > 0
      ),

    categories: () =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ id: CategoryId; name: string; slug: string; parent_id: CategoryId | null }>>`
          select id, name, slug, parent_id from categories order by parent_id nulls first, name, id`
        ),
        (rows) => rows.map((r) => ({ id: r.id, name: r.name, slug: r.slug, parentId: r.parent_id ?? undefined }))
      ),

    verifiedBrands: () =>
      Effect.map(
        q(db, (sql) => sql<Array<{ id: BrandId; name: string }>>`select id, name from brands where state = 'VERIFIED' order by lower(name), id`),
        (rows) => rows.map((r) => ({ id: r.id, name: r.name }))
      )
  }))
)
