/**
 * PaymentGateway: how the application asks M-Pesa for money and for the truth about a payment.
 * The Daraja adapter (adapters/daraja) implements it; tests use a fake Daraja HTTP server.
 */
import { Context, Data } from "effect"
import type { Effect } from "effect"
import * as M from "../../domain/money.js"
import type { Money } from "../../domain/money.js"

/** The most one STK push may ask for (Daraja's per-transaction limit, shared/protocols/DARAJA.md). */
export const STK_MAX_CHARGE: Money = M.kes(250_000)

export interface StkPushRequest {
  /** 2547XXXXXXXX or 2541XXXXXXXX. */
  readonly phone: string
  /** Whole shillings only (see Money.toWholeUnitCharge). */
  readonly amount: Money
  /** Shown to the buyer; at most 12 characters. */
  readonly accountReference: string
  /** At most 13 characters. */
  readonly description: string
  readonly callbackUrl: string
}

export interface StkPushAccepted {
  readonly merchantRequestId: string
  readonly checkoutRequestId: string
  readonly customerMessage: string
}

/** What an STK query says about a push. Only Paid/CancelledByUser/Failed are final. */
export type StkStatus =
  | { readonly _tag: "Paid"; readonly resultCode: string; readonly resultDesc: string }
  | { readonly _tag: "CancelledByUser"; readonly resultCode: string; readonly resultDesc: string }
  | { readonly _tag: "Failed"; readonly resultCode: string; readonly resultDesc: string }
  | { readonly _tag: "Pending"; readonly detail: string }

export interface B2CRequest {
  /** Our unique id for this payout: Daraja's deduplication key. */
  readonly originatorConversationId: string
  readonly phone: string
  readonly amount: Money
  readonly remarks: string
  readonly resultUrl: string
  readonly queueTimeoutUrl: string
}

export interface B2CAccepted {
  readonly conversationId: string
  readonly originatorConversationId: string
}

/**
 * A Transaction Status query about one of our B2C payments (asynchronous: the answer is POSTed to
 * `resultUrl` later and names the ConversationID the synchronous reply gave).
 */
export interface B2CStatusQueryRequest {
  /** The B2C's own OriginatorConversationID (used when the receipt is not known). */
  readonly originatorConversationId: string
  /** The M-Pesa receipt of the B2C, when known. */
  readonly transactionId?: string | undefined
  readonly remarks: string
  readonly resultUrl: string
  readonly queueTimeoutUrl: string
}

/**
 * The network or Daraja failed. Mostly in a way that says nothing about the payment's fate: for a
 * push, the prompt may or may not have reached the phone (request-payment.ts keeps such a push
 * PENDING). `notSent`: the request itself certainly never left (Daraja's OAuth token could not be
 * had, or the connection was refused or its name did not resolve), so nothing can have reached a
 * phone or moved money: request-payment.ts ends such a push at once, as a refused one.
 */
export class GatewayUnavailable extends Data.TaggedError("GatewayUnavailable")<{
  readonly detail: string
  readonly cause?: unknown
  readonly notSent?: boolean
}> {
  readonly code = "PAYMENT.GATEWAY_UNAVAILABLE"
  // For a person; `detail` (transport text) is for logs only. "Nothing was charged" only when the request never left.
  override get message() {
    return this.notSent === true
      ? "M-Pesa could not be reached, so no payment prompt was sent and nothing was charged; please try again in a few minutes"
      : "M-Pesa did not answer our payment request, so a payment prompt may still reach your phone: if one comes, answer it; check your M-Pesa messages before paying again, and if no prompt came, try again in a few minutes"
  }
}

/** Daraja refused the request (bad phone, wrong credentials, subscriber busy, quota...). */
export class GatewayRejected extends Data.TaggedError("GatewayRejected")<{
  readonly errorCode: string
  readonly errorMessage: string
  readonly httpStatus: number
}> {
  readonly code = "PAYMENT.GATEWAY_REJECTED"
  /** Daraja's own code (e.g. 500.003.02), for an extension member of the problem; never our `code`. */
  get gatewayCode(): string {
    return this.errorCode
  }
  override get message() {
    return this.httpStatus >= 400 && this.httpStatus < 500
      ? "M-Pesa refused the payment request as invalid, so no prompt was sent and nothing was charged; check the phone number (a Safaricom line) and try again"
      : "M-Pesa did not accept the payment request right now (it may be busy), so no prompt was sent and nothing was charged; please try again in a few minutes"
  }
}

export type GatewayError = GatewayUnavailable | GatewayRejected

export class PaymentGateway extends Context.Tag("amana/PaymentGateway")<
  PaymentGateway,
  {
    /** Never retried blindly: a timeout does not say whether the phone got a prompt. */
    readonly stkPush: (request: StkPushRequest) => Effect.Effect<StkPushAccepted, GatewayError>
    readonly stkQuery: (checkoutRequestId: string) => Effect.Effect<StkStatus, GatewayError>
    readonly b2cPayment: (request: B2CRequest) => Effect.Effect<B2CAccepted, GatewayError>
    /** Transaction Status query: the sync reply's ids; the answer arrives at `resultUrl`. */
    readonly b2cStatusQuery: (request: B2CStatusQueryRequest) => Effect.Effect<B2CAccepted, GatewayError>
  }
>() {}
