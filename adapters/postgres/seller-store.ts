/** SellerStore over PostgreSQL: stores, listings (products + variants), stock, ledger lines, payouts. */
// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
import type { OrderId, ProductId, StoreId, VariantId } from "../../domain/ids.js"
import { Effect, Layer, Option, Schema } from "effect"
import { SellerStore, SkuTaken } from "../../application/seller/seller.port.js"
import type { StockLine } from "../../application/seller/seller.port.js"
import { Product, Variant } from "../../domain/catalogue.js"
import type { Listing } from "../../domain/catalogue.js"
import type { Currency } from "../../domain/money.js"
import type { DbError } from "./database.js"
import { Database } from "./database.js"
import { q, unavailable } from "./unit-of-work.js"

const decodeProduct = Schema.decodeUnknownSync(Product)
const decodeVariant = Schema.decodeUnknownSync(Variant)

type ProductRow = {
  id: string
  store_id: string
  brand_id: string | null
  category_id: string | null
  title: string
  description: string
  base_price: number
  currency: string
  media: Array<string>
  state: string
  rejection_reason: string | null
  commission_rate_bps: number
}
type VariantRow = {
  id: VariantId
  product_id: string
  sku: string
  attributes: Record<string, string>
  price_override: number | null
  weight_grams: number
  on_hand: number
  reserved: number
}

const toListing = (p: ProductRow, variants: ReadonlyArray<VariantRow>): { listing: Listing; stock: ReadonlyArray<StockLine> } => {
  const currency = p.currency.trim() as Currency
  return {
    listing: {
      product: decodeProduct({
        id: p.id,
        storeId: p.store_id,
        ...(p.brand_id && { brandId: p.brand_id }),
        ...(p.category_id && { categoryId: p.category_id }),
        title: p.title,
        description: p.description,
        basePrice: { amount: p.base_price, currency },
        media: p.media,
        state: p.state,
        ...(p.rejection_reason && p.state === "REJECTED" && { rejectionReason: p.rejection_reason }),
        commissionRateBps: p.commission_rate_bps
      }),
      variants: variants.map((v) =>
        decodeVariant({
          id: v.id,
          productId: v.product_id,
          sku: v.sku,
          attributes: v.attributes,
          ...(v.price_override !== null && { priceOverride: { amount: v.price_override, currency } }),
          weightGrams: v.weight_grams
        })
      )
    },
    stock: variants.map((v) => ({ variantId: v.id, onHand: v.on_hand, reserved: v.reserved }))
  }
}

const productColumns = "id, store_id, brand_id, category_id, title, description, base_price, currency, media, state, rejection_reason, commission_rate_bps"

