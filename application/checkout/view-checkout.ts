/**
 * What the buyer sees of a checkout: its orders, the state of its payment, and any money received
 * that could not pay it (held, being returned, returned). Read by ONE statement (one snapshot, no
 * transaction to open and commit) so a reconciliation committing in between can never show, say, a
 * cancelled payment beside orders still waiting for it; and without row locks, so looking never
 * holds up the money moving. A buyer polls this until PAID: it costs one round trip.
 */
import type { CheckoutId, UserId } from "../../domain/ids.js"
import { Effect, Option } from "effect"
import { heldMoneySentence, stillHeld } from "../../domain/held-money.js"
import { PaymentStore } from "../payments/payment.port.js"
import { CheckoutNotFound } from "./checkout.errors.js"

export const viewCheckout = (buyerId: UserId, checkoutId: CheckoutId) =>
  Effect.gen(function* () {
    const view = yield* Effect.flatMap(PaymentStore, (payments) => payments.checkoutView(checkoutId))
    if (Option.isNone(view) || view.value.buyerId !== buyerId) return yield* new CheckoutNotFound({ checkoutId })
    const { summary, latestRequest: last, held } = view.value
    // A push whose money is held did not pay the checkout: it shows HELD (RETURNED once back), never PAID.
    const lastHeld = Option.isSome(last) ? held.find((h) => h.stkRequestId === last.value.id) : undefined
    return {
      ...summary,
      ...(held.length > 0 && {
        heldMoney: held.map((h) => ({
          heldPaymentId: h.id,
          paymentId: h.stkRequestId,
          amount: h.amount,
          receipt: h.receipt,
          reason: h.reason,
          status: h.status,
          heldAt: h.heldAt,
          returnedAt: h.returnedAt,
          detail: heldMoneySentence(h)
        }))
      }),
      ...(Option.isSome(last) && {
        payment: {
          paymentId: last.value.id,
          status: lastHeld === undefined ? last.value.status : stillHeld(lastHeld.status) ? ("HELD" as const) : ("RETURNED" as const),
          phone: last.value.phone,
          amount: last.value.amount,
          resultCode: last.value.resultCode,
          resultDesc: last.value.resultDesc,
          receipt: last.value.receipt,
          requestedAt: last.value.requestedAt
        }
      })
    }
  }).pipe(Effect.withSpan("Checkout.view"))
