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
import type { CheckoutViewParts } from "../payments/payment.port.js"
import { authenticateAlong } from "../auth/login.js"
import { CheckoutNotFound } from "./checkout.errors.js"

export const viewCheckout = (buyerId: UserId, checkoutId: CheckoutId) =>
  Effect.flatMap(
    Effect.flatMap(PaymentStore, (payments) => payments.checkoutView(checkoutId)),
    (view) => show(buyerId, checkoutId, view)
  ).pipe(Effect.withSpan("Checkout.view"))

/**
 * The bearer token's session and the view of its user's checkout, read in ONE statement (a poll:
 * one round trip, not a session lookup and then the view), refused and rate-limited exactly as
 * `authenticate` does. The view is then shown by `showCheckout` (its span, as viewCheckout's).
 */
export const authenticateWithCheckoutView = (token: string, checkoutId: CheckoutId) =>
  authenticateAlong((now) =>
    Effect.map(
      Effect.flatMap(PaymentStore, (payments) => payments.checkoutViewWithSession(token, now, checkoutId)),
      ({ session, view }) => ({ session, read: view })
    )
  )

/** What the buyer sees of a checkout read by `authenticateWithCheckoutView`: not found unless it is theirs. */
export const showCheckout = (buyerId: UserId, checkoutId: CheckoutId, view: Option.Option<CheckoutViewParts>) =>
  show(buyerId, checkoutId, view).pipe(Effect.withSpan("Checkout.view"))

const show = (buyerId: UserId, checkoutId: CheckoutId, view: Option.Option<CheckoutViewParts>) =>
  Effect.gen(function* () {
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
  })
