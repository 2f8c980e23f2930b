/**
 * The exact edges of the money rules, one worked example each: mutation testing (npm run
 * test:mutation, docs/mutation.md) showed that changing any of them left every other test green.
 */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { CategoryId, EpochMillis, OrderId, ProductId, StoreId, UserId } from "../../domain/ids.js"
import {
  checkCode,
  choosePromotion,
  comparePromotions,
  defaultLoyaltyPolicy,
  evaluatePromotion,
  inScope,
  merchandiseDiscount,
  pointsEarned,
  redeemLoyalty
} from "../../domain/incentives.js"
import { Accounts, balanceOf, releasePosting } from "../../domain/ledger.js"
import * as M from "../../domain/money.js"
import { transition } from "../../domain/order.js"
import { code, HOUR, line, NOW, priceOrThrow, promotion, quoterFor, snapshotsOf, unused } from "./fixtures.js"

const cents = (n: number) => M.make(n, "KES")
const everything = { _tag: "EVERYTHING" as const }
const basketLine = { productId: line("s", "basket", 1, 1, 0).productId, storeId: StoreId.make("s"), categoryId: undefined, remaining: M.kes(1_000) }

describe("incentive edges", () => {
  it("a percentage discount rounds DOWN: 10% of KES 0.99 is 0.09, never 0.10", () => {
    expect(merchandiseDiscount({ _tag: "PERCENT_OFF", bps: 1_000 }, cents(99))).toEqual(cents(9))
    expect(merchandiseDiscount({ _tag: "PERCENT_OFF", bps: 1_000, cap: cents(5) }, cents(99))).toEqual(cents(5))
  })

  it("equal priority and equal discount: the promotion created earlier wins, even with the larger id", () => {
    const older = evaluatePromotion(
      { promotion: promotion("p-z", 1, everything, { _tag: "AMOUNT_OFF", amount: M.kes(50) }, { createdAt: EpochMillis.make(NOW - 2 * HOUR) }), usage: unused },
      [basketLine],
      NOW,
      M.kes(0)
    )!
    const newer = evaluatePromotion(
      { promotion: promotion("p-a", 1, everything, { _tag: "AMOUNT_OFF", amount: M.kes(50) }, { createdAt: EpochMillis.make(NOW - HOUR) }), usage: unused },
      [basketLine],
      NOW,
      M.kes(0)
    )!
    expect(comparePromotions(older, newer)).toBeLessThan(0)
    expect(comparePromotions(newer, older)).toBeGreaterThan(0)
  })

  it("a promotion runs from its start instant inclusive to its end instant exclusive", () => {
    const p = (extra: Parameters<typeof promotion>[4]) => ({
      promotion: promotion("p", 1, everything, { _tag: "AMOUNT_OFF", amount: M.kes(5) }, extra),
      usage: unused
    })
    expect(evaluatePromotion(p({ startsAt: NOW }), [basketLine], NOW, M.kes(0))).toBeDefined()
    expect(evaluatePromotion(p({ startsAt: EpochMillis.make(NOW + 1) }), [basketLine], NOW, M.kes(0))).toBeUndefined()
    expect(evaluatePromotion(p({ endsAt: NOW }), [basketLine], NOW, M.kes(0))).toBeUndefined()
    expect(evaluatePromotion(p({ endsAt: EpochMillis.make(NOW + 1) }), [basketLine], NOW, M.kes(0))).toBeDefined()
  })

  it("a code is valid from its start instant, and expired at its expiry instant", () => {
    const c = code("EDGE", { _tag: "AMOUNT_OFF", amount: M.kes(5) }, { startsAt: NOW, expiresAt: EpochMillis.make(NOW + HOUR) })
    expect(Either.isRight(checkCode(c, unused, NOW, M.kes(100)))).toBe(true)
    const early = checkCode(c, unused, EpochMillis.make(NOW - 1), M.kes(100))
    expect(Either.isLeft(early) && early.left.reason).toBe("NOT_STARTED")
    expect(Either.isRight(checkCode(c, unused, EpochMillis.make(NOW + HOUR - 1), M.kes(100)))).toBe(true)
    const expired = checkCode(c, unused, EpochMillis.make(NOW + HOUR), M.kes(100))
    expect(Either.isLeft(expired) && expired.left.reason).toBe("EXPIRED")
  })

  it("minimum subtotals are inclusive: exactly the minimum qualifies, a cent less does not", () => {
    const c = code("MIN", { _tag: "AMOUNT_OFF", amount: M.kes(5) }, { minSubtotal: M.kes(1_000) })
    expect(Either.isRight(checkCode(c, unused, NOW, M.kes(1_000)))).toBe(true)
    const short = checkCode(c, unused, NOW, cents(99_999))
    expect(Either.isLeft(short) && short.left.reason).toBe("MIN_SUBTOTAL_NOT_MET")
    const p = { promotion: promotion("p", 1, everything, { _tag: "AMOUNT_OFF", amount: M.kes(5) }, { minSubtotal: M.kes(1_000) }), usage: unused }
    expect(evaluatePromotion(p, [basketLine], NOW, M.kes(0))).toBeDefined()
    expect(evaluatePromotion(p, [{ ...basketLine, remaining: cents(99_999) }], NOW, M.kes(0))).toBeUndefined()
  })

  it("usage limits are exclusive: the last use is allowed, none after it", () => {
    const c = code("LIM", { _tag: "AMOUNT_OFF", amount: M.kes(5) }, { limits: { global: 3, perBuyer: 2 } })
    expect(Either.isRight(checkCode(c, { global: 2, byBuyer: 1 }, NOW, M.kes(100)))).toBe(true)
    const global = checkCode(c, { global: 3, byBuyer: 0 }, NOW, M.kes(100))
    expect(Either.isLeft(global) && global.left.reason).toBe("GLOBAL_LIMIT_REACHED")
    const buyer = checkCode(c, { global: 2, byBuyer: 2 }, NOW, M.kes(100))
    expect(Either.isLeft(buyer) && buyer.left.reason).toBe("BUYER_LIMIT_REACHED")
  })

  it("the loyalty cap rounds DOWN: 20% of KES 49.99 is 9.998, so 9 one-shilling points, not 10", () => {
    expect(Either.getOrThrow(redeemLoyalty(defaultLoyaltyPolicy, 100, 100, cents(4_999)))).toEqual({ points: 9, value: M.kes(9) })
    expect(Either.getOrThrow(redeemLoyalty(defaultLoyaltyPolicy, 100, 100, cents(5_000)))).toEqual({ points: 10, value: M.kes(10) })
  })
})

