/**
 * Money out by M-Pesa B2C, driven by the outbox:
 *
 *   PAYOUT_BATCH_APPROVED   batch APPROVED -> PROCESSING; one PAYOUT_REQUESTED per payout
 *   PAYOUT_REQUESTED        one B2C request (OriginatorConversationID = the payout's idempotency
 *                           key; Daraja refuses a reused one, which tells us the first got through)
 *   ORDER_REFUNDED, ORDER_CANCELLED (a paid order)   one refund row (an attempt), then REFUND_REQUESTED;
 *                           a FAILED one is sent again as a new attempt (startOrderRefund)
 *   REFUND_REQUESTED        one B2C request to the phone that paid (an order's refund, or the
 *                           return of money held for a checkout: application/payments/held-money.ts)
 *   MPESA_B2C_RESULT_RECEIVED  checked against the ids Daraja gave us (see applyB2CResult); a
 *                           verified success: SUCCEEDED, the ledger posting (payable -> M-Pesa
 *                           clearing), affiliate commissions PAID; a failure: a status query first
 *   B2C_STATUS_QUERY_REQUESTED  one Transaction Status query
 *   MPESA_B2C_STATUS_RECEIVED   its answer: SUCCEEDED, or FAILED (an exception opens and, for a
 *                           payout, the balance is simply owed again: nothing was posted)
 *
 * A B2C request is the last step of its handler, so a failure before it sends nothing and a retry
 * after it is refused by Daraja as a duplicate (treated as submitted).
 */
import { Clock, Effect, Option } from "effect"
import { heldPaymentReturnedPosting } from "../../domain/ledger.js"
import { RefundId } from "../../domain/ids.js"
import type { OrderId, PayoutBatchId, PayoutId } from "../../domain/ids.js"
import type { Money } from "../../domain/money.js"
import { format } from "../../domain/money.js"
import { OrderStore } from "../orders/order.port.js"
import { Ids } from "../ports/ids.js"
import { recordMetric } from "../ports/metrics.js"
import { Outbox } from "../ports/outbox.js"
import { PaymentGateway } from "../ports/payment-gateway.js"
import type { GatewayError } from "../ports/payment-gateway.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { ExceptionQueue } from "../ports/exception-queue.js"
import { hasB2CRail, payoutDisbursement, payoutInstruction, payoutSettledPosting, refundDisbursement, refundSettledPosting } from "./disbursement.js"
import { B2CCallbackUrls, DisbursementStore } from "./disbursement.port.js"
import type { B2CCallbackKind, B2CResultReport, PayoutRecord, RefundRecord } from "./disbursement.port.js"

const DUPLICATE_ORIGINATOR = "500.002.1001"

const raise = (kind: string, entity: string, entityId: string, payload: Readonly<Record<string, unknown>>, dedupeKey: string) =>
  Effect.flatMap(ExceptionQueue, (q) => q.raise({ kind, entity, entityId, payload, dedupeKey }))

/** Outbox PAYOUT_BATCH_APPROVED. */
export const startPayoutBatch = (batchId: PayoutBatchId) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const at = yield* Clock.currentTimeMillis
    const ids = yield* store.startBatch(batchId, at)
    if (ids.length > 0)
      yield* Effect.flatMap(Outbox, (o) =>
        o.append(ids.map((payoutId) => ({ type: "PAYOUT_REQUESTED", aggregateType: "PAYOUT" as const, aggregateId: payoutId, payload: { payoutId, batchId } })))
      )
    yield* store.completeBatchIfDone(batchId, at)
  })

