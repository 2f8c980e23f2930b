/** RecommendationStore: the bought-together and best-seller counts, kept from ORDER_COMPLETED, and their read. */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { Candidate, ProductPair } from "../../domain/recommendations.js"
import type { CheckoutId, OrderId, ProductId, StoreId } from "../../domain/ids.js"
import type { ProductSummary } from "../catalogue/catalogue.port.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface CompletedBasket {
  readonly orderId: OrderId
  readonly checkoutId: CheckoutId
  readonly storeId: StoreId
  /** units per product */
  readonly lines: ReadonlyArray<{ readonly productId: ProductId; readonly units: number }>
}

export class RecommendationStore extends Context.Tag("amana/RecommendationStore")<
  RecommendationStore,
  {
    /** The order's products, when it is COMPLETED. */
    readonly completedBasket: (orderId: OrderId) => Effect.Effect<Option.Option<CompletedBasket>, StoreUnavailable>
    /** Until the transaction ends, no other counting of this checkout's orders runs (so each pair across its orders is counted once). */
    readonly lockCheckout: (checkoutId: CheckoutId) => Effect.Effect<void, StoreUnavailable>
    /** Marks the order counted; false when it was already (a replay counts nothing). */
    readonly claimOrder: (orderId: OrderId, checkoutId: CheckoutId, at: number) => Effect.Effect<boolean, StoreUnavailable>
    /** The products of the checkout's orders counted before (not `orderId`). */
    readonly countedProducts: (checkoutId: CheckoutId, except: OrderId) => Effect.Effect<ReadonlyArray<string>, StoreUnavailable>
    readonly addPairs: (pairs: ReadonlyArray<ProductPair>) => Effect.Effect<void, StoreUnavailable>
    readonly addSales: (storeId: StoreId, lines: CompletedBasket["lines"]) => Effect.Effect<void, StoreUnavailable>
    /**
     * Candidates for the anchors: the products bought with them (support summed over the anchors, at
     * least `minSupport`) and the best sellers of `storeIds`, each with what decides whether it may
     * be shown and how buyers see it. `onlyStore`: that store's products only (its own host).
     */
    readonly candidates: (q: {
      readonly anchors: ReadonlyArray<ProductId>
      readonly storeIds: ReadonlyArray<StoreId>
      readonly minSupport: number
      readonly pool: number
      readonly onlyStore?: StoreId | undefined
    }) => Effect.Effect<ReadonlyArray<Candidate & { readonly summary: ProductSummary }>, StoreUnavailable>
  }
>() {}
