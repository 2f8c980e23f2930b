/** StorefrontReader over PostgreSQL: a verified store by slug and the products buyers may see in it. */
import type { StoreId } from "../../domain/ids.js"
import { Effect, Layer, Option } from "effect"
import { StorefrontReader } from "../../application/storefront/storefront.port.js"
import type { Currency } from "../../domain/money.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"
import { summary } from "./catalogue-store.js"
import type { SummaryRow } from "./catalogue-store.js"

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
export const StorefrontReaderLive = Layer.effect(
  StorefrontReader,
  Effect.map(Database, (db) => ({
    storeBySlug: (slug) =>
      Effect.map(
        q(
          db,
          (sql) => sql<
            Array<{
              id: StoreId
              slug: string
              name: string
              currency: string
              product_count: number
              created_at: Date
              badges: Array<{ code: string; title: string; reachedAt: number }>
            }>
          >`
          select s.id, s.slug, s.name, s.currency, s.created_at,
                 coalesce((select json_agg(json_build_object('code', m.code, 'title', d.title, 'reachedAt', (extract(epoch from m.reached_at) * 1000)::bigint)
                                           order by m.reached_at, d.threshold)
                             from store_milestones m join milestone_definitions d on d.code = m.code where m.store_id = s.id), '[]'::json) as badges,
                 (select count(*)::int from products p left join brands b on b.id = p.brand_id
                   where p.store_id = s.id and p.state = 'VERIFIED' and p.archived_at is null and (p.brand_id is null or b.state = 'VERIFIED')) as product_count
            from stores s where s.slug = ${slug} and s.kyc_state = 'VERIFIED'`
        ),
        (rows) =>
          Option.map(Option.fromNullable(rows[0]), (r) => ({
            id: r.id,
            slug: r.slug,
            name: r.name,
            currency: r.currency.trim() as Currency,
            productCount: r.product_count,
            badges: r.badges.map((b) => ({ code: b.code, title: b.title, reachedAt: Number(b.reachedAt) })),
            openedAt: r.created_at.getTime()
          }))
      ),
    storeProducts: (storeId, { limit, offset }) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<SummaryRow>>`
          select p.id, p.store_id, s.name as store_name, p.title, p.description, p.base_price as price, p.currency, p.media,
                 coalesce((select sum(i.on_hand - i.reserved) from variants v join inventory i on i.variant_id = v.id
                            where v.product_id = p.id and v.active), 0)::int as available
            from products p join stores s on s.id = p.store_id and s.kyc_state = 'VERIFIED'
            left join brands b on b.id = p.brand_id
           where p.store_id = ${storeId} and p.state = 'VERIFIED' and p.archived_at is null and (p.brand_id is null or b.state = 'VERIFIED')
           order by p.created_at desc, p.id
           limit ${limit} offset ${offset}`
        ),
        (rows) => rows.map(summary)
      ),
    slugOf: (storeId) =>
      Effect.map(
        q(db, (sql) => sql<Array<{ slug: string | null }>>`select slug from stores where id = ${storeId}`),
        (rows) => Option.flatMap(Option.fromNullable(rows[0]), (r) => Option.fromNullable(r.slug))
      )
  }))
)