/** Sends one B2C to the request's own result URL; its outcome recorded on the same transaction. */
const sendB2C = (target: PayoutRecord | RefundRecord, phone: string, amount: Money, remarks: string) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const gateway = yield* PaymentGateway
    const { resultUrl, timeoutUrl } = yield* Effect.flatMap(B2CCallbackUrls, (u) => u.urlsFor("B2C", target.callbackToken))
    const at = yield* Clock.currentTimeMillis
    const sent = yield* Effect.either(
      gateway.b2cPayment({ originatorConversationId: target.originatorConversationId, phone, amount, remarks, resultUrl, queueTimeoutUrl: timeoutUrl })
    )
    if (sent._tag === "Right") {
      yield* store.markSubmitted(target, { at, conversationId: sent.right.conversationId, disbursed: amount })
      return yield* recordMetric((m) => m.disbursement(target.kind, "SUBMITTED"))
    }
    const e: GatewayError = sent.left
    // Says nothing about the money: fail, and the outbox retries with backoff.
    if (e._tag === "GatewayUnavailable") return yield* Effect.fail(e)
    // An earlier attempt got through (its reply was lost): submitted, with no ConversationID to check
    // a result against, so whatever arrives is confirmed by a Transaction Status query.
    if (e.errorCode === DUPLICATE_ORIGINATOR) {
      yield* store.markSubmitted(target, { at, conversationId: undefined, disbursed: amount })
      return yield* recordMetric((m) => m.disbursement(target.kind, "SUBMITTED"))
    }
    yield* store.markFinished(target, {
      status: "FAILED",
      at,
      receipt: undefined,
      result: { refusedBy: "daraja", errorCode: e.errorCode, errorMessage: e.errorMessage }
    })
    if (target.kind === "REFUND" && target.heldPaymentId !== undefined) yield* store.heldReturnFinished(target.heldPaymentId, "RETURN_FAILED", at)
    yield* raise(
      `${target.kind}_FAILED`,
      target.kind.toLowerCase(),
      target.id,
      { reason: `Daraja refused the B2C request: ${e.errorCode} ${e.errorMessage}`, amount: format(amount) },
      `${target.kind.toLowerCase()}-failed:${target.id}`
    )
    if (target.kind === "PAYOUT") yield* store.completeBatchIfDone(target.batchId, at)
    yield* recordMetric((m) => m.disbursement(target.kind, "REFUSED"))
  })

/** Outbox PAYOUT_REQUESTED. */
export const submitPayout = (payoutId: PayoutId) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const found = yield* store.lockPayout(payoutId)
    if (Option.isNone(found) || found.value.status !== "PENDING") return
    const p = found.value
    const instruction = payoutInstruction(p.method, p.destination, p.accountRef)
    const manual =
      instruction.channel !== "B2C"
        ? { reason: "B2B_NOT_WIRED", why: `to ${instruction.channel}: B2B is not wired yet` }
        : !hasB2CRail(p.amount.currency)
          ? { reason: "NO_B2C_RAIL", why: `in ${p.amount.currency}: there is no B2C rail for it yet` }
          : undefined
    if (manual !== undefined || instruction.channel !== "B2C") {
      // Handed to a human: MANUAL_PENDING stays in flight (its balance is not selected again) until
      // FINANCE records it paid by hand or gives it back (application/admin/manual-payouts.ts).
      const at = yield* Clock.currentTimeMillis
      const toPay = payoutDisbursement(p.amount)
      yield* store.markManual(p.id, { result: { reason: manual?.reason, instruction, toPay: format(toPay) } })
      yield* raise(
        "PAYOUT_MANUAL",
        "payout",
        p.id,
        {
          reason: `pay ${format(toPay)} by hand ${manual?.why}; then record it on the payout ("Paid by hand", with the receipt), or give it back so the balance is owed again`,
          instruction
        },
        `payout-manual:${p.id}`
      )
      yield* recordMetric((m) => m.disbursement("PAYOUT", "MANUAL"))
      return yield* store.completeBatchIfDone(p.batchId, at)
    }
    yield* sendB2C(p, instruction.phone, payoutDisbursement(p.amount), `Amana payout ${p.id}`.slice(0, 100))
  })

/**
 * One attempt at an order's refund: a refund row of the order's paid share with its own
 * OriginatorConversationID (amana-refund-<refund id>, so a B2C result for an earlier attempt can
 * only ever match that attempt), then REFUND_REQUESTED. At most one attempt per order is not FAILED
 * (db/migrations/0085), so none is made while one is in flight or after one succeeded: the total
 * refunded for an order never exceeds its paid share. The new attempt's id, or None when none was made.
 */
export const startOrderRefund = (orderId: OrderId) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const ctx = yield* store.refundContext(orderId)
    if (Option.isNone(ctx) || ctx.value.paid.amount <= 0) return Option.none<RefundId>()
    const id = RefundId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("rfd")))
    const created = yield* store.createRefund({
      id,
      orderId,
      buyerId: ctx.value.buyerId,
      phone: ctx.value.phone,
      amount: ctx.value.paid,
      disbursed: refundDisbursement(ctx.value.paid),
      originatorConversationId: `amana-refund-${id}`
    })
    if (!created) return Option.none<RefundId>()
    yield* Effect.flatMap(Outbox, (o) =>
      o.append([{ type: "REFUND_REQUESTED", aggregateType: "PAYMENT", aggregateId: id, payload: { refundId: id, orderId } }])
    )
    return Option.some(id)
  })

