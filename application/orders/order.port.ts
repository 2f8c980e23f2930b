/**
 * OrderStore: what order use cases need from persistence. Every method runs on the current
 * UnitOfWork transaction; `lock` takes the order's row lock so concurrent transitions serialize.
 */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { Carrier, Posting } from "../../domain/ledger.js"
import type { Money } from "../../domain/money.js"
import type { Actor, OrderState } from "../../domain/order.js"
import type { OrderSnapshot } from "../../domain/snapshot.js"
import type { CheckoutId, OrderId, StoreId, UserId } from "../../domain/ids.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface OrderRecord {
  readonly id: OrderId
  readonly checkoutId: CheckoutId
  readonly storeId: StoreId
  readonly buyerId: UserId
  readonly state: OrderState
  readonly checkedOutAt: number
  readonly deliveredAt?: number | undefined
  readonly handoverCode?: string | undefined
  readonly snapshot: OrderSnapshot
  /** Who carried the order to the buyer (its DELIVERED delivery), once it has been delivered. */
  readonly deliveredBy?: Carrier | undefined
}

export interface TimelineWrite {
  readonly orderId: OrderId
  readonly from: OrderState
  readonly to: OrderState
  readonly at: number
  readonly actor: Actor
  readonly reason?: string | undefined
  readonly details?: Readonly<Record<string, unknown>> | undefined
}

export class OrderStore extends Context.Tag("amana/OrderStore")<
  OrderStore,
  {
    readonly lock: (orderId: OrderId) => Effect.Effect<Option.Option<OrderRecord>, StoreUnavailable>
    /** Locks the orders in one statement, in id order (as locking them one by one in that order would); those found, sorted by id. */
    readonly lockAll: (orderIds: ReadonlyArray<OrderId>) => Effect.Effect<ReadonlyArray<OrderRecord>, StoreUnavailable>
    /** Moves the order from `from` to `to` (conditional on `from`) and appends the timeline entry. */
    readonly recordTransition: (t: TimelineWrite) => Effect.Effect<void, StoreUnavailable>
    /** Payment confirmed: reserved units leave stock for good. */
    readonly confirmReservations: (orderId: OrderId) => Effect.Effect<void, StoreUnavailable>
    /** The order died unpaid: release its stock reservations and promotion burn, and the checkout's code burn once no order of the checkout is alive. */
    readonly releaseHolds: (orderId: OrderId, at: number) => Effect.Effect<void, StoreUnavailable>
    /** A paid order that will not ship: its units return to stock. */
    readonly restock: (orderId: OrderId) => Effect.Effect<void, StoreUnavailable>
    /** The postings, each once per idempotency key (a replay posts nothing twice), in one write. */
    readonly post: (postings: ReadonlyArray<Posting>, at: number) => Effect.Effect<void, StoreUnavailable>
    readonly recordCommission: (
      orderId: OrderId,
      change:
        | { readonly state: "PENDING"; readonly affiliateUserId: UserId; readonly amount: Money }
        | { readonly state: "APPROVED" | "REJECTED"; readonly reason?: string }
    ) => Effect.Effect<void, StoreUnavailable>
    /** Loyalty rows are unique per (reason, checkout, order): a replay writes nothing twice. */
    readonly loyalty: (entry: {
      readonly buyerId: UserId
      readonly orderId: OrderId
      readonly checkoutId: CheckoutId
      readonly points: number
      readonly reason: "EARNED" | "REDEMPTION_REVERSED"
    }) => Effect.Effect<void, StoreUnavailable>
    /** Orders whose 12-hour payment window has closed while unpaid. */
    readonly expirable: (now: number, limit: number) => Effect.Effect<ReadonlyArray<OrderId>, StoreUnavailable>
    /** DELIVERED orders whose dispute window has passed. */
    readonly completable: (now: number, limit: number) => Effect.Effect<ReadonlyArray<OrderId>, StoreUnavailable>
  }
>() {}
