/** MilestoneStore in PostgreSQL (migration 0070). */
import { Effect, Layer, Option } from "effect"
import { MilestoneStore } from "../../application/milestones/milestones.port.js"
import type { MilestoneDefinition } from "../../domain/milestones.js"
import type { Currency } from "../../domain/money.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

export const MilestoneStoreLive = Layer.effect(
  MilestoneStore,
  Effect.map(Database, (db) =>
    MilestoneStore.of({
      activeDefinitions: () =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ code: string; title: string; kind: MilestoneDefinition["kind"]; threshold: number; currency: string | null }>>`
            select code, title, kind, threshold, currency from milestone_definitions where active order by threshold, code`
          ),
          (rows) =>
            rows.map((r) => ({
              code: r.code,
              title: r.title,
              kind: r.kind,
              threshold: Number(r.threshold),
              currency: r.currency === null ? undefined : (r.currency.trim() as Currency)
            }))
        ),
      progress: (storeId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ currency: string; sales: number; revenue: number }>>`
            select currency, count(*)::int as sales, coalesce(sum(subtotal), 0)::bigint as revenue
              from orders where store_id = ${storeId} and state = 'COMPLETED' group by currency`
          ),
          (rows) => ({
            sales: rows.reduce((n, r) => n + r.sales, 0),
            revenue: Object.fromEntries(rows.map((r) => [r.currency.trim(), Number(r.revenue)]))
          })
        ),
      reachedCodes: (storeId) =>
        Effect.map(
          q(db, (sql) => sql<Array<{ code: string }>>`select code from store_milestones where store_id = ${storeId}`),
          (rows) => new Set(rows.map((r) => r.code))
        ),
      record: (storeId, code, orderId, at) =>
        Effect.map(
          q(
            db,
            (sql) => sql`insert into store_milestones (store_id, code, reached_at, order_id) values (${storeId}, ${code}, ${new Date(at)}, ${orderId})
                         on conflict do nothing returning code`
          ),
          (rows) => rows.length === 1
        ),
      badges: (storeId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ code: string; title: string; reached_at: Date }>>`
            select m.code, d.title, m.reached_at from store_milestones m join milestone_definitions d on d.code = m.code
             where m.store_id = ${storeId} order by m.reached_at, d.threshold`
          ),
          (rows) => rows.map((r) => ({ code: r.code, title: r.title, reachedAt: r.reached_at.getTime() }))
        ),
      ownerContact: (storeId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ phone: string; name: string }>>`
            select u.phone, s.name from stores s join users u on u.id = s.owner_user_id where s.id = ${storeId}`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ phone: r.phone, storeName: r.name }))
        )
    })
  )
)