/**
 * Outbox ORDER_REFUNDED, or ORDER_CANCELLED of a paid order: the buyer's money goes back by B2C.
 * A replay does nothing while the refund is in flight or paid; after Daraja confirmed it FAILED it
 * makes a new attempt (FINANCE's "send refund again", application/admin/refunds.ts, is the usual way).
 */
export const requestRefund = (orderId: OrderId) => Effect.asVoid(startOrderRefund(orderId))

/** Outbox REFUND_REQUESTED. */
export const submitRefund = (refundId: RefundId) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const found = yield* store.lockRefund(refundId)
    if (Option.isNone(found) || found.value.status !== "PENDING") return
    const r = found.value
    const remarks = r.orderId !== undefined ? `Amana refund for order ${r.orderId}` : `Amana return of payment ${r.heldPaymentId ?? r.id}`
    yield* sendB2C(r, r.phone, r.disbursed, remarks.slice(0, 100))
  })

/**
 * The HTTP adapter stores a callback (raw, with the token its URL carried) durably and answers at
 * once; the worker applies it. `callbackToken` is undefined on the legacy shared-secret URL.
 */
export const recordB2CCallback = (
  kind: B2CCallbackKind,
  raw: unknown,
  report: B2CResultReport | undefined,
  remoteAddr: string | undefined,
  callbackToken?: string | undefined
) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* DisbursementStore
        const callbackId = yield* store.storeCallback({ kind, originatorConversationId: report?.originatorConversationId, callbackToken, raw, remoteAddr })
        const isStatus = kind === "B2C_STATUS_RESULT" || kind === "B2C_STATUS_TIMEOUT"
        if (report === undefined && !(kind === "B2C_TIMEOUT" || kind === "B2C_STATUS_TIMEOUT")) {
          yield* raise("B2C_CALLBACK_UNREADABLE", "mpesa_callback", String(callbackId), { kind }, `b2c-unreadable:${callbackId}`)
          return callbackId
        }
        yield* Effect.flatMap(Outbox, (o) =>
          o.append([
            {
              type: isStatus ? "MPESA_B2C_STATUS_RECEIVED" : "MPESA_B2C_RESULT_RECEIVED",
              aggregateType: "PAYMENT",
              aggregateId: String(callbackId),
              payload: { callbackId, kind, ...(callbackToken !== undefined && { callbackToken }), ...(report !== undefined && { report }) }
            }
          ])
        )
        return callbackId
      })
    )
  })

const claimOf = (report: B2CResultReport): "SUCCEEDED" | "FAILED" => (report.succeeded ? "SUCCEEDED" : "FAILED")

/** Ask Daraja (Transaction Status) what really happened to a payout or refund; at most one query open per target. */
const confirmByQuery = (t: PayoutRecord | RefundRecord, reason: string) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const opened = yield* store.openStatusQuery(t, reason)
    if (Option.isSome(opened))
      yield* Effect.flatMap(Outbox, (o) =>
        o.append([
          {
            type: "B2C_STATUS_QUERY_REQUESTED",
            aggregateType: "PAYMENT",
            aggregateId: opened.value,
            payload: { queryId: opened.value, kind: t.kind, id: t.id, reason }
          }
        ])
      )
  })

/** Success: SUCCEEDED, the ledger posting (payable -> M-Pesa clearing), affiliate commissions PAID. */
const settleSucceeded = (
  t: PayoutRecord | RefundRecord,
  at: number,
  receipt: string | undefined,
  amountWhole: number | undefined,
  result: Readonly<Record<string, unknown>>
) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const sent = t.kind === "PAYOUT" ? payoutDisbursement(t.amount) : t.disbursed
    if (amountWhole !== undefined && amountWhole * 100 !== sent.amount && sent.currency === "KES")
      yield* raise("B2C_AMOUNT_MISMATCH", t.kind.toLowerCase(), t.id, { asked: format(sent), paidWhole: amountWhole }, `b2c-amount:${t.id}`)
    yield* store.markFinished(t, { status: "SUCCEEDED", at, receipt, result })
    const posting =
      t.kind === "PAYOUT"
        ? payoutSettledPosting(t, sent, t.id)
        : t.heldPaymentId !== undefined
          ? heldPaymentReturnedPosting(t.heldPaymentId, t.amount, t.id)
          : refundSettledPosting(t.buyerId, t.amount, sent, t.id)
    yield* Effect.flatMap(OrderStore, (o) => o.post([posting], at))
    if (t.kind === "REFUND" && t.heldPaymentId !== undefined) yield* store.heldReturnFinished(t.heldPaymentId, "RETURNED", at)
    if (t.kind === "PAYOUT") {
      if (t.payeeKind === "AFFILIATE") yield* store.markCommissionsPaid(t.payeeId, t.id)
      yield* store.completeBatchIfDone(t.batchId, at)
    }
    yield* recordMetric((m) => m.disbursement(t.kind, "SUCCEEDED"))
  })

