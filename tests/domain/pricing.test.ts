import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { CategoryId, StoreId } from "../../domain/ids.js"
import type { PromotionCandidate } from "../../domain/incentives.js"
import { choosePromotion, comparePromotions, defaultLoyaltyPolicy, evaluatePromotion } from "../../domain/incentives.js"
import * as M from "../../domain/money.js"
import { priceCheckout } from "../../domain/pricing.js"
import { sellerSettlement } from "../../domain/ledger.js"
import { arbCheckout, code, line, NOW, priceOrThrow, promotion, quoterFor, snapshotsOf, unused, withoutIncentives } from "./fixtures.js"

const kes = (shillings: number) => M.make(Math.round(shillings * 100), "KES")

describe("checkout pricing: a worked three-seller cart (figures checkable by hand)", () => {
  // Store A: 2 × sandals at KES 1,500 (500 g each). Store B: 1 kikoy at KES 800 (300 g).
  // Store C: 3 baskets at KES 2,450 (400 g each). Delivered to Nairobi CBD: KES 300 flat, free over KES 5,000.
  // Promotions: 10% off store A (priority 5); free shipping on everything (priority 1); KES 100 off
  // everything (priority 1). Code SAVE5: 5% off, min KES 1,000. Loyalty: 300 points (1 point = KES 1).
  const input = {
    currency: "KES" as const,
    now: NOW,
    lines: [line("store-a", "sandals", 1_500, 2, 500, 1_000), line("store-b", "kikoy", 800, 1, 300, 500), line("store-c", "basket", 2_450, 3, 400, 0)],
    promotions: [
      { promotion: promotion("promo-a10", 5, { _tag: "SELLER", storeIds: [StoreId.make("store-a")] }, { _tag: "PERCENT_OFF", bps: 1_000 }), usage: unused },
      { promotion: promotion("promo-freeship", 1, { _tag: "EVERYTHING" }, { _tag: "FREE_SHIPPING" }), usage: unused },
      { promotion: promotion("promo-100", 1, { _tag: "EVERYTHING" }, { _tag: "AMOUNT_OFF", amount: M.kes(100) }), usage: unused }
    ],
    code: { code: code("SAVE5", { _tag: "PERCENT_OFF", bps: 500 }, { minSubtotal: M.kes(1_000) }), usage: unused },
    loyalty: { policy: defaultLoyaltyPolicy, requestedPoints: 300, balance: 1_000 },
    quoteShipping: quoterFor("KE-047-cbd")
  }
  const priced = priceOrThrow(input)
  const [a, b, c] = priced.orders

  // | order | base     | promotion           | code (5%) | loyalty | goods    | shipping        | total    | rounding | M-Pesa share |
  // | A     | 3,000.00 | 10% off A: 300.00   | 135.00    | 75.35   | 2,489.65 | 300 flat        | 2,789.65 | 0.14     | 2,789.51     |
  // | B     |   800.00 | free shipping (300 > 100 on the tie) | 40.00 | 22.33 | 737.67 | 300 waived | 737.67 | 0.03 | 737.64 |
  // | C     | 7,350.00 | KES 100 off (free shipping worth 0 here) | 362.50 | 202.32 | 6,685.18 | free over 5,000 | 6,685.18 | 0.33 | 6,684.85 |
  // Code: 5% of (2,700 + 800 + 7,250) = 537.50, split by what remained: 135.00 / 40.00 / 362.50.
  // Loyalty: KES 300 split by what remained (2,565 / 760 / 6,887.50): 75.3508 / 22.3256 / 202.3623 -> the spare
  // cent to the largest remainder (B): 75.35 / 22.33 / 202.32. Checkout total 10,212.50 -> M-Pesa charge KES 10,212,
  // the 50 cents absorbed by the platform and split 0.14 / 0.03 / 0.33.
  it.each([
    ["A", () => a, "promo-a10", 300, 135, 75.35, 300, 0, 2_789.65, 0.14],
    ["B", () => b, "promo-freeship", 0, 40, 22.33, 300, 300, 737.67, 0.03],
    ["C", () => c, "promo-100", 100, 362.5, 202.32, 0, 0, 6_685.18, 0.33]
  ] as const)("order %s", (_name, order, promo, promoOff, codeOff, loyaltyOff, shipping, shippingWaived, total, rounding) => {
    const o = order()!
    expect(o.promotion?.id).toBe(promo)
    expect(o.promotionDiscount).toEqual(kes(promoOff))
    expect(o.codeDiscount).toEqual(kes(codeOff))
    expect(o.loyaltyDiscount).toEqual(kes(loyaltyOff))
    expect(o.shippingCost).toEqual(kes(shipping))
    expect(o.shippingDiscount).toEqual(kes(shippingWaived))
    expect(o.total).toEqual(kes(total))
    expect(o.roundingAbsorbed).toEqual(kes(rounding))
  })

  it("the checkout is one whole-shilling charge: KES 10,212 with 50 cents absorbed", () => {
    expect(priced.total).toEqual(kes(10_212.5))
    expect(priced.charge).toEqual(M.kes(10_212))
    expect(priced.roundingAbsorbed).toEqual(kes(0.5))
    expect(priced.loyalty).toEqual({ points: 300, value: M.kes(300) })
    expect(priced.orders.map((o) => o.loyaltyPoints)).toEqual([76, 22, 202])
  })

  it("the sellers are paid from base prices: A 3,000 − 5% fee − 10% commission = KES 2,550", () => {
    const [sa, sb, sc] = snapshotsOf(priced, true).map(sellerSettlement)
    expect(sa).toEqual({ base: M.kes(3_000), platformFee: M.kes(150), commission: M.kes(300), sellerPayable: M.kes(2_550) })
    expect(sb!.sellerPayable).toEqual(M.kes(720)) // 800 − 40 fee − 40 commission
    expect(sc!.sellerPayable).toEqual(kes(6_982.5)) // 7,350 − 367.50 fee, no commission offered
  })

  it("a code below its minimum subtotal is refused with a reason the buyer can read", () => {
    const result = priceCheckout({ ...input, code: { code: code("BIG", { _tag: "AMOUNT_OFF", amount: M.kes(50) }, { minSubtotal: M.kes(50_000) }), usage: unused } })
    expect(Either.isLeft(result) && result.left._tag).toBe("DiscountCodeNotApplicable")
    expect(Either.isLeft(result) && String(result.left.message)).toMatch(/BIG cannot be used: min subtotal not met/)
  })

  it("a destination no zone covers is not deliverable, never a silent zero", () => {
    const result = priceCheckout({ ...input, quoteShipping: quoterFor("KE-001") })
    expect(Either.isLeft(result) && result.left._tag).toBe("NotDeliverable")
  })

  it("redeeming more points than the balance is refused", () => {
    const result = priceCheckout({ ...input, loyalty: { policy: defaultLoyaltyPolicy, requestedPoints: 2_000, balance: 1_000 } })
    expect(Either.isLeft(result) && result.left._tag).toBe("LoyaltyRedemptionInvalid")
  })

  it("loyalty is capped at 20% of what remains: 50,000 points on this cart redeem KES 2,042 worth", () => {
    const p = priceOrThrow({ ...input, loyalty: { policy: defaultLoyaltyPolicy, requestedPoints: 50_000, balance: 50_000 } })
    expect(p.loyalty).toEqual({ points: 2_042, value: M.kes(2_042) }) // 20% of 10,212.50 = 2,042.50
  })
})

