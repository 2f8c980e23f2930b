import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { CategoryId, StoreId } from "../../domain/ids.js"
import type { PromotionCandidate } from "../../domain/incentives.js"
import { choosePromotion, comparePromotions, defaultLoyaltyPolicy, evaluatePromotion } from "../../domain/incentives.js"
import * as M from "../../domain/money.js"
import { priceCheckout } from "../../domain/pricing.js"
import { Accounts, balanceOf, refundPosting, sellerSettlement } from "../../domain/ledger.js"
import { refundDisbursement } from "../../application/payouts-execution/disbursement.js"
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
  // Priced inside each test (not when the file is collected), so mutation testing sees which tests cover pricing.
  const price = () => priceOrThrow(input)

  // | order | base     | promotion           | code (5%) | loyalty | goods    | shipping        | total    | rounding | M-Pesa share |
  // | A     | 3,000.00 | 10% off A: 300.00   | 135.00    | 76      | 2,489.00 | 300 flat        | 2,789.00 | 0        | 2,789        |
  // | B     |   800.00 | free shipping (300 > 100 on the tie) | 40.00 | 22 | 738.00 | 300 waived     | 738.00   | 0        | 738          |
  // | C     | 7,350.00 | KES 100 off (free shipping worth 0 here) | 362.50 | 202 | 6,685.50 | free over 5,000 | 6,685.50 | 0.50 | 6,685     |
  // Code: 5% of (2,700 + 800 + 7,250) = 537.50, split by what remained: 135.00 / 40.00 / 362.50.
  // Loyalty: 300 whole points split by what remained (2,565 / 760 / 6,887.50): 75.35 / 22.33 / 202.32 -> the
  // spare point to the largest remainder (A): 76 / 22 / 202 points, each worth KES 1. Checkout total 10,212.50 ->
  // M-Pesa charge KES 10,212; each order's share is whole shillings (2,789 / 738 / 6,685), the 50 cents absorbed on C.
  it.each([
    ["A", () => price().orders[0], "promo-a10", 300, 135, 76, 300, 0, 2_789, 0],
    ["B", () => price().orders[1], "promo-freeship", 0, 40, 22, 300, 300, 738, 0],
    ["C", () => price().orders[2], "promo-100", 100, 362.5, 202, 0, 0, 6_685.5, 0.5]
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
    const priced = price()
    expect(priced.total).toEqual(kes(10_212.5))
    expect(priced.charge).toEqual(M.kes(10_212))
    expect(priced.roundingAbsorbed).toEqual(kes(0.5))
    expect(priced.loyalty).toEqual({ points: 300, value: M.kes(300) })
    expect(priced.orders.map((o) => o.loyaltyPoints)).toEqual([76, 22, 202])
  })

  it("the sellers are paid from base prices: A 3,000 − 5% fee − 10% commission = KES 2,550", () => {
    const [sa, sb, sc] = snapshotsOf(price(), true).map(sellerSettlement)
    expect(sa).toEqual({ base: M.kes(3_000), platformFee: M.kes(150), commission: M.kes(300), sellerPayable: M.kes(2_550) })
    expect(sb!.sellerPayable).toEqual(M.kes(720)) // 800 − 40 fee − 40 commission
    expect(sc!.sellerPayable).toEqual(kes(6_982.5)) // 7,350 − 367.50 fee, no commission offered
  })

  it("a code below its minimum subtotal is refused with a reason the buyer can read", () => {
    const result = priceCheckout({
      ...input,
      code: { code: code("BIG", { _tag: "AMOUNT_OFF", amount: M.kes(50) }, { minSubtotal: M.kes(50_000) }), usage: unused }
    })
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
        expect(
          M.sum(
            p.orders.map((o) => o.buyerPays),
            "KES"
          )
        ).toEqual(p.charge)
        for (const o of p.orders) {
          expect(o.merchandiseDiscount).toEqual(M.sum([o.promotionDiscount, o.codeDiscount, o.loyaltyDiscount], "KES"))
          for (const l of o.lines) {
            expect(l.finalLineTotal.amount).toBeGreaterThanOrEqual(0)
            expect(M.sum([l.finalLineTotal, l.promotionDiscount, l.codeDiscount, l.loyaltyDiscount], "KES")).toEqual(l.baseLineTotal)
          }
          expect(
            M.sum(
              o.lines.map((l) => l.promotionDiscount),
              "KES"
            )
          ).toEqual(o.promotionDiscount)
          expect(M.add(o.buyerPays, o.platformFunding)).toEqual(M.add(o.merchandiseSubtotal, o.shippingCost))
        }
        expect(
          M.sum(
            p.orders.map((o) => o.codeDiscount),
            "KES"
          )
        ).toEqual(p.code?.discount ?? M.zero("KES"))
        expect(
          M.sum(
            p.orders.map((o) => o.loyaltyDiscount),
            "KES"
          )
        ).toEqual(p.loyalty?.value ?? M.zero("KES"))
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
        // Orders are priced in seller order; a promotion an earlier order took counts as used for the later ones.
        const used = new Map<string, number>()
        for (const o of result.right.orders) {
          const lines = o.lines.map((l) => ({ productId: l.productId, storeId: l.storeId, categoryId: l.categoryId, remaining: l.baseLineTotal }))
          const shippingValue = Either.getOrThrow(
            input.quoteShipping({ storeId: o.storeId, totalWeightGrams: o.totalWeightGrams, discountedSubtotal: o.merchandiseSubtotal })
          ).amount
          const candidates = input.promotions.map((c) => {
            const n = used.get(c.promotion.id) ?? 0
            return { ...c, usage: { global: c.usage.global + n, byBuyer: c.usage.byBuyer + n } }
          })
          const eligible = candidates.flatMap((c) => evaluatePromotion(c, lines, input.now, shippingValue) ?? [])
          const best = [...eligible].sort(comparePromotions)[0]
          expect(o.promotion?.id).toBe(best?.promotion.id)
          // Only the chosen promotion's discount is on the lines: nothing stacks.
          expect(o.promotionDiscount).toEqual(best?.merchandiseDiscount ?? M.zero("KES"))
          if (o.promotion) used.set(o.promotion.id, (used.get(o.promotion.id) ?? 0) + 1)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("shuffling the list of promotions never changes the result", () => {
    fc.assert(
      fc.property(
        arbCheckout.chain((input) =>
          fc.shuffledSubarray([...input.promotions], { minLength: input.promotions.length }).map((shuffled) => [input, shuffled] as const)
        ),
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
    const perms = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0]
    ]
    for (const perm of perms)
      expect(
        choosePromotion(
          perm.map((i) => candidates[i]!),
          lines,
          NOW,
          M.kes(300)
        )?.promotion.id
      ).toBe("p-a")
  })
})

describe("a checkout over several sellers (issue 10: limited promotions, whole-shilling shares, loyalty)", () => {
  const everything = { _tag: "EVERYTHING" as const }
  const twoSellers = [line("store-a", "sandals", 1_000, 1, 500), line("store-b", "kikoy", 1_000, 1, 300)]
  const base = { currency: "KES" as const, now: NOW, lines: twoSellers, quoteShipping: quoterFor("KE-047-cbd") }

  it.each([
    ["1 use per buyer, never used", { perBuyer: 1 }, { global: 0, byBuyer: 0 }],
    ["1 global use left (9 of 10 burned)", { global: 10 }, { global: 9, byBuyer: 0 }],
    ["2 per buyer, 1 already used", { perBuyer: 2 }, { global: 1, byBuyer: 1 }]
  ] as const)("a promotion with %s goes to the first seller's order only; the second is priced without it", (_name, limits, usage) => {
    const p = priceOrThrow({
      ...base,
      promotions: [{ promotion: promotion("promo-100", 1, everything, { _tag: "AMOUNT_OFF", amount: M.kes(100) }, { limits }), usage }]
    })
    expect(p.orders.map((o) => o.promotion?.id)).toEqual(["promo-100", undefined])
    expect(p.orders.map((o) => o.promotionDiscount)).toEqual([M.kes(100), M.kes(0)])
  })

  it("the second order falls back to the next best promotion when the best one is used up by the first", () => {
    const p = priceOrThrow({
      ...base,
      promotions: [
        { promotion: promotion("promo-big", 5, everything, { _tag: "AMOUNT_OFF", amount: M.kes(200) }, { limits: { perBuyer: 1 } }), usage: unused },
        { promotion: promotion("promo-small", 1, everything, { _tag: "AMOUNT_OFF", amount: M.kes(50) }), usage: unused }
      ]
    })
    expect(p.orders.map((o) => o.promotion?.id)).toEqual(["promo-big", "promo-small"])
  })

  it("property: a checkout without a code never fails because of a promotion, and burns never exceed any limit", () => {
    fc.assert(
      fc.property(arbCheckout, (input) => {
        const result = priceCheckout({ ...input, code: undefined, loyalty: undefined })
        if (Either.isLeft(result)) {
          expect(result.left._tag).toBe("NotDeliverable") // the only refusal left: an address no zone covers
          return
        }
        for (const c of input.promotions) {
          const burns = result.right.orders.filter((o) => o.promotion?.id === c.promotion.id).length
          if (burns > 0) {
            if (c.promotion.limits.global !== undefined) expect(c.usage.global + burns).toBeLessThanOrEqual(c.promotion.limits.global)
            if (c.promotion.limits.perBuyer !== undefined) expect(c.usage.byBuyer + burns).toBeLessThanOrEqual(c.promotion.limits.perBuyer)
          }
        }
      }),
      { numRuns: 300 }
    )
  })

  // Lines of KES 1,000.30 and 2,000.40 from two sellers, KES 300 shipping each: totals 1,300.30 and
  // 2,300.40, checkout 3,600.70 -> charge KES 3,600. Each order's share is whole shillings: 1,300 and
  // 2,300 (the platform absorbs 0.30 and 0.40), so refunding both returns exactly the 3,600 paid.
  it("each order's share of the charge is whole shillings: 1,300 + 2,300 = the KES 3,600 charged", () => {
    const p = priceOrThrow({
      ...base,
      lines: [
        { ...line("store-a", "sandals", 0, 1, 500), unitPrice: M.make(100_030, "KES") },
        { ...line("store-b", "kikoy", 0, 1, 300), unitPrice: M.make(200_040, "KES") }
      ],
      promotions: []
    })
    expect(p.charge).toEqual(M.kes(3_600))
    expect(p.orders.map((o) => o.buyerPays)).toEqual([M.kes(1_300), M.kes(2_300)])
    expect(p.orders.map((o) => o.roundingAbsorbed)).toEqual([M.make(30, "KES"), M.make(40, "KES")])
    expect(
      M.sum(
        p.orders.map((o) => refundDisbursement(o.buyerPays)),
        "KES"
      )
    ).toEqual(M.kes(3_600))
  })

  it("property: every order's share is whole shillings, and the refunds of all orders sum to the charge", () => {
    fc.assert(
      fc.property(arbCheckout, (input) => {
        const result = priceCheckout(input)
        if (Either.isLeft(result)) return
        const p = result.right
        for (const o of p.orders) {
          expect(o.buyerPays.amount % 100).toBe(0)
          // Never more than a shilling away from what the order costs.
          expect(Math.abs(o.roundingAbsorbed.amount)).toBeLessThan(100)
        }
        // What each refund owes the buyer (the refund posting's credit to refunds payable) and what B2C sends for it.
        const owed = snapshotsOf(p).map((s) => M.negate(balanceOf([refundPosting(s)], Accounts.refundsPayable(s.buyerId), "KES")))
        expect(M.sum(owed.map(refundDisbursement), "KES")).toEqual(p.charge)
      }),
      { numRuns: 300 }
    )
  })

  it("one point over two sellers is one whole point on one order, not 50 cents on each", () => {
    const p = priceOrThrow({ ...base, promotions: [], loyalty: { policy: defaultLoyaltyPolicy, requestedPoints: 1, balance: 10 } })
    expect(p.orders.map((o) => o.loyaltyPoints)).toEqual([1, 0])
    expect(p.orders.map((o) => o.loyaltyDiscount)).toEqual([M.kes(1), M.kes(0)])
  })

  it("property: each order's loyalty value is its points × the point value; points returned over all refunds = points redeemed", () => {
    fc.assert(
      fc.property(arbCheckout, (input) => {
        const result = priceCheckout(input)
        if (Either.isLeft(result)) return
        const p = result.right
        const pointValue = input.loyalty?.policy.pointValue ?? M.zero("KES")
        for (const o of p.orders) expect(o.loyaltyDiscount).toEqual(M.times(pointValue, o.loyaltyPoints))
        // A refund (or any death of an order) returns what its snapshot says was redeemed on it.
        const returned = snapshotsOf(p).reduce((s, snap) => s + (snap.incentives.loyalty?.points ?? 0), 0)
        expect(returned).toBe(p.loyalty?.points ?? 0)
        expect(p.loyalty?.value ?? M.zero("KES")).toEqual(M.times(pointValue, p.loyalty?.points ?? 0))
      }),
      { numRuns: 300 }
    )
  })
})

describe("checkout pricing: a cart that cannot be priced says why (mutation testing found these unpinned)", () => {
  const base = { currency: "KES" as const, now: NOW, promotions: [], quoteShipping: quoterFor("KE-047-cbd") }
  const refusal = (lines: ReadonlyArray<ReturnType<typeof line>>) => {
    const r = priceCheckout({ ...base, lines })
    if (Either.isRight(r)) throw new Error("expected a refusal")
    return [r.left._tag, String(r.left.message), r.left.code]
  }
  const kanga = line("store-a", "kanga", 500, 1, 300)

  it.each([
    ["an empty cart", [], "the cart is empty"],
    ["no units", [{ ...kanga, quantity: 0 }], "quantity for KANGA-SKU must be a positive whole number"],
    ["a negative quantity", [{ ...kanga, quantity: -1 }], "quantity for KANGA-SKU must be a positive whole number"],
    ["half a unit", [{ ...kanga, quantity: 1.5 }], "quantity for KANGA-SKU must be a positive whole number"],
    ["a price in another currency", [{ ...kanga, unitPrice: M.make(500, "TZS") }], "KANGA-SKU is priced in TZS, the checkout is in KES"],
    ["a negative price", [{ ...kanga, unitPrice: M.make(-1, "KES") }], "KANGA-SKU has a negative price"],
    ["a negative weight", [{ ...kanga, unitWeightGrams: -1 }], "KANGA-SKU has an invalid weight"],
    ["a fractional weight", [{ ...kanga, unitWeightGrams: 0.5 }], "KANGA-SKU has an invalid weight"],
    ["a bad second line", [kanga, { ...kanga, sku: "KIKOY-SKU", quantity: 0 }], "quantity for KIKOY-SKU must be a positive whole number"]
  ] as const)("%s is an invalid cart", (_name, lines, reason) => {
    expect(refusal(lines)).toEqual(["InvalidCart", reason, "CHECKOUT.INVALID_CART"])
  })

  it("a free item (price 0) and a weightless one (0 g) are a valid cart", () => {
    const p = priceOrThrow({ ...base, lines: [{ ...kanga, unitPrice: M.kes(0), unitWeightGrams: 0 }] })
    expect(p.orders[0]!.merchandiseSubtotal).toEqual(M.kes(0))
    expect(p.charge).toEqual(M.kes(300))
  })
})

describe("checkout pricing: each figure of an order (mutation testing found these unpinned)", () => {
  // Two sellers, B listed first: orders come out by store id (A then B), lines in cart order within an order.
  const price = () =>
    priceOrThrow({
      currency: "KES",
      now: NOW,
      lines: [line("store-b", "kikoy", 800, 1, 300), line("store-a", "sandals", 1_500, 2, 500), line("store-a", "belt", 200, 1, 1_200)],
      promotions: [
        { promotion: promotion("promo-a10", 5, { _tag: "SELLER", storeIds: [StoreId.make("store-a")] }, { _tag: "PERCENT_OFF", bps: 1_000 }), usage: unused }
      ],
      code: { code: code("SHIPFREE", { _tag: "FREE_SHIPPING" }), usage: unused },
      quoteShipping: quoterFor("KE-047-westlands-sarit-locker")
    })

  it("orders by store id; A: 3,200 base, 10% off = 320, weight 2.2 kg; shipping 150 + 3 × 50 waived by the code", () => {
    const p = price()
    const [a, b] = p.orders
    expect(p.orders.map((o) => o.storeId)).toEqual(["store-a", "store-b"])
    expect(a!.lines.map((l) => l.sku)).toEqual(["SANDALS-SKU", "BELT-SKU"])
    expect(a!.totalWeightGrams).toBe(2_200)
    expect(a!.promotion).toEqual({
      id: "promo-a10",
      version: 1,
      name: "promo-a10",
      effect: { _tag: "PERCENT_OFF", bps: 1_000 },
      merchandiseDiscount: M.kes(320),
      freeShipping: false
    })
    expect(a!.lines.map((l) => [l.baseLineTotal.amount, l.promotionDiscount.amount, l.finalLineTotal.amount])).toEqual([
      [300_000, 30_000, 270_000],
      [20_000, 2_000, 18_000]
    ])
    expect(a!.merchandiseSubtotal).toEqual(M.kes(3_200))
    expect(a!.merchandiseDiscount).toEqual(M.kes(320))
    expect(a!.shippingCost).toEqual(M.kes(300))
    expect(a!.shippingDiscount).toEqual(M.kes(300))
    expect(a!.total).toEqual(M.kes(2_880))
    expect(a!.platformFunding).toEqual(M.kes(620))
    expect(a!.buyerPays).toEqual(M.kes(2_880))
    expect(b!.promotion).toBeUndefined()
    expect(b!.shippingCost).toEqual(M.kes(200))
    expect(b!.total).toEqual(M.kes(800))
  })

  it("the checkout adds its orders up and records the code", () => {
    const p = price()
    expect(p.code).toEqual({ id: "code-SHIPFREE", version: 1, code: "SHIPFREE", discount: M.kes(0), freeShipping: true })
    expect(p.loyalty).toBeUndefined()
    expect(p.merchandiseSubtotal).toEqual(M.kes(4_000))
    expect(p.merchandiseDiscount).toEqual(M.kes(320))
    expect(p.shippingCost).toEqual(M.kes(500))
    expect(p.shippingDiscount).toEqual(M.kes(500))
    expect(p.total).toEqual(M.kes(3_680))
    expect(p.charge).toEqual(M.kes(3_680))
  })
})

describe("checkout pricing: limits, loyalty that fits nowhere, and a quote refused after discounts (mutation testing found these unpinned)", () => {
  const everything = { _tag: "EVERYTHING" as const }
  const sellers = (...stores: ReadonlyArray<string>) => stores.map((s, i) => line(s, `p${i}`, 1_000, 1, 300))
  const base = { currency: "KES" as const, now: NOW, quoteShipping: quoterFor("KE-047-cbd") }

  it("a promotion with 2 uses per buyer left goes to the first two sellers' orders, and not the third", () => {
    const p = priceOrThrow({
      ...base,
      lines: sellers("store-a", "store-b", "store-c"),
      promotions: [
        { promotion: promotion("promo-100", 1, everything, { _tag: "AMOUNT_OFF", amount: M.kes(100) }, { limits: { perBuyer: 2, global: 50 } }), usage: unused }
      ]
    })
    expect(p.orders.map((o) => o.promotion?.id)).toEqual(["promo-100", "promo-100", undefined])
  })

  // A policy that lets points pay the whole of what remains, one point = KES 1.
  const generous = { earnPer: M.kes(100), pointValue: M.kes(1), redemptionCapBps: 10_000 }
  const cents = (store: string, amount: number) => ({ ...line(store, `p-${store}`, 0, 1, 300), unitPrice: M.make(amount, "KES") })

  it("an order worth less than a point takes no point: KES 0.60 and 4.00 redeem 4 points, all on the second order", () => {
    const p = priceOrThrow({
      ...base,
      lines: [cents("store-a", 60), cents("store-b", 400)],
      promotions: [],
      loyalty: { policy: generous, requestedPoints: 4, balance: 10 }
    })
    expect(p.orders.map((o) => o.loyaltyPoints)).toEqual([0, 4])
    expect(p.orders.map((o) => o.loyaltyDiscount)).toEqual([M.kes(0), M.kes(4)])
    expect(p.loyalty).toEqual({ points: 4, value: M.kes(4) })
  })

  it("a point that fits no order is not redeemed at all: KES 0.60 + 0.60 records no loyalty", () => {
    const p = priceOrThrow({
      ...base,
      lines: [cents("store-a", 60), cents("store-b", 60)],
      promotions: [],
      loyalty: { policy: generous, requestedPoints: 1, balance: 10 }
    })
    expect(p.orders.map((o) => o.loyaltyPoints)).toEqual([0, 0])
    expect(p.loyalty).toBeUndefined()
  })

  it("no points asked: no loyalty recorded", () => {
    const p = priceOrThrow({ ...base, lines: sellers("store-a"), promotions: [], loyalty: { policy: defaultLoyaltyPolicy, requestedPoints: 0, balance: 10 } })
    expect(p.loyalty).toBeUndefined()
  })

  it("a carrier that refuses the discounted order (here: nothing under KES 950) refuses the checkout", () => {
    const picky = (req: { totalWeightGrams: number; discountedSubtotal: M.Money }) =>
      req.discountedSubtotal.amount < 95_000 ? Either.left({ _tag: "TooSmall" as const }) : Either.right({ amount: M.kes(300) })
    const r = priceCheckout({
      currency: "KES",
      now: NOW,
      lines: sellers("store-a"),
      promotions: [{ promotion: promotion("promo-100", 1, everything, { _tag: "AMOUNT_OFF", amount: M.kes(100) }), usage: unused }],
      quoteShipping: picky
    })
    expect(Either.isLeft(r) && r.left).toEqual({ _tag: "TooSmall" })
  })

  it("a percentage code does not waive shipping; a free-shipping promotion on one order waives only that order's", () => {
    const p = priceOrThrow({
      ...base,
      lines: sellers("store-a", "store-b"),
      promotions: [{ promotion: promotion("ship-a", 1, { _tag: "SELLER", storeIds: [StoreId.make("store-a")] }, { _tag: "FREE_SHIPPING" }), usage: unused }],
      code: { code: code("TEN", { _tag: "PERCENT_OFF", bps: 1_000 }), usage: unused }
    })
    expect(p.code?.freeShipping).toBe(false)
    expect(p.orders.map((o) => o.shippingDiscount)).toEqual([M.kes(300), M.kes(0)])
  })
})
