/**
 * Platform-funded incentives: promotions (admin-run, at most ONE per order), discount codes (one per
 * checkout) and loyalty points. Application order: promotion, then code, then loyalty, each on what
 * remains, so the total merchandise discount can never exceed the merchandise subtotal.
 *
 * Rounding: percentage discounts round DOWN to the minor unit (the platform never promises more than
 * it says). Every discount is spread over lines with largest-remainder allocation.
 */
import { Either, Schema } from "effect"
import { CategoryId, DiscountCodeId, EpochMillis, ProductId, PromotionId, StoreId } from "./ids.js"
import * as M from "./money.js"
import type { Money } from "./money.js"

// ---------------------------------------------------------------------------------------------
// Rules as data
// ---------------------------------------------------------------------------------------------

export const IncentiveEffect = Schema.Union(
  Schema.TaggedStruct("PERCENT_OFF", {
    bps: Schema.Int.pipe(Schema.between(1, 10_000)),
    cap: Schema.optional(M.Money)
  }),
  Schema.TaggedStruct("AMOUNT_OFF", { amount: M.Money }),
  Schema.TaggedStruct("FREE_SHIPPING", {})
)
export type IncentiveEffect = typeof IncentiveEffect.Type

export const PromotionScope = Schema.Union(
  Schema.TaggedStruct("EVERYTHING", {}),
  Schema.TaggedStruct("CATEGORY", { categoryIds: Schema.NonEmptyArray(CategoryId) }),
  Schema.TaggedStruct("SELLER", { storeIds: Schema.NonEmptyArray(StoreId) }),
  Schema.TaggedStruct("PRODUCTS", { productIds: Schema.NonEmptyArray(ProductId) })
)
export type PromotionScope = typeof PromotionScope.Type

export const UsageLimits = Schema.Struct({
  global: Schema.optional(Schema.Int.pipe(Schema.positive())),
  perBuyer: Schema.optional(Schema.Int.pipe(Schema.positive()))
})
export type UsageLimits = typeof UsageLimits.Type

/** How many times an incentive has been burned so far (read under lock by the application). */
export interface Usage {
  readonly global: number
  readonly byBuyer: number
}

export const Promotion = Schema.Struct({
  id: PromotionId,
  /** Edits create a new version; snapshots keep the version they used. */
  version: Schema.Int.pipe(Schema.positive()),
  name: Schema.String,
  priority: Schema.Int,
  startsAt: EpochMillis,
  endsAt: EpochMillis,
  createdAt: EpochMillis,
  status: Schema.Literal("ACTIVE", "PAUSED", "ENDED"),
  scope: PromotionScope,
  minSubtotal: Schema.optional(M.Money),
  effect: IncentiveEffect,
  limits: UsageLimits
})
export type Promotion = typeof Promotion.Type

/** A discount code as stored and looked up: spaces around it and its case do not matter (admins create, buyers type, both read it so). */
export const discountCodeKey = (code: string): string => code.trim().toUpperCase()

export const DiscountCode = Schema.Struct({
  id: DiscountCodeId,
  version: Schema.Int.pipe(Schema.positive()),
  code: Schema.String.pipe(Schema.pattern(/^[A-Z0-9_-]{3,32}$/)),
  startsAt: EpochMillis,
  expiresAt: EpochMillis,
  status: Schema.Literal("ACTIVE", "PAUSED", "ENDED"),
  minSubtotal: Schema.optional(M.Money),
  effect: IncentiveEffect,
  limits: UsageLimits
})
export type DiscountCode = typeof DiscountCode.Type

export const LoyaltyPolicy = Schema.Struct({
  /** Points earned per whole major unit block: 1 point per `earnPer` of merchandise paid. */
  earnPer: M.Money,
  /** What one point is worth at redemption. */
  pointValue: M.Money,
  /** At most this share (bps) of what remains after promotion and code may be paid with points. */
  redemptionCapBps: Schema.Int.pipe(Schema.between(0, 10_000))
})
export type LoyaltyPolicy = typeof LoyaltyPolicy.Type

/** Default policy: 1 point per KES 100 paid, a point is worth KES 1, points pay at most 20%. */
export const defaultLoyaltyPolicy: LoyaltyPolicy = {
  earnPer: M.kes(100),
  pointValue: M.kes(1),
  redemptionCapBps: 2_000
}

