/** Payouts and refunds in flight: what the B2C use cases need from persistence and configuration. */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { AdminUserId, HeldPaymentId, OrderId, PayoutBatchId, PayoutId, RefundId, UserId } from "../../domain/ids.js"
import type { Money } from "../../domain/money.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import type { PayoutMethod } from "./disbursement.js"
import type { Payee } from "../../domain/commission.js"

/** MANUAL_PENDING (payouts only): handed to a human to pay by hand; in flight until recorded paid or given back. */
export type DisbursementStatus = "PENDING" | "SUBMITTED" | "SUCCEEDED" | "FAILED" | "MANUAL_PENDING"

export type PayoutRecord = Payee & {
  readonly kind: "PAYOUT"
  readonly id: PayoutId
  readonly batchId: PayoutBatchId
  readonly method: PayoutMethod
  readonly destination: string
  readonly accountRef: string | undefined
  readonly amount: Money
  readonly status: DisbursementStatus
  readonly originatorConversationId: string
  /** Daraja's ConversationID from the synchronous reply; undefined until (or unless) we got one. */
  readonly conversationId: string | undefined
  /** The unguessable segment of this request's own ResultURL. */
  readonly callbackToken: string
  readonly receipt: string | undefined
  /** The receipt (M-Pesa or bank) FINANCE recorded when it was paid by hand. */
  readonly manualReference: string | undefined
}

/** Money back to a buyer: an order's share (orderId), or money held for a checkout (heldPaymentId). */
export interface RefundRecord {
  readonly kind: "REFUND"
  readonly id: RefundId
  readonly orderId: OrderId | undefined
  readonly heldPaymentId: HeldPaymentId | undefined
  readonly buyerId: UserId
  readonly phone: string
  readonly amount: Money
  readonly disbursed: Money
  readonly status: DisbursementStatus
  readonly originatorConversationId: string
  readonly conversationId: string | undefined
  readonly callbackToken: string
  readonly receipt: string | undefined
}

export type DisbursementTarget = { readonly kind: "PAYOUT"; readonly id: PayoutId } | { readonly kind: "REFUND"; readonly id: RefundId }

/** A Transaction Status query about one payout or refund. */
export interface StatusQueryRecord {
  readonly id: string
  readonly target: DisbursementTarget
  readonly reason: string
  readonly status: "PENDING" | "SUBMITTED" | "ANSWERED" | "REFUSED" | "EXPIRED"
  readonly callbackToken: string
  readonly conversationId: string | undefined
}

/** Daraja's B2C Result, as decoded by the HTTP adapter. */
export interface B2CResultReport {
  readonly originatorConversationId: string
  readonly conversationId: string
  readonly resultCode: string
  readonly resultDesc: string
  readonly transactionId?: string | undefined
  readonly receipt?: string | undefined
  readonly amountWhole?: number | undefined
  /** Transaction Status results: "Completed", or a failure wording. */
  readonly transactionStatus?: string | undefined
  /** The gateway's reading of resultCode: the B2C (or the status query) succeeded. */
  readonly succeeded: boolean
  /** Transaction Status results: the gateway's reading of transactionStatus (the money went out). */
  readonly completed?: boolean | undefined
}

