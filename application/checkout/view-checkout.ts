/**
 * What the buyer sees of a checkout: its orders and the state of its payment. Read in ONE snapshot
 * (several statements, one REPEATABLE READ read-only transaction) so a reconciliation committing in
 * between can never show, say, a cancelled payment beside orders still waiting for it; and without
 * row locks, so looking never holds up the money moving.
 */
import { Effect, Option } from "effect"
import { PaymentStore } from "../payments/payment.port.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { CheckoutNotFound } from "./checkout.errors.js"
import { CheckoutStore } from "./checkout.port.js"

export const viewCheckout = (buyerId: string, checkoutId: string) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const payments = yield* PaymentStore
    const checkouts = yield* CheckoutStore
    return yield* uow.snapshot(
      Effect.gen(function* () {
        const owner = yield* payments.findCheckout(checkoutId)
        const summary = yield* checkouts.getSummary(checkoutId)
        if (Option.isNone(summary) || Option.isNone(owner) || owner.value.buyerId !== buyerId) return yield* new CheckoutNotFound({ checkoutId })
        const last = yield* payments.latestRequest(checkoutId)
        return {
          ...summary.value,
          ...(Option.isSome(last) && {
            payment: {
              paymentId: last.value.id,
              status: last.value.status,
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
    )
  }).pipe(Effect.withSpan("Checkout.view"))
