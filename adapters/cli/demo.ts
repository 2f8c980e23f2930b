/**
 * A small, honest demo of the domain core: price a three-seller cart delivered in Nairobi with a
 * promotion, a discount code, loyalty points and free shipping, and print the receipts and the
 * escrow postings. Run with `npm run demo`.
 */
import { Either } from "effect"
import { CommissionRate } from "../../domain/commission.js"
import {
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
import { defaultLoyaltyPolicy } from "../../domain/incentives.js"
import type { Promotion } from "../../domain/incentives.js"
import { orderMoneyFromSnapshot, paymentPostings, releasePosting } from "../../domain/ledger.js"
import * as M from "../../domain/money.js"
import { priceCheckout } from "../../domain/pricing.js"
import type { CheckoutLine } from "../../domain/pricing.js"
import { makeGeography, quoteShipping } from "../../domain/shipping.js"
import { buildSnapshot } from "../../domain/snapshot.js"

const now = EpochMillis.make(Date.now())
const day = 86_400_000
const geo = Either.getOrThrow(
  makeGeography([
    { id: LocationId.make("KE-047"), kind: "COUNTY", name: "Nairobi", code: "047" },
    { id: LocationId.make("KE-047-cbd"), kind: "TOWN", name: "CBD", parentId: LocationId.make("KE-047") }
  ])
)
const zones = [
  {
    id: ZoneId.make("zone-nairobi"),
    name: "Nairobi",
    covers: [LocationId.make("KE-047")],
    rates: [
      { _tag: "FLAT" as const, id: RateId.make("flat"), active: true, amount: M.kes(300) },
      { _tag: "FREE_OVER" as const, id: RateId.make("free"), active: true, threshold: M.kes(5_000) }
    ]
  }
]
const line = (store: string, title: string, shillings: number, quantity: number, grams: number, commission: number): CheckoutLine => ({
  productId: ProductId.make(title),
  variantId: VariantId.make(`${title}-1`),
  storeId: StoreId.make(store),
  title,
  sku: title.toUpperCase().replaceAll(" ", "-"),
  unitPrice: M.kes(shillings),
  quantity,
  unitWeightGrams: grams,
  commissionRateBps: CommissionRate.make(commission)
})
const promo = (id: string, priority: number, effect: Promotion["effect"], scope: Promotion["scope"] = { _tag: "EVERYTHING" }): Promotion => ({
  id: PromotionId.make(id),
  version: 1,
  name: id,
  priority,
  startsAt: EpochMillis.make(now - day),
  endsAt: EpochMillis.make(now + day),
  createdAt: EpochMillis.make(now - day),
  status: "ACTIVE",
  scope,
  effect,
  limits: {}
})
const unused = { global: 0, byBuyer: 0 }

const priced = priceCheckout({
  currency: "KES",
  now,
  lines: [
    line("mama-mboga", "leather sandals", 1_500, 2, 500, 1_000),
    line("kikoy-house", "kikoy wrap", 800, 1, 300, 500),
    line("sisal-co", "sisal basket", 2_450, 3, 400, 0)
  ],
  promotions: [
    { promotion: promo("10% off sandals", 5, { _tag: "PERCENT_OFF", bps: 1_000 }, { _tag: "SELLER", storeIds: [StoreId.make("mama-mboga")] }), usage: unused },
    { promotion: promo("free delivery", 1, { _tag: "FREE_SHIPPING" }), usage: unused },
    { promotion: promo("KES 100 off", 1, { _tag: "AMOUNT_OFF", amount: M.kes(100) }), usage: unused }
  ],
  code: {
    code: {
      id: DiscountCodeId.make("save5"),
      version: 1,
      code: "SAVE5",
      startsAt: EpochMillis.make(now - day),
      expiresAt: EpochMillis.make(now + day),
      status: "ACTIVE",
      effect: { _tag: "PERCENT_OFF", bps: 500 },
      limits: {}
    },
    usage: unused
  },
  loyalty: { policy: defaultLoyaltyPolicy, requestedPoints: 300, balance: 1_000 },
  quoteShipping: (r) =>
    quoteShipping(geo, zones, { destination: LocationId.make("KE-047-cbd"), totalWeightGrams: r.totalWeightGrams, discountedSubtotal: r.discountedSubtotal })
})

if (Either.isLeft(priced)) {
  console.error("pricing failed:", priced.left)
  process.exit(1)
}
const checkout = priced.right
const snapshots = checkout.orders.map((o, i) =>
  buildSnapshot(checkout, o, {
    orderId: OrderId.make(`AMN-${1001 + i}`),
    checkoutId: CheckoutId.make("CHK-1"),
    buyerId: UserId.make("buyer"),
    createdAt: now,
    destination: LocationId.make("KE-047-cbd"),
    platformFeeBps: 500,
    affiliate: { userId: UserId.make("affiliate"), code: "WANJIKU" }
  })
)
const f = M.format
for (const s of snapshots) {
  console.log(`\n${s.orderId} from ${s.storeId}`)
  for (const l of s.lines) console.log(`  ${l.quantity} × ${l.title} @ ${f(l.unitPrice)} = ${f(l.baseLineTotal)}  (buyer pays ${f(l.finalLineTotal)})`)
  if (s.incentives.promotion) console.log(`  promotion: ${s.incentives.promotion.name}`)
  console.log(
    `  goods ${f(s.totals.original)} − discounts ${f(s.totals.discount)} + shipping ${f(s.totals.shipping)} − waived ${f(s.totals.shippingDiscount)} = ${f(s.totals.final)}`
  )
}
console.log(`\nM-Pesa charge: ${f(checkout.charge)} (platform absorbs ${f(checkout.roundingAbsorbed)} of rounding)`)
console.log("\nLedger:")
for (const p of [
  ...paymentPostings("CHK-1", "RKT0DEMO01", checkout.charge, snapshots.map(orderMoneyFromSnapshot)),
  ...snapshots.map((s) => releasePosting(s))
]) {
  console.log(`  ${p.kind} ${p.reference}`)
  for (const e of p.entries)
    console.log(`    ${e.amount.amount >= 0 ? "Dr" : "   Cr"} ${e.account.padEnd(32)} ${f(M.make(Math.abs(e.amount.amount), e.amount.currency))}`)
}