export const SellerStoreLive = Layer.effect(
  SellerStore,
  Effect.map(Database, (db) => {
    const variantsOf = (productIds: ReadonlyArray<string>) =>
      q(
        db,
        (sql) => sql<Array<VariantRow>>`
        select v.id, v.product_id, v.sku, v.attributes, v.price_override, v.weight_grams,
               coalesce(sum(i.on_hand), 0)::int as on_hand, coalesce(sum(i.reserved), 0)::int as reserved
          from variants v left join inventory i on i.variant_id = v.id
         where v.product_id = any(${productIds as Array<string>}) and v.active
         group by v.id order by v.id`
      )
    /** A unique-SKU violation is the seller's mistake; anything else is the store's. */
    const skuAware = <A>(sku: () => string, effect: Effect.Effect<A, DbError>) =>
      Effect.mapError(effect, (e) => (e.isUniqueViolation && (e.constraint ?? "").includes("sku") ? new SkuTaken({ sku: sku() }) : unavailable(e)))
    const writeVariants = (listing: Listing, stock: ReadonlyMap<string, number>) =>
      Effect.forEach(listing.variants, (v) =>
        skuAware(
          () => v.sku,
          db.query(
            (sql) => sql`
            insert into variants (id, product_id, sku, attributes, price_override, weight_grams, active)
            values (${v.id}, ${v.productId}, ${v.sku}, ${sql.json(v.attributes as never)}, ${v.priceOverride?.amount ?? null}, ${v.weightGrams}, true)
            on conflict (id) do update set sku = excluded.sku, attributes = excluded.attributes, price_override = excluded.price_override,
                                           weight_grams = excluded.weight_grams, active = true`
          )
        ).pipe(
          Effect.zipRight(
            q(
              db,
              (sql) => sql`
              insert into inventory (variant_id, stock_location_id, on_hand)
              select ${v.id}, sl.id, ${stock.get(v.id) ?? 0} from stock_locations sl
               where sl.store_id = ${listing.product.storeId} and sl.active order by sl.id limit 1
              on conflict do nothing`
            )
          )
        )
      )
    return {
      storeOf: (userId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ store_id: StoreId; name: string; role: "OWNER" | "STAFF" }>>`
            select m.store_id, s.name, m.role from store_members m join stores s on s.id = m.store_id
             where m.user_id = ${userId} order by (m.role = 'OWNER') desc, m.store_id limit 1`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ storeId: r.store_id, storeName: r.name, role: r.role }))
        ),

      listings: (storeId, archived) =>
        Effect.gen(function* () {
          const products = yield* q(
            db,
            (sql) =>
              sql<
                Array<ProductRow>
              >`select ${sql.unsafe(productColumns)} from products where store_id = ${storeId} and (archived_at is not null) = ${archived} order by created_at desc, id`
          )
          const variants = yield* variantsOf(products.map((p) => p.id))
          return products.map((p) =>
            toListing(
              p,
              variants.filter((v) => v.product_id === p.id)
            )
          )
        }),

      loadListing: (productId) =>
        Effect.gen(function* () {
          const rows = yield* q(
            db,
            (sql) => sql<Array<ProductRow>>`select ${sql.unsafe(productColumns)} from products where id = ${productId} and archived_at is null for update`
          )
          const p = rows[0]
          if (!p) return Option.none()
          return Option.some(toListing(p, yield* variantsOf([p.id])))
        }),

      insertListing: (listing, stock, at) =>
        Effect.gen(function* () {
          const p = listing.product
          yield* q(
            db,
            (sql) => sql`
            insert into products (id, store_id, brand_id, category_id, title, description, base_price, currency, media, state, commission_rate_bps, created_at, updated_at)
            values (${p.id}, ${p.storeId}, ${p.brandId ?? null}, ${p.categoryId ?? null}, ${p.title}, ${p.description}, ${p.basePrice.amount}, ${p.basePrice.currency},
                    ${sql.json(p.media as never)}, ${p.state}, ${p.commissionRateBps}, ${new Date(at)}, ${new Date(at)})`
          )
          yield* writeVariants(listing, stock)
        }),

      missingReferences: ({ brandId, categoryId }) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ brand: boolean; category: boolean }>>`
            select (${brandId ?? null}::text is null or exists (select 1 from brands where id = ${brandId ?? null})) as brand,
                   (${categoryId ?? null}::text is null or exists (select 1 from categories where id = ${categoryId ?? null})) as category`
          ),
          (rows) => [...(rows[0]?.brand === false ? (["brandId"] as const) : []), ...(rows[0]?.category === false ? (["categoryId"] as const) : [])]
        ),

      retiredVariants: (productId) =>
        q(db, (sql) => sql<Array<{ id: VariantId; sku: string }>>`select id, sku from variants where product_id = ${productId} and not active order by id`),

      updateListing: (listing, at) =>
        Effect.gen(function* () {
          const p = listing.product
          yield* q(
            db,
            (sql) => sql`
            update products set brand_id = ${p.brandId ?? null}, category_id = ${p.categoryId ?? null}, title = ${p.title}, description = ${p.description},
                   base_price = ${p.basePrice.amount}, media = ${sql.json(p.media as never)}, state = ${p.state},
                   rejection_reason = ${p.rejectionReason ?? null}, commission_rate_bps = ${p.commissionRateBps},
                   version = version + 1, updated_at = ${new Date(at)}
             where id = ${p.id}`
          )
          yield* q(
            db,
            (sql) => sql`update variants set active = false where product_id = ${p.id} and id <> all(${listing.variants.map((v) => v.id as string)})`
          )
          yield* writeVariants(listing, new Map())
        }),

      variantOwner: (variantId) =>
        Effect.map(
          q(
            db,
            (sql) =>
              sql<
                Array<{ store_id: StoreId; product_id: ProductId }>
              >`select p.store_id, p.id as product_id from variants v join products p on p.id = v.product_id where v.id = ${variantId}`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ storeId: r.store_id, productId: r.product_id }))
        ),

      setStock: (variantId, onHand) =>
        Effect.gen(function* () {
          // Stock is managed at the store's main (first) location.
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ stock_location_id: string; reserved: number; on_hand: number }>>`
            select i.stock_location_id, i.reserved, i.on_hand from inventory i where i.variant_id = ${variantId} order by i.stock_location_id limit 1 for update`
          )
          const row = rows[0]
          if (!row) {
            yield* q(
              db,
              (sql) => sql`
              insert into inventory (variant_id, stock_location_id, on_hand)
              select v.id, sl.id, ${onHand} from variants v join products p on p.id = v.product_id join stock_locations sl on sl.store_id = p.store_id
               where v.id = ${variantId} and sl.active order by sl.id limit 1`
            )
            return { ok: true, reserved: 0, before: 0 }
          }
          if (onHand < row.reserved) return { ok: false, reserved: row.reserved, before: row.on_hand }
          yield* q(
            db,
            (sql) =>
              sql`update inventory set on_hand = ${onHand}, updated_at = now() where variant_id = ${variantId} and stock_location_id = ${row.stock_location_id}`
          )
          return { ok: true, reserved: row.reserved, before: row.on_hand }
        }),

      ledger: (storeId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ created_at: Date; kind: string; order_id: OrderId | null; description: string | null; amount: number; currency: string }>>`
            select t.created_at, t.kind, t.order_id, t.description, e.amount, e.currency
              from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
             where e.account = 'SELLER_PAYABLE' and e.account_ref = ${storeId}
             order by t.created_at, e.id`
          ),
          // Credits to the payable are what the platform owes the seller: shown positive.
          (rows) =>
            rows.map((r) => ({
              at: r.created_at.getTime(),
              kind: r.kind,
              orderId: r.order_id ?? undefined,
              description: r.description ?? r.kind,
              amount: { amount: -r.amount, currency: r.currency.trim() as Currency }
            }))
        ),

      payouts: (storeId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: string; status: string; amount: number; currency: string; created_at: Date; mpesa_receipt_number: string | null }>>`
            select id, status, amount, currency, created_at, mpesa_receipt_number from payouts where payee_kind = 'SELLER' and payee_id = ${storeId} order by created_at`
          ),
          (rows) =>
            rows.map((r) => ({
              payoutId: r.id,
              status: r.status,
              amount: { amount: r.amount, currency: r.currency.trim() as Currency },
              createdAt: r.created_at.getTime(),
              receipt: r.mpesa_receipt_number ?? undefined
            }))
        ),

      settledSnapshots: (storeId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ snapshot: unknown; commission_reversed: boolean }>>`
            select s.snapshot,
                   exists (select 1 from ledger_transactions t where t.order_id = o.id and t.kind = 'COMMISSION_REVERSED') as commission_reversed
              from orders o join order_snapshots s on s.order_id = o.id
             where o.store_id = ${storeId} and exists (select 1 from ledger_transactions t where t.order_id = o.id and t.kind = 'ESCROW_RELEASED')
             order by o.completed_at, o.id`
          ),
          (rows) => rows.map((r) => ({ snapshot: r.snapshot, commissionReversed: r.commission_reversed }))
        )
    }
  })
)
