/**
 * Ask the buyer's phone for the checkout total by STK push. The push is recorded before Daraja is
 * called and never retried blindly (a timeout does not say whether the phone got a prompt: such a
 * push stays PENDING without a CheckoutRequestID); while a prompt may still be on the phone a second
 * push is refused. A checkout whose last payment failed
 * goes back to PENDING_PAYMENT first (allowed inside the 12-hour window; the domain checks it).
 * While money received for the checkout is held (it could not settle it; held-money.ts), no push.
 */
import { Clock, Effect, Option } from "effect"
import { CheckoutNotFound } from "../checkout/checkout.errors.js"
import type { CheckoutId, UserId } from "../../domain/ids.js"
import { enforce, Limits } from "../auth/rate-limits.js"
import { Ids } from "../ports/ids.js"
import { recordMetric } from "../ports/metrics.js"
import { Outbox } from "../ports/outbox.js"
import { PaymentGateway } from "../ports/payment-gateway.js"
import { pipelined, UnitOfWork } from "../ports/unit-of-work.js"
import { stillHeld } from "../../domain/held-money.js"
import * as M from "../../domain/money.js"
import { reopenFailedOrders } from "./pay-orders.js"
import { CheckoutNotPayable, MoneyHeld, PaymentInProgress } from "./payment.errors.js"
import { UNRECORDED_PUSH_MATCH_MS } from "./reconcile.js"
import { backstopPollKey, PaymentStore } from "./payment.port.js"

/** How long an unanswered prompt blocks another push (Safaricom's prompt times out well within this). */
export const PROMPT_WINDOW_MS = 90_000
/**
 * The first STK query of an accepted push (the worker's poll, a backstop for a callback that never
 * comes) waits this long: asked at once it only ever met "still processing", a failed job and a retry.
 */
export const FIRST_POLL_AFTER_MS = 5_000

export interface RequestPayment {
  readonly checkoutId: CheckoutId
  readonly buyerId: UserId
  /** 2547XXXXXXXX / 2541XXXXXXXX */
  readonly phone: string
  readonly callbackUrl: string
}

