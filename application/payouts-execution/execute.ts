/**
 * Money out by M-Pesa B2C, driven by the outbox:
 *
 *   PAYOUT_BATCH_APPROVED   batch APPROVED -> PROCESSING; one PAYOUT_REQUESTED per payout
 *   PAYOUT_REQUESTED        one B2C request (OriginatorConversationID = the payout's idempotency
 *                           key; Daraja refuses a reused one, which tells us the first got through)
 *   ORDER_REFUNDED, ORDER_CANCELLED (a paid order)   one refund row, then REFUND_REQUESTED
 *   REFUND_REQUESTED        one B2C request to the phone that paid
 *   MPESA_B2C_RESULT_RECEIVED  Result 0: SUCCEEDED, the ledger posting (payable -> M-Pesa clearing),
 *                           affiliate commissions PAID; anything else: FAILED, an exception opens,
 *                           and (payouts) the balance is simply owed again: nothing was posted.
 *
 * A B2C request is the last step of its handler, so a failure before it sends nothing and a retry
 * after it is refused by Daraja as a duplicate (treated as submitted).
 */
import { Clock, Effect, Option } from "effect"
import type { Money } from "../../domain/money.js"
import { format } from "../../domain/money.js"
import { OrderStore } from "../orders/order.port.js"
import { Ids } from "../ports/ids.js"
import { Outbox } from "../ports/outbox.js"
import { PaymentGateway } from "../ports/payment-gateway.js"
import type { GatewayError } from "../ports/payment-gateway.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { ExceptionQueue } from "../fulfilment/fulfilment.port.js"
import { payoutDisbursement, payoutInstruction, payoutSettledPosting, refundDisbursement, refundSettledPosting } from "./disbursement.js"
import { B2CCallbackUrls, DisbursementStore } from "./disbursement.port.js"
import type { B2CResultReport, PayoutRecord, RefundRecord } from "./disbursement.port.js"

const DUPLICATE_ORIGINATOR = "500.002.1001"

const raise = (kind: string, entity: string, entityId: string, payload: Readonly<Record<string, unknown>>, dedupeKey: string) =>
  Effect.flatMap(ExceptionQueue, (q) => q.raise({ kind, entity, entityId, payload, dedupeKey }))

/** Outbox PAYOUT_BATCH_APPROVED. */
export const startPayoutBatch = (batchId: string) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const at = yield* Clock.currentTimeMillis
    const ids = yield* store.startBatch(batchId, at)
    if (ids.length > 0)
      yield* Effect.flatMap(Outbox, (o) => o.append(ids.map((payoutId) => ({ type: "PAYOUT_REQUESTED", aggregateType: "PAYOUT" as const, aggregateId: payoutId, payload: { payoutId, batchId } }))))
    yield* store.completeBatchIfDone(batchId, at)
  })

/** Sends one B2C; its outcome recorded on the same transaction. */
const sendB2C = (target: PayoutRecord | RefundRecord, phone: string, amount: Money, remarks: string) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const gateway = yield* PaymentGateway
    const { resultUrl, timeoutUrl } = yield* Effect.flatMap(B2CCallbackUrls, (u) => u.urls)
    const at = yield* Clock.currentTimeMillis
    const sent = yield* Effect.either(gateway.b2cPayment({ originatorConversationId: target.originatorConversationId, phone, amount, remarks, resultUrl, queueTimeoutUrl: timeoutUrl }))
    if (sent._tag === "Right") return yield* store.markSubmitted(target, { at, conversationId: sent.right.conversationId, disbursed: amount })
    const e: GatewayError = sent.left
    // Says nothing about the money: fail, and the outbox retries with backoff.
    if (e._tag === "GatewayUnavailable") return yield* Effect.fail(e)
    if (e.errorCode === DUPLICATE_ORIGINATOR) return yield* store.markSubmitted(target, { at, conversationId: undefined, disbursed: amount })
    yield* store.markFinished(target, { status: "FAILED", at, receipt: undefined, result: { refusedBy: "daraja", errorCode: e.errorCode, errorMessage: e.errorMessage } })
    yield* raise(`${target.kind}_FAILED`, target.kind.toLowerCase(), target.id, { reason: `Daraja refused the B2C request: ${e.errorCode} ${e.errorMessage}`, amount: format(amount) }, `${target.kind.toLowerCase()}-failed:${target.id}`)
    if (target.kind === "PAYOUT") yield* store.completeBatchIfDone(target.batchId, at)
  })

/** Outbox PAYOUT_REQUESTED. */
export const submitPayout = (payoutId: string) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const found = yield* store.lockPayout(payoutId)
    if (Option.isNone(found) || found.value.status !== "PENDING") return
    const p = found.value
    const instruction = payoutInstruction(p.method, p.destination, p.accountRef)
    if (instruction.channel !== "B2C") {
      const at = yield* Clock.currentTimeMillis
      yield* store.markFinished(p, { status: "FAILED", at, receipt: undefined, result: { reason: "B2B_NOT_WIRED", instruction } })
      yield* raise("PAYOUT_MANUAL", "payout", p.id, { reason: `pay ${format(p.amount)} to ${instruction.channel} by hand: B2B is not wired yet; the balance stays owed until then`, instruction }, `payout-manual:${p.id}`)
      return yield* store.completeBatchIfDone(p.batchId, at)
    }
    yield* sendB2C(p, instruction.phone, payoutDisbursement(p.amount), `Amana payout ${p.id}`.slice(0, 100))
  })

