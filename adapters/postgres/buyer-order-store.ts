/** BuyerOrderStore over PostgreSQL: order lists and details (snapshot + timeline), disputes. */
import type { CheckoutId, OrderId, StoreId, UserId } from "../../domain/ids.js"
import { Effect, Layer, Option } from "effect"
import { BuyerOrderStore } from "../../application/buyer-orders/buyer-order.port.js"
import type { OrderListItem } from "../../application/buyer-orders/buyer-order.port.js"
import type { Currency } from "../../domain/money.js"
import type { ActorKind, OrderState } from "../../domain/order.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
type Row = {
  id: OrderId
  checkout_id: CheckoutId
  store_id: StoreId
  store_name: string
  state: OrderState
  total: number
  currency: string
  created_at: Date
  buyer_id: UserId
}
const item = (r: Row): OrderListItem => ({
  orderId: r.id,
  checkoutId: r.checkout_id,
  storeId: r.store_id,
  storeName: r.store_name,
  state: r.state,
  total: { amount: r.total, currency: r.currency.trim() as Currency },
  createdAt: r.created_at.getTime()
})

export const BuyerOrderStoreLive = Layer.effect(
  BuyerOrderStore,
  Effect.map(Database, (db) => ({
    list: ({ buyerId, storeId, limit, offset }) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<Row>>`
          select o.id, o.checkout_id, o.store_id, s.name as store_name, o.state, o.total, o.currency, o.created_at, o.buyer_id
            from orders o join stores s on s.id = o.store_id
           where ${buyerId !== undefined ? sql`o.buyer_id = ${buyerId}` : sql`o.store_id = ${storeId ?? ""}`}
           order by o.created_at desc, o.id desc limit ${limit} offset ${offset}`
        ),
        (rows) => rows.map(item)
      ),
    get: (orderId) =>
      Effect.gen(function* () {
        const rows = yield* q(
          db,
          (sql) => sql<Array<Row & { snapshot: unknown }>>`
          select o.id, o.checkout_id, o.store_id, s.name as store_name, o.state, o.total, o.currency, o.created_at, o.buyer_id, sn.snapshot
            from orders o join stores s on s.id = o.store_id join order_snapshots sn on sn.order_id = o.id
           where o.id = ${orderId}`
        )
        const r = rows[0]
        if (!r) return Option.none()
        const timeline = yield* q(
          db,
          (sql) => sql<Array<{ at: Date; from_state: OrderState | null; to_state: OrderState; actor_kind: ActorKind; reason: string | null }>>`
          select at, from_state, to_state, actor_kind, reason from order_timeline where order_id = ${orderId} order by id`
        )
        return Option.some({
          ...item(r),
          buyerId: r.buyer_id,
          snapshot: r.snapshot,
          timeline: timeline.map((t) => ({
            at: t.at.getTime(),
            from: t.from_state ?? undefined,
            to: t.to_state,
            actor: t.actor_kind,
            reason: t.reason ?? undefined
          }))
        })
      }),
    openDispute: (d) =>
      q(
        db,
        (sql) => sql`
        insert into disputes (order_id, opened_by, evidence, opened_at) values (${d.orderId}, ${d.openedBy}, ${sql.json(d.evidence as never)}, ${new Date(d.at)})`
      ).pipe(Effect.asVoid)
  }))
)
