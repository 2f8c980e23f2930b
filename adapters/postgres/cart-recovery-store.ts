/** CartRecoveryStore over PostgreSQL: carts, cart_items, cart_recovery, whatsapp_opt_outs and whatsapp_inbound (0069). */
import { Effect, Layer, Option } from "effect"
import { CartRecoveryStore } from "../../application/cart-recovery/cart-recovery.port.js"
import type { RecoveringCart, RecoveryStop } from "../../application/cart-recovery/cart-recovery.port.js"
import type { CartId, UserId } from "../../domain/ids.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
type Row = {
  cart_id: CartId
  buyer_id: UserId
  phone: string
  cart_state: RecoveringCart["cartState"]
  units: number
  touched_at: Date
  steps_sent: number
  last_sent_at: Date | null
  stopped: RecoveryStop | null
}

export const CartRecoveryStoreLive = Layer.effect(
  CartRecoveryStore,
  Effect.map(Database, (db) => ({
    candidates: ({ now, firstAfterMs, startWithinMs, limit }) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ id: CartId }>>`
          select c.id
            from (
              -- where a candidate can be (each read by its partial index, not every cart ever): an open cart
              -- with a buyer, or a reminder sequence under way; the conditions below decide, as before
              select id from carts where state = 'ACTIVE' and buyer_id is not null
              union
              select cart_id from cart_recovery where stopped is null and steps_sent > 0 and steps_sent < 3
            ) places
            join carts c on c.id = places.id
            left join cart_recovery r on r.cart_id = c.id
           cross join lateral (select greatest(c.updated_at, max(i.added_at)) as touched_at, count(i.variant_id) as lines
                                 from cart_items i where i.cart_id = c.id) t
           where c.buyer_id is not null
             and (r.cart_id is null or (r.stopped is null and r.steps_sent < 3))
             and (
               -- a sequence under way: its cart may have been checked out or emptied since (that stops it)
               r.steps_sent > 0
               or (c.state = 'ACTIVE' and t.lines > 0
                   and t.touched_at <= ${new Date(now - firstAfterMs)} and t.touched_at >= ${new Date(now - startWithinMs)})
             )
           order by t.touched_at, c.id
           limit ${limit}`
        ),
        (rows) => rows.map((r) => r.id)
      ),
    lock: (cartId) =>
      Effect.gen(function* () {
        yield* q(
          db,
          (sql) => sql`
          insert into cart_recovery (cart_id, buyer_id, phone)
          select c.id, c.buyer_id, u.phone from carts c join users u on u.id = c.buyer_id where c.id = ${cartId}
          on conflict (cart_id) do nothing`
        )
        const rows = yield* q(
          db,
          (sql) => sql<Array<Row>>`
          select r.cart_id, r.buyer_id, r.phone, c.state as cart_state, r.steps_sent, r.last_sent_at, r.stopped,
                 coalesce((select sum(i.quantity) from cart_items i where i.cart_id = c.id), 0)::int as units,
                 greatest(c.updated_at, (select max(i.added_at) from cart_items i where i.cart_id = c.id)) as touched_at
            from cart_recovery r join carts c on c.id = r.cart_id
           where r.cart_id = ${cartId}
             for update of r`
        )
        const r = rows[0]
        if (r === undefined) return Option.none()
        return Option.some<RecoveringCart>({
          cartId: r.cart_id,
          buyerId: r.buyer_id,
          phone: r.phone,
          cartState: r.cart_state,
          units: r.units,
          touchedAt: r.touched_at.getTime(),
          sent: r.steps_sent,
          lastSentAt: r.last_sent_at === null ? null : r.last_sent_at.getTime(),
          stopped: r.stopped
        })
      }),
    recordSent: (cartId, step, at, discountCodeId) =>
      q(
        db,
        (sql) => sql`
        update cart_recovery set steps_sent = ${step}, last_sent_at = ${new Date(at)}, updated_at = ${new Date(at)},
               discount_code_id = coalesce(${discountCodeId}, discount_code_id)
         where cart_id = ${cartId} and steps_sent = ${step - 1}`
      ).pipe(Effect.asVoid),
    stop: (cartId, reason, at) =>
      q(
        db,
        (sql) => sql`
        update cart_recovery set stopped = ${reason}, stopped_at = ${new Date(at)}, updated_at = ${new Date(at)}
         where cart_id = ${cartId} and stopped is null`
      ).pipe(Effect.asVoid),
    isOptedOut: (phone) =>
      Effect.map(
        q(db, (sql) => sql`select 1 from whatsapp_opt_outs where phone = ${phone}`),
        (rows) => rows.length > 0
      ),
    recordOptOut: (phone, wamid, at) =>
      q(db, (sql) => sql`insert into whatsapp_opt_outs (phone, wamid, at) values (${phone}, ${wamid}, ${new Date(at)}) on conflict (phone) do nothing`).pipe(
        Effect.asVoid
      ),
    inboundTexts: (phone, limit) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ wamid: string; body: string; at: Date }>>`
          select wamid, body, at from whatsapp_inbound where from_phone = ${phone} and type = 'text' and body is not null
           order by at desc limit ${limit}`
        ),
        (rows) => rows.map((r) => ({ wamid: r.wamid, body: r.body, at: r.at.getTime() }))
      )
  }))
)