/** Confirmed failure: FAILED, an exception; a payout's balance is simply owed again (nothing was posted). */
const settleFailed = (t: PayoutRecord | RefundRecord, at: number, why: string, result: Readonly<Record<string, unknown>>) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    yield* store.markFinished(t, { status: "FAILED", at, receipt: undefined, result })
    if (t.kind === "REFUND" && t.heldPaymentId !== undefined) yield* store.heldReturnFinished(t.heldPaymentId, "RETURN_FAILED", at)
    yield* raise(
      `${t.kind}_FAILED`,
      t.kind.toLowerCase(),
      t.id,
      { reason: why, originatorConversationId: t.originatorConversationId },
      `${t.kind.toLowerCase()}-failed:${t.id}`
    )
    if (t.kind === "PAYOUT") yield* store.completeBatchIfDone(t.batchId, at)
    yield* recordMetric((m) => m.disbursement(t.kind, "FAILED"))
  })

/** A claim about a payout or refund already settled the other way: an exception, and nothing changes. */
const contradiction = (t: PayoutRecord | RefundRecord, source: string, claim: string, evidence: Readonly<Record<string, unknown>>) =>
  raise(
    "B2C_RESULT_CONTRADICTS",
    t.kind.toLowerCase(),
    t.id,
    { reason: `${source} says ${claim}, but the ${t.kind.toLowerCase()} is confirmed ${t.status}`, ...evidence },
    `b2c-contradicts:${t.id}:${source}:${claim}`
  )

/**
 * Outbox MPESA_B2C_RESULT_RECEIVED. A B2C Result is not signed, so it is believed only as far as it
 * can be checked:
 *   - its URL's token names the payout or refund (a legacy URL without one: its OriginatorConversationID);
 *   - its OriginatorConversationID and ConversationID must be the ones we sent and Daraja answered
 *     synchronously; otherwise it is forged: an exception, and nothing changes;
 *   - a verified success settles at once; a failure, or a result we cannot check (no ConversationID
 *     on record, legacy URL), only opens a Transaction Status query, whose answer decides;
 *   - a result contradicting a settled outcome opens an exception and changes nothing; one that
 *     agrees is a duplicate.
 */
export const applyB2CResult = (callbackId: number, report: B2CResultReport, callbackToken?: string | undefined) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const at = yield* Clock.currentTimeMillis
    const found = callbackToken !== undefined ? yield* store.lockByToken(callbackToken) : yield* store.lockByConversation(report.originatorConversationId)
    if (Option.isNone(found)) {
      yield* raise("B2C_RESULT_UNKNOWN", "mpesa_callback", String(callbackId), { ...report }, `b2c-unknown:${callbackId}`)
      return yield* store.markCallbackProcessed(callbackId, "UNKNOWN")
    }
    const t = found.value
    const forged =
      report.originatorConversationId !== t.originatorConversationId || (t.conversationId !== undefined && report.conversationId !== t.conversationId)
    if (forged) {
      yield* raise(
        "B2C_RESULT_FORGED",
        t.kind.toLowerCase(),
        t.id,
        {
          reason: "a B2C Result naming ids Daraja never gave us for this request; ignored",
          callbackId,
          claimed: report.resultCode,
          originatorConversationId: report.originatorConversationId,
          conversationId: report.conversationId
        },
        `b2c-forged:${callbackId}`
      )
      return yield* store.markCallbackProcessed(callbackId, "FORGED")
    }
    const claim = claimOf(report)
    if (t.status === "SUCCEEDED" || t.status === "FAILED") {
      if (t.status === claim) return yield* store.markCallbackProcessed(callbackId, `DUPLICATE_${t.status}`)
      yield* contradiction(t, "B2C Result", claim, { callbackId, resultCode: report.resultCode, resultDesc: report.resultDesc })
      return yield* store.markCallbackProcessed(callbackId, "CONTRADICTS")
    }
    const verified = callbackToken !== undefined && t.conversationId !== undefined
    if (verified && claim === "SUCCEEDED") {
      yield* settleSucceeded(t, at, report.receipt ?? report.transactionId, report.amountWhole, { ...report })
      return yield* store.markCallbackProcessed(callbackId, "SUCCEEDED")
    }
    // A failure re-opens a balance (or tells the buyer their refund did not go): only on Daraja's own word.
    yield* confirmByQuery(t, verified ? `B2C Result ${report.resultCode}: ${report.resultDesc}` : `unverifiable B2C Result ${report.resultCode}`)
    yield* store.markCallbackProcessed(callbackId, `QUERYING_${claim}`)
  })