describe("incentive rules, one case each (survivors of a mutation run of domain/incentives.ts)", () => {
  const amountOff = (n: number) => ({ _tag: "AMOUNT_OFF" as const, amount: M.kes(n) })

  it("scopes: a category covers only lines of that category (none for a line without one); a product list only those products", () => {
    const shoes = { _tag: "CATEGORY" as const, categoryIds: [CategoryId.make("shoes")] as const }
    expect(inScope(shoes, { ...basketLine, categoryId: CategoryId.make("shoes") })).toBe(true)
    expect(inScope(shoes, { ...basketLine, categoryId: CategoryId.make("fabric") })).toBe(false)
    expect(inScope(shoes, { ...basketLine, categoryId: undefined })).toBe(false)
    const products = { _tag: "PRODUCTS" as const, productIds: [basketLine.productId] as const }
    expect(inScope(products, basketLine)).toBe(true)
    expect(inScope(products, { ...basketLine, productId: ProductId.make("other") })).toBe(false)
    expect(inScope({ _tag: "SELLER", storeIds: [StoreId.make("t")] }, basketLine)).toBe(false)
  })

  it("ranking: higher priority beats a bigger discount; then the smaller id; then the lower version", () => {
    const ev = (id: string, priority: number, off: number, extra: Parameters<typeof promotion>[4] = {}) =>
      evaluatePromotion({ promotion: promotion(id, priority, everything, amountOff(off), extra), usage: unused }, [basketLine], NOW, M.kes(0))!
    expect(comparePromotions(ev("p-high", 3, 10), ev("p-low", 1, 500))).toBeLessThan(0)
    expect(comparePromotions(ev("p-low", 1, 500), ev("p-high", 3, 10))).toBeGreaterThan(0)
    expect(
      choosePromotion(
        [ev("p-low", 1, 500), ev("p-high", 3, 10)].map((c) => ({ promotion: c.promotion, usage: unused })),
        [basketLine],
        NOW,
        M.kes(0)
      )?.promotion.id
    ).toBe("p-high")
    expect(comparePromotions(ev("p-a", 1, 10), ev("p-b", 1, 10))).toBe(-1)
    expect(comparePromotions(ev("p-b", 1, 10), ev("p-a", 1, 10))).toBe(1)
    expect(comparePromotions(ev("p-a", 1, 10, { version: 1 }), ev("p-a", 1, 10, { version: 2 }))).toBeLessThan(0)
  })

  it("a paused promotion or code does not apply", () => {
    expect(
      evaluatePromotion({ promotion: promotion("p", 1, everything, amountOff(5), { status: "PAUSED" }), usage: unused }, [basketLine], NOW, M.kes(0))
    ).toBeUndefined()
    const paused = checkCode(code("PAUSED", amountOff(5), { status: "PAUSED" }), unused, NOW, M.kes(100))
    expect(Either.isLeft(paused) && [paused.left.reason, paused.left.code]).toEqual(["NOT_ACTIVE", "DISCOUNT_CODE.NOT_ACTIVE"])
  })

  it("redeeming points: up to the balance exactly; more, fewer than zero or a fraction is refused, naming what was asked", () => {
    expect(Either.getOrThrow(redeemLoyalty(defaultLoyaltyPolicy, 5, 5, M.kes(1_000)))).toEqual({ points: 5, value: M.kes(5) })
    expect(Either.getOrThrow(redeemLoyalty(defaultLoyaltyPolicy, 0, 5, M.kes(1_000)))).toEqual({ points: 0, value: M.kes(0) })
    const over = redeemLoyalty(defaultLoyaltyPolicy, 7, 5, M.kes(1_000))
    expect(Either.isLeft(over) && [over.left.requested, over.left.balance, over.left.code, over.left.message]).toEqual([
      7,
      5,
      "LOYALTY.INSUFFICIENT_POINTS",
      "cannot redeem 7 points: the balance is 5"
    ])
    expect(Either.isLeft(redeemLoyalty(defaultLoyaltyPolicy, -1, 5, M.kes(1_000)))).toBe(true)
    expect(Either.isLeft(redeemLoyalty(defaultLoyaltyPolicy, 1.5, 5, M.kes(1_000)))).toBe(true)
    // A point worth nothing redeems nothing.
    expect(Either.getOrThrow(redeemLoyalty({ ...defaultLoyaltyPolicy, pointValue: M.kes(0) }, 5, 5, M.kes(1_000))).points).toBe(0)
  })

  it("points earned: one per full KES 100 of goods paid; none for nothing paid or a policy that earns nothing", () => {
    expect(pointsEarned(defaultLoyaltyPolicy, cents(228_950))).toBe(22)
    expect(pointsEarned(defaultLoyaltyPolicy, M.kes(100))).toBe(1)
    expect(pointsEarned(defaultLoyaltyPolicy, cents(9_999))).toBe(0)
    expect(pointsEarned(defaultLoyaltyPolicy, M.kes(0))).toBe(0)
    expect(pointsEarned({ ...defaultLoyaltyPolicy, earnPer: M.kes(0) }, M.kes(1_000))).toBe(0)
  })
})

