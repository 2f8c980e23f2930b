/**
 * M-Pesa simulator (MPESA_ENV=simulator, the default for `npm start`): an in-process stand-in for
 * Daraja implementing the same PaymentGateway. It talks to no one except our own callback URLs:
 * after a push it POSTs a real-format STK callback to the push's CallBackURL `delayMs` later
 * (default 2 s), once, never retried (like Safaricom). Its stkQuery agrees with that callback:
 * Pending (ResultCode 4999) until the callback time, then the same outcome.
 *
 * The outcome is chosen by the last digits of the phone number:
 *
 *   | phone ends in | ResultCode | meaning                                    | query after the delay |
 *   |---------------|------------|--------------------------------------------|-----------------------|
 *   | 0000          | 1032       | Request cancelled by user                  | CancelledByUser       |
 *   | 1037          | 1037       | DS timeout user cannot be reached          | Failed                |
 *   | 0001          | 1          | The balance is insufficient                | Failed                |
 *   | 2001          | 2001       | The initiator information is invalid (PIN) | Failed                |
 *   | 1019          | 1019       | Transaction has expired                    | Failed                |
 *   | 4999          | (none)     | never completes: no callback is sent       | Pending forever       |
 *   | anything else | 0          | paid, with a generated receipt (S + 9)     | Paid                  |
 *
 * B2C: a payout to a phone ending 0001 gets Result 1 (insufficient funds), 2040 gets 2040
 * (unsupported recipient); anything else succeeds with a receipt. The Result is POSTed to the
 * ResultURL `delayMs` later. A reused OriginatorConversationID is refused with 500.002.1001, as
 * Daraja does. Amount, phone and remarks are checked exactly as for the real adapter. A Transaction
 * Status query is answered (at its ResultURL, `delayMs` later) with what that B2C really did.
 *
 * Its memory (the pushes, the payouts, the id counter) is in PostgreSQL (simulator-state.ts), so
 * the process that sent a push and the one that queries it may differ: `--role=api` and
 * `--role=worker` run apart, several of each. The callback itself is sent by the process that
 * took the push (a process that dies before then loses it, as a lost Safaricom callback is lost:
 * the query still answers).
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, FiberSet, Layer, Random } from "effect"
import type { Context, Scope } from "effect"
import { GatewayRejected, PaymentGateway } from "../../application/ports/payment-gateway.js"
import type { StkStatus } from "../../application/ports/payment-gateway.js"
import { Database } from "../postgres/database.js"
import { finalStkStatus } from "./callbacks.js"
import { nairobiTimestamp, prepareB2C, prepareStkPush } from "./protocol.js"
import { simulatorState } from "./simulator-state.js"
import type { SimulatedStkOutcome } from "./simulator-state.js"

export type { SimulatedStkOutcome }

type Gateway = Context.Tag.Service<PaymentGateway>

export interface SimulatorOptions {
  /** How long after a push (or payout) the callback is POSTed; the query is Pending until then. */
  readonly delayMs: number
}

const SUCCESS_DESC = "The service request is processed successfully."
const STILL_PROCESSING = "The transaction is still under processing"

/** The simulator's table (see the module comment). */
export const simulatedStkOutcome = (phone: string): SimulatedStkOutcome => {
  if (phone.endsWith("0000")) return { resultCode: 1032, resultDesc: "Request cancelled by user" }
  if (phone.endsWith("1037")) return { resultCode: 1037, resultDesc: "DS timeout user cannot be reached" }
  if (phone.endsWith("0001")) return { resultCode: 1, resultDesc: "The balance is insufficient for the transaction." }
  if (phone.endsWith("2001")) return { resultCode: 2001, resultDesc: "The initiator information is invalid." }
  if (phone.endsWith("1019")) return { resultCode: 1019, resultDesc: "Transaction has expired" }
  if (phone.endsWith("4999")) return { resultCode: undefined, resultDesc: STILL_PROCESSING }
  return { resultCode: 0, resultDesc: SUCCESS_DESC }
}