/** Outbox MPESA_B2C_RESULT_RECEIVED of a queue timeout: whether money moved is unknown, so ask. */
export const applyB2CTimeout = (callbackId: number, callbackToken: string | undefined, report: B2CResultReport | undefined) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const found =
      callbackToken !== undefined
        ? yield* store.lockByToken(callbackToken)
        : report !== undefined
          ? yield* store.lockByConversation(report.originatorConversationId)
          : Option.none()
    if (Option.isNone(found)) {
      yield* raise(
        "B2C_TIMEOUT",
        "mpesa_callback",
        String(callbackId),
        { originatorConversationId: report?.originatorConversationId, resultDesc: report?.resultDesc },
        `b2c-timeout:${callbackId}`
      )
      return yield* store.markCallbackProcessed(callbackId, "UNKNOWN")
    }
    if (found.value.status === "SUBMITTED") yield* confirmByQuery(found.value, "B2C queue timeout")
    yield* store.markCallbackProcessed(callbackId, "QUERYING")
  })

/** Outbox B2C_STATUS_QUERY_REQUESTED: one Transaction Status query to Daraja, answered at the query's own URL. */
export const submitStatusQuery = (queryId: string) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const gateway = yield* PaymentGateway
    const found = yield* store.lockStatusQuery({ id: queryId })
    if (Option.isNone(found) || found.value.status !== "PENDING") return
    const query = found.value
    const target = yield* store.lockTarget(query.target)
    if (Option.isNone(target)) return
    const { resultUrl, timeoutUrl } = yield* Effect.flatMap(B2CCallbackUrls, (u) => u.urlsFor("STATUS", query.callbackToken))
    const at = yield* Clock.currentTimeMillis
    const asked = yield* Effect.either(
      gateway.b2cStatusQuery({
        originatorConversationId: target.value.originatorConversationId,
        transactionId: target.value.receipt,
        remarks: `Amana check ${target.value.kind.toLowerCase()} ${target.value.id}`,
        resultUrl,
        queueTimeoutUrl: timeoutUrl
      })
    )
    if (asked._tag === "Right") return yield* store.updateStatusQuery(query.id, { status: "SUBMITTED", at, conversationId: asked.right.conversationId })
    if (asked.left._tag === "GatewayUnavailable") return yield* Effect.fail(asked.left)
    yield* store.updateStatusQuery(query.id, { status: "REFUSED", at, answer: { errorCode: asked.left.errorCode, errorMessage: asked.left.errorMessage } })
    yield* raise(
      "B2C_UNCONFIRMED",
      target.value.kind.toLowerCase(),
      target.value.id,
      { reason: `Daraja refused the Transaction Status query: ${asked.left.errorCode} ${asked.left.errorMessage}; check by hand` },
      `b2c-unconfirmed:${query.id}`
    )
  })

/**
 * Outbox MPESA_B2C_STATUS_RECEIVED: Daraja's answer to our Transaction Status query, believed only
 * when it comes to the query's own URL and names the ConversationID of the query's sync reply.
 *   "Completed": the money went out: SUCCEEDED (or nothing, when it already is);
 *   another TransactionStatus: confirmed failure: FAILED (a payout's balance is owed again);
 *   no answer we can read (the query itself failed, e.g. transaction not found): an exception for
 *   FINANCE; the payout or refund stays SUBMITTED, so nothing is paid twice.
 */
