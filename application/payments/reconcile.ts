/**
 * From "Daraja said something" to "the checkout is paid (or not)".
 *
 *   recordCallback     the raw body is stored durably and an outbox event enqueued, in one
 *                      transaction, before Daraja gets its answer. Nothing is trusted yet.
 *   reconcileCallback  (outbox handler) decode, find the push by CheckoutRequestID, settle it.
 *   pollPush           (outbox handler for every accepted push) settle it even if no callback comes
 *                      (a Paid answer waits CALLBACK_GRACE_MS for the callback, to match amount and phone).
 *
 * Settling a push asks Daraja's STK query for the truth (a callback is unsigned). The query (up to
 * 30 s) is asked first, outside any transaction; only then are the rows locked, re-read and settled
 * with its answer (as request-payment.ts pushes before it records). "Not final yet" fails with
 * PaymentStillPending so the worker retries later (exponential backoff). Then:
 *   Paid             the callback (when there is one) must agree on amount and phone; the checkout
 *                    must still be waiting for payment. Only then every order of the checkout goes
 *                    PAID (domain transition, timeline, outbox) and the payment postings go to the
 *                    ledger (clearing -> escrow per order, platform funding, rounding), in ONE transaction.
 *   CancelledByUser  orders -> CANCELLED_BY_USER (holds released).
 *   Failed           orders -> PAYMENT_FAILED with Daraja's description; the buyer may retry in the window.
 * Anything a machine must not decide (mismatch, unknown CheckoutRequestID, a payment for a checkout
 * that expired, was cancelled or was already paid, a callback the query contradicts) goes to the
 * exception queue with everything needed to follow the money. Money confirmed received that cannot
 * settle the checkout is held and sent back (held-money.ts); while it is held the checkout takes no
 * new push. A replay finds the push settled and does nothing.
 */
import { Clock, Effect, Option } from "effect"
import { reasonForOrders, returnPolicy } from "../../domain/held-money.js"
import type { StkRequestId } from "../../domain/ids.js"
import * as M from "../../domain/money.js"
import type { Actor } from "../../domain/order.js"
import { applyTransition } from "../orders/transition-order.js"
import { OrderStore } from "../orders/order.port.js"
import { ExceptionQueue } from "../ports/exception-queue.js"
import { recordMetric } from "../ports/metrics.js"
import { Outbox } from "../ports/outbox.js"
import { PaymentGateway } from "../ports/payment-gateway.js"
import type { StkStatus } from "../ports/payment-gateway.js"
import { UnitOfWork, pipelined } from "../ports/unit-of-work.js"
import { holdMoney } from "./held-money.js"
import { payOrders, reopenFailedOrders } from "./pay-orders.js"
import { PaymentStillPending } from "./payment.errors.js"
import { PaymentStore } from "./payment.port.js"
import type { StkCallbackInfo, StkRequest } from "./payment.port.js"

const MPESA: Actor = { kind: "SYSTEM", id: "mpesa-reconciler" }

/** How long a push confirmed Paid by query waits for its callback before the query alone settles it. */
export const CALLBACK_GRACE_MS = 120_000

export type SettleOutcome =
  | "PAID"
  | "CANCELLED_BY_USER"
  | "PAYMENT_FAILED"
  | "DUPLICATE"
  | "RECEIPT_RECORDED"
  | "MISMATCH"
  | "LATE_PAYMENT"
  | "DUPLICATE_PAYMENT"
  | "UNKNOWN_REQUEST"
  | "UNDECODABLE"

