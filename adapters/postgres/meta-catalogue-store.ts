/** The Meta catalogue's reads (a store's variants as the feed sees them) and its connection and batches (migration 0076). */
import { Effect, Layer, Option } from "effect"
import { CatalogueConnectionStore, MetaFeedReader } from "../../application/meta-catalogue/meta-catalogue.port.js"
import type { BatchItemError, CatalogueBatch, CatalogueConnection, FeedSource } from "../../application/meta-catalogue/meta-catalogue.port.js"
import type { ProductId, StoreId, UserId } from "../../domain/ids.js"
import type { Currency } from "../../domain/money.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

type VariantRow = {
  sku: string
  product_id: string
  title: string
  description: string
  price: string
  currency: string
  available: number
  media: Array<string>
  brand: string | null
  store_name: string
  listed: boolean
}

const source = (r: VariantRow): FeedSource => ({
  sku: r.sku,
  productId: r.product_id,
  title: r.title,
  description: r.description,
  priceMinor: Number(r.price),
  currency: r.currency.trim() as Currency,
  available: r.available,
  media: r.media,
  brand: r.brand ?? undefined,
  storeName: r.store_name
})

type ConnectionRow = { store_id: StoreId; catalog_id: string; token_sealed: string; connected_at: Date; connected_by: UserId }
const connection = (r: ConnectionRow): CatalogueConnection => ({
  storeId: r.store_id,
  catalogId: r.catalog_id,
  sealedToken: r.token_sealed,
  connectedAt: r.connected_at.getTime(),
  connectedBy: r.connected_by
})

type BatchRow = {
  id: string
  store_id: StoreId
  catalog_id: string
  handles: Array<string>
  items: number
  status: CatalogueBatch["status"]
  errors: Array<{ id: string | null; message: string }>
  submitted_at: Date
  finished_at: Date | null
}
const batch = (r: BatchRow): CatalogueBatch => ({
  id: r.id,
  storeId: r.store_id,
  catalogId: r.catalog_id,
  handles: r.handles,
  items: r.items,
  status: r.status,
  errors: r.errors.map((e) => ({ id: e.id ?? undefined, message: e.message })),
  submittedAt: r.submitted_at.getTime(),
  finishedAt: r.finished_at?.getTime()
})
const errorsJson = (errors: ReadonlyArray<BatchItemError>) => errors.map((e) => ({ id: e.id ?? null, message: e.message }))

export const MetaFeedReaderLive = Layer.effect(
  MetaFeedReader,
  Effect.map(Database, (db) => {
    // The same rule as the storefront (storefront-store.ts): a KYC-verified store, a verified product not
    // archived, its brand verified or none; and the variant active. Stock summed over every location.
    const variants = (storeId: StoreId, productIds: ReadonlyArray<ProductId> | undefined, listedOnly: boolean) =>
      q(
        db,
        (sql) => sql<Array<VariantRow>>`
        select v.sku, p.id as product_id, p.title, p.description, coalesce(v.price_override, p.base_price) as price, p.currency, p.media,
               coalesce((select sum(i.on_hand - i.reserved) from inventory i where i.variant_id = v.id), 0)::int as available,
               case when b.state = 'VERIFIED' then b.name end as brand, s.name as store_name,
               (s.kyc_state = 'VERIFIED' and p.state = 'VERIFIED' and p.archived_at is null and v.active
                 and (p.brand_id is null or b.state = 'VERIFIED')) as listed
          from products p join stores s on s.id = p.store_id join variants v on v.product_id = p.id
          left join brands b on b.id = p.brand_id
         where p.store_id = ${storeId}
           ${productIds === undefined ? sql`` : sql`and p.id = any(${[...productIds] as Array<string>})`}
           ${listedOnly ? sql`and s.kyc_state = 'VERIFIED' and p.state = 'VERIFIED' and p.archived_at is null and v.active and (p.brand_id is null or b.state = 'VERIFIED')` : sql``}
         order by p.created_at, p.id, v.sku`
      )
    return MetaFeedReader.of({
      listedItems: (storeId) => Effect.map(variants(storeId, undefined, true), (rows) => rows.map(source)),
      variants: (storeId, productIds) =>
        Effect.map(variants(storeId, productIds, false), (rows) => rows.map((r) => ({ sku: r.sku, listed: r.listed, item: source(r) })))
    })
  })
)

export const CatalogueConnectionStoreLive = Layer.effect(
  CatalogueConnectionStore,
  Effect.map(Database, (db) => {
    const one = (storeId: StoreId, forUpdate: boolean) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<ConnectionRow>>`
          select store_id, catalog_id, token_sealed, connected_at, connected_by from meta_catalogue_connections
           where store_id = ${storeId} ${forUpdate ? sql`for update` : sql``}`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), connection)
      )
    return CatalogueConnectionStore.of({
      find: (storeId) => one(storeId, false),
      lock: (storeId) => one(storeId, true),
      save: (c) =>
        Effect.asVoid(
          q(
            db,
            (sql) => sql`
            insert into meta_catalogue_connections (store_id, catalog_id, token_sealed, connected_at, connected_by)
            values (${c.storeId}, ${c.catalogId}, ${c.sealedToken}, ${new Date(c.connectedAt)}, ${c.connectedBy})
            on conflict (store_id) do update set catalog_id = excluded.catalog_id, token_sealed = excluded.token_sealed,
              connected_at = excluded.connected_at, connected_by = excluded.connected_by`
          )
        ),
      remove: (storeId) =>
        Effect.map(
          q(db, (sql) => sql`delete from meta_catalogue_connections where store_id = ${storeId} returning store_id`),
          (rows) => rows.length > 0
        ),
      connectedProductsOfBrand: (brandId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ store_id: StoreId; product_ids: Array<ProductId> }>>`
            select p.store_id, array_agg(p.id order by p.id) as product_ids
              from products p join meta_catalogue_connections c on c.store_id = p.store_id
             where p.brand_id = ${brandId} group by p.store_id order by p.store_id`
          ),
          (rows) => rows.map((r) => ({ storeId: r.store_id, productIds: r.product_ids }))
        ),
      recordBatch: (b) =>
        Effect.asVoid(
          q(
            db,
            (sql) => sql`
            insert into meta_catalogue_batches (id, store_id, catalog_id, handles, items, status, errors, submitted_at, finished_at)
            values (${b.id}, ${b.storeId}, ${b.catalogId}, ${sql.json([...b.handles])}, ${b.items}, ${b.status}, ${sql.json(errorsJson(b.errors) as never)},
                    ${new Date(b.submittedAt)}, ${b.finishedAt === undefined ? null : new Date(b.finishedAt)})`
          )
        ),
      findBatch: (id) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<BatchRow>>`
            select id, store_id, catalog_id, handles, items, status, errors, submitted_at, finished_at from meta_catalogue_batches where id = ${id}`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), batch)
        ),
      finishBatch: (id, errors, at) =>
        Effect.asVoid(
          q(
            db,
            (sql) => sql`
            update meta_catalogue_batches set status = 'FINISHED', errors = ${sql.json(errorsJson(errors) as never)}, finished_at = ${new Date(at)}
             where id = ${id} and status = 'SUBMITTED'`
          )
        ),
      recentBatches: (storeId, limit) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<BatchRow>>`
            select id, store_id, catalog_id, handles, items, status, errors, submitted_at, finished_at from meta_catalogue_batches
             where store_id = ${storeId} order by submitted_at desc, id desc limit ${limit}`
          ),
          (rows) => rows.map(batch)
        )
    })
  })
)