export const applyB2CStatus = (callbackId: number, callbackToken: string | undefined, kind: B2CCallbackKind, report: B2CResultReport | undefined) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const at = yield* Clock.currentTimeMillis
    const found = callbackToken === undefined ? Option.none() : yield* store.lockStatusQuery({ callbackToken })
    if (Option.isNone(found)) {
      yield* raise("B2C_RESULT_UNKNOWN", "mpesa_callback", String(callbackId), { kind, ...report }, `b2c-unknown:${callbackId}`)
      return yield* store.markCallbackProcessed(callbackId, "UNKNOWN")
    }
    const query = found.value
    if (kind === "B2C_STATUS_TIMEOUT" || report === undefined) return yield* store.markCallbackProcessed(callbackId, "STATUS_TIMEOUT")
    if (query.conversationId === undefined || report.conversationId !== query.conversationId) {
      yield* raise(
        "B2C_RESULT_FORGED",
        query.target.kind.toLowerCase(),
        query.target.id,
        { reason: "a Transaction Status result naming a ConversationID our query never got; ignored", callbackId, conversationId: report.conversationId },
        `b2c-forged:${callbackId}`
      )
      return yield* store.markCallbackProcessed(callbackId, "FORGED")
    }
    if (query.status !== "SUBMITTED") return yield* store.markCallbackProcessed(callbackId, "DUPLICATE")
    yield* store.updateStatusQuery(query.id, { status: "ANSWERED", at, answer: { ...report } })
    const target = yield* store.lockTarget(query.target)
    if (Option.isNone(target)) return yield* store.markCallbackProcessed(callbackId, "UNKNOWN")
    const t = target.value
    const status = report.transactionStatus?.trim()
    if (!report.succeeded || report.completed === undefined || status === undefined) {
      if (t.status === "SUBMITTED")
        yield* raise(
          "B2C_UNCONFIRMED",
          t.kind.toLowerCase(),
          t.id,
          {
            reason: `the Transaction Status query did not confirm the ${t.kind.toLowerCase()} (${report.resultCode} ${report.resultDesc}); it stays SUBMITTED until checked by hand`,
            queryId: query.id
          },
          `b2c-unconfirmed:${query.id}`
        )
      return yield* store.markCallbackProcessed(callbackId, "INCONCLUSIVE")
    }
    const truth = report.completed ? "SUCCEEDED" : "FAILED"
    if (t.status === "SUCCEEDED" || t.status === "FAILED") {
      if (t.status !== truth) yield* contradiction(t, "Transaction Status", truth, { callbackId, transactionStatus: status })
      return yield* store.markCallbackProcessed(callbackId, t.status === truth ? `CONFIRMED_${truth}` : "CONTRADICTS")
    }
    if (truth === "SUCCEEDED")
      yield* settleSucceeded(t, at, report.receipt ?? report.transactionId, report.amountWhole, { confirmedBy: "TransactionStatus", ...report })
    else yield* settleFailed(t, at, `M-Pesa B2C failed (confirmed by Transaction Status: ${status})`, { confirmedBy: "TransactionStatus", ...report })
    yield* store.markCallbackProcessed(callbackId, `CONFIRMED_${truth}`)
  })

/** Default wait for a B2C Result before asking Daraja ourselves. */
export const B2C_RESULT_TIMEOUT_MS = 15 * 60_000

/**
 * Cron: a payout or refund SUBMITTED with no Result (or an unanswered query) for `timeoutMs` is
 * checked with a Transaction Status query. Each in its own transaction.
 */
export const sweepUnansweredB2C = (timeoutMs: number = B2C_RESULT_TIMEOUT_MS, batch = 100) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const now = yield* Clock.currentTimeMillis
    const targets = yield* uow.transaction(Effect.flatMap(DisbursementStore, (s) => s.unansweredSince(now - timeoutMs, batch)))
    for (const target of targets)
      yield* uow.transaction(
        Effect.gen(function* () {
          const t = yield* Effect.flatMap(DisbursementStore, (s) => s.lockTarget(target))
          if (Option.isSome(t) && t.value.status === "SUBMITTED") yield* confirmByQuery(t.value, `no B2C Result within ${Math.round(timeoutMs / 60_000)} min`)
        })
      )
    return targets.length
  }).pipe(Effect.withSpan("Payouts.sweepUnansweredB2C"))