// ---------------------------------------------------------------------------------------------
// Errors a buyer can see (a promotion that does not apply is simply not chosen; a code the buyer
// typed that does not apply is an error they must be told about).
// ---------------------------------------------------------------------------------------------

export type CodeRejection = "NOT_ACTIVE" | "NOT_STARTED" | "EXPIRED" | "GLOBAL_LIMIT_REACHED" | "BUYER_LIMIT_REACHED" | "MIN_SUBTOTAL_NOT_MET"

export class DiscountCodeNotApplicable extends Schema.TaggedError<DiscountCodeNotApplicable>()("DiscountCodeNotApplicable", {
  discountCode: Schema.String,
  reason: Schema.String
}) {
  get code(): `DISCOUNT_CODE.${string}` {
    return `DISCOUNT_CODE.${this.reason}`
  }
  override get message() {
    return `discount code ${this.discountCode} cannot be used: ${this.reason.toLowerCase().replaceAll("_", " ")}`
  }
}

export class LoyaltyRedemptionInvalid extends Schema.TaggedError<LoyaltyRedemptionInvalid>()("LoyaltyRedemptionInvalid", {
  requested: Schema.Int,
  balance: Schema.Int
}) {
  readonly code = "LOYALTY.INSUFFICIENT_POINTS"
  override get message() {
    return `cannot redeem ${this.requested} points: the balance is ${this.balance}`
  }
}

// ---------------------------------------------------------------------------------------------
// Lines as incentives see them
// ---------------------------------------------------------------------------------------------

export interface IncentiveLine {
  readonly productId: ProductId
  readonly storeId: StoreId
  readonly categoryId?: CategoryId | undefined
  /** What is still to be paid on this line (base line total minus discounts applied so far). */
  readonly remaining: Money
}

export const inScope = (scope: PromotionScope, line: IncentiveLine): boolean => {
  switch (scope._tag) {
    case "EVERYTHING":
      return true
    case "CATEGORY":
      return line.categoryId !== undefined && scope.categoryIds.includes(line.categoryId)
    case "SELLER":
      return scope.storeIds.includes(line.storeId)
    case "PRODUCTS":
      return scope.productIds.includes(line.productId)
  }
}

const withinLimits = (limits: UsageLimits, usage: Usage): boolean =>
  (limits.global === undefined || usage.global < limits.global) && (limits.perBuyer === undefined || usage.byBuyer < limits.perBuyer)

/** The merchandise discount an effect gives on `base` (never more than `base`). */
export const merchandiseDiscount = (effect: IncentiveEffect, base: Money): Money => {
  switch (effect._tag) {
    case "PERCENT_OFF": {
      const raw = M.percentOf(base, effect.bps, "DOWN")
      return M.clamp(effect.cap ? M.min(raw, effect.cap) : raw, base)
    }
    case "AMOUNT_OFF":
      return M.clamp(effect.amount, base)
    case "FREE_SHIPPING":
      return M.zero(base.currency)
  }
}

// ---------------------------------------------------------------------------------------------
// No stacking: choose the single best promotion for an order
// ---------------------------------------------------------------------------------------------

export interface PromotionCandidate {
  readonly promotion: Promotion
  readonly usage: Usage
}

export interface ChosenPromotion {
  readonly promotion: Promotion
  /** Indexes into the order's lines that the promotion covers. */
  readonly lineIndexes: ReadonlyArray<number>
  readonly merchandiseDiscount: Money
  /** FREE_SHIPPING: the order's shipping is waived. */
  readonly freeShipping: boolean
  /** The value used to break priority ties (for FREE_SHIPPING: the quoted shipping it would waive). */
  readonly value: Money
}

/**
 * Is the promotion eligible for this order now? Returns what it would give, or undefined.
 * `shippingValue` is what waiving this order's shipping would be worth (for FREE_SHIPPING).
 */