export const simulatedB2COutcome = (phone: string): { readonly resultCode: number; readonly resultDesc: string } => {
  if (phone.endsWith("0001")) return { resultCode: 1, resultDesc: "The balance is insufficient for the transaction." }
  if (phone.endsWith("2040"))
    return { resultCode: 2040, resultDesc: "Credit Party customer type (Unregistered or Registered Customer) can't be supported by the service." }
  return { resultCode: 0, resultDesc: SUCCESS_DESC }
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const randomChars = (n: number, alphabet: string) =>
  Effect.map(Effect.all(Array.from({ length: n }, () => Random.nextIntBetween(0, alphabet.length))), (ix) => ix.map((i) => alphabet[i]).join(""))
/** Receipts look like Safaricom's: 10 upper-case letters and digits. */
const receiptNumber = Effect.map(randomChars(9, ALNUM), (s) => `S${s}`)

/** "dd.MM.yyyy HH:mm:ss" in Nairobi time, as B2C results carry it. */
const b2cDate = (epochMillis: number): string => {
  const t = nairobiTimestamp(epochMillis)
  return `${t.slice(6, 8)}.${t.slice(4, 6)}.${t.slice(0, 4)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}`
}

/**
 * `Database` is the simulator's own instance over the platform's pool (composition gives it one), so
 * its writes never join a caller's transaction: a push or payout Safaricom accepted stays accepted
 * whatever the caller's transaction does next.
 */
export const makeSimulatorGateway = (options: SimulatorOptions): Effect.Effect<Gateway, never, HttpClient.HttpClient | Database | Scope.Scope> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const background = yield* FiberSet.make()
    const state = simulatorState(yield* Database)
    const next = state.nextId

    /** Sent once; a failure is logged and dropped, as Safaricom does. */
    const postLater = (what: string, url: string, body: unknown) =>
      FiberSet.run(
        background,
        Effect.sleep(Duration.millis(options.delayMs)).pipe(
          Effect.zipRight(client.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUnsafeJson(body)))),
          Effect.flatMap((response) => response.text),
          Effect.timeout(Duration.seconds(10)),
          Effect.catchAll((e) => Effect.logWarning(`M-Pesa simulator: ${what} to ${url} was not delivered (${String(e)})`)),
          Effect.asVoid
        )
      )

    const stkPush: Gateway["stkPush"] = Effect.fn("MpesaSimulator.stkPush")(function* (request) {
      const push = yield* prepareStkPush(request)
      const now = yield* Clock.currentTimeMillis
      const outcome = simulatedStkOutcome(push.phone)
      const { checkoutRequestId, merchantRequestId } = yield* state.recordPush({
        checkoutRequestIdPrefix: `ws_CO_${nairobiTimestamp(now)}${yield* randomChars(4, "0123456789")}`,
        merchantRequestIdPrefix: `${yield* randomChars(5, "0123456789")}-${yield* randomChars(8, "0123456789")}-`,
        outcome,
        finalAt: now + options.delayMs
      })

      if (outcome.resultCode !== undefined) {
        const base = { MerchantRequestID: merchantRequestId, CheckoutRequestID: checkoutRequestId }
        const stkCallback =
          outcome.resultCode === 0
            ? {
                ...base,
                ResultCode: 0,
                ResultDesc: outcome.resultDesc,
                CallbackMetadata: {
                  Item: [
                    { Name: "Amount", Value: push.amount },
                    { Name: "MpesaReceiptNumber", Value: yield* receiptNumber },
                    { Name: "Balance" },
                    { Name: "TransactionDate", Value: Number(nairobiTimestamp(now + options.delayMs)) },
                    { Name: "PhoneNumber", Value: Number(push.phone) }
                  ]
                }
              }
            : { ...base, ResultCode: outcome.resultCode, ResultDesc: outcome.resultDesc }
        yield* postLater("STK callback", push.callbackUrl, { Body: { stkCallback } })
      }
      return { merchantRequestId, checkoutRequestId, customerMessage: "Success. Request accepted for processing" }
    })

    const stkQuery: Gateway["stkQuery"] = Effect.fn("MpesaSimulator.stkQuery")(function* (checkoutRequestId) {
      const push = yield* state.findPush(checkoutRequestId)
      if (push === undefined)
        return yield* new GatewayRejected({
          errorCode: "400.002.02",
          errorMessage: "Bad Request - Invalid CheckoutRequestID",
          httpStatus: 400
        })
      const now = yield* Clock.currentTimeMillis
      const code = push.outcome.resultCode
      if (code === undefined || now < push.finalAt) return { _tag: "Pending", detail: `4999 ${STILL_PROCESSING}` } satisfies StkStatus
      const resultCode = String(code)
      const resultDesc = push.outcome.resultDesc
      return finalStkStatus(resultCode, resultDesc) satisfies StkStatus
    })

    const b2cPayment: Gateway["b2cPayment"] = Effect.fn("MpesaSimulator.b2cPayment")(function* (request) {
      const payout = yield* prepareB2C(request)
      const outcome = simulatedB2COutcome(payout.phone)
      const receipt = yield* receiptNumber
      const fresh = yield* state.recordPayout(request.originatorConversationId, {
        resultCode: outcome.resultCode,
        receipt,
        amount: payout.amount,
        phone: payout.phone
      })
      if (!fresh)
        return yield* new GatewayRejected({
          errorCode: "500.002.1001",
          errorMessage: "Duplicate OriginatorConversationID.",
          httpStatus: 500
        })
      const now = yield* Clock.currentTimeMillis
      const n = yield* next
      const conversationId = `AG_${nairobiTimestamp(now).slice(0, 8)}_${yield* randomChars(16, "0123456789abcdef")}${n}`
      const Result =
        outcome.resultCode === 0
          ? {
              ResultType: 0,
              ResultCode: 0,
              ResultDesc: outcome.resultDesc,
              OriginatorConversationID: request.originatorConversationId,
              ConversationID: conversationId,
              TransactionID: receipt,
              ResultParameters: {
                ResultParameter: [
                  { Key: "TransactionAmount", Value: payout.amount },
                  { Key: "TransactionReceipt", Value: receipt },
                  { Key: "B2CRecipientIsRegisteredCustomer", Value: "Y" },
                  { Key: "ReceiverPartyPublicName", Value: `${payout.phone} - Simulated Recipient` },
                  { Key: "TransactionCompletedDateTime", Value: b2cDate(now + options.delayMs) }
                ]
              },
              ReferenceData: { ReferenceItem: { Key: "QueueTimeoutURL", Value: request.queueTimeoutUrl } }
            }
          : {
              ResultType: 0,
              ResultCode: outcome.resultCode,
              ResultDesc: outcome.resultDesc,
              OriginatorConversationID: request.originatorConversationId,
              ConversationID: conversationId,
              TransactionID: receipt,
              ReferenceData: { ReferenceItem: { Key: "QueueTimeoutURL", Value: request.queueTimeoutUrl } }
            }
      yield* postLater("B2C result", request.resultUrl, { Result })
      return { conversationId, originatorConversationId: request.originatorConversationId }
    })

    /** Answers what the B2C really did: "Completed" with its receipt, a failure wording, or not found. */
    const b2cStatusQuery: Gateway["b2cStatusQuery"] = Effect.fn("MpesaSimulator.b2cStatusQuery")(function* (request) {
      const now = yield* Clock.currentTimeMillis
      const n = yield* next
      const conversationId = `AG_${nairobiTimestamp(now).slice(0, 8)}_${yield* randomChars(16, "0123456789abcdef")}${n}`
      const originatorConversationId = `${yield* randomChars(5, "0123456789")}-${yield* randomChars(8, "0123456789")}-${n}`
      const known = yield* state.findPayout(request.originatorConversationId, request.transactionId)
      const common = { ResultType: 0, OriginatorConversationID: originatorConversationId, ConversationID: conversationId, TransactionID: yield* receiptNumber }
      const Result =
        known === undefined
          ? { ...common, ResultCode: 2001, ResultDesc: "The transaction could not be found." }
          : {
              ...common,
              ResultCode: 0,
              ResultDesc: SUCCESS_DESC,
              ResultParameters: {
                ResultParameter: [
                  { Key: "ReceiptNo", Value: known.receipt },
                  { Key: "TransactionStatus", Value: known.resultCode === 0 ? "Completed" : "Failed" },
                  { Key: "Amount", Value: known.amount },
                  { Key: "CreditPartyName", Value: `${known.phone} - Simulated Recipient` },
                  { Key: "FinalisedTime", Value: Number(nairobiTimestamp(now)) },
                  { Key: "ReasonType", Value: known.resultCode === 0 ? "Business Payment to Customer via API" : "Failed" }
                ]
              }
            }
      yield* postLater("transaction status result", request.resultUrl, { Result })
      return { conversationId, originatorConversationId }
    })

    return PaymentGateway.of({ stkPush, stkQuery, b2cPayment, b2cStatusQuery })
  })

/** The simulator as a Layer; pending callbacks are interrupted when the layer is released. */
export const MpesaSimulatorLive = (options: SimulatorOptions): Layer.Layer<PaymentGateway, never, HttpClient.HttpClient | Database> =>
  Layer.scoped(PaymentGateway, makeSimulatorGateway(options))
