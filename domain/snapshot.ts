/**
 * The immutable order snapshot stored at checkout: what was bought, at what base price, which
 * incentives (ids and rule versions) applied, the totals, the destination and the affiliate.
 * Auditors rely on it, so its encoding is canonical: the same snapshot always gives the same bytes
 * (keys sorted at every level), and decode(encode(s)) is s.
 */
import { Schema } from "effect"
import type { Either, ParseResult } from "effect"
import { CheckoutId, DiscountCodeId, EpochMillis, LocationId, OrderId, ProductId, PromotionId, RateId, StoreId, UserId, VariantId, ZoneId } from "./ids.js"
import type { AffiliateCode } from "./ids.js"
import { CommissionRate } from "./commission.js"
import { DeliveryDetails, isEmptyDelivery } from "./delivery.js"
import { IncentiveEffect } from "./incentives.js"
import { Currency, Money } from "./money.js"
import type { PricedCheckout, PricedOrder } from "./pricing.js"

const Count = Schema.Int.pipe(Schema.nonNegative())

export const SnapshotLine = Schema.Struct({
  productId: ProductId,
  variantId: VariantId,
  sku: Schema.String,
  title: Schema.String,
  unitPrice: Money,
  quantity: Schema.Int.pipe(Schema.positive()),
  unitWeightGrams: Count,
  commissionRateBps: CommissionRate,
  baseLineTotal: Money,
  promotionDiscount: Money,
  codeDiscount: Money,
  loyaltyDiscount: Money,
  finalLineTotal: Money
})
export type SnapshotLine = typeof SnapshotLine.Type

export const OrderSnapshot = Schema.Struct({
  schemaVersion: Schema.Literal(1),
  orderId: OrderId,
  checkoutId: CheckoutId,
  storeId: StoreId,
  buyerId: UserId,
  createdAt: EpochMillis,
  currency: Currency,
  lines: Schema.NonEmptyArray(SnapshotLine),
  incentives: Schema.Struct({
    promotion: Schema.optional(
      Schema.Struct({ id: PromotionId, version: Schema.Int, name: Schema.String, effect: IncentiveEffect, discount: Money, freeShipping: Schema.Boolean })
    ),
    code: Schema.optional(Schema.Struct({ id: DiscountCodeId, version: Schema.Int, code: Schema.String, discount: Money })),
    loyalty: Schema.optional(Schema.Struct({ points: Count, value: Money })),
    shippingDiscount: Money
  }),
  totals: Schema.Struct({
    /** Merchandise at base prices. */
    original: Money,
    /** All merchandise discounts (promotion + code + loyalty); never more than `original`. */
    discount: Money,
    shipping: Money,
    shippingDiscount: Money,
    /** original - discount + shipping - shippingDiscount. */
    final: Money,
    /** The platform's share of the checkout's whole-shilling rounding. */
    roundingAbsorbed: Money,
    /** final - roundingAbsorbed: this order's part of the M-Pesa charge. */
    buyerPays: Money
  }),
  shipping: Schema.Struct({ zoneId: ZoneId, rateId: RateId, rateKind: Schema.String, amount: Money }),
  destination: LocationId,
  /** The published platform fee in force at checkout, basis points of the base merchandise total. */
  platformFeeBps: Schema.Int.pipe(Schema.between(0, 5_000)),
  affiliate: Schema.optional(Schema.Struct({ userId: UserId, code: Schema.String })),
  /** Who receives it and how the rider finds them, as the buyer gave them at checkout (issue 12). */
  delivery: Schema.optional(DeliveryDetails)
})
export type OrderSnapshot = typeof OrderSnapshot.Type

export interface ShippingQuoteLike {
  readonly zoneId: ZoneId
  readonly rateId: RateId
  readonly rateKind: string
  readonly amount: Money
}

export interface SnapshotContext {
  readonly orderId: OrderId
  readonly checkoutId: CheckoutId
  readonly buyerId: UserId
  readonly createdAt: EpochMillis
  readonly destination: LocationId
  readonly platformFeeBps: number
  readonly affiliate?: { readonly userId: UserId; readonly code: AffiliateCode | string } | undefined
  readonly delivery?: DeliveryDetails | undefined
}

