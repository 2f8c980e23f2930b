/**
 * The money for a checkout is in: every order goes PAID (domain transition, timeline, outbox), the
 * payment postings go to the ledger (clearing -> escrow per order, platform funding, rounding) and
 * CHECKOUT_PAID is announced, in the caller's transaction. Used by M-Pesa reconciliation and by a
 * checkout whose charge is zero (the platform's funding pays it in full, no M-Pesa involved). The
 * caller records the checkout's own state.
 */
import type { CheckoutId, OrderId } from "../../domain/ids.js"
import { Effect, Option } from "effect"
import { orderMoneyFromSnapshot, paymentPostings } from "../../domain/ledger.js"
import type { Money } from "../../domain/money.js"
import type { Actor } from "../../domain/order.js"
import { applyTransition } from "../orders/transition-order.js"
import { OrderStore } from "../orders/order.port.js"
import type { OrderRecord } from "../orders/order.port.js"
import { Outbox } from "../ports/outbox.js"

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
    const locked: Array<OrderRecord> = []
    for (const id of c.orderIds) {
      const order = yield* orders.lock(id)
      if (Option.isSome(order)) locked.push(order.value)
    }
    for (const order of locked) yield* applyTransition(order, { orderId: order.id, to: "PAID", actor: by.actor, reason: by.reason }, at)
    yield* orders.post(
      paymentPostings(
        c.checkoutId,
        by.reference,
        c.charge,
        locked.map((o) => orderMoneyFromSnapshot(o.snapshot))
      ),
      at
    )
    yield* Effect.flatMap(Outbox, (o) =>
      o.append([
        {
          type: "CHECKOUT_PAID",
          aggregateType: "CHECKOUT",
          aggregateId: c.checkoutId,
          payload: { checkoutId: c.checkoutId, stkRequestId: by.stkRequestId, receipt: by.receipt, amount: c.charge }
        }
      ])
    )
  })
