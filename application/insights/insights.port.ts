/**
 * InsightStore: the read models of issue 15 (migration 0072), what the handler adds to them, the
 * order facts an older event did not carry (read by id), and what the rebuild needs.
 */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { Contribution, DailyRow, MoneyRow, PaidLine } from "../../domain/insights.js"
import type { Currency } from "../../domain/money.js"
import type { HandlerClaim } from "../ports/handler-claim.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

/** What an order event did not always carry (events written before issue 15), read from the order and its immutable snapshot. */
export interface OrderFacts {
  readonly storeId: string
  readonly checkoutId: string
  readonly checkedOutAt: number
  readonly currency: Currency
  readonly total: number
  readonly buyerPays: number
  readonly zoneId: string
  readonly shippingFee: number
  readonly lines: ReadonlyArray<PaidLine>
}

export interface StoredInsightEvent {
  readonly id: string
  readonly type: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly occurredAt: number
}

export interface ProductFigure {
  readonly productId: string
  readonly title: string
  readonly currency: Currency
  readonly units: number
  readonly revenue: number
}

export interface AreaFigure {
  readonly zoneId: string
  readonly name: string
  readonly currency: Currency
  readonly ordersPlaced: number
  readonly shippingFees: number
  readonly ordersPaid: number
}

export class InsightStore extends Context.Tag("amana/InsightStore")<
  InsightStore,
  {
    /**
     * Adds one event's contributions. With the outbox handler's claim: in one write that records the
     * claim and adds them only if the claim is new (a replay adds nothing), made even when there is
     * nothing to add; without (the rebuild's transaction), only when there is something to add.
     */
    readonly apply: (contributions: ReadonlyArray<Contribution>, claim?: HandlerClaim) => Effect.Effect<void, StoreUnavailable>
    readonly orderFacts: (orderId: string) => Effect.Effect<Option.Option<OrderFacts>, StoreUnavailable>
    /** The exception's store (null: none); none when there is no such exception. */
    readonly exceptionStore: (exceptionId: string) => Effect.Effect<Option.Option<string | null>, StoreUnavailable>
    /** Rebuild: empties the read models and forgets which events `handler` has handled (locks them until commit). */
    readonly clear: (handler: string) => Effect.Effect<void, StoreUnavailable>
    /** Rebuild: the outbox's events of these types after `afterId` in commit order (seq), `limit` at a time. */
    readonly events: (
      types: ReadonlyArray<string>,
      afterSeq: number,
      limit: number
    ) => Effect.Effect<ReadonlyArray<StoredInsightEvent & { readonly seq: number }>, StoreUnavailable>
    /** Rebuild: these events count as handled by `handler` (the worker will not fold them again). */
    readonly markHandled: (handler: string, eventIds: ReadonlyArray<string>) => Effect.Effect<void, StoreUnavailable>
    /** A scope's rows between two Nairobi days (inclusive), with each day's median checkout-to-PAID time. */
    readonly series: (
      scope: string,
      fromDay: string,
      toDay: string
    ) => Effect.Effect<
      { readonly daily: ReadonlyArray<DailyRow>; readonly money: ReadonlyArray<MoneyRow>; readonly medians: ReadonlyMap<string, number> },
      StoreUnavailable
    >
    /** The scope's best-selling products over the days, by revenue (with their titles). */
    readonly topProducts: (scope: string, fromDay: string, toDay: string, limit: number) => Effect.Effect<ReadonlyArray<ProductFigure>, StoreUnavailable>
    /** The scope's delivery areas over the days (with the zones' names). */
    readonly areas: (scope: string, fromDay: string, toDay: string) => Effect.Effect<ReadonlyArray<AreaFigure>, StoreUnavailable>
    /** Exceptions opened and not yet closed (over all days; never below zero: openings before migration 0072 were not counted). */
    readonly openIssues: (scope: string) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
