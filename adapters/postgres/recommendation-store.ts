/**
 * RecommendationStore in PostgreSQL (migration 0075). Writes: one completed order's pairs and units,
 * as upserts adding to the counts. Read: ONE statement for a page, over the pair counts of the
 * anchors (primary key prefix) and the stores' best sellers (index), the candidates' sellability
 * facts beside them. Orders are read only when one completes (its own lines), never on a request.
 */
import { Effect, Layer, Option } from "effect"
import { RecommendationStore } from "../../application/recommendations/recommendations.port.js"
import type { CompletedBasket } from "../../application/recommendations/recommendations.port.js"
import type { CheckoutId, ProductId, StoreId } from "../../domain/ids.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"
import { summary } from "./catalogue-store.js"
import type { SummaryRow } from "./catalogue-store.js"

type CandidateRow = SummaryRow & {
  store_verified: boolean
  product_verified: boolean
  archived: boolean
  brand_verified: boolean
  support: number
  units_sold: number
}

export const RecommendationStoreLive = Layer.effect(
  RecommendationStore,
  Effect.map(Database, (db) =>
    RecommendationStore.of({
      completedBasket: (orderId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ checkout_id: CheckoutId; store_id: StoreId; product_id: ProductId; units: number }>>`
            select o.checkout_id, o.store_id, l.product_id, sum(l.quantity)::int as units
              from orders o join order_lines l on l.order_id = o.id
             where o.id = ${orderId} and o.state = 'COMPLETED'
             group by o.checkout_id, o.store_id, l.product_id order by l.product_id`
          ),
          (rows): Option.Option<CompletedBasket> =>
            rows.length === 0
              ? Option.none()
              : Option.some({
                  orderId,
                  checkoutId: rows[0]!.checkout_id,
                  storeId: rows[0]!.store_id,
                  lines: rows.map((r) => ({ productId: r.product_id, units: Number(r.units) }))
                })
        ),
      lockCheckout: (checkoutId) => Effect.asVoid(q(db, (sql) => sql`select pg_advisory_xact_lock(hashtextextended(${`recommendations:${checkoutId}`}, 0))`)),
      claimOrder: (orderId, checkoutId, at) =>
        Effect.map(
          q(
            db,
            (sql) => sql`insert into recommendation_counted_orders (order_id, checkout_id, counted_at) values (${orderId}, ${checkoutId}, ${new Date(at)})
                         on conflict do nothing returning order_id`
          ),
          (rows) => rows.length === 1
        ),
      countedProducts: (checkoutId, except) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ product_id: string }>>`
            select distinct l.product_id from recommendation_counted_orders c join order_lines l on l.order_id = c.order_id
             where c.checkout_id = ${checkoutId} and c.order_id <> ${except}`
          ),
          (rows) => rows.map((r) => r.product_id)
        ),
      addPairs: (pairs) =>
        pairs.length === 0
          ? Effect.void
          : Effect.asVoid(
              q(
                db,
                (sql) => sql`
                insert into product_pair_counts (product_id, other_id, baskets)
                select p, o, 1 from unnest(${pairs.map((x) => x.productId)}::text[], ${pairs.map((x) => x.otherId)}::text[]) as t(p, o)
                on conflict (product_id, other_id) do update set baskets = product_pair_counts.baskets + 1`
              )
            ),
      addSales: (storeId, lines) =>
        lines.length === 0
          ? Effect.void
          : Effect.asVoid(
              q(
                db,
                (sql) => sql`
                insert into product_sales_counts (product_id, store_id, units)
                select p, ${storeId}, u from unnest(${lines.map((l) => l.productId)}::text[], ${lines.map((l) => l.units)}::bigint[]) as t(p, u)
                on conflict (product_id) do update set units = product_sales_counts.units + excluded.units`
              )
            ),
      candidates: ({ anchors, storeIds, minSupport, pool, onlyStore }) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<CandidateRow>>`
            with pairs as (
              select other_id as product_id, sum(baskets)::int as support from product_pair_counts
               where product_id = any(${[...anchors]}::text[]) group by other_id having sum(baskets) >= ${minSupport}
               order by support desc, other_id limit ${pool}),
            best as (
              select product_id from product_sales_counts where store_id = any(${[...storeIds]}::text[]) order by units desc, product_id limit ${pool}),
            ids as (select product_id from pairs union select product_id from best)
            select p.id, p.store_id, s.name as store_name, p.title, p.description, p.base_price as price, p.currency, p.media, st.available,
                   s.kyc_state = 'VERIFIED' as store_verified, p.state = 'VERIFIED' as product_verified, p.archived_at is not null as archived,
                   (p.brand_id is null or b.state = 'VERIFIED') as brand_verified,
                   coalesce(pairs.support, 0) as support, coalesce(sc.units, 0)::float8 as units_sold
              from ids join products p on p.id = ids.product_id join stores s on s.id = p.store_id
              left join brands b on b.id = p.brand_id
              left join pairs on pairs.product_id = p.id
              left join product_sales_counts sc on sc.product_id = p.id
              cross join lateral (
                select coalesce(sum(i.on_hand - i.reserved), 0)::int as available
                  from variants v join inventory i on i.variant_id = v.id where v.product_id = p.id and v.active
              ) st
             where ${onlyStore === undefined ? sql`true` : sql`p.store_id = ${onlyStore}`}`
          ),
          (rows) =>
            rows.map((r) => ({
              productId: r.id,
              storeId: r.store_id,
              storeVerified: r.store_verified,
              productVerified: r.product_verified,
              archived: r.archived,
              brandVerified: r.brand_verified,
              available: Number(r.available),
              support: Number(r.support),
              unitsSold: Number(r.units_sold),
              summary: summary(r)
            }))
        )
    })
  )
)
