/**
 * Checkout pricing: cart lines + catalogue prices + incentives + a shipping quoter -> one priced
 * order per seller and one checkout total. Pure arithmetic over arrays; errors are values.
 *
 * Order of application (PRODUCT.md): per order the single best promotion; then the checkout's one
 * discount code on what remains across all orders; then loyalty points on what remains. Shipping is
 * quoted per order on its discounted merchandise subtotal and only a FREE_SHIPPING effect waives it.
 * The checkout is one M-Pesa charge in whole shillings; the sub-shilling rest is absorbed by the
 * platform and spread over the orders (largest remainder) so every order's escrow is exact.
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
  readonly code?: { readonly id: DiscountCode["id"]; readonly version: number; readonly code: string; readonly discount: Money; readonly freeShipping: boolean } | undefined
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
  readonly errorCode = "CHECKOUT.INVALID_CART"
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
  const parts = M.allocate(amount, targets.map((t) => t.remaining.amount))
  targets.forEach((t, i) => {
    const part = parts[i]!
    t[key] = M.add(t[key], part)
    t.remaining = M.subtract(t.remaining, part)
  })
}

const validate = (input: PricingInput<{ readonly amount: Money }, unknown>): InvalidCart | undefined => {
  if (input.lines.length === 0) return new InvalidCart({ reason: "the cart is empty" })
  for (const l of input.lines) {
    if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0)
      return new InvalidCart({ reason: `quantity for ${l.sku} must be a positive whole number` })
    if (l.unitPrice.currency !== input.currency)
      return new InvalidCart({ reason: `${l.sku} is priced in ${l.unitPrice.currency}, the checkout is in ${input.currency}` })
    if (l.unitPrice.amount < 0) return new InvalidCart({ reason: `${l.sku} has a negative price` })
    if (!Number.isSafeInteger(l.unitWeightGrams) || l.unitWeightGrams < 0)
      return new InvalidCart({ reason: `${l.sku} has an invalid weight` })
  }
  return undefined
}

export const priceCheckout = <Q extends { readonly amount: Money }, E>(
  input: PricingInput<Q, E>
): Either.Either<PricedCheckout<Q>, PricingError<E>> => {
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

  // 1. Promotion, per order: at most one, the best by the total order in incentives.ts.
  const promotions: Array<{ promotion: AppliedPromotion | undefined; weight: number }> = []
  for (const [storeId, ws] of groups) {
    const weight = ws.reduce((g, w) => g + w.line.unitWeightGrams * w.line.quantity, 0)
    // What waiving shipping is worth, for tie-breaks: the quote on the undiscounted subtotal.
    const undiscounted = input.quoteShipping({ storeId, totalWeightGrams: weight, discountedSubtotal: total(ws, (w) => w.base) })
    if (Either.isLeft(undiscounted)) return Either.left(undiscounted.left)
    const lines = ws.map((w) => ({ productId: w.line.productId, storeId, categoryId: w.line.categoryId, remaining: w.remaining }))
    const chosen = I.choosePromotion(input.promotions, lines, input.now, undiscounted.right.amount)
    if (chosen) spread(chosen.merchandiseDiscount, chosen.lineIndexes.map((i) => ws[i]!), "promotion")
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
    const checked = I.checkCode(input.code.code, input.code.usage, input.now, total(all, (w) => w.remaining))
    if (Either.isLeft(checked)) return Either.left(checked.left)
    const c = checked.right
    const discount = I.merchandiseDiscount(c.effect, total(all, (w) => w.remaining))
    spread(discount, all, "code")
    code = { id: c.id, version: c.version, code: c.code, discount, freeShipping: c.effect._tag === "FREE_SHIPPING" }
  }

  // 3. Loyalty points, on what remains after that.
  let loyalty: PricedCheckout<Q>["loyalty"]
  if (input.loyalty && input.loyalty.requestedPoints > 0) {
    const { policy, requestedPoints, balance } = input.loyalty
    const redeemed = I.redeemLoyalty(policy, requestedPoints, balance, total(all, (w) => w.remaining))
    if (Either.isLeft(redeemed)) return Either.left(redeemed.left)
    if (redeemed.right.points > 0) {
      spread(redeemed.right.value, all, "loyalty")
      loyalty = redeemed.right
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
      merchandiseDiscount: M.subtract(total(ws, (w) => w.base), discountedSubtotal),
      shipping: quote.right,
      shippingCost,
      shippingDiscount,
      total: M.add(discountedSubtotal, M.subtract(shippingCost, shippingDiscount))
    })
  }
  // Redeemed points attributed per order in proportion to the value each absorbed (reversal on a dead order returns exactly these).
  const pointsPerOrder = loyalty
    ? M.allocateInteger(loyalty.points, drafts.map((d) => d.loyaltyDiscount.amount))
    : drafts.map(() => 0)

  const checkoutTotal = M.sum(drafts.map((d) => d.total), currency)
  const { charge, roundingAbsorbed } = M.toWholeUnitCharge(checkoutTotal)
  const roundingShares = M.allocate(roundingAbsorbed, drafts.map((d) => d.total.amount))
  const orders = drafts.map((d, i): PricedOrder<Q> => {
    const rounding = roundingShares[i]!
    return {
      ...d,
      loyaltyPoints: pointsPerOrder[i]!,
      roundingAbsorbed: rounding,
      buyerPays: M.subtract(d.total, rounding),
      platformFunding: M.sum([d.merchandiseDiscount, d.shippingDiscount, rounding], currency)
    }
  })
  return Either.right({
    currency,
    orders,
    code,
    loyalty,
    merchandiseSubtotal: M.sum(orders.map((o) => o.merchandiseSubtotal), currency),
    merchandiseDiscount: M.sum(orders.map((o) => o.merchandiseDiscount), currency),
    shippingCost: M.sum(orders.map((o) => o.shippingCost), currency),
    shippingDiscount: M.sum(orders.map((o) => o.shippingDiscount), currency),
    total: checkoutTotal,
    charge,
    roundingAbsorbed
  })
}