describe("checkout pricing: invariants", () => {
  it("total discount <= merchandise subtotal, payable >= 0, and every split sums exactly", () => {
    fc.assert(
      fc.property(arbCheckout, (input) => {
        const result = priceCheckout(input)
        if (Either.isLeft(result)) return // not deliverable or a refused code: checked elsewhere
        const p = result.right
        expect(p.merchandiseDiscount.amount).toBeLessThanOrEqual(p.merchandiseSubtotal.amount)
        expect(p.shippingDiscount.amount).toBeLessThanOrEqual(p.shippingCost.amount)
        expect(p.total.amount).toBeGreaterThanOrEqual(0)
        expect(M.add(p.charge, p.roundingAbsorbed)).toEqual(p.total)
        expect(M.sum(p.orders.map((o) => o.buyerPays), "KES")).toEqual(p.charge)
        for (const o of p.orders) {
          expect(o.merchandiseDiscount).toEqual(M.sum([o.promotionDiscount, o.codeDiscount, o.loyaltyDiscount], "KES"))
          for (const l of o.lines) {
            expect(l.finalLineTotal.amount).toBeGreaterThanOrEqual(0)
            expect(M.sum([l.finalLineTotal, l.promotionDiscount, l.codeDiscount, l.loyaltyDiscount], "KES")).toEqual(l.baseLineTotal)
          }
          expect(M.sum(o.lines.map((l) => l.promotionDiscount), "KES")).toEqual(o.promotionDiscount)
          expect(M.add(o.buyerPays, o.platformFunding)).toEqual(M.add(o.merchandiseSubtotal, o.shippingCost))
        }
        expect(M.sum(p.orders.map((o) => o.codeDiscount), "KES")).toEqual(p.code?.discount ?? M.zero("KES"))
        expect(M.sum(p.orders.map((o) => o.loyaltyDiscount), "KES")).toEqual(p.loyalty?.value ?? M.zero("KES"))
        expect(p.orders.reduce((s, o) => s + o.loyaltyPoints, 0)).toBe(p.loyalty?.points ?? 0)
      }),
      { numRuns: 300 }
    )
  })

  it("at most one promotion applies to an order, and it is the best eligible one by priority and tie-break", () => {
    fc.assert(
      fc.property(arbCheckout, (input) => {
        const result = priceCheckout(input)
        if (Either.isLeft(result)) return
        for (const o of result.right.orders) {
          const lines = o.lines.map((l) => ({ productId: l.productId, storeId: l.storeId, categoryId: l.categoryId, remaining: l.baseLineTotal }))
          const shippingValue = Either.getOrThrow(input.quoteShipping({ storeId: o.storeId, totalWeightGrams: o.totalWeightGrams, discountedSubtotal: o.merchandiseSubtotal })).amount
          const eligible = input.promotions.flatMap((c) => evaluatePromotion(c, lines, input.now, shippingValue) ?? [])
          const best = [...eligible].sort(comparePromotions)[0]
          expect(o.promotion?.id).toBe(best?.promotion.id)
          // Only the chosen promotion's discount is on the lines: nothing stacks.
          expect(o.promotionDiscount).toEqual(best?.merchandiseDiscount ?? M.zero("KES"))
        }
      }),
      { numRuns: 300 }
    )
  })

  it("shuffling the list of promotions never changes the result", () => {
    fc.assert(
      fc.property(
        arbCheckout.chain((input) => fc.shuffledSubarray([...input.promotions], { minLength: input.promotions.length }).map((shuffled) => [input, shuffled] as const)),
        ([input, shuffled]) => {
          const a = priceCheckout(input)
          const b = priceCheckout({ ...input, promotions: shuffled })
          expect(b).toEqual(a)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("the seller's payout is identical with and without any combination of promotion, code and loyalty", () => {
    fc.assert(
      fc.property(arbCheckout, fc.boolean(), (input, affiliate) => {
        const withIncentives = priceCheckout(input)
        if (Either.isLeft(withIncentives)) return
        const plain = priceOrThrow(withoutIncentives(input))
        expect(snapshotsOf(withIncentives.right, affiliate).map(sellerSettlement)).toEqual(snapshotsOf(plain, affiliate).map(sellerSettlement))
      }),
      { numRuns: 300 }
    )
  })

  it("choosing a promotion ignores the candidates' listing order (brute force over permutations)", () => {
    const lines = [{ productId: line("s", "p1", 1, 1, 0).productId, storeId: StoreId.make("s"), categoryId: CategoryId.make("shoes"), remaining: M.kes(1_000) }]
    const candidates: Array<PromotionCandidate> = [
      { promotion: promotion("p-b", 2, { _tag: "EVERYTHING" }, { _tag: "AMOUNT_OFF", amount: M.kes(50) }), usage: unused },
      { promotion: promotion("p-a", 2, { _tag: "EVERYTHING" }, { _tag: "AMOUNT_OFF", amount: M.kes(50) }), usage: unused },
      { promotion: promotion("p-c", 2, { _tag: "EVERYTHING" }, { _tag: "PERCENT_OFF", bps: 500 }), usage: unused }
    ]
    // All priority 2, all KES 50 off, same creation time: the smaller id wins, whatever the order.
    const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
    for (const perm of perms) expect(choosePromotion(perm.map((i) => candidates[i]!), lines, NOW, M.kes(300))?.promotion.id).toBe("p-a")
  })
})
