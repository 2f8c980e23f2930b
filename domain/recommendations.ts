/**
 * "Bought together" (issue 15), pure:
 *   - counting: which product pairs a completed order adds (`basketPairs`): its products with each
 *     other, and with the products of its checkout's orders completed before it (a basket is a
 *     checkout; a checkout has one order per store, so pairs across stores come from there);
 *   - ranking: given the anchors (a product page's product, or a cart's products), the candidates
 *     with their support (baskets bought with the anchors) and units sold, which to show. Only what
 *     can be sold now (store verified, product verified and not archived, brand verified, in stock),
 *     never an anchor or an excluded product (what is already in the cart). Bought-together first
 *     (at least `minSupport` baskets; the anchors' own stores first, then support), then, for a cold
 *     start, the anchors' stores' best sellers.
 */

export interface BasketProduct {
  readonly productId: string
  readonly storeId: string
}

export interface ProductPair {
  readonly productId: string
  readonly otherId: string
}

/**
 * The pairs (both directions) one completed order adds: each unordered pair of distinct products
 * with at least one in the order and the other in the order or among `earlier` (the products of its
 * checkout's orders counted before), once. Pairs among `earlier` alone were counted before.
 */
export const basketPairs = (order: ReadonlyArray<string>, earlier: ReadonlyArray<string>): ReadonlyArray<ProductPair> => {
  const mine = [...new Set(order)].sort()
  const mineSet = new Set(mine)
  const before = [...new Set(earlier)].filter((p) => !mineSet.has(p)).sort()
  const pairs: Array<ProductPair> = []
  const both = (a: string, b: string) => pairs.push({ productId: a, otherId: b }, { productId: b, otherId: a })
  for (let i = 0; i < mine.length; i++) {
    for (let j = i + 1; j < mine.length; j++) both(mine[i]!, mine[j]!)
    for (const b of before) both(mine[i]!, b)
  }
  return pairs
}

/** What decides whether a product may be shown at all: the catalogue's sellability. */
export interface SellableFacts {
  readonly storeVerified: boolean
  readonly productVerified: boolean
  readonly archived: boolean
  /** true when the product has no brand */
  readonly brandVerified: boolean
  readonly available: number
}

export const recommendable = (f: SellableFacts): boolean => f.storeVerified && f.productVerified && !f.archived && f.brandVerified && f.available > 0

export interface Candidate extends SellableFacts {
  readonly productId: string
  readonly storeId: string
  /** baskets bought with the anchors (summed over the anchors) */
  readonly support: number
  /** units sold in completed orders */
  readonly unitsSold: number
}

export interface RankInput {
  readonly anchors: ReadonlyArray<BasketProduct>
  /** never shown (what is already in the cart) */
  readonly exclude: ReadonlyArray<string>
  readonly candidates: ReadonlyArray<Candidate>
  readonly minSupport: number
  readonly limit: number
}

export interface Ranked {
  readonly productId: string
  readonly storeId: string
  readonly reason: "BOUGHT_TOGETHER" | "BEST_SELLER"
}

const byId = (a: Candidate, b: Candidate) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0)

export const rankRecommendations = (input: RankInput): ReadonlyArray<Ranked> => {
  const limit = Math.max(0, Math.floor(input.limit))
  const anchorStores = new Set(input.anchors.map((a) => a.storeId))
  const never = new Set([...input.anchors.map((a) => a.productId), ...input.exclude])
  // one entry per product (the largest figures and the first store id in sort order, should a caller
  // give one twice: whatever order they come in), eligible only
  const unique = new Map<string, Candidate>()
  for (const c of input.candidates) {
    if (never.has(c.productId) || !recommendable(c)) continue
    const seen = unique.get(c.productId)
    unique.set(
      c.productId,
      seen === undefined
        ? c
        : {
            ...c,
            storeId: seen.storeId < c.storeId ? seen.storeId : c.storeId,
            support: Math.max(seen.support, c.support),
            unitsSold: Math.max(seen.unitsSold, c.unitsSold)
          }
    )
  }
  const eligible = [...unique.values()]
  const together = eligible
    .filter((c) => c.support >= Math.max(1, input.minSupport))
    .sort(
      (a, b) => Number(anchorStores.has(b.storeId)) - Number(anchorStores.has(a.storeId)) || b.support - a.support || b.unitsSold - a.unitsSold || byId(a, b)
    )
  const chosen = new Set(together.map((c) => c.productId))
  const bestSellers = eligible
    .filter((c) => !chosen.has(c.productId) && anchorStores.has(c.storeId) && c.unitsSold > 0)
    .sort((a, b) => b.unitsSold - a.unitsSold || byId(a, b))
  return [
    ...together.map((c) => ({ productId: c.productId, storeId: c.storeId, reason: "BOUGHT_TOGETHER" as const })),
    ...bestSellers.map((c) => ({ productId: c.productId, storeId: c.storeId, reason: "BEST_SELLER" as const }))
  ].slice(0, limit)
}