export class DisbursementStore extends Context.Tag("amana/DisbursementStore")<
  DisbursementStore,
  {
    /** APPROVED -> PROCESSING; the batch's PENDING payout ids (empty when the batch was not APPROVED). */
    readonly startBatch: (batchId: PayoutBatchId, at: number) => Effect.Effect<ReadonlyArray<PayoutId>, StoreUnavailable>
    /** PROCESSING -> COMPLETED once no payout of the batch is PENDING or SUBMITTED. */
    readonly completeBatchIfDone: (batchId: PayoutBatchId, at: number) => Effect.Effect<void, StoreUnavailable>
    readonly lockPayout: (payoutId: PayoutId) => Effect.Effect<Option.Option<PayoutRecord>, StoreUnavailable>
    readonly lockRefund: (refundId: RefundId) => Effect.Effect<Option.Option<RefundRecord>, StoreUnavailable>
    readonly lockByConversation: (originatorConversationId: string) => Effect.Effect<Option.Option<PayoutRecord | RefundRecord>, StoreUnavailable>
    /** The payout or refund whose own ResultURL carries this token. */
    readonly lockByToken: (callbackToken: string) => Effect.Effect<Option.Option<PayoutRecord | RefundRecord>, StoreUnavailable>
    readonly lockTarget: (target: DisbursementTarget) => Effect.Effect<Option.Option<PayoutRecord | RefundRecord>, StoreUnavailable>
    /** A new PENDING status query, unless one is already open for the target (then None). */
    readonly openStatusQuery: (target: DisbursementTarget, reason: string) => Effect.Effect<Option.Option<string>, StoreUnavailable>
    readonly lockStatusQuery: (
      by: { readonly id: string } | { readonly callbackToken: string }
    ) => Effect.Effect<Option.Option<StatusQueryRecord>, StoreUnavailable>
    readonly updateStatusQuery: (
      queryId: string,
      u: {
        readonly status: "SUBMITTED" | "ANSWERED" | "REFUSED"
        readonly at: number
        readonly conversationId?: string | undefined
        readonly answer?: Readonly<Record<string, unknown>> | undefined
      }
    ) => Effect.Effect<void, StoreUnavailable>
    /**
     * SUBMITTED payouts and refunds with no answer since `before` (no result applied, no status
     * query asked since then); status queries left unanswered since `before` are EXPIRED first.
     */
    readonly unansweredSince: (before: number, limit: number) => Effect.Effect<ReadonlyArray<DisbursementTarget>, StoreUnavailable>
    readonly markSubmitted: (
      target: { readonly kind: "PAYOUT" | "REFUND"; readonly id: string },
      s: { readonly at: number; readonly conversationId: string | undefined; readonly disbursed: Money }
    ) => Effect.Effect<void, StoreUnavailable>
    readonly markFinished: (
      target: { readonly kind: "PAYOUT" | "REFUND"; readonly id: string },
      f: {
        readonly status: "SUCCEEDED" | "FAILED"
        readonly at: number
        readonly receipt: string | undefined
        readonly result: Readonly<Record<string, unknown>>
      }
    ) => Effect.Effect<void, StoreUnavailable>
    /** PENDING -> MANUAL_PENDING: handed to a human; still in flight (its balance is not selected again). */
    readonly markManual: (payoutId: PayoutId, m: { readonly result: Readonly<Record<string, unknown>> }) => Effect.Effect<void, StoreUnavailable>
    /** MANUAL_PENDING -> SUCCEEDED (paid by hand, with its reference and who recorded it) or FAILED (given back: owed again). */
    readonly finishManual: (
      payoutId: PayoutId,
      f:
        | { readonly status: "SUCCEEDED"; readonly at: number; readonly reference: string; readonly by: AdminUserId; readonly note: string | undefined }
        | { readonly status: "FAILED"; readonly at: number; readonly by: AdminUserId; readonly note: string }
    ) => Effect.Effect<void, StoreUnavailable>
    /** The affiliate's APPROVED commissions in the payout's currency, approved before its batch, become PAID by this payout. */
    readonly markCommissionsPaid: (affiliateUserId: UserId, payoutId: PayoutId) => Effect.Effect<void, StoreUnavailable>
    /** Who paid for the order and from which phone; None when the order was never paid. */
    readonly refundContext: (
      orderId: OrderId
    ) => Effect.Effect<Option.Option<{ readonly buyerId: UserId; readonly phone: string; readonly paid: Money }>, StoreUnavailable>
    /**
     * One attempt; false (nothing written) when the order (or held payment) already has one that is not
     * FAILED: in flight or succeeded.
     */
    readonly createRefund: (r: {
      readonly id: RefundId
      readonly orderId?: OrderId | undefined
      readonly heldPaymentId?: HeldPaymentId | undefined
      readonly buyerId: UserId
      readonly phone: string
      readonly amount: Money
      readonly disbursed: Money
      readonly originatorConversationId: string
    }) => Effect.Effect<boolean, StoreUnavailable>
    /** The raw callback, durably, before anything else; returns its id. */
    readonly storeCallback: (c: {
      readonly kind: B2CCallbackKind
      readonly originatorConversationId: string | undefined
      readonly callbackToken: string | undefined
      readonly raw: unknown
      readonly remoteAddr: string | undefined
    }) => Effect.Effect<number, StoreUnavailable>
    readonly markCallbackProcessed: (callbackId: number, outcome: string) => Effect.Effect<void, StoreUnavailable>
    /** The return of held money finished: RETURNED (Daraja confirmed it) or RETURN_FAILED (still held). */
    readonly heldReturnFinished: (heldPaymentId: HeldPaymentId, status: "RETURNED" | "RETURN_FAILED", at: number) => Effect.Effect<void, StoreUnavailable>
  }
>() {}

export type B2CCallbackKind = "B2C_RESULT" | "B2C_TIMEOUT" | "B2C_STATUS_RESULT" | "B2C_STATUS_TIMEOUT"

/** Where Daraja POSTs one request's Result and queue timeout: the request's own unguessable token in the path. */
export class B2CCallbackUrls extends Context.Tag("amana/B2CCallbackUrls")<
  B2CCallbackUrls,
  { readonly urlsFor: (purpose: "B2C" | "STATUS", callbackToken: string) => Effect.Effect<{ readonly resultUrl: string; readonly timeoutUrl: string }> }
>() {}
