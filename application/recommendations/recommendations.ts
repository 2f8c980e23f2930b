/**
 * "Bought together" (issue 15), built from the outbox:
 *   - `countCompletedOrder` (ORDER_COMPLETED handler): the order's pairs (domain/recommendations.ts
 *     `basketPairs`: with each other and with the products of its checkout's orders counted before)
 *     and its units sold are added once per order (recommendation_counted_orders' key; a replayed or
 *     re-sent event changes nothing), under a lock on the checkout so two of its orders completing at
 *     once still count each pair across them once;
 *   - `recommendForProduct` / `recommendForCart`: one read of the counts for the anchors, ranked by
 *     `rankRecommendations` (sellable only, never the anchors or what is in the cart, the anchors'
 *     stores first, a cold start falls back to their best sellers). Never a scan of orders.
 */
import { Clock, Effect, Option, Schema } from "effect"
import { basketPairs, rankRecommendations } from "../../domain/recommendations.js"
import { OrderId, ProductId, StoreId } from "../../domain/ids.js"
import type { ProductSummary } from "../catalogue/catalogue.port.js"
import { RecommendationStore } from "./recommendations.port.js"

/** A pair is shown once bought together in at least this many completed checkouts. */
export const MIN_SUPPORT = 2
/** Products shown. */
export const RECOMMENDATIONS_SHOWN = 6
/** Candidates read per request (best supported, and best sellers). */
const POOL = 60

type Event = { readonly type: string; readonly payload: Readonly<Record<string, unknown>> }

/** The ORDER_COMPLETED handler (in its transaction). True when this call counted the order. */
export const countCompletedOrder = (event: Event) =>
  Effect.gen(function* () {
    if (event.type !== "ORDER_COMPLETED") return false
    const orderId = Option.getOrUndefined(Schema.decodeUnknownOption(OrderId)(event.payload["orderId"]))
    if (orderId === undefined) return false
    const store = yield* RecommendationStore
    const basket = yield* store.completedBasket(orderId)
    if (Option.isNone(basket)) return false
    const { checkoutId, storeId, lines } = basket.value
    yield* store.lockCheckout(checkoutId)
    if (!(yield* store.claimOrder(orderId, checkoutId, yield* Clock.currentTimeMillis))) return false
    const earlier = yield* store.countedProducts(checkoutId, orderId)
    yield* store.addPairs(
      basketPairs(
        lines.map((l) => l.productId),
        earlier
      )
    )
    yield* store.addSales(storeId, lines)
    return true
  }).pipe(Effect.withSpan("Recommendations.countCompletedOrder"))

const recommend = (anchors: ReadonlyArray<{ readonly productId: ProductId; readonly storeId: StoreId }>, exclude: ReadonlyArray<string>, onlyStore?: StoreId) =>
  Effect.gen(function* () {
    if (anchors.length === 0) return []
    const storeIds = [...new Set(anchors.map((a) => a.storeId))]
    const candidates = yield* Effect.flatMap(RecommendationStore, (s) =>
      s.candidates({ anchors: anchors.map((a) => a.productId), storeIds, minSupport: MIN_SUPPORT, pool: POOL, onlyStore })
    )
    const ranked = rankRecommendations({ anchors, exclude, candidates, minSupport: MIN_SUPPORT, limit: RECOMMENDATIONS_SHOWN })
    const summaries = new Map(candidates.map((c) => [c.productId, c.summary]))
    return ranked.flatMap((r): Array<ProductSummary> => {
      const s = summaries.get(r.productId)
      return s === undefined ? [] : [s]
    })
  })

/** A product page's "bought together". `onlyStore`: on a store's own host, that store's products only. */
export const recommendForProduct = (product: { readonly id: ProductId; readonly storeId: StoreId }, onlyStore?: StoreId) =>
  recommend([{ productId: product.id, storeId: product.storeId }], [], onlyStore).pipe(Effect.withSpan("Recommendations.forProduct"))

/**
 * The cart preview's: bought with what is in the cart, never what is in it already. The lines' ids are the cart's own (read back from our database).
 * `onlyStore`: on a store's own host, that store's products only (the cart itself may hold several stores; what we suggest there may not).
 */
export const recommendForCart = (lines: ReadonlyArray<{ readonly productId: string; readonly storeId: string }>, onlyStore?: StoreId) => {
  const anchors = lines.flatMap((l) => {
    const productId = Schema.decodeUnknownOption(ProductId)(l.productId)
    const storeId = Schema.decodeUnknownOption(StoreId)(l.storeId)
    return Option.isSome(productId) && Option.isSome(storeId) ? [{ productId: productId.value, storeId: storeId.value }] : []
  })
  return recommend(
    anchors,
    lines.map((l) => l.productId),
    onlyStore
  ).pipe(Effect.withSpan("Recommendations.forCart"))
}
