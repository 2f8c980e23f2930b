/** LoyaltyStore over PostgreSQL: the buyer's rows of loyalty_ledger (append-only, 0005). */
import { Effect, Layer } from "effect"
import { LoyaltyStore } from "../../application/loyalty/loyalty.port.js"
import type { LoyaltyEntry, LoyaltyReason } from "../../application/loyalty/loyalty.port.js"
import type { CheckoutId, OrderId } from "../../domain/ids.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
type Row = {
  id: string
  points: number
  reason: LoyaltyReason
  order_id: OrderId | null
  checkout_id: CheckoutId | null
  note: string | null
  created_at: Date
}

export const LoyaltyStoreLive = Layer.effect(
  LoyaltyStore,
  Effect.map(Database, (db) => ({
    balance: (buyerId) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ points: number; entries: number }>>`
          select coalesce(sum(points), 0)::int as points, count(*)::int as entries from loyalty_ledger where buyer_id = ${buyerId}`
        ),
        (rows) => rows[0] ?? { points: 0, entries: 0 }
      ),
    history: (buyerId, limit, offset) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<Row>>`
          select id::text as id, points, reason, order_id, checkout_id, note, created_at
            from loyalty_ledger where buyer_id = ${buyerId} order by id desc limit ${limit} offset ${offset}`
        ),
        (rows) =>
          rows.map((r): LoyaltyEntry => ({
            id: r.id,
            points: r.points,
            reason: r.reason,
            ...(r.order_id !== null && { orderId: r.order_id }),
            ...(r.checkout_id !== null && { checkoutId: r.checkout_id }),
            ...(r.note !== null && { note: r.note }),
            at: r.created_at.getTime()
          }))
      )
  }))
)