/** Store what Daraja POSTed, first and durably; the rest happens in the worker. */
export const recordCallback = (c: { readonly raw: unknown; readonly checkoutRequestId?: string | undefined; readonly remoteAddr?: string | undefined }) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* PaymentStore
    const outbox = yield* Outbox
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const callbackId = yield* store.saveCallback({ ...c, at })
        yield* outbox.append(
          [
            {
              type: "MPESA_CALLBACK_RECEIVED",
              aggregateType: "PAYMENT",
              aggregateId: callbackId,
              payload: { callbackId, checkoutRequestId: c.checkoutRequestId ?? null }
            }
          ],
          { urgent: true }
        ) // the buyer is watching the checkout for PAID: before notifications and the rest
        return callbackId
      })
    )
  }).pipe(Effect.withSpan("Payments.recordCallback"))

type FinalStatus = Exclude<StkStatus, { readonly _tag: "Pending" }>

/** Outcomes that end a push (the others say nothing new about it). */
const PUSH_ENDINGS: ReadonlySet<SettleOutcome> = new Set<SettleOutcome>([
  "PAID",
  "CANCELLED_BY_USER",
  "PAYMENT_FAILED",
  "MISMATCH",
  "LATE_PAYMENT",
  "DUPLICATE_PAYMENT"
])

/** Set by `settle` when it pays a checkout: how old the checkout was (for the time-to-PAID metric, recorded after commit). */
interface PaidTiming {
  checkoutAgeMs: number | undefined
}

/** After the settling transaction committed: the push's outcome and, when paid, the time from checkout to PAID. */
const recordSettled = (outcome: SettleOutcome, timing: PaidTiming) =>
  recordMetric((m) =>
    Effect.all(
      [
        PUSH_ENDINGS.has(outcome) ? m.stkPushSettled(outcome) : Effect.void,
        outcome === "PAID" && timing.checkoutAgeMs !== undefined ? m.checkoutPaid(timing.checkoutAgeMs / 1000) : Effect.void
      ],
      { discard: true }
    )
  )

/**
 * Daraja's final word on a CheckoutRequestID, asked outside any transaction. "Not final yet" fails
 * with PaymentStillPending (the worker retries); an unreachable Daraja fails with its error.
 */
const finalStatusOf = (checkoutRequestId: string) =>
  Effect.gen(function* () {
    const gateway = yield* PaymentGateway
    const status = yield* gateway.stkQuery(checkoutRequestId)
    if (status._tag === "Pending") return yield* new PaymentStillPending({ checkoutRequestId, detail: status.detail })
    return status
  })

/** A stored callback, decoded, with the push that already holds its receipt (read under the push's lock), if any. */
type SettlingCallback = StkCallbackInfo & { readonly callbackId: string; readonly receiptHolder: Option.Option<string> }

/**
 * Settle one push (already row-locked), optionally with its callback, against the STK query's
 * answer asked before the lock. A push still PENDING that was not asked about (it changed between
 * the read and the lock) is retried.
 */
