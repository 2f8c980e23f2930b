/**
 * What fulfilment use cases need from persistence (deliveries, handover codes, SLA timers, disputes,
 * scorecards), from the exception queue, and from the handover-code keyring. Every store method runs
 * on the current UnitOfWork transaction.
 */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { Assignment } from "../riders/rider-dispatch.port.js"
import type { RiderStats } from "../riders/assignment.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import type { Money } from "../../domain/money.js"
import type { CheckoutId, DeliveryId, OrderId, StoreId, UserId, ZoneId } from "../../domain/ids.js"
import type { DeliveryDetails } from "../../domain/delivery.js"

export interface RiderEarnings {
  /** One line per currency the rider has earned in. */
  readonly balances: ReadonlyArray<{ readonly earned: Money; readonly paidOut: Money; readonly owed: Money }>
  /** Newest first. */
  readonly deliveries: ReadonlyArray<{ readonly orderId: OrderId; readonly shipping: Money; readonly creditedAt: number }>
  readonly payouts: ReadonlyArray<{ readonly payoutId: string; readonly amount: Money; readonly status: string; readonly createdAt: number }>
}

export type DeliveryStatus = "ASSIGNED" | "PICKED_UP" | "IN_TRANSIT" | "DELIVERED" | "FAILED" | "RETURNED"

export interface DeliveryRecord {
  readonly id: DeliveryId
  readonly orderId: OrderId
  readonly attempt: number
  readonly carrier: "RIDER" | "PARTNER"
  readonly riderUserId: UserId | undefined
  readonly partner: string | undefined
  readonly partnerRef: string | undefined
  readonly riderName: string
  readonly riderPhone: string
  readonly status: DeliveryStatus
  readonly wrongCodeAttempts: number
  readonly dueAt: number | undefined
}

export interface ZoneSla {
  readonly dispatchWithinMs: number
  readonly deliverWithinMs: number
  readonly compensationPoints: number
}

export interface DispatchContext {
  /** Where the buyer is reached: the phone that paid, else the account's phone. */
  readonly buyerPhone: string
  readonly previousAttempts: number
  /** Riders whose attempt at this order failed. */
  readonly failedRiders: ReadonlyArray<UserId>
}

export interface RiderJob {
  readonly deliveryId: DeliveryId
  readonly orderId: OrderId
  readonly attempt: number
  readonly status: DeliveryStatus
  readonly orderState: string
  readonly storeName: string
  readonly destination: { readonly id: string; readonly name: string; readonly address: string | undefined }
  /** Only while the job is the rider's and live (see `riderView` in delivery-status.ts). */
  readonly buyerPhone: string | undefined
  /** What the buyer gave at checkout (the snapshot's); the recipient's phone under the same rule as buyerPhone. */
  readonly delivery: DeliveryDetails
  readonly assignedAt: number
  readonly dueAt: number | undefined
}

export interface OverdueTimer {
  readonly id: string
  readonly orderId: OrderId
  readonly storeId: StoreId
  readonly kind: "DISPATCH" | "DELIVERY"
  readonly buyerId: UserId
  readonly checkoutId: CheckoutId
  readonly dueAt: number
  readonly compensationPoints: number
}

