/**
 * RiderDispatch: who carries an order. Two adapters: the in-house rider pool (riders are users with
 * the RIDER role serving zones; picked by load and score) and a logistics partner over HTTP (which
 * assigns its own riders and reports status by a signed webhook).
 */
import type { DeliveryId, LocationId, OrderId, StoreId, UserId, ZoneId } from "../../domain/ids.js"
import { Context, Data } from "effect"
import type { Effect } from "effect"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface DispatchRequest {
  /** Our id for the delivery: the partner's idempotency key, so a retried create makes one delivery. */
  readonly deliveryId: DeliveryId
  readonly orderId: OrderId
  readonly zoneId: ZoneId
  readonly attempt: number
  /** Location id of the destination (pickup point, market, town or county). */
  readonly destination: LocationId
  readonly storeId: StoreId
  /** Who the carrier calls at the door: the recipient's phone the buyer gave at checkout, else the phone that paid. */
  readonly recipientPhone: string
  /** An admin's choice: this rider, whatever the ranking says. */
  readonly riderUserId?: UserId | undefined
  /** Riders who already failed this order are not asked again. */
  readonly excludeRiders?: ReadonlyArray<UserId> | undefined
}

export type Assignment =
  | { readonly carrier: "RIDER"; readonly riderUserId: UserId; readonly riderName: string; readonly riderPhone: string }
  | { readonly carrier: "PARTNER"; readonly partner: string; readonly partnerRef: string; readonly riderName: string; readonly riderPhone: string }

export class NoCarrierAvailable extends Data.TaggedError("NoCarrierAvailable")<{ readonly orderId: string; readonly zoneId: string; readonly detail: string }> {
  readonly code = "DISPATCH.NO_CARRIER_AVAILABLE"
  override get message() {
    return `no rider can take order ${this.orderId} in zone ${this.zoneId}: ${this.detail}`
  }
}

/** The partner did not answer or refused for a reason that is not ours to fix now: try again later. */
export class CarrierUnavailable extends Data.TaggedError("CarrierUnavailable")<{ readonly detail: string }> {
  readonly code = "DISPATCH.CARRIER_UNAVAILABLE"
  override get message() {
    return this.detail
  }
}

export class RiderDispatch extends Context.Tag("amana/RiderDispatch")<
  RiderDispatch,
  {
    /** Runs inside the dispatch transaction (the pool locks the chosen rider's row). */
    readonly assign: (request: DispatchRequest) => Effect.Effect<Assignment, NoCarrierAvailable | CarrierUnavailable | StoreUnavailable>
    /** Undo an assignment whose dispatch did not commit, or a delivery that will not happen. */
    readonly cancel: (assignment: Assignment, reason: string) => Effect.Effect<void, CarrierUnavailable>
  }
>() {}