const settle = (request: StkRequest, callback: SettlingCallback | undefined, asked: FinalStatus | undefined, timing: PaidTiming) =>
  Effect.gen(function* () {
    timing.checkoutAgeMs = undefined // a retried transaction starts again
    const store = yield* PaymentStore
    const queue = yield* ExceptionQueue
    const at = yield* Clock.currentTimeMillis
    const exception = (kind: string, key: string, payload: Record<string, unknown>) =>
      queue.raise({
        kind,
        entity: "mpesa_stk_request",
        entityId: request.id,
        dedupeKey: `${kind}:${key}`,
        payload: {
          stkRequestId: request.id,
          checkoutId: request.checkoutId,
          checkoutRequestId: request.checkoutRequestId ?? null,
          amount: request.amount,
          phone: request.phone,
          callback: callback ?? null,
          ...payload
        }
      })

    if (request.status !== "PENDING") {
      if (!callback) return "DUPLICATE" as const
      const settledAs = request.status === "PAID" ? "Paid" : request.status === "CANCELLED" ? "CancelledByUser" : "Failed"
      if (callback.outcome !== settledAs) {
        yield* exception("CALLBACK_CONTRADICTED", callback.callbackId, {
          reason: `the callback said ${callback.resultCode}, the push was settled ${request.status} (${request.resultCode ?? "?"}) on Daraja's STK query; the query is trusted`
        })
        return "DUPLICATE" as const
      }
      // A callback bringing the receipt of a push settled by query alone: it must match what was asked.
      if (request.status === "PAID" && callback.receipt && request.receipt === undefined) {
        const amountOk = callback.amountWhole !== undefined && M.equals(M.major(callback.amountWhole, request.amount.currency), request.amount)
        if (!amountOk || (callback.phone !== undefined && callback.phone !== request.phone)) {
          yield* exception(amountOk ? "PAYMENT_PHONE_MISMATCH" : "PAYMENT_AMOUNT_MISMATCH", request.id, {
            reason: "the late callback does not match the push settled by query"
          })
          return "MISMATCH" as const
        }
        yield* store.recordReceipt(request.id, callback.receipt)
        return "RECEIPT_RECORDED" as const
      }
      if (request.status === "PAID" && callback.receipt && request.receipt !== callback.receipt)
        yield* exception("CALLBACK_CONFLICT", `${request.id}:${callback.receipt}`, { reason: "a second receipt for a push already paid" })
      return "DUPLICATE" as const
    }
    if (request.checkoutRequestId === undefined) return "DUPLICATE" as const
    if (asked === undefined)
      return yield* new PaymentStillPending({ checkoutRequestId: request.checkoutRequestId, detail: "the push changed while Daraja was asked; ask again" })
    const status = asked
    // Paid, and no callback yet: give the callback time to arrive so amount and phone can be matched;
    // after the grace period the query alone settles it (STK charges exactly the pushed amount to the pushed phone).
    if (status._tag === "Paid" && !callback && at - request.requestedAt < CALLBACK_GRACE_MS)
      return yield* new PaymentStillPending({
        checkoutRequestId: request.checkoutRequestId,
        detail: "paid; waiting for the callback to match amount and phone"
      })
    if (callback && callback.outcome !== status._tag)
      yield* exception("CALLBACK_CONTRADICTED", `${callback.callbackId}`, {
        reason: `the callback said ${callback.resultCode}, the STK query says ${status.resultCode}; the query is trusted`,
        query: status
      })

    if (status._tag !== "Paid") {
      const cancelled = status._tag === "CancelledByUser"
      // Whether the buyer pushed again is read after the checkout's lock (a push is recorded under that
      // lock, so none is added meanwhile): a push the buyer has since replaced decides only its own row.
      const [, checkout, replaced] = yield* pipelined([
        store.settleRequest(request.id, { status: cancelled ? "CANCELLED" : "FAILED", resultCode: status.resultCode, resultDesc: status.resultDesc, at }),
        store.lockCheckout(request.checkoutId),
        store.pushedSince(request)
      ])
      const ended = cancelled ? ("CANCELLED_BY_USER" as const) : ("PAYMENT_FAILED" as const)
      if (Option.isNone(checkout) || replaced) return ended
      const waiting = checkout.value.orders.filter((o) => o.state === "PENDING_PAYMENT")
      // nothing waited for this push (the orders were paid, expired or cancelled meanwhile): the checkout keeps its state
      if (waiting.length === 0) return ended
      const orders = yield* OrderStore
      // one after another: an order's released holds depend on the states of the others (the checkout's code burn)
      for (const order of yield* orders.lockAll(waiting.map((o) => o.orderId)))
        yield* applyTransition(
          order,
          {
            orderId: order.id,
            to: cancelled ? "CANCELLED_BY_USER" : "PAYMENT_FAILED",
            actor: MPESA,
            reason: `M-Pesa ${status.resultCode}: ${status.resultDesc}`
          },
          at
        )
      yield* store.setCheckoutState(request.checkoutId, cancelled ? "CANCELLED" : "PAYMENT_FAILED", at)
      return ended
    }

    // Paid, says Safaricom. Does the callback (when it agrees) match what we asked for?
    const agreeing = callback && callback.outcome === "Paid" ? callback : undefined
    const receipt = agreeing?.receipt
    const paidAmount = agreeing?.amountWhole !== undefined ? M.major(agreeing.amountWhole, request.amount.currency) : undefined
    const settled = {
      status: "PAID" as const,
      resultCode: status.resultCode,
      resultDesc: status.resultDesc,
      receipt,
      paidPhone: agreeing?.phone,
      paidAmount,
      at
    }
    if (receipt !== undefined && agreeing !== undefined) {
      const holder = agreeing.receiptHolder
      if (Option.isSome(holder) && holder.value !== request.id) {
        yield* exception("DUPLICATE_RECEIPT", receipt, { reason: `receipt ${receipt} already belongs to ${holder.value}` })
        return "DUPLICATE" as const
      }
    }
    const amountWrong = paidAmount !== undefined && !M.equals(paidAmount, request.amount)
    const phoneWrong = agreeing?.phone !== undefined && agreeing.phone !== request.phone
    if (agreeing && (amountWrong || phoneWrong || agreeing.amountWhole === undefined)) {
      // Money arrived but not as asked: recorded against the push and held (never kept, never a
      // reason to charge again), the orders stay unpaid, the money goes back (see held-money.ts).
      yield* store.settleRequest(request.id, settled)
      const owner = yield* store.lockCheckout(request.checkoutId)
      const amountIssue = amountWrong || agreeing.amountWhole === undefined
      const received = paidAmount ?? request.amount
      const held = Option.isNone(owner)
        ? {}
        : yield* holdMoney(
            request,
            {
              buyerId: owner.value.buyerId,
              received,
              receipt,
              reason: amountIssue ? "AMOUNT_MISMATCH" : "PHONE_MISMATCH",
              policy: returnPolicy({ received, pushed: request.amount, amountStated: paidAmount !== undefined, fromPushedPhone: !phoneWrong })
            },
            at
          )
      yield* exception(amountIssue ? "PAYMENT_AMOUNT_MISMATCH" : "PAYMENT_PHONE_MISMATCH", request.id, {
        reason: amountWrong
          ? `paid ${paidAmount ? M.format(paidAmount) : "?"}, asked ${M.format(request.amount)}`
          : agreeing.amountWhole === undefined
            ? "the callback carries no amount"
            : `paid from ${agreeing.phone}, asked ${request.phone}`,
        paidAmount: paidAmount ?? null,
        paidPhone: agreeing.phone ?? null,
        ...held
      })
      return "MISMATCH" as const
    }
    // the push's row is locked already, the checkout's is locked next: one round trip
    const [, checkout] = yield* pipelined([store.settleRequest(request.id, settled), store.lockCheckout(request.checkoutId)])
    if (Option.isNone(checkout)) {
      yield* exception("LATE_PAYMENT", request.id, { reason: "the checkout no longer exists" })
      return "LATE_PAYMENT" as const
    }
    const c = checkout.value
    // Its last push failed, and this earlier prompt was paid after all (as asked: amount and phone
    // matched above), inside the payment window: that is the retry the buyer may make by a new push
    // (request-payment.ts), made by paying. The failed orders reopen and the money pays them.
    // The window is the checkout's, as for a new push (request-payment.ts).
    const reopen =
      at < c.expiresAt &&
      c.orders.some((o) => o.state === "PAYMENT_FAILED") &&
      c.orders.every((o) => o.state === "PENDING_PAYMENT" || o.state === "PAYMENT_FAILED")
    if (reopen) yield* reopenFailedOrders(c, "an earlier M-Pesa prompt was paid", at)
    const waiting = reopen || c.orders.every((o) => o.state === "PENDING_PAYMENT")
    if (!waiting) {
      const alreadyPaid = c.orders.every(
        (o) => o.state !== "PENDING_PAYMENT" && o.state !== "PAYMENT_FAILED" && o.state !== "EXPIRED" && o.state !== "CANCELLED_BY_USER"
      )
      const kind = alreadyPaid ? "DUPLICATE_PAYMENT" : "LATE_PAYMENT"
      // The money came as asked, for a checkout that can no longer take it: held and sent back.
      const held = yield* holdMoney(
        request,
        { buyerId: c.buyerId, received: paidAmount ?? request.amount, receipt, reason: reasonForOrders(c.orders.map((o) => o.state)), policy: "AUTOMATIC" },
        at
      )
      yield* exception(kind, request.id, {
        reason: `payment confirmed for a checkout whose orders are ${[...new Set(c.orders.map((o) => o.state))].join(", ")}; the money is held and returned`,
        receipt: receipt ?? null,
        ...held
      })
      return kind
    }
    // the checkout (locked) is marked PAID in the same write as the orders' lock
    yield* pipelined([
      store.setCheckoutState(c.checkoutId, "PAID", at),
      payOrders(
        { checkoutId: c.checkoutId, charge: c.charge, orderIds: c.orders.map((o) => o.orderId) },
        {
          actor: MPESA,
          reason: receipt ? `M-Pesa ${receipt}` : "M-Pesa (confirmed by STK query)",
          reference: receipt ?? `query:${request.checkoutRequestId}`,
          stkRequestId: request.id,
          receipt: receipt ?? null
        },
        at
      )
    ])
    timing.checkoutAgeMs = at - c.createdAt
    return "PAID" as const
  })