export class FulfilmentStore extends Context.Tag("amana/FulfilmentStore")<
  FulfilmentStore,
  {
    readonly dispatchContext: (orderId: OrderId) => Effect.Effect<DispatchContext, StoreUnavailable>
    readonly zoneSla: (zoneId: ZoneId) => Effect.Effect<Option.Option<ZoneSla>, StoreUnavailable>
    /** The keyed hash of the order's handover code (never the code itself). */
    readonly setHandoverHash: (orderId: OrderId, hash: string) => Effect.Effect<void, StoreUnavailable>
    readonly insertDelivery: (d: {
      readonly id: DeliveryId
      readonly orderId: OrderId
      readonly attempt: number
      readonly assignment: Assignment
      readonly at: number
      readonly dueAt: number | undefined
    }) => Effect.Effect<void, StoreUnavailable>
    /** Row-locked. */
    readonly lockDelivery: (deliveryId: DeliveryId) => Effect.Effect<Option.Option<DeliveryRecord>, StoreUnavailable>
    readonly lockDeliveryByPartnerRef: (partner: string, partnerRef: string) => Effect.Effect<Option.Option<DeliveryRecord>, StoreUnavailable>
    /** The order's latest delivery (any status), row-locked. */
    readonly lockLatestDelivery: (orderId: OrderId) => Effect.Effect<Option.Option<DeliveryRecord>, StoreUnavailable>
    readonly updateDelivery: (
      deliveryId: DeliveryId,
      change: {
        readonly status: DeliveryStatus
        readonly at: number
        readonly proof?: Readonly<Record<string, unknown>> | undefined
        readonly failureReason?: string | undefined
      }
    ) => Effect.Effect<void, StoreUnavailable>
    /** Counts one more wrong handover code; returns the new count. */
    readonly recordWrongCode: (deliveryId: DeliveryId) => Effect.Effect<number, StoreUnavailable>
    /** The rider's live jobs (ASSIGNED, PICKED_UP, IN_TRANSIT). */
    readonly riderJobs: (riderUserId: UserId) => Effect.Effect<ReadonlyArray<RiderJob>, StoreUnavailable>
    /** One job of this rider, whatever its status (None: not theirs, or none). */
    readonly riderJob: (riderUserId: UserId, deliveryId: DeliveryId) => Effect.Effect<Option.Option<RiderJob>, StoreUnavailable>
    /** Opens a timer unless one of that kind is already open for the order (the first promise stands). */
    readonly openTimer: (t: {
      readonly id: string
      readonly orderId: OrderId
      readonly kind: "DISPATCH" | "DELIVERY"
      readonly zoneId: ZoneId
      readonly startedAt: number
      readonly dueAt: number
    }) => Effect.Effect<void, StoreUnavailable>
    /**
     * Closes the order's open timers of these kinds. MET closes only a timer whose promise still
     * holds at `at`: one already overdue stays OPEN for the breach checker (late is late, whether or
     * not the checker has run yet).
     */
    readonly closeTimers: (
      orderId: OrderId,
      kinds: ReadonlyArray<"DISPATCH" | "DELIVERY">,
      status: "MET" | "CANCELLED",
      at: number
      /** how many it closed */
    ) => Effect.Effect<number, StoreUnavailable>
    readonly overdueTimers: (now: number, limit: number) => Effect.Effect<ReadonlyArray<OverdueTimer>, StoreUnavailable>
    /** OPEN -> BREACHED; false when someone else closed it first. */
    readonly breachTimer: (timerId: string, at: number) => Effect.Effect<boolean, StoreUnavailable>
    readonly compensate: (c: {
      readonly buyerId: UserId
      readonly orderId: OrderId
      readonly checkoutId: CheckoutId
      readonly points: number
      readonly note: string
    }) => Effect.Effect<void, StoreUnavailable>
    /** OPEN dispute -> RELEASED_TO_SELLER | REFUNDED; false when there was no open dispute row. */
    readonly resolveDispute: (
      orderId: OrderId,
      r: { readonly status: "RELEASED_TO_SELLER" | "REFUNDED"; readonly resolution: string; readonly by: string; readonly at: number }
    ) => Effect.Effect<boolean, StoreUnavailable>
    /** What a rider earned (shipping credited on the orders they delivered), was paid, and is owed. */
    readonly riderEarnings: (riderUserId: UserId) => Effect.Effect<RiderEarnings, StoreUnavailable>
    readonly riderStats: (
      riderUserId?: UserId
    ) => Effect.Effect<ReadonlyArray<{ readonly riderUserId: UserId; readonly name: string; readonly stats: RiderStats }>, StoreUnavailable>
    /** Remembers a partner status event; false when it was seen before. */
    readonly recordPartnerEvent: (e: {
      readonly partner: string
      readonly eventId: string
      readonly partnerRef: string
      readonly status: string
      readonly raw: unknown
    }) => Effect.Effect<boolean, StoreUnavailable>
  }
>() {}

/**
 * The buyer's handover code. Derived from the order id with a server-side key, so the code itself is
 * never stored anywhere (the order keeps only a keyed hash) and the notification handler can still
 * tell it to the buyer.
 */
export class HandoverCodes extends Context.Tag("amana/HandoverCodes")<
  HandoverCodes,
  {
    readonly codeFor: (orderId: OrderId) => Effect.Effect<string>
    readonly hashOf: (orderId: OrderId, code: string) => Effect.Effect<string>
  }
>() {}
