/** BuyerOrderStore: what a buyer may read about their orders, and dispute records. */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { Money } from "../../domain/money.js"
import type { ActorKind, Evidence, OrderState } from "../../domain/order.js"
import type { CheckoutId, OrderId, StoreId, UserId } from "../../domain/ids.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface OrderListItem {
  readonly orderId: OrderId
  readonly checkoutId: CheckoutId
  readonly storeId: StoreId
  readonly storeName: string
  readonly state: OrderState
  readonly total: Money
  readonly createdAt: number
}

export interface TimelineView {
  readonly at: number
  readonly from?: OrderState | undefined
  readonly to: OrderState
  readonly actor: ActorKind
  readonly reason?: string | undefined
}

export interface OrderView extends OrderListItem {
  readonly buyerId: UserId
  /** the immutable snapshot, as stored */
  readonly snapshot: unknown
  readonly timeline: ReadonlyArray<TimelineView>
}

export class BuyerOrderStore extends Context.Tag("amana/BuyerOrderStore")<
  BuyerOrderStore,
  {
    readonly list: (query: {
      readonly buyerId?: UserId | undefined
      readonly storeId?: StoreId | undefined
      readonly limit: number
      readonly offset: number
    }) => Effect.Effect<ReadonlyArray<OrderListItem>, StoreUnavailable>
    readonly get: (orderId: OrderId) => Effect.Effect<Option.Option<OrderView>, StoreUnavailable>
    readonly openDispute: (d: {
      readonly orderId: OrderId
      readonly openedBy: UserId
      readonly evidence: Evidence
      readonly at: number
    }) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
