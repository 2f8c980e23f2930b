/**
 * Checkout pricing: cart lines + catalogue prices + incentives + a shipping quoter -> one priced
 * order per seller and one checkout total. Pure arithmetic over arrays; errors are values.
 *
 * Order of application (PRODUCT.md): per order the single best promotion; then the checkout's one
 * discount code on what remains across all orders; then loyalty points on what remains. Shipping is
 * quoted per order on its discounted merchandise subtotal and only a FREE_SHIPPING effect waives it.
 * The checkout is one M-Pesa charge in whole shillings; the sub-shilling rest is absorbed by the
 * platform, and each order's share of the charge is whole shillings (largest remainder), so every
 * order's escrow is exact and refunding every order returns exactly the charge.
 */
import { Data, Either } from "effect"
import type { CommissionRate } from "./commission.js"
import type { CategoryId, EpochMillis, ProductId, StoreId, VariantId } from "./ids.js"
import * as I from "./incentives.js"
import type { DiscountCode, LoyaltyPolicy, PromotionCandidate, Usage } from "./incentives.js"
import * as M from "./money.js"
import type { Currency, Money } from "./money.js"

export interface CheckoutLine {
  readonly productId: ProductId
  readonly variantId: VariantId
  readonly storeId: StoreId
  readonly categoryId?: CategoryId | undefined
  readonly title: string
  readonly sku: string
  /** The seller's base price for this SKU (variant override or product price). */
  readonly unitPrice: Money
  readonly quantity: number
  readonly unitWeightGrams: number
  /** Affiliate commission the seller offers on this product, basis points. */
  readonly commissionRateBps: CommissionRate
}

export interface ShippingRequest {
  readonly storeId: StoreId
  readonly totalWeightGrams: number
  readonly discountedSubtotal: Money
}

export interface PricingInput<Q extends { readonly amount: Money }, E> {
  readonly currency: Currency
  readonly now: EpochMillis
  readonly lines: ReadonlyArray<CheckoutLine>
  readonly promotions: ReadonlyArray<PromotionCandidate>
  readonly code?: { readonly code: DiscountCode; readonly usage: Usage } | undefined
  readonly loyalty?: { readonly policy: LoyaltyPolicy; readonly requestedPoints: number; readonly balance: number } | undefined
  readonly quoteShipping: (request: ShippingRequest) => Either.Either<Q, E>
}

export interface PricedLine extends CheckoutLine {
  readonly baseLineTotal: Money
  readonly promotionDiscount: Money
  readonly codeDiscount: Money
  readonly loyaltyDiscount: Money
  /** baseLineTotal minus the three discounts: what the buyer pays for the goods on this line. */
  readonly finalLineTotal: Money
}

export interface AppliedPromotion {
  readonly id: I.Promotion["id"]
  readonly version: number
  readonly name: string
  readonly effect: I.IncentiveEffect
  readonly merchandiseDiscount: Money
  readonly freeShipping: boolean
}

export interface PricedOrder<Q> {
  readonly storeId: StoreId
  readonly lines: ReadonlyArray<PricedLine>
  readonly totalWeightGrams: number
  readonly promotion?: AppliedPromotion | undefined
  /** Sum of base line totals: the seller's economics are computed from this alone. */
  readonly merchandiseSubtotal: Money
  readonly promotionDiscount: Money
  readonly codeDiscount: Money
  readonly loyaltyDiscount: Money
  readonly loyaltyPoints: number
  readonly merchandiseDiscount: Money
  readonly shipping: Q
  readonly shippingCost: Money
  readonly shippingDiscount: Money
  /** What the order costs the buyer before whole-shilling rounding. */
  readonly total: Money
  /** The platform's share of the checkout's rounding, absorbed for this order. */
  readonly roundingAbsorbed: Money
  /** total - roundingAbsorbed: the part of the M-Pesa charge that belongs to this order. */
  readonly buyerPays: Money
  /** merchandiseDiscount + shippingDiscount + roundingAbsorbed: funded by the platform into escrow. */
  readonly platformFunding: Money
}

export interface PricedCheckout<Q> {
  readonly currency: Currency
  readonly orders: ReadonlyArray<PricedOrder<Q>>
  readonly code?:
    { readonly id: DiscountCode["id"]; readonly version: number; readonly code: string; readonly discount: Money; readonly freeShipping: boolean } | undefined
  readonly loyalty?: { readonly points: number; readonly value: Money } | undefined
  readonly merchandiseSubtotal: Money
  readonly merchandiseDiscount: Money
  readonly shippingCost: Money
  readonly shippingDiscount: Money
  readonly total: Money
  /** The whole-shilling amount the buyer is asked to pay and is charged. */
  readonly charge: Money
  readonly roundingAbsorbed: Money
}

export class InvalidCart extends Data.TaggedError("InvalidCart")<{ readonly reason: string }> {
  readonly code = "CHECKOUT.INVALID_CART"
  override get message() {
    return this.reason
  }
}

