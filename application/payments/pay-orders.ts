/**
 * The money for a checkout is in: every order goes PAID (domain transition, timeline, outbox), the
 * payment postings go to the ledger (clearing -> escrow per order, platform funding, rounding) and
 * CHECKOUT_PAID is announced, in the caller's transaction. Used by M-Pesa reconciliation and by a
 * checkout whose charge is zero (the platform's funding pays it in full, no M-Pesa involved). The
 * caller records the checkout's own state.
 */
import type { CheckoutId, OrderId, UserId } from "../../domain/ids.js"
import { Effect } from "effect"
import { orderMoneyFromSnapshot, paymentPostings } from "../../domain/ledger.js"
import type { Money } from "../../domain/money.js"
import type { Actor, OrderState } from "../../domain/order.js"
import { applyTransition } from "../orders/transition-order.js"
import { OrderStore } from "../orders/order.port.js"
import { Outbox } from "../ports/outbox.js"
import { pipelined } from "../ports/unit-of-work.js"

export interface PaidBy {
  readonly actor: Actor
  /** On each order's timeline. */
  readonly reason: string
  /** The ledger's reference for the money received (an M-Pesa receipt, or what stands for one). */
  readonly reference: string
  readonly stkRequestId: string | null
  readonly receipt: string | null
}

export const payOrders = (c: { readonly checkoutId: CheckoutId; readonly charge: Money; readonly orderIds: ReadonlyArray<OrderId> }, by: PaidBy, at: number) =>
  Effect.gen(function* () {
    const orders = yield* OrderStore
    const outbox = yield* Outbox
    // One statement locks them all, in id order; they are moved in the caller's order.
    const lockedById = new Map((yield* orders.lockAll(c.orderIds)).map((o) => [o.id, o]))
    const locked = c.orderIds.flatMap((id) => lockedById.get(id) ?? [])
    // Postings (one statement), CHECKOUT_PAID and each order's move need nothing from each other: one round trip.
    yield* pipelined([
      orders.post(
        paymentPostings(
          c.checkoutId,
          by.reference,
          c.charge,
          locked.map((o) => orderMoneyFromSnapshot(o.snapshot))
        ),
        at
      ),
      outbox.append([
        {
          type: "CHECKOUT_PAID",
          aggregateType: "CHECKOUT",
          aggregateId: c.checkoutId,
          payload: { checkoutId: c.checkoutId, stkRequestId: by.stkRequestId, receipt: by.receipt, amount: c.charge }
        }
      ]),
      ...locked.map((order) => applyTransition(order, { orderId: order.id, to: "PAID", actor: by.actor, reason: by.reason }, at))
    ])
  })

/**
 * A retry after a failed payment, inside the checkout's payment window: its PAYMENT_FAILED orders go
 * back to PENDING_PAYMENT, by the buyer (the only actor the domain allows). Made by a new push
 * (request-payment.ts) or by paying an earlier prompt after the last one failed (reconcile.ts).
 */
export const reopenFailedOrders = (
  c: { readonly buyerId: UserId; readonly orders: ReadonlyArray<{ readonly orderId: OrderId; readonly state: OrderState }> },
  reason: string,
  at: number
) =>
  Effect.gen(function* () {
    const failed = c.orders.filter((o) => o.state === "PAYMENT_FAILED").map((o) => o.orderId)
    if (failed.length === 0) return
    const orders = yield* OrderStore
    for (const order of yield* orders.lockAll(failed))
      yield* applyTransition(order, { orderId: order.id, to: "PENDING_PAYMENT", actor: { kind: "BUYER", id: c.buyerId }, reason }, at)
  })
