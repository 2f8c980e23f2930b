/** Payouts and refunds in flight: what the B2C use cases need from persistence and configuration. */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { Money } from "../../domain/money.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import type { PayeeKind, PayoutMethod } from "./disbursement.js"

export type DisbursementStatus = "PENDING" | "SUBMITTED" | "SUCCEEDED" | "FAILED"

export interface PayoutRecord {
  readonly kind: "PAYOUT"
  readonly id: string
  readonly batchId: string
  readonly payeeKind: PayeeKind
  readonly payeeId: string
  readonly method: PayoutMethod
  readonly destination: string
  readonly accountRef: string | undefined
  readonly amount: Money
  readonly status: DisbursementStatus
  readonly originatorConversationId: string
}

export interface RefundRecord {
  readonly kind: "REFUND"
  readonly id: string
  readonly orderId: string
  readonly buyerId: string
  readonly phone: string
  readonly amount: Money
  readonly disbursed: Money
  readonly status: DisbursementStatus
  readonly originatorConversationId: string
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
}

export class DisbursementStore extends Context.Tag("amana/DisbursementStore")<
  DisbursementStore,
  {
    /** APPROVED -> PROCESSING; the batch's PENDING payout ids (empty when the batch was not APPROVED). */
    readonly startBatch: (batchId: string, at: number) => Effect.Effect<ReadonlyArray<string>, StoreUnavailable>
    /** PROCESSING -> COMPLETED once no payout of the batch is PENDING or SUBMITTED. */
    readonly completeBatchIfDone: (batchId: string, at: number) => Effect.Effect<void, StoreUnavailable>
    readonly lockPayout: (payoutId: string) => Effect.Effect<Option.Option<PayoutRecord>, StoreUnavailable>
    readonly lockRefund: (refundId: string) => Effect.Effect<Option.Option<RefundRecord>, StoreUnavailable>
    readonly lockByConversation: (originatorConversationId: string) => Effect.Effect<Option.Option<PayoutRecord | RefundRecord>, StoreUnavailable>
    readonly markSubmitted: (target: { readonly kind: "PAYOUT" | "REFUND"; readonly id: string }, s: { readonly at: number; readonly conversationId: string | undefined; readonly disbursed: Money }) => Effect.Effect<void, StoreUnavailable>
    readonly markFinished: (
      target: { readonly kind: "PAYOUT" | "REFUND"; readonly id: string },
      f: { readonly status: "SUCCEEDED" | "FAILED"; readonly at: number; readonly receipt: string | undefined; readonly result: Readonly<Record<string, unknown>> }
    ) => Effect.Effect<void, StoreUnavailable>
    /** The affiliate's APPROVED commissions up to the batch become PAID by this payout. */
    readonly markCommissionsPaid: (affiliateUserId: string, payoutId: string) => Effect.Effect<void, StoreUnavailable>
    /** Who paid for the order and from which phone; None when the order was never paid. */
    readonly refundContext: (orderId: string) => Effect.Effect<Option.Option<{ readonly buyerId: string; readonly phone: string; readonly paid: Money }>, StoreUnavailable>
    /** Once per order; false when the refund already exists. */
    readonly createRefund: (r: { readonly id: string; readonly orderId: string; readonly buyerId: string; readonly phone: string; readonly amount: Money; readonly disbursed: Money; readonly originatorConversationId: string }) => Effect.Effect<boolean, StoreUnavailable>
    /** The raw callback, durably, before anything else; returns its id. */
    readonly storeCallback: (c: { readonly kind: "B2C_RESULT" | "B2C_TIMEOUT"; readonly originatorConversationId: string | undefined; readonly raw: unknown; readonly remoteAddr: string | undefined }) => Effect.Effect<number, StoreUnavailable>
    readonly markCallbackProcessed: (callbackId: number, outcome: string) => Effect.Effect<void, StoreUnavailable>
  }
>() {}

/** Where Daraja POSTs B2C Results and queue timeouts (an unguessable path secret inside). */
export class B2CCallbackUrls extends Context.Tag("amana/B2CCallbackUrls")<B2CCallbackUrls, { readonly urls: Effect.Effect<{ readonly resultUrl: string; readonly timeoutUrl: string }> }>() {}