export const evaluatePromotion = (
  candidate: PromotionCandidate,
  lines: ReadonlyArray<IncentiveLine>,
  now: EpochMillis,
  shippingValue: Money
): ChosenPromotion | undefined => {
  const { promotion: p, usage } = candidate
  if (p.status !== "ACTIVE" || now < p.startsAt || now >= p.endsAt || !withinLimits(p.limits, usage)) return undefined
  const lineIndexes = lines.flatMap((l, i) => (inScope(p.scope, l) ? [i] : []))
  if (lineIndexes.length === 0) return undefined
  const eligibleSubtotal = M.sum(
    lineIndexes.map((i) => lines[i]!.remaining),
    shippingValue.currency
  )
  if (p.minSubtotal && M.compare(eligibleSubtotal, p.minSubtotal) < 0) return undefined
  const discount = merchandiseDiscount(p.effect, eligibleSubtotal)
  const freeShipping = p.effect._tag === "FREE_SHIPPING"
  return { promotion: p, lineIndexes, merchandiseDiscount: discount, freeShipping, value: freeShipping ? shippingValue : discount }
}

/**
 * The total order on eligible promotions: highest priority first; ties by larger discount, then
 * earlier creation, then smaller id. It is a total order, so the winner never depends on the order
 * in which the promotions were listed.
 */
export const comparePromotions = (a: ChosenPromotion, b: ChosenPromotion): number => {
  if (a.promotion.priority !== b.promotion.priority) return b.promotion.priority - a.promotion.priority
  if (a.value.amount !== b.value.amount) return b.value.amount - a.value.amount
  if (a.promotion.createdAt !== b.promotion.createdAt) return a.promotion.createdAt - b.promotion.createdAt
  if (a.promotion.id !== b.promotion.id) return a.promotion.id < b.promotion.id ? -1 : 1
  return a.promotion.version - b.promotion.version
}

export const choosePromotion = (
  candidates: ReadonlyArray<PromotionCandidate>,
  lines: ReadonlyArray<IncentiveLine>,
  now: EpochMillis,
  shippingValue: Money
): ChosenPromotion | undefined => {
  let best: ChosenPromotion | undefined
  for (const c of candidates) {
    const e = evaluatePromotion(c, lines, now, shippingValue)
    if (e && (best === undefined || comparePromotions(e, best) < 0)) best = e
  }
  return best
}

// ---------------------------------------------------------------------------------------------
// Discount code and loyalty
// ---------------------------------------------------------------------------------------------

export const checkCode = (
  code: DiscountCode,
  usage: Usage,
  now: EpochMillis,
  subtotalRemaining: Money
): Either.Either<DiscountCode, DiscountCodeNotApplicable> => {
  const reject = (reason: CodeRejection) => Either.left(new DiscountCodeNotApplicable({ discountCode: code.code, reason }))
  if (code.status !== "ACTIVE") return reject("NOT_ACTIVE")
  if (now < code.startsAt) return reject("NOT_STARTED")
  if (now >= code.expiresAt) return reject("EXPIRED")
  if (code.limits.global !== undefined && usage.global >= code.limits.global) return reject("GLOBAL_LIMIT_REACHED")
  if (code.limits.perBuyer !== undefined && usage.byBuyer >= code.limits.perBuyer) return reject("BUYER_LIMIT_REACHED")
  if (code.minSubtotal && M.compare(subtotalRemaining, code.minSubtotal) < 0) return reject("MIN_SUBTOTAL_NOT_MET")
  return Either.right(code)
}

export interface LoyaltyRedemption {
  readonly points: number
  readonly value: Money
}

/**
 * Redeem up to `requested` points against what remains. Never more than the balance (an error), and
 * never more than the policy cap (silently limited to the whole points that fit: the buyer keeps the rest).
 */
export const redeemLoyalty = (
  policy: LoyaltyPolicy,
  requested: number,
  balance: number,
  remaining: Money
): Either.Either<LoyaltyRedemption, LoyaltyRedemptionInvalid> => {
  if (!Number.isSafeInteger(requested) || requested < 0 || requested > balance)
    return Either.left(new LoyaltyRedemptionInvalid({ requested: Math.trunc(requested) || 0, balance }))
  const cap = M.percentOf(remaining, policy.redemptionCapBps, "DOWN")
  const fit = policy.pointValue.amount === 0 ? 0 : Math.floor(cap.amount / policy.pointValue.amount)
  const points = Math.min(requested, fit)
  return Either.right({ points, value: M.times(policy.pointValue, points) })
}

/** Points earned when an order completes: one per full `earnPer` of merchandise the buyer paid. */
export const pointsEarned = (policy: LoyaltyPolicy, merchandisePaid: Money): number =>
  policy.earnPer.amount <= 0 || merchandisePaid.amount <= 0 ? 0 : Math.floor(merchandisePaid.amount / policy.earnPer.amount)