export const requestPayment = (cmd: RequestPayment) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* PaymentStore
    const ids = yield* Ids
    const gateway = yield* PaymentGateway
    const now = yield* Clock.currentTimeMillis

    const prepared = yield* uow.transaction(
      Effect.gen(function* () {
        const found = yield* store.lockCheckout(cmd.checkoutId)
        if (Option.isNone(found) || found.value.buyerId !== cmd.buyerId) return yield* new CheckoutNotFound({ checkoutId: cmd.checkoutId })
        const checkout = found.value
        // Read together, after the lock (a push committed meanwhile is seen): the money held for it, its last push.
        const [allHeld, last] = yield* pipelined([store.heldForCheckout(checkout.checkoutId), store.latestRequest(checkout.checkoutId)])
        // Money already received for this checkout and not yet confirmed returned: never ask again.
        const held = allHeld.filter((h) => stillHeld(h.status))
        if (held.length > 0)
          return yield* new MoneyHeld({
            checkoutId: checkout.checkoutId,
            held: M.format(
              M.sum(
                held.map((h) => h.amount),
                held[0]!.amount.currency
              )
            )
          })
        const states = new Set(checkout.orders.map((o) => o.state))
        const payable = [...states].every((s) => s === "PENDING_PAYMENT" || s === "PAYMENT_FAILED")
        if (!payable) return yield* new CheckoutNotPayable({ checkoutId: checkout.checkoutId, state: checkout.orders[0]?.state ?? checkout.state })
        if (now >= checkout.expiresAt) return yield* new CheckoutNotPayable({ checkoutId: checkout.checkoutId, state: "EXPIRED" })
        // A push whose reply was lost (no CheckoutRequestID) blocks longer: as long as its callback may
        // still be matched to it by phone and amount (reconcile.ts). A second unrecorded push inside
        // that window would make the match ambiguous, and the money paid for either would find no push.
        const blocksFor = Option.isSome(last) && last.value.checkoutRequestId === undefined ? UNRECORDED_PUSH_MATCH_MS : PROMPT_WINDOW_MS
        if (Option.isSome(last) && last.value.status === "PENDING" && now - last.value.requestedAt < blocksFor)
          return yield* new PaymentInProgress({ checkoutId: checkout.checkoutId, retryAfterMs: blocksFor - (now - last.value.requestedAt) })
        yield* enforce("M-Pesa prompts to this phone", Limits.stkPush(cmd.phone))
        // A retry after a failed payment: back to PENDING_PAYMENT, by the buyer, inside the window.
        yield* reopenFailedOrders(checkout, "payment retried", now)
        if (states.has("PAYMENT_FAILED")) yield* store.setCheckoutState(checkout.checkoutId, "PENDING_PAYMENT", now)
        const id = yield* ids.next("stk")
        yield* store.insertRequest({ id, checkoutId: checkout.checkoutId, phone: cmd.phone, amount: checkout.charge, at: now })
        return { id, checkout }
      })
    )

    const pushed = yield* Effect.either(
      gateway.stkPush({
        phone: cmd.phone,
        amount: prepared.checkout.charge,
        accountReference: `AMANA${prepared.checkout.checkoutId.slice(-7).toUpperCase()}`,
        description: "Amana order",
        callbackUrl: cmd.callbackUrl
      })
    )
    if (pushed._tag === "Left") {
      const e = pushed.left
      // Daraja answered with an error, or the request never left (no token, a refused connection):
      // no prompt was sent, the push is over, and the buyer may push again at once. No usable answer
      // (a timeout, a dropped connection, a bare 5xx): the prompt may be on the phone, so the push stays
      // PENDING without a CheckoutRequestID, like one whose process died before recording it: the prompt
      // window blocks another push, a callback for it is adopted only once Daraja's STK query answers
      // for its id (reconcile.ts), and the unrecorded-push sweep gives it up if none comes.
      if (e._tag === "GatewayRejected") yield* uow.transaction(store.requestRefused(prepared.id, `${e.errorCode} ${e.errorMessage}`, now))
      // (the buyer reads the push's description: the transport's words stay in the logs)
      else if (e.notSent === true) yield* uow.transaction(store.requestRefused(prepared.id, "M-Pesa could not be reached: no prompt was sent", now))
      yield* recordMetric((m) => m.stkPushRequested(e._tag === "GatewayRejected" ? "REJECTED" : "UNAVAILABLE"))
      return yield* Effect.fail(e)
    }
    const accepted = pushed.right
    yield* uow.transaction(
      Effect.gen(function* () {
        yield* store.requestAccepted(prepared.id, accepted.merchantRequestId, accepted.checkoutRequestId)
        // The worker polls this push by STK query until it is final, in case no callback ever comes;
        // not at once: the buyer is only now reading the prompt, and the callback normally settles it first.
        yield* Effect.flatMap(Outbox, (o) =>
          o.append(
            [
              {
                type: "PAYMENT_STK_REQUESTED",
                aggregateType: "PAYMENT",
                aggregateId: prepared.id,
                payload: { stkRequestId: prepared.id, checkoutId: prepared.checkout.checkoutId }
              }
            ],
            // withdrawn when the push is settled before it runs (by its callback, almost always)
            { delayMs: FIRST_POLL_AFTER_MS, key: backstopPollKey(prepared.id) }
          )
        )
      })
    )
    yield* recordMetric((m) => m.stkPushRequested("ACCEPTED"))
    return {
      paymentId: prepared.id,
      checkoutId: prepared.checkout.checkoutId,
      checkoutRequestId: accepted.checkoutRequestId,
      amount: prepared.checkout.charge,
      phone: cmd.phone,
      status: "PENDING" as const,
      customerMessage: accepted.customerMessage
    }
  }).pipe(Effect.withSpan("Payments.request"))