/**
 * How long after an unrecorded push its callback may come and still be matched to it by phone and
 * amount: the prompt's life on the phone (PROMPT_WINDOW_MS) and as long again for Daraja's delivery.
 */
export const UNRECORDED_PUSH_MATCH_MS = 180_000
/** After this, an unrecorded push that no callback claimed is given up (FAILED) and a human told. */
export const UNRECORDED_PUSH_GIVE_UP_MS = 15 * 60_000

/**
 * A push whose process died after Daraja accepted it and before its CheckoutRequestID was stored, or
 * whose reply was lost (GatewayUnavailable: a timeout, a dropped connection; request-payment.ts
 * leaves it PENDING, and records every push first, so the row is there): a callback naming an id we do
 * not know is matched to the one PENDING push without an id, to the same phone, for the same
 * amount, requested within UNRECORDED_PUSH_MATCH_MS before the callback came. An id Daraja never
 * gave us is not Safaricom's until Daraja's STK query answers for it; only then is the push
 * adopted (the id recorded on it) and settled as usual, matching amount and phone.
 */
const unrecordedMatch = (cb: StkCallbackInfo, receivedAt: number) =>
  cb.phone === undefined || cb.amountWhole === undefined
    ? undefined
    : { phone: cb.phone, amount: M.major(cb.amountWhole, "KES"), from: receivedAt - UNRECORDED_PUSH_MATCH_MS, to: receivedAt }