export type PricingError<E> = InvalidCart | I.DiscountCodeNotApplicable | I.LoyaltyRedemptionInvalid | E

interface Working {
  readonly line: CheckoutLine
  readonly base: Money
  remaining: Money
  promotion: Money
  code: Money
  loyalty: Money
}

/** Spread `amount` over the given working lines in proportion to what remains on each. */
const spread = (amount: Money, targets: ReadonlyArray<Working>, key: "promotion" | "code" | "loyalty"): void => {
  if (amount.amount === 0 || targets.length === 0) return
  const parts = M.allocate(
    amount,
    targets.map((t) => t.remaining.amount)
  )
  targets.forEach((t, i) => {
    const part = parts[i]!
    t[key] = M.add(t[key], part)
    t.remaining = M.subtract(t.remaining, part)
  })
}

const validate = (input: PricingInput<{ readonly amount: Money }, unknown>): InvalidCart | undefined => {
  if (input.lines.length === 0) return new InvalidCart({ reason: "the cart is empty" })
  for (const l of input.lines) {
    if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0) return new InvalidCart({ reason: `quantity for ${l.sku} must be a positive whole number` })
    if (l.unitPrice.currency !== input.currency)
      return new InvalidCart({ reason: `${l.sku} is priced in ${l.unitPrice.currency}, the checkout is in ${input.currency}` })
    if (l.unitPrice.amount < 0) return new InvalidCart({ reason: `${l.sku} has a negative price` })
    if (!Number.isSafeInteger(l.unitWeightGrams) || l.unitWeightGrams < 0) return new InvalidCart({ reason: `${l.sku} has an invalid weight` })
  }
  return undefined
}

