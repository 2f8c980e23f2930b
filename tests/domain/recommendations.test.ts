/** "Bought together" (domain/recommendations.ts): which pairs a completed order adds, and the ranking. Worked examples and properties. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { basketPairs, rankRecommendations, recommendable } from "../../domain/recommendations.js"
import type { Candidate, RankInput } from "../../domain/recommendations.js"

const ON_SALE = { storeVerified: true, productVerified: true, archived: false, brandVerified: true, available: 10 }
const c = (productId: string, storeId: string, support: number, unitsSold = 0, facts: Partial<Candidate> = {}): Candidate => ({
  productId,
  storeId,
  support,
  unitsSold,
  ...ON_SALE,
  ...facts
})
const ids = (input: RankInput) => rankRecommendations(input).map((r) => r.productId)
const unordered = (pairs: ReadonlyArray<{ productId: string; otherId: string }>) => pairs.map((p) => `${p.productId}>${p.otherId}`).sort()

describe("bought together, worked examples", () => {
  it("a kitenge dress (KES 2,500) and a kiondo basket (KES 1,200) in one order are one pair each way; a third product in an earlier order of the checkout pairs with both", () => {
    expect(unordered(basketPairs(["dress", "basket"], []))).toEqual(["basket>dress", "dress>basket"])
    expect(unordered(basketPairs(["shuka"], ["dress", "basket"]))).toEqual(["basket>shuka", "dress>shuka", "shuka>basket", "shuka>dress"])
  })

  it("on the dress's page: what was bought with it at least twice, its own store first, then by support; never the dress", () => {
    const got = rankRecommendations({
      anchors: [{ productId: "dress", storeId: "kitenge-house" }],
      exclude: [],
      candidates: [
        c("sandals", "viatu-bora", 9),
        c("basket", "kitenge-house", 3),
        c("headwrap", "kitenge-house", 5),
        c("earrings", "kitenge-house", 1),
        c("dress", "kitenge-house", 7)
      ],
      minSupport: 2,
      limit: 6
    })
    expect(got).toEqual([
      { productId: "headwrap", storeId: "kitenge-house", reason: "BOUGHT_TOGETHER" },
      { productId: "basket", storeId: "kitenge-house", reason: "BOUGHT_TOGETHER" },
      { productId: "sandals", storeId: "viatu-bora", reason: "BOUGHT_TOGETHER" }
    ])
  })

  it("cold start: a new product with nothing bought with it shows its store's best sellers (not other stores', not unsold ones)", () => {
    expect(
      ids({
        anchors: [{ productId: "new-bag", storeId: "kitenge-house" }],
        exclude: [],
        candidates: [
          c("dress", "kitenge-house", 0, 40),
          c("basket", "kitenge-house", 0, 12),
          c("sandals", "viatu-bora", 0, 90),
          c("shuka", "kitenge-house", 0, 0)
        ],
        minSupport: 2,
        limit: 6
      })
    ).toEqual(["dress", "basket"])
  })

  it("an archived, unverified, out-of-stock or unverified-brand product, or one already in the cart, is never shown", () => {
    expect(
      ids({
        anchors: [{ productId: "dress", storeId: "s" }],
        exclude: ["basket"],
        candidates: [
          c("basket", "s", 9),
          c("a", "s", 9, 0, { archived: true }),
          c("b", "s", 9, 0, { productVerified: false }),
          c("c", "s", 9, 0, { available: 0 }),
          c("d", "s", 9, 0, { brandVerified: false }),
          c("e", "s", 9, 0, { storeVerified: false }),
          c("f", "s", 2)
        ],
        minSupport: 2,
        limit: 6
      })
    ).toEqual(["f"])
  })
})

const products = ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"]
const stores = ["s1", "s2", "s3"]
const arbCandidate: fc.Arbitrary<Candidate> = fc.record({
  productId: fc.constantFrom(...products),
  storeId: fc.constantFrom(...stores),
  support: fc.nat({ max: 6 }),
  unitsSold: fc.nat({ max: 50 }),
  storeVerified: fc.boolean(),
  productVerified: fc.boolean(),
  archived: fc.boolean(),
  brandVerified: fc.boolean(),
  available: fc.integer({ min: -2, max: 5 })
})
const arbInput: fc.Arbitrary<RankInput> = fc.record({
  anchors: fc.array(fc.record({ productId: fc.constantFrom(...products), storeId: fc.constantFrom(...stores) }), { minLength: 1, maxLength: 3 }),
  exclude: fc.subarray(products),
  candidates: fc.array(arbCandidate, { maxLength: 20 }),
  minSupport: fc.integer({ min: 1, max: 4 }),
  limit: fc.integer({ min: 0, max: 8 })
})

describe("bought together, properties", () => {
  it("never an anchor, an excluded product or one that cannot be sold; no product twice; at most `limit`", () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const got = rankRecommendations(input)
        const never = new Set([...input.anchors.map((a) => a.productId), ...input.exclude])
        expect(got.length).toBeLessThanOrEqual(input.limit)
        expect(new Set(got.map((r) => r.productId)).size).toBe(got.length)
        for (const r of got) {
          expect(never.has(r.productId)).toBe(false)
          expect(input.candidates.some((x) => x.productId === r.productId && recommendable(x))).toBe(true)
        }
      })
    )
  })

  it("bought-together first (the anchors' stores before others, then by support), best sellers of the anchors' stores after", () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const got = rankRecommendations(input)
        const anchorStores = new Set(input.anchors.map((a) => a.storeId))
        const firstBest = got.findIndex((r) => r.reason === "BEST_SELLER")
        if (firstBest >= 0) expect(got.slice(firstBest).every((r) => r.reason === "BEST_SELLER" && anchorStores.has(r.storeId))).toBe(true)
        const together = got.filter((r) => r.reason === "BOUGHT_TOGETHER")
        const local = together.map((r) => anchorStores.has(r.storeId))
        expect(local).toEqual([...local].sort((a, b) => Number(b) - Number(a)))
      })
    )
  })

  it("the order candidates arrive in changes nothing", () => {
    // found by this property in CI: one product given twice, under two stores, ranked by whichever came first
    const twice = [c("p5", "s2", 0, 0), c("p5", "s1", 0, 1)]
    const input = { anchors: [{ productId: "p1", storeId: "s1" }], exclude: [], minSupport: 1, limit: 1 }
    expect(rankRecommendations({ ...input, candidates: twice })).toEqual(rankRecommendations({ ...input, candidates: [...twice].reverse() }))
    expect(rankRecommendations({ ...input, candidates: twice })).toEqual([{ productId: "p5", storeId: "s1", reason: "BEST_SELLER" }])
    fc.assert(
      fc.property(arbInput, fc.nat(), (input, seed) => {
        const shuffled = [...input.candidates]
          .map((x, i) => ({ x, k: (i * 7919 + seed) % 101 }))
          .sort((a, b) => a.k - b.k)
          .map((e) => e.x)
        expect(rankRecommendations({ ...input, candidates: shuffled })).toEqual(rankRecommendations(input))
      })
    )
  })

  it("excluding a product (adding it to the cart) never brings a new one in ahead of those that stay", () => {
    fc.assert(
      fc.property(arbInput, fc.constantFrom(...products), (input, extra) => {
        const before = ids({ ...input, limit: 100 }).filter((p) => p !== extra)
        const after = ids({ ...input, exclude: [...input.exclude, extra], limit: 100 })
        expect(after).toEqual(before)
      })
    )
  })

  it("a completed order's pairs: each unordered pair with one of its products, once each way, never a product with itself, never two earlier products", () => {
    fc.assert(
      fc.property(fc.subarray(products), fc.subarray(products), (order, earlier) => {
        const pairs = basketPairs(order, earlier)
        const keys = pairs.map((p) => `${p.productId}|${p.otherId}`)
        expect(new Set(keys).size).toBe(keys.length)
        for (const p of pairs) {
          expect(p.productId).not.toBe(p.otherId)
          expect(keys).toContain(`${p.otherId}|${p.productId}`)
          expect(order.includes(p.productId) || order.includes(p.otherId)).toBe(true)
        }
        const all = [...new Set([...order, ...earlier])]
        const expected = all.flatMap((a) => all.filter((b) => b !== a && (order.includes(a) || order.includes(b))).map((b) => `${a}|${b}`))
        expect([...keys].sort()).toEqual(expected.sort())
      })
    )
  })

  it("counting a checkout's orders one after another gives every pair of its products exactly once, whatever the order they complete in", () => {
    fc.assert(
      fc.property(fc.array(fc.subarray(products, { minLength: 1 }), { minLength: 1, maxLength: 4 }), (orders) => {
        // a checkout's orders hold disjoint products (one order per store)
        const seen = new Set<string>()
        const disjoint = orders.map((o) => o.filter((p) => (seen.has(p) ? false : (seen.add(p), true))))
        const counts = new Map<string, number>()
        const counted: Array<string> = []
        for (const o of disjoint) {
          for (const p of basketPairs(o, counted)) counts.set(`${p.productId}|${p.otherId}`, (counts.get(`${p.productId}|${p.otherId}`) ?? 0) + 1)
          counted.push(...o)
        }
        const all = [...seen]
        expect(counts.size).toBe(all.length * (all.length - 1))
        for (const n of counts.values()) expect(n).toBe(1)
      })
    )
  })
})