/**
 * What Daraja says about the callback's CheckoutRequestID, asked before any lock, when its answer
 * can matter: the push is ours and still PENDING, or one unrecorded push of ours matches it.
 * None: nothing to ask (settled already, or nobody's). For an unknown id, a refusal means Daraja
 * does not know it either (None); for our own push it fails the job like any unanswered query.
 */
const askAboutCallback = (cb: StkCallbackInfo, receivedAt: number) =>
  Effect.gen(function* () {
    const store = yield* PaymentStore
    // Plain reads, no transaction (nothing is written; the settling transaction looks again under lock).
    const seen = yield* Effect.gen(function* () {
      const known = yield* store.findRequestByCheckoutRequestId(cb.checkoutRequestId)
      if (Option.isSome(known)) return known.value.status === "PENDING" ? ("ours" as const) : ("settled" as const)
      const match = unrecordedMatch(cb, receivedAt)
      const candidates = match === undefined ? [] : yield* store.findUnrecordedPushes(match)
      return candidates.length === 1 ? ("unrecorded" as const) : ("nobody's" as const)
    })
    if (seen === "settled" || seen === "nobody's") return Option.none<FinalStatus>()
    if (seen === "ours") return Option.some(yield* finalStatusOf(cb.checkoutRequestId))
    const answer = yield* Effect.either(finalStatusOf(cb.checkoutRequestId))
    if (answer._tag === "Right") return Option.some(answer.right)
    // Refused: Daraja does not know this id. Unreachable or not final: ask again later.
    if (answer.left._tag === "GatewayRejected") return Option.none<FinalStatus>()
    return yield* Effect.fail(answer.left)
  })

