/**
 * PaymentStore: STK push requests, raw Daraja callbacks and the checkout's payment state (what a
 * human must look at goes to the ExceptionQueue port). Every method runs on the current UnitOfWork
 * transaction; `lock*` take row locks so a callback and a poll of the same push serialize.
 */
import type { CheckoutId, HeldPaymentId, OrderId, StkRequestId, UserId } from "../../domain/ids.js"
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { HeldReason, HeldStatus, ReturnPolicy } from "../../domain/held-money.js"
import type { Money } from "../../domain/money.js"
import type { OrderState } from "../../domain/order.js"
import type { StkStatus } from "../ports/payment-gateway.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import type { CheckoutSummary } from "../checkout/checkout.port.js"
import type { Session } from "../auth/auth.port.js"

export type StkRequestStatus = "PENDING" | "PAID" | "CANCELLED" | "FAILED"

export interface StkRequest {
  readonly id: StkRequestId
  readonly checkoutId: CheckoutId
  readonly phone: string
  /** minor units; always whole shillings */
  readonly amount: Money
  readonly checkoutRequestId?: string | undefined
  readonly status: StkRequestStatus
  readonly resultCode?: string | undefined
  readonly resultDesc?: string | undefined
  readonly receipt?: string | undefined
  readonly requestedAt: number
}

export interface PayableCheckout {
  readonly checkoutId: CheckoutId
  readonly buyerId: UserId
  readonly state: string
  readonly charge: Money
  readonly createdAt: number
  readonly expiresAt: number
  readonly orders: ReadonlyArray<{ readonly orderId: OrderId; readonly state: OrderState }>
}

/** A final STK outcome, as the STK query and the callback both report it. */
export type FinalStkOutcome = Exclude<StkStatus["_tag"], "Pending">

/** A decoded STK callback (adapters/daraja/callbacks.ts reads the wire format and gives the ResultCode its meaning). */
export interface StkCallbackInfo {
  readonly checkoutRequestId: string
  readonly merchantRequestId?: string | undefined
  /** What the ResultCode means (the gateway's reading; the application never interprets codes). */
  readonly outcome: FinalStkOutcome
  readonly resultCode: string
  readonly resultDesc: string
  readonly amountWhole?: number | undefined
  readonly receipt?: string | undefined
  readonly phone?: string | undefined
}

export interface UnrecordedPushMatch {
  readonly phone: string
  readonly amount: Money
  readonly from: number
  readonly to: number
}

export interface StoredCallback {
  readonly id: string
  readonly processed: boolean
  readonly receivedAt: number
  readonly callback: StkCallbackInfo | undefined
  /** why the body could not be read, when it could not */
  readonly undecodable?: string | undefined
}

export type CheckoutPaymentState = "PENDING_PAYMENT" | "PAID" | "PAYMENT_FAILED" | "CANCELLED" | "EXPIRED"

/** Money received for a checkout that it could not settle; owed back to the phone that was asked. */
export interface HeldPayment {
  readonly id: HeldPaymentId
  readonly checkoutId: CheckoutId
  readonly stkRequestId: StkRequestId
  readonly buyerId: UserId
  /** the phone the push went to: where the money goes back */
  readonly phone: string
  readonly amount: Money
  readonly receipt?: string | undefined
  readonly reason: HeldReason
  readonly returnPolicy: ReturnPolicy
  readonly status: HeldStatus
  readonly heldAt: number
  readonly returnedAt?: number | undefined
}

/** What the buyer's view of a checkout is made of (application/checkout/view-checkout.ts). */
export interface CheckoutViewParts {
  readonly buyerId: UserId
  readonly summary: CheckoutSummary
  readonly latestRequest: Option.Option<StkRequest>
  readonly held: ReadonlyArray<HeldPayment>
}

