/** Shared fixtures and fast-check arbitraries for the checkout, snapshot and ledger tests. */
import { Either } from "effect"
import fc from "fast-check"
import { CommissionRate } from "../../domain/commission.js"
import {
  CategoryId,
  CheckoutId,
  DiscountCodeId,
  EpochMillis,
  LocationId,
  OrderId,
  ProductId,
  PromotionId,
  RateId,
  StoreId,
  UserId,
  VariantId,
  ZoneId
} from "../../domain/ids.js"
import type { DiscountCode, IncentiveEffect, Promotion, PromotionCandidate, PromotionScope } from "../../domain/incentives.js"
import { defaultLoyaltyPolicy } from "../../domain/incentives.js"
import * as M from "../../domain/money.js"
import type { CheckoutLine, PricedCheckout, PricingInput } from "../../domain/pricing.js"
import { priceCheckout } from "../../domain/pricing.js"
import type { ShippingError, ShippingQuote, Zone } from "../../domain/shipping.js"
import { makeGeography, quoteShipping } from "../../domain/shipping.js"
import type { OrderSnapshot } from "../../domain/snapshot.js"
import { buildSnapshot } from "../../domain/snapshot.js"

export const NOW = EpochMillis.make(Date.UTC(2026, 10, 20, 9, 0)) // Friday 20 Nov 2026, 12:00 in Nairobi
export const HOUR = 3_600_000

// Nairobi county > Westlands > Sarit Centre market > a locker; a flat KES 300 county zone that is free
// over KES 5,000, and a weight-priced Westlands zone (KES 150 + KES 50 per started kg).
export const geography = Either.getOrThrow(
  makeGeography([
    { id: LocationId.make("KE-047"), kind: "COUNTY", name: "Nairobi", code: "047" },
    { id: LocationId.make("KE-047-westlands"), kind: "TOWN", name: "Westlands", parentId: LocationId.make("KE-047") },
    { id: LocationId.make("KE-047-westlands-sarit"), kind: "MARKET", name: "Sarit Centre", parentId: LocationId.make("KE-047-westlands") },
    { id: LocationId.make("KE-047-westlands-sarit-locker"), kind: "PICKUP_POINT", name: "Sarit locker", parentId: LocationId.make("KE-047-westlands-sarit") },
    { id: LocationId.make("KE-047-cbd"), kind: "TOWN", name: "CBD", parentId: LocationId.make("KE-047") },
    { id: LocationId.make("KE-001"), kind: "COUNTY", name: "Mombasa", code: "001" }
  ])
)
export const zones: ReadonlyArray<Zone> = [
  {
    id: ZoneId.make("zone-nairobi"),
    name: "Nairobi county",
    covers: [LocationId.make("KE-047")],
    rates: [
      { _tag: "FLAT", id: RateId.make("nbi-flat"), active: true, amount: M.kes(300) },
      { _tag: "FREE_OVER", id: RateId.make("nbi-free"), active: true, threshold: M.kes(5_000) }
    ]
  },
  {
    id: ZoneId.make("zone-westlands"),
    name: "Westlands",
    covers: [LocationId.make("KE-047-westlands")],
    rates: [{ _tag: "WEIGHT", id: RateId.make("wl-weight"), active: true, base: M.kes(150), perKg: M.kes(50) }]
  }
]
export const quoterFor =
  (destination: string) =>
  (req: { totalWeightGrams: number; discountedSubtotal: M.Money }): Either.Either<ShippingQuote, ShippingError> =>
    quoteShipping(geography, zones, {
      destination: LocationId.make(destination),
      totalWeightGrams: req.totalWeightGrams,
      discountedSubtotal: req.discountedSubtotal
    })

export const line = (
  store: string,
  product: string,
  shillings: number,
  quantity: number,
  grams: number,
  commissionBps = 0,
  category?: string
): CheckoutLine => ({
  productId: ProductId.make(product),
  variantId: VariantId.make(`${product}-v`),
  storeId: StoreId.make(store),
  categoryId: category === undefined ? undefined : CategoryId.make(category),
  title: product,
  sku: `${product.toUpperCase()}-SKU`,
  unitPrice: M.kes(shillings),
  quantity,
  unitWeightGrams: grams,
  commissionRateBps: CommissionRate.make(commissionBps)
})

export const promotion = (id: string, priority: number, scope: PromotionScope, effect: IncentiveEffect, extra: Partial<Promotion> = {}): Promotion => ({
  id: PromotionId.make(id),
  version: 1,
  name: id,
  priority,
  startsAt: EpochMillis.make(NOW - 24 * HOUR),
  endsAt: EpochMillis.make(NOW + 24 * HOUR),
  createdAt: EpochMillis.make(NOW - 48 * HOUR),
  status: "ACTIVE",
  scope,
  effect,
  limits: {},
  ...extra
})

export const code = (c: string, effect: IncentiveEffect, extra: Partial<DiscountCode> = {}): DiscountCode => ({
  id: DiscountCodeId.make(`code-${c}`),
  version: 1,
  code: c,
  startsAt: EpochMillis.make(NOW - 24 * HOUR),
  expiresAt: EpochMillis.make(NOW + 24 * HOUR),
  status: "ACTIVE",
  effect,
  limits: {},
  ...extra
})

export const unused = { global: 0, byBuyer: 0 }