describe("pricing and ledger edges", () => {
  it("free-over shipping looks at the DISCOUNTED subtotal: KES 5,200 with 300 off is 4,900, so shipping is charged", () => {
    const p = priceOrThrow({
      currency: "KES",
      now: NOW,
      lines: [line("store-a", "kanga", 5_200, 1, 400)],
      promotions: [{ promotion: promotion("p-300", 1, everything, { _tag: "AMOUNT_OFF", amount: M.kes(300) }), usage: unused }],
      quoteShipping: quoterFor("KE-047-cbd")
    })
    expect(p.orders[0]!.shippingCost).toEqual(M.kes(300))
    expect(p.total).toEqual(M.kes(5_200))
  })

  it("the carrier is paid its shipping even when the platform waived it for the buyer", () => {
    const p = priceOrThrow({
      currency: "KES",
      now: NOW,
      lines: [line("store-a", "kikoy", 800, 1, 300)],
      promotions: [{ promotion: promotion("p-ship", 1, everything, { _tag: "FREE_SHIPPING" }), usage: unused }],
      quoteShipping: quoterFor("KE-047-cbd")
    })
    const [snapshot] = snapshotsOf(p)
    expect(snapshot!.totals.shippingDiscount).toEqual(M.kes(300))
    const release = releasePosting(snapshot!, "rider-7")
    expect(balanceOf([release], Accounts.shippingPayable("rider-7"), "KES")).toEqual(M.kes(-300))
  })
})

describe("order edges", () => {
  it("only the rider marks an order DELIVERED: the seller, the buyer and the system are refused", () => {
    const inTransit = { id: OrderId.make("o-1"), state: "IN_TRANSIT" as const, checkedOutAt: NOW, handoverCode: "4821" }
    const proof = { handoverCode: "4821" }
    const by = (kind: "SELLER" | "BUYER" | "RIDER") =>
      transition(inTransit, { to: "DELIVERED", actor: { kind, id: UserId.make(`u-${kind}`) }, at: EpochMillis.make(NOW + HOUR), proof })
    expect(Either.isRight(by("RIDER"))).toBe(true)
    expect(Either.isLeft(by("SELLER"))).toBe(true)
    expect(Either.isLeft(by("BUYER"))).toBe(true)
    expect(Either.isLeft(transition(inTransit, { to: "DELIVERED", actor: { kind: "SYSTEM", id: "sla" }, at: EpochMillis.make(NOW + HOUR), proof }))).toBe(true)
  })
})