export class PaymentStore extends Context.Tag("amana/PaymentStore")<
  PaymentStore,
  {
    readonly lockCheckout: (checkoutId: CheckoutId) => Effect.Effect<Option.Option<PayableCheckout>, StoreUnavailable>
    readonly latestRequest: (checkoutId: CheckoutId) => Effect.Effect<Option.Option<StkRequest>, StoreUnavailable>
    /**
     * Whether the buyer pushed again for the checkout after this push: a later push that may have
     * reached a phone (pending, settled, or lost on the way) decides the checkout; this one's end
     * then decides only its own row. A later push Daraja refused (FAILED, no CheckoutRequestID) never
     * reached a phone and does not count. Read under the checkout's lock (pushes are recorded under it).
     */
    readonly pushedSince: (request: StkRequest) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * The checkout, its orders, its latest push and its held money, read by ONE statement: one
     * snapshot without a transaction and without a row lock (a buyer polls this until PAID).
     */
    readonly checkoutView: (checkoutId: CheckoutId) => Effect.Effect<Option.Option<CheckoutViewParts>, StoreUnavailable>
    /**
     * The bearer token's live session (AuthStore.findSession's rule) and, in the same statement, the
     * view of the checkout if it is that session's user's (none otherwise): a poll in one round trip.
     */
    readonly checkoutViewWithSession: (
      token: string,
      now: number,
      checkoutId: CheckoutId
    ) => Effect.Effect<{ readonly session: Option.Option<Session>; readonly view: Option.Option<CheckoutViewParts> }, StoreUnavailable>
    readonly insertRequest: (r: {
      readonly id: string
      readonly checkoutId: CheckoutId
      readonly phone: string
      readonly amount: Money
      readonly at: number
    }) => Effect.Effect<void, StoreUnavailable>
    readonly requestAccepted: (id: string, merchantRequestId: string, checkoutRequestId: string) => Effect.Effect<void, StoreUnavailable>
    readonly requestRefused: (id: string, detail: string, at: number) => Effect.Effect<void, StoreUnavailable>
    readonly lockRequest: (id: StkRequestId) => Effect.Effect<Option.Option<StkRequest>, StoreUnavailable>
    readonly lockRequestByCheckoutRequestId: (checkoutRequestId: string) => Effect.Effect<Option.Option<StkRequest>, StoreUnavailable>
    /** The same two without a lock: what to ask Daraja about before any lock is taken. */
    readonly findRequest: (id: StkRequestId) => Effect.Effect<Option.Option<StkRequest>, StoreUnavailable>
    readonly findRequestByCheckoutRequestId: (checkoutRequestId: string) => Effect.Effect<Option.Option<StkRequest>, StoreUnavailable>
    /**
     * PENDING pushes whose CheckoutRequestID was never recorded (the process died between Daraja's
     * answer and its commit), to this phone for this amount, requested in [from, to]; row-locked.
     */
    readonly lockUnrecordedPushes: (p: UnrecordedPushMatch) => Effect.Effect<ReadonlyArray<StkRequest>, StoreUnavailable>
    /** The same without a lock. */
    readonly findUnrecordedPushes: (p: UnrecordedPushMatch) => Effect.Effect<ReadonlyArray<StkRequest>, StoreUnavailable>
    /** Ids of PENDING pushes without a CheckoutRequestID requested before `before` (for the sweeper). */
    readonly unrecordedPushesBefore: (before: number) => Effect.Effect<ReadonlyArray<StkRequestId>, StoreUnavailable>
    /**
     * The push leaves PENDING with this outcome; its backstop poll (the append keyed
     * `backstopPollKey(id)`), when it has not started, is withdrawn with it: the worker never runs it.
     */
    readonly settleRequest: (
      id: string,
      outcome: {
        readonly status: Exclude<StkRequestStatus, "PENDING">
        readonly resultCode: string
        readonly resultDesc: string
        readonly receipt?: string | undefined
        readonly paidPhone?: string | undefined
        readonly paidAmount?: Money | undefined
        readonly at: number
      }
    ) => Effect.Effect<void, StoreUnavailable>
    /** Fill in the receipt of a push confirmed by query before its callback arrived. */
    readonly recordReceipt: (id: string, receipt: string) => Effect.Effect<void, StoreUnavailable>
    /** The request that already holds this M-Pesa receipt, if any. */
    readonly requestWithReceipt: (receipt: string) => Effect.Effect<Option.Option<string>, StoreUnavailable>
    /** Stores the body as received (raw JSON, or the text when it is not JSON). */
    readonly saveCallback: (c: {
      readonly raw: unknown
      readonly checkoutRequestId?: string | undefined
      readonly remoteAddr?: string | undefined
      readonly at: number
    }) => Effect.Effect<string, StoreUnavailable>
    /** Locked (FOR UPDATE) unless `lock` is false: a look before any transaction. */
    readonly loadCallback: (id: string, lock?: boolean) => Effect.Effect<Option.Option<StoredCallback>, StoreUnavailable>
    readonly markCallbackProcessed: (id: string, outcome: string, at: number) => Effect.Effect<void, StoreUnavailable>
    readonly setCheckoutState: (checkoutId: CheckoutId, state: CheckoutPaymentState, at: number) => Effect.Effect<void, StoreUnavailable>
    /** Once per push: None when this push's money is already held (a replay). */
    readonly insertHeldPayment: (h: HeldPayment) => Effect.Effect<Option.Option<HeldPayment>, StoreUnavailable>
    /** The checkout's held money, oldest first (no lock: also for reads). */
    readonly heldForCheckout: (checkoutId: CheckoutId) => Effect.Effect<ReadonlyArray<HeldPayment>, StoreUnavailable>
    readonly lockHeldPayment: (id: HeldPaymentId) => Effect.Effect<Option.Option<HeldPayment>, StoreUnavailable>
    readonly setHeldStatus: (
      id: string,
      u: { readonly status: HeldStatus; readonly at: number; readonly decidedBy?: string | undefined }
    ) => Effect.Effect<void, StoreUnavailable>
  }
>() {}

/** The job key of a push's backstop poll (request-payment.ts), withdrawn when the push is settled (settleRequest). */
export const backstopPollKey = (stkRequestId: string) => `stk-poll:${stkRequestId}`