export const snapshotsOf = (priced: PricedCheckout<ShippingQuote>, affiliate = false): Array<OrderSnapshot> =>
  priced.orders.map((o, i) =>
    buildSnapshot(priced, o, {
      orderId: OrderId.make(`ord-${i + 1}`),
      checkoutId: CheckoutId.make("chk-1"),
      buyerId: UserId.make("buyer-1"),
      createdAt: NOW,
      destination: LocationId.make("KE-047-cbd"),
      platformFeeBps: 500,
      affiliate: affiliate ? { userId: UserId.make("aff-1"), code: "WANJIKU" } : undefined
    })
  )

// ---------------------------------------------------------------------------------------------
// Arbitraries

const stores = ["store-a", "store-b", "store-c"]
const products = ["p1", "p2", "p3", "p4", "p5", "p6"]
const categories = ["shoes", "fabric", "baskets"]

export const arbLine: fc.Arbitrary<CheckoutLine> = fc
  .record({
    store: fc.constantFrom(...stores),
    product: fc.constantFrom(...products),
    cents: fc.integer({ min: 0, max: 5_000_000 }),
    quantity: fc.integer({ min: 1, max: 5 }),
    grams: fc.integer({ min: 0, max: 8_000 }),
    commission: fc.integer({ min: 0, max: 5_000 }),
    category: fc.option(fc.constantFrom(...categories), { nil: undefined })
  })
  .map((r) => ({
    ...line(r.store, r.product, 0, r.quantity, r.grams, r.commission, r.category),
    unitPrice: M.make(r.cents, "KES")
  }))

const arbMoney = (max: number) => fc.integer({ min: 0, max }).map((n) => M.make(n, "KES"))

export const arbEffect: fc.Arbitrary<IncentiveEffect> = fc.oneof(
  fc
    .record({ _tag: fc.constant("PERCENT_OFF" as const), bps: fc.integer({ min: 1, max: 10_000 }), cap: fc.option(arbMoney(500_000), { nil: undefined }) })
    .map(({ cap, ...rest }) => (cap === undefined ? rest : { ...rest, cap })),
  fc.record({ _tag: fc.constant("AMOUNT_OFF" as const), amount: arbMoney(2_000_000) }),
  fc.constant({ _tag: "FREE_SHIPPING" as const })
)

const arbScope: fc.Arbitrary<PromotionScope> = fc.oneof(
  fc.constant({ _tag: "EVERYTHING" as const }),
  fc.constantFrom(...categories).map((c) => ({ _tag: "CATEGORY" as const, categoryIds: [CategoryId.make(c)] as const })),
  fc.constantFrom(...stores).map((s) => ({ _tag: "SELLER" as const, storeIds: [StoreId.make(s)] as const })),
  fc
    .subarray(products, { minLength: 1 })
    .map((ps) => ({ _tag: "PRODUCTS" as const, productIds: ps.map((p) => ProductId.make(p)) as [ProductId, ...ProductId[]] }))
)

export const arbPromotion: fc.Arbitrary<PromotionCandidate> = fc
  .record({
    n: fc.integer({ min: 0, max: 1_000 }),
    priority: fc.integer({ min: 0, max: 3 }),
    scope: arbScope,
    effect: arbEffect,
    created: fc.integer({ min: 0, max: 3 }),
    live: fc.boolean(),
    minSubtotal: fc.option(arbMoney(3_000_000), { nil: undefined }),
    globalLimit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    perBuyerLimit: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
    used: fc.integer({ min: 0, max: 3 }),
    usedByBuyer: fc.integer({ min: 0, max: 2 })
  })
  .map((r) => ({
    promotion: promotion(`promo-${r.n}`, r.priority, r.scope, r.effect, {
      createdAt: EpochMillis.make(NOW - r.created * HOUR),
      endsAt: EpochMillis.make(r.live ? NOW + HOUR : NOW - HOUR),
      ...(r.minSubtotal && { minSubtotal: r.minSubtotal }),
      limits: { ...(r.globalLimit !== undefined && { global: r.globalLimit }), ...(r.perBuyerLimit !== undefined && { perBuyer: r.perBuyerLimit }) }
    }),
    // The buyer's own uses are part of the global count.
    usage: { global: Math.max(r.used, r.usedByBuyer), byBuyer: r.usedByBuyer }
  }))

/** A checkout input: 1–6 lines, 0–5 promotions (unique ids), maybe a code, maybe loyalty. */
export const arbCheckout: fc.Arbitrary<PricingInput<ShippingQuote, ShippingError>> = fc
  .record({
    lines: fc.array(arbLine, { minLength: 1, maxLength: 6 }),
    promotions: fc.uniqueArray(arbPromotion, { maxLength: 5, selector: (c) => c.promotion.id }),
    code: fc.option(
      arbEffect.map((e) => code("SAVE", e)),
      { nil: undefined }
    ),
    points: fc.integer({ min: 0, max: 100_000 }),
    destination: fc.constantFrom("KE-047-cbd", "KE-047-westlands-sarit-locker")
  })
  .map((r) => ({
    currency: "KES" as const,
    now: NOW,
    lines: r.lines,
    promotions: r.promotions,
    code: r.code && { code: r.code, usage: unused },
    loyalty: r.points > 0 ? { policy: defaultLoyaltyPolicy, requestedPoints: r.points, balance: 100_000 } : undefined,
    quoteShipping: quoterFor(r.destination)
  }))

/** The same cart with no incentive at all. */
export const withoutIncentives = <Q extends { amount: M.Money }, E>(input: PricingInput<Q, E>): PricingInput<Q, E> => ({
  ...input,
  promotions: [],
  code: undefined,
  loyalty: undefined
})

export const priceOrThrow = (input: PricingInput<ShippingQuote, ShippingError>) =>
  Either.getOrThrowWith(priceCheckout(input), (e) => new Error(`pricing failed: ${String(e)}`))