export const priceCheckout = <Q extends { readonly amount: Money }, E>(input: PricingInput<Q, E>): Either.Either<PricedCheckout<Q>, PricingError<E>> => {
  const invalid = validate(input)
  if (invalid) return Either.left(invalid)
  const { currency } = input
  const zero = M.zero(currency)
  const total = (ws: ReadonlyArray<Working>, f: (w: Working) => Money) => M.sum(ws.map(f), currency)

  // Group into one order per seller; sellers in a stable order so the result is deterministic.
  const byStore = new Map<StoreId, Array<Working>>()
  for (const line of input.lines) {
    const base = M.times(line.unitPrice, line.quantity)
    const w: Working = { line, base, remaining: base, promotion: zero, code: zero, loyalty: zero }
    const group = byStore.get(line.storeId)
    if (group) group.push(w)
    else byStore.set(line.storeId, [w])
  }
  const groups = [...byStore.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

  // 1. Promotion, per order: at most one, the best by the total order in incentives.ts. Each order
  // that takes a promotion uses it once (globally and for this buyer), so the orders are priced in
  // seller order against what earlier orders of this checkout already used: a limited promotion goes
  // to as many orders as its limits allow, and the rest are priced without it.
  const promotions: Array<{ promotion: AppliedPromotion | undefined; weight: number }> = []
  const usedHere = new Map<string, number>()
  const candidatesNow = (): ReadonlyArray<PromotionCandidate> =>
    usedHere.size === 0
      ? input.promotions
      : input.promotions.map((c) => {
          const n = usedHere.get(c.promotion.id) ?? 0
          return n === 0 ? c : { promotion: c.promotion, usage: { global: c.usage.global + n, byBuyer: c.usage.byBuyer + n } }
        })
  for (const [storeId, ws] of groups) {
    const weight = ws.reduce((g, w) => g + w.line.unitWeightGrams * w.line.quantity, 0)
    // What waiving shipping is worth, for tie-breaks: the quote on the undiscounted subtotal.
    const undiscounted = input.quoteShipping({ storeId, totalWeightGrams: weight, discountedSubtotal: total(ws, (w) => w.base) })
    if (Either.isLeft(undiscounted)) return Either.left(undiscounted.left)
    const lines = ws.map((w) => ({ productId: w.line.productId, storeId, categoryId: w.line.categoryId, remaining: w.remaining }))
    const chosen = I.choosePromotion(candidatesNow(), lines, input.now, undiscounted.right.amount)
    if (chosen) {
      spread(
        chosen.merchandiseDiscount,
        chosen.lineIndexes.map((i) => ws[i]!),
        "promotion"
      )
      usedHere.set(chosen.promotion.id, (usedHere.get(chosen.promotion.id) ?? 0) + 1)
    }
    promotions.push({
      weight,
      promotion: chosen && {
        id: chosen.promotion.id,
        version: chosen.promotion.version,
        name: chosen.promotion.name,
        effect: chosen.promotion.effect,
        merchandiseDiscount: chosen.merchandiseDiscount,
        freeShipping: chosen.freeShipping
      }
    })
  }
  const all = groups.flatMap(([, ws]) => ws)

  // 2. The discount code, on what remains across the whole checkout.
  let code: PricedCheckout<Q>["code"]
  if (input.code) {
    const checked = I.checkCode(
      input.code.code,
      input.code.usage,
      input.now,
      total(all, (w) => w.remaining)
    )
    if (Either.isLeft(checked)) return Either.left(checked.left)
    const c = checked.right
    const discount = I.merchandiseDiscount(
      c.effect,
      total(all, (w) => w.remaining)
    )
    spread(discount, all, "code")
    code = { id: c.id, version: c.version, code: c.code, discount, freeShipping: c.effect._tag === "FREE_SHIPPING" }
  }

  // 3. Loyalty points, on what remains after that. Points are whole: they are split over the orders
  // first (by what remains on each, never more than an order can absorb), and each order takes the
  // value of its own points, so a refund that returns an order's points returns exactly its value.
  let loyalty: PricedCheckout<Q>["loyalty"]
  let pointsPerOrder = groups.map(() => 0)
  if (input.loyalty && input.loyalty.requestedPoints > 0) {
    const { policy, requestedPoints, balance } = input.loyalty
    const redeemed = I.redeemLoyalty(
      policy,
      requestedPoints,
      balance,
      total(all, (w) => w.remaining)
    )
    if (Either.isLeft(redeemed)) return Either.left(redeemed.left)
    if (redeemed.right.points > 0) {
      const remaining = groups.map(([, ws]) => total(ws, (w) => w.remaining).amount)
      const fits = remaining.map((r) => Math.floor(r / policy.pointValue.amount))
      pointsPerOrder = M.allocateIntegerWithin(redeemed.right.points, remaining, fits)
      groups.forEach(([, ws], k) => spread(M.times(policy.pointValue, pointsPerOrder[k]!), ws, "loyalty"))
      const points = pointsPerOrder.reduce((s, n) => s + n, 0)
      if (points > 0) loyalty = { points, value: M.times(policy.pointValue, points) }
    }
  }

  // 4. Shipping per order on the discounted subtotal, then the totals.
  type Draft = Omit<PricedOrder<Q>, "roundingAbsorbed" | "buyerPays" | "platformFunding">
  const drafts: Array<Draft> = []
  for (const [k, [storeId, ws]] of groups.entries()) {
    const { promotion, weight } = promotions[k]!
    const discountedSubtotal = total(ws, (w) => w.remaining)
    const quote = input.quoteShipping({ storeId, totalWeightGrams: weight, discountedSubtotal })
    if (Either.isLeft(quote)) return Either.left(quote.left)
    const shippingCost = quote.right.amount
    const free = (promotion?.freeShipping ?? false) || (code?.freeShipping ?? false)
    const shippingDiscount = free ? shippingCost : zero
    const loyaltyDiscount = total(ws, (w) => w.loyalty)
    drafts.push({
      storeId,
      lines: ws.map((w) => ({
        ...w.line,
        baseLineTotal: w.base,
        promotionDiscount: w.promotion,
        codeDiscount: w.code,
        loyaltyDiscount: w.loyalty,
        finalLineTotal: w.remaining
      })),
      totalWeightGrams: weight,
      promotion,
      merchandiseSubtotal: total(ws, (w) => w.base),
      promotionDiscount: total(ws, (w) => w.promotion),
      codeDiscount: total(ws, (w) => w.code),
      loyaltyDiscount,
      loyaltyPoints: 0,
      merchandiseDiscount: M.subtract(
        total(ws, (w) => w.base),
        discountedSubtotal
      ),
      shipping: quote.right,
      shippingCost,
      shippingDiscount,
      total: M.add(discountedSubtotal, M.subtract(shippingCost, shippingDiscount))
    })
  }
  // The one M-Pesa charge, and each order's share of it in whole shillings (a refund sends back the
  // share, so all refunds of a checkout sum to the charge). An order's rounding is total − share: the
  // checkout's is 0 to 99 cents, one order's may be a few cents below zero when its share rounds up.
  const checkoutTotal = M.sum(
    drafts.map((d) => d.total),
    currency
  )
  const { charge, roundingAbsorbed, shares } = M.toWholeUnitShares(
    drafts.map((d) => d.total),
    currency
  )
  const orders = drafts.map((d, i): PricedOrder<Q> => {
    const share = shares[i]!
    const rounding = M.subtract(d.total, share)
    return {
      ...d,
      loyaltyPoints: pointsPerOrder[i]!,
      roundingAbsorbed: rounding,
      buyerPays: share,
      platformFunding: M.sum([d.merchandiseDiscount, d.shippingDiscount, rounding], currency)
    }
  })
  return Either.right({
    currency,
    orders,
    code,
    loyalty,
    merchandiseSubtotal: M.sum(
      orders.map((o) => o.merchandiseSubtotal),
      currency
    ),
    merchandiseDiscount: M.sum(
      orders.map((o) => o.merchandiseDiscount),
      currency
    ),
    shippingCost: M.sum(
      orders.map((o) => o.shippingCost),
      currency
    ),
    shippingDiscount: M.sum(
      orders.map((o) => o.shippingDiscount),
      currency
    ),
    total: checkoutTotal,
    charge,
    roundingAbsorbed
  })
}