/** Under lock: the one unrecorded push matching the callback, adopted (its id recorded) once Daraja answered for the id. */
const adoptUnrecordedPush = (cb: StkCallbackInfo, receivedAt: number) =>
  Effect.gen(function* () {
    const store = yield* PaymentStore
    const match = unrecordedMatch(cb, receivedAt)
    const candidates = match === undefined ? [] : yield* store.lockUnrecordedPushes(match)
    const only = candidates.length === 1 ? candidates[0] : undefined
    if (only === undefined) return Option.none<StkRequest>()
    yield* store.requestAccepted(only.id, cb.merchantRequestId ?? "", cb.checkoutRequestId)
    return Option.some<StkRequest>({ ...only, checkoutRequestId: cb.checkoutRequestId })
  })

/**
 * Cron: unrecorded pushes that no callback claimed within UNRECORDED_PUSH_GIVE_UP_MS are given up:
 * FAILED (nothing was settled on them; the buyer may pay again inside the window) and an
 * STK_PUSH_UNRECORDED exception tells a human which phone, amount and time to look for on the
 * M-Pesa statement, in case a callback was lost.
 */
export const sweepUnrecordedPushes = () =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* PaymentStore
    const queue = yield* ExceptionQueue
    const now = yield* Clock.currentTimeMillis
    const ids = yield* uow.transaction(store.unrecordedPushesBefore(now - UNRECORDED_PUSH_GIVE_UP_MS))
    let given = 0
    for (const id of ids) {
      const gave = yield* uow.transaction(
        Effect.gen(function* () {
          const found = yield* store.lockRequest(id)
          if (Option.isNone(found) || found.value.status !== "PENDING" || found.value.checkoutRequestId !== undefined) return false
          const r = found.value
          yield* store.requestRefused(
            r.id,
            "outcome unknown: Daraja's CheckoutRequestID was never recorded (its reply was lost, or the process stopped first), and no matching callback came",
            now
          )
          yield* queue.raise({
            kind: "STK_PUSH_UNRECORDED",
            entity: "mpesa_stk_request",
            entityId: r.id,
            dedupeKey: `STK_PUSH_UNRECORDED:${r.id}`,
            payload: {
              stkRequestId: r.id,
              checkoutId: r.checkoutId,
              phone: r.phone,
              amount: r.amount,
              requestedAt: new Date(r.requestedAt).toISOString(),
              reason:
                "a push was sent but its CheckoutRequestID was never recorded and no callback matched it; check the M-Pesa statement for this phone, amount and time"
            }
          })
          return true
        })
      )
      if (gave) given++
    }
    return given
  }).pipe(Effect.withSpan("Payments.sweepUnrecordedPushes"))