/** Freeze one priced order into its snapshot. */
export const buildSnapshot = <Q extends ShippingQuoteLike>(checkout: PricedCheckout<Q>, order: PricedOrder<Q>, ctx: SnapshotContext): OrderSnapshot => {
  const [first, ...rest] = order.lines.map((l): SnapshotLine => ({
    productId: l.productId,
    variantId: l.variantId,
    sku: l.sku,
    title: l.title,
    unitPrice: l.unitPrice,
    quantity: l.quantity,
    unitWeightGrams: l.unitWeightGrams,
    commissionRateBps: l.commissionRateBps,
    baseLineTotal: l.baseLineTotal,
    promotionDiscount: l.promotionDiscount,
    codeDiscount: l.codeDiscount,
    loyaltyDiscount: l.loyaltyDiscount,
    finalLineTotal: l.finalLineTotal
  }))
  const p = order.promotion
  const c = checkout.code
  return {
    schemaVersion: 1,
    orderId: ctx.orderId,
    checkoutId: ctx.checkoutId,
    storeId: order.storeId,
    buyerId: ctx.buyerId,
    createdAt: ctx.createdAt,
    currency: checkout.currency,
    lines: [first!, ...rest],
    incentives: {
      ...(p && {
        promotion: { id: p.id, version: p.version, name: p.name, effect: p.effect, discount: order.promotionDiscount, freeShipping: p.freeShipping }
      }),
      ...(c && { code: { id: c.id, version: c.version, code: c.code, discount: order.codeDiscount } }),
      ...(order.loyaltyPoints > 0 && { loyalty: { points: order.loyaltyPoints, value: order.loyaltyDiscount } }),
      shippingDiscount: order.shippingDiscount
    },
    totals: {
      original: order.merchandiseSubtotal,
      discount: order.merchandiseDiscount,
      shipping: order.shippingCost,
      shippingDiscount: order.shippingDiscount,
      final: order.total,
      roundingAbsorbed: order.roundingAbsorbed,
      buyerPays: order.buyerPays
    },
    shipping: { zoneId: order.shipping.zoneId, rateId: order.shipping.rateId, rateKind: order.shipping.rateKind, amount: order.shipping.amount },
    destination: ctx.destination,
    platformFeeBps: ctx.platformFeeBps,
    ...(ctx.affiliate && { affiliate: { userId: ctx.affiliate.userId, code: String(ctx.affiliate.code) } }),
    ...(ctx.delivery && !isEmptyDelivery(ctx.delivery) && { delivery: deliveryOf(ctx.delivery) })
  }
}

/** Only the fields given (an explicit undefined would not survive encoding). */
const deliveryOf = (d: DeliveryDetails): DeliveryDetails => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as DeliveryDetails

/**
 * JSON with object keys sorted at every level: one snapshot, one byte string. Written out directly
 * (no sorted copy of every object, as a JSON.stringify replacer needs): the checkout's hot path
 * encodes one per order. Byte for byte what `JSON.stringify` with a key-sorting replacer gives
 * (tests/domain/snapshot.test.ts holds that reference and compares them on arbitrary values), so
 * every hash already stored still matches: keys in code-unit order, except that array-index keys
 * ("0", "17") come first in numeric order, as a rebuilt object enumerates them.
 */
export const canonicalJson = (value: unknown): string => canonical(value, "") as string

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/
const isArrayIndex = (k: string): boolean => ARRAY_INDEX.test(k) && Number(k) < 4_294_967_295

/** An object's keys in the order described above (the default sort is code-unit order). */
const sortedKeys = (o: object): Array<string> => {
  const keys = Object.keys(o)
  const indices = keys.filter(isArrayIndex)
  if (indices.length === 0) return keys.sort()
  const rest = keys.filter((k) => !isArrayIndex(k))
  return [...indices.sort((a, b) => Number(a) - Number(b)), ...rest.sort()]
}

/** A key as JSON writes it: most keys are plain words and need no escaping. */
const PLAIN_KEY = /^[A-Za-z0-9_$]*$/
const quotedKey = (k: string): string => (PLAIN_KEY.test(k) ? `"${k}"` : JSON.stringify(k))

/** One value as JSON.stringify writes it (undefined: nothing to write, as for a function or a symbol). */
const canonical = (input: unknown, key: string): string | undefined => {
  let v = input
  if (v !== null && (typeof v === "object" || typeof v === "bigint") && typeof (v as { toJSON?: unknown }).toJSON === "function")
    v = (v as { toJSON: (key: string) => unknown }).toJSON(key)
  if (v === null || typeof v !== "object") return JSON.stringify(v)
  if (Array.isArray(v)) {
    let out = "["
    for (let i = 0; i < v.length; i++) out += (i === 0 ? "" : ",") + (canonical(v[i], String(i)) ?? "null")
    return out + "]"
  }
  const o = v as Record<string, unknown>
  let out = "{"
  for (const k of sortedKeys(o)) {
    const written = canonical(o[k], k)
    if (written !== undefined) out += (out.length === 1 ? "" : ",") + quotedKey(k) + ":" + written
  }
  return out + "}"
}

export const encodeSnapshot = (snapshot: OrderSnapshot): string => canonicalJson(Schema.encodeSync(OrderSnapshot)(snapshot))

export const decodeSnapshot = (json: string): Either.Either<OrderSnapshot, ParseResult.ParseError> => Schema.decodeEither(Schema.parseJson(OrderSnapshot))(json)