/** Outbox ORDER_REFUNDED, or ORDER_CANCELLED of a paid order: the buyer's money goes back by B2C. */
export const requestRefund = (orderId: string) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const ctx = yield* store.refundContext(orderId)
    if (Option.isNone(ctx) || ctx.value.paid.amount <= 0) return
    const id = yield* Effect.flatMap(Ids, (ids) => ids.next("rfd"))
    const created = yield* store.createRefund({ id, orderId, buyerId: ctx.value.buyerId, phone: ctx.value.phone, amount: ctx.value.paid, disbursed: refundDisbursement(ctx.value.paid), originatorConversationId: `amana-refund-${orderId}` })
    if (created) yield* Effect.flatMap(Outbox, (o) => o.append([{ type: "REFUND_REQUESTED", aggregateType: "PAYMENT", aggregateId: id, payload: { refundId: id, orderId } }]))
  })

/** Outbox REFUND_REQUESTED. */
export const submitRefund = (refundId: string) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const found = yield* store.lockRefund(refundId)
    if (Option.isNone(found) || found.value.status !== "PENDING") return
    const r = found.value
    yield* sendB2C(r, r.phone, r.disbursed, `Amana refund for order ${r.orderId}`.slice(0, 100))
  })

/** The HTTP adapter stores a Result (or queue timeout) durably and answers at once; the worker applies it. */
export const recordB2CCallback = (kind: "B2C_RESULT" | "B2C_TIMEOUT", raw: unknown, report: B2CResultReport | undefined, remoteAddr: string | undefined) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* DisbursementStore
        const callbackId = yield* store.storeCallback({ kind, originatorConversationId: report?.originatorConversationId, raw, remoteAddr })
        if (report === undefined) {
          yield* raise("B2C_CALLBACK_UNREADABLE", "mpesa_callback", String(callbackId), { kind }, `b2c-unreadable:${callbackId}`)
          return callbackId
        }
        if (kind === "B2C_TIMEOUT") {
          // Daraja could not process the request in time: whether money moved is unknown until a human checks.
          yield* raise("B2C_TIMEOUT", "mpesa_callback", String(callbackId), { originatorConversationId: report.originatorConversationId, resultDesc: report.resultDesc }, `b2c-timeout:${report.originatorConversationId}`)
          return callbackId
        }
        yield* Effect.flatMap(Outbox, (o) => o.append([{ type: "MPESA_B2C_RESULT_RECEIVED", aggregateType: "PAYMENT", aggregateId: String(callbackId), payload: { callbackId, ...report } }]))
        return callbackId
      })
    )
  })

/** Outbox MPESA_B2C_RESULT_RECEIVED: settle the payout or refund it belongs to. A replay changes nothing. */
export const applyB2CResult = (callbackId: number, report: B2CResultReport) =>
  Effect.gen(function* () {
    const store = yield* DisbursementStore
    const at = yield* Clock.currentTimeMillis
    const found = yield* store.lockByConversation(report.originatorConversationId)
    if (Option.isNone(found)) {
      yield* raise("B2C_RESULT_UNKNOWN", "mpesa_callback", String(callbackId), { ...report }, `b2c-unknown:${report.originatorConversationId}`)
      return yield* store.markCallbackProcessed(callbackId, "UNKNOWN")
    }
    const t = found.value
    if (t.status === "SUCCEEDED" || t.status === "FAILED") return yield* store.markCallbackProcessed(callbackId, `DUPLICATE_${t.status}`)
    const result = { ...report }
    if (report.resultCode !== "0") {
      yield* store.markFinished(t, { status: "FAILED", at, receipt: undefined, result })
      yield* raise(`${t.kind}_FAILED`, t.kind.toLowerCase(), t.id, { reason: `M-Pesa B2C failed: ${report.resultCode} ${report.resultDesc}`, originatorConversationId: report.originatorConversationId }, `${t.kind.toLowerCase()}-failed:${t.id}`)
      if (t.kind === "PAYOUT") yield* store.completeBatchIfDone(t.batchId, at)
      return yield* store.markCallbackProcessed(callbackId, "FAILED")
    }
    const sent = t.kind === "PAYOUT" ? payoutDisbursement(t.amount) : t.disbursed
    if (report.amountWhole !== undefined && report.amountWhole * 100 !== sent.amount && sent.currency === "KES")
      yield* raise("B2C_AMOUNT_MISMATCH", t.kind.toLowerCase(), t.id, { asked: format(sent), paidWhole: report.amountWhole }, `b2c-amount:${t.id}`)
    yield* store.markFinished(t, { status: "SUCCEEDED", at, receipt: report.receipt ?? report.transactionId, result })
    const posting = t.kind === "PAYOUT" ? payoutSettledPosting(t.payeeKind, t.payeeId, sent, t.id) : refundSettledPosting(t.buyerId, t.amount, sent, t.id)
    yield* Effect.flatMap(OrderStore, (o) => o.post([posting], at))
    if (t.kind === "PAYOUT") {
      if (t.payeeKind === "AFFILIATE") yield* store.markCommissionsPaid(t.payeeId, t.id)
      yield* store.completeBatchIfDone(t.batchId, at)
    }
    yield* store.markCallbackProcessed(callbackId, "SUCCEEDED")
  })