/** Outbox handler: settle the push a stored callback is about (Daraja asked first, then the rows locked). */
export const reconcileCallback = (callbackId: string) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* PaymentStore
    const queue = yield* ExceptionQueue
    // a look without a lock or a transaction; the settling transaction reads it again, locked
    const first = yield* store.loadCallback(callbackId, false)
    if (Option.isNone(first) || first.value.processed) return "DUPLICATE" as SettleOutcome
    const cb = first.value.callback
    const asked = cb === undefined ? Option.none<FinalStatus>() : yield* askAboutCallback(cb, first.value.receivedAt)
    const timing: PaidTiming = { checkoutAgeMs: undefined }
    const outcome = yield* uow.transaction(
      Effect.gen(function* () {
        const at = yield* Clock.currentTimeMillis
        // In one round trip: the callback's row and (a callback's CheckoutRequestID never changes) its
        // push's row locked, in that order, then which push holds the callback's receipt, if any.
        const [stored, known, receiptHolder] = yield* pipelined([
          store.loadCallback(callbackId),
          cb === undefined ? Effect.succeed(Option.none<StkRequest>()) : store.lockRequestByCheckoutRequestId(cb.checkoutRequestId),
          cb?.receipt === undefined ? Effect.succeed(Option.none<string>()) : store.requestWithReceipt(cb.receipt)
        ])
        if (Option.isNone(stored) || stored.value.processed) return "DUPLICATE" as SettleOutcome
        const done = (outcome: SettleOutcome) => Effect.as(store.markCallbackProcessed(callbackId, outcome, at), outcome)
        if (cb === undefined) {
          yield* queue.raise({
            kind: "CALLBACK_UNDECODABLE",
            entity: "mpesa_callback",
            entityId: callbackId,
            dedupeKey: `CALLBACK_UNDECODABLE:${callbackId}`,
            payload: { callbackId, detail: stored.value.undecodable ?? "unreadable" }
          })
          return yield* done("UNDECODABLE")
        }
        const request = Option.isSome(known)
          ? known
          : Option.isSome(asked)
            ? yield* adoptUnrecordedPush(cb, stored.value.receivedAt)
            : Option.none<StkRequest>()
        if (Option.isNone(request)) {
          yield* queue.raise({
            kind: "UNKNOWN_CHECKOUT_REQUEST",
            entity: "mpesa_callback",
            entityId: callbackId,
            dedupeKey: `UNKNOWN_CHECKOUT_REQUEST:${cb.checkoutRequestId}:${cb.resultCode}:${cb.receipt ?? ""}`,
            payload: {
              callbackId,
              callback: cb,
              reason: "no push of ours has this CheckoutRequestID, and no unrecorded push of ours matches it (phone, amount, time) with Daraja confirming it"
            }
          })
          return yield* done("UNKNOWN_REQUEST")
        }
        return yield* done(yield* settle(request.value, { ...cb, callbackId, receiptHolder }, Option.getOrUndefined(asked), timing))
      })
    )
    yield* recordSettled(outcome, timing)
    return outcome
  }).pipe(
    Effect.tap((outcome) => recordMetric((m) => m.callbackReconciled(outcome))),
    Effect.withSpan("Payments.reconcileCallback")
  )

/** Outbox handler: settle a push by STK query alone (no callback needed); Daraja asked first, then the row locked. */
export const pollPush = (stkRequestId: StkRequestId) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* PaymentStore
    // One read, no transaction: a push already settled (by its callback, almost always) is done.
    const seen = yield* store.findRequest(stkRequestId)
    if (Option.isNone(seen)) return "UNKNOWN_REQUEST" as SettleOutcome
    if (seen.value.status !== "PENDING") return "DUPLICATE" as SettleOutcome // a settled push never returns to PENDING
    const id = seen.value.checkoutRequestId
    const asked = id !== undefined ? yield* finalStatusOf(id) : undefined
    const timing: PaidTiming = { checkoutAgeMs: undefined }
    const outcome = yield* uow.transaction(
      Effect.gen(function* () {
        const request = yield* store.lockRequest(stkRequestId)
        if (Option.isNone(request)) return "UNKNOWN_REQUEST" as SettleOutcome
        return yield* settle(request.value, undefined, asked, timing)
      })
    )
    yield* recordSettled(outcome, timing)
    return outcome
  }).pipe(Effect.withSpan("Payments.pollPush"))
