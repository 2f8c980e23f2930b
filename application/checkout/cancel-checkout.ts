/**
 * The buyer cancels an unpaid checkout. In ONE transaction, with the checkout row locked (the lock
 * an M-Pesa reconciliation takes too, so the two serialize): every order moves to
 * CANCELLED_BY_USER through the order state machine (applyTransition releases its reserved stock,
 * its promotion burn, the checkout's code burn with the last order, and reverses its redeemed
 * loyalty points), the checkout becomes CANCELLED, and an audit entry and CHECKOUT_CANCELLED go
 * out with it.
 *
 * Idempotent: a checkout already cancelled (by this call, or by declining the M-Pesa prompt)
 * answers as it stands. A paid checkout is 409 CHECKOUT.ALREADY_PAID; an expired one 409
 * CHECKOUT.NOT_CANCELLABLE.
 *
 * An STK push in flight: while its prompt may still be on the phone (PROMPT_WINDOW_MS, 90 s after
 * the push) the cancel is refused with 409 CHECKOUT.PAYMENT_IN_PROGRESS (Retry-After): the buyer
 * declines it on the phone (which cancels the checkout by itself) or waits. After that window the
 * cancel goes ahead; should Safaricom still confirm that push later, the reconciliation finds the
 * orders CANCELLED_BY_USER and the money takes the held-money path (held-money.ts: held with reason
 * CHECKOUT_CANCELLED, returned automatically by B2C, LATE_PAYMENT for a human), never a paid order.
 */
import { Clock, Effect, Option } from "effect"
import type { CheckoutId, UserId } from "../../domain/ids.js"
import type { Actor, OrderState } from "../../domain/order.js"
import { OrderStore } from "../orders/order.port.js"
import { applyTransition } from "../orders/transition-order.js"
import { PaymentStore } from "../payments/payment.port.js"
import { PROMPT_WINDOW_MS } from "../payments/request-payment.js"
import { AuditLog } from "../ports/audit-log.js"
import { Outbox } from "../ports/outbox.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { CancelWhilePaying, CheckoutAlreadyPaid, CheckoutNotCancellable, CheckoutNotFound } from "./checkout.errors.js"
import { viewCheckout } from "./view-checkout.js"

export interface CancelCheckout {
  readonly checkoutId: CheckoutId
  readonly buyerId: UserId
}

const UNPAID: ReadonlySet<OrderState> = new Set<OrderState>(["PENDING_PAYMENT", "PAYMENT_FAILED"])
const DEAD_UNPAID: ReadonlySet<OrderState> = new Set<OrderState>(["EXPIRED", "CANCELLED_BY_USER"])

export const cancelCheckout = (cmd: CancelCheckout) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const now = yield* Clock.currentTimeMillis
    yield* uow.transaction(
      Effect.gen(function* () {
        const payments = yield* PaymentStore
        const found = yield* payments.lockCheckout(cmd.checkoutId)
        if (Option.isNone(found) || found.value.buyerId !== cmd.buyerId) return yield* new CheckoutNotFound({ checkoutId: cmd.checkoutId })
        const checkout = found.value
        const states = checkout.orders.map((o) => o.state)
        if (states.some((s) => !UNPAID.has(s) && !DEAD_UNPAID.has(s))) return yield* new CheckoutAlreadyPaid({ checkoutId: checkout.checkoutId })
        // Already cancelled: the same answer again, nothing written twice.
        if (states.every((s) => s === "CANCELLED_BY_USER")) return
        const ended = states.find((s) => DEAD_UNPAID.has(s))
        if (ended !== undefined) return yield* new CheckoutNotCancellable({ checkoutId: checkout.checkoutId, state: ended })
        const last = yield* payments.latestRequest(checkout.checkoutId)
        if (Option.isSome(last) && last.value.status === "PENDING" && now - last.value.requestedAt < PROMPT_WINDOW_MS)
          return yield* new CancelWhilePaying({ checkoutId: checkout.checkoutId, retryAfterMs: PROMPT_WINDOW_MS - (now - last.value.requestedAt) })

        const orders = yield* OrderStore
        const buyer: Actor = { kind: "BUYER", id: cmd.buyerId }
        for (const o of checkout.orders) {
          const locked = yield* orders.lock(o.orderId)
          if (Option.isNone(locked)) continue
          let order = locked.value
          // The state machine has no PAYMENT_FAILED -> CANCELLED_BY_USER: the buyer reopens the order, then cancels it.
          if (order.state === "PAYMENT_FAILED")
            order = yield* applyTransition(order, { orderId: order.id, to: "PENDING_PAYMENT", actor: buyer, reason: "reopened by the buyer to cancel it" }, now)
          yield* applyTransition(order, { orderId: order.id, to: "CANCELLED_BY_USER", actor: buyer, reason: "cancelled by the buyer before paying" }, now)
        }
        yield* payments.setCheckoutState(checkout.checkoutId, "CANCELLED", now)
        const seq = yield* Effect.flatMap(AuditLog, (log) =>
          log.append({
            actorKind: "USER",
            actorId: cmd.buyerId,
            actorRole: "BUYER",
            action: "CHECKOUT.CANCEL",
            entity: "checkout",
            entityId: checkout.checkoutId,
            before: { state: checkout.state, orders: checkout.orders },
            after: { state: "CANCELLED", orders: checkout.orders.map((o) => ({ orderId: o.orderId, state: "CANCELLED_BY_USER" })) },
            reason: null
          })
        )
        yield* Effect.flatMap(Outbox, (outbox) =>
          outbox.append([
            {
              type: "CHECKOUT_CANCELLED",
              aggregateType: "CHECKOUT",
              aggregateId: checkout.checkoutId,
              payload: { checkoutId: checkout.checkoutId, buyerId: cmd.buyerId, orderIds: checkout.orders.map((o) => o.orderId), at: now, auditSeq: seq }
            }
          ])
        )
      })
    )
    return yield* viewCheckout(cmd.buyerId, cmd.checkoutId)
  }).pipe(Effect.withSpan("Checkout.cancel"))
