/**
 * Shipping: the geography tree (County > Town > Market > Pickup point), zones that cover nodes of
 * it, their rates, and the quote for a destination.
 *
 * Quote rules (PRODUCT.md, Shipping), with the decisions the product text leaves open:
 * - The zone is the most specific covering one: walk the destination's ancestry self-first; the
 *   first node any zone covers decides. Two zones covering that same node: the smallest zone id
 *   (code-unit order) wins. There is no fallback to a broader zone: a specific zone with no
 *   applicable rate means "not deliverable here" (that is how a zone suspends delivery).
 * - Within the zone every ACTIVE rate that applies is priced and the cheapest wins; ties go to the
 *   smallest rate id, then rate kind, so the result never depends on array order.
 * - An active rate in the chosen zone priced in another currency than the subtotal is a
 *   configuration error, reported as RateCurrencyMismatch rather than skipped: skipping it would
 *   silently quote a different price than the one configured. Inactive rates are not checked.
 * Preconditions (the DB guarantees them with primary keys): zone ids are unique, rate ids are
 * unique within a zone.
 */
import { Either, Schema } from "effect"
import { LocationId, RateId, ZoneId } from "./ids.js"
import * as Money from "./money.js"

// ---------------------------------------------------------------------------------------------
// Geography

export const LocationKind = Schema.Literal("COUNTY", "TOWN", "MARKET", "PICKUP_POINT")
export type LocationKind = typeof LocationKind.Type

export const LocationNode = Schema.Struct({
  id: LocationId,
  kind: LocationKind,
  name: Schema.NonEmptyTrimmedString,
  /** e.g. the official county code ("047" for Nairobi). */
  code: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true }),
  parentId: Schema.optionalWith(LocationId, { exact: true })
})
export type LocationNode = typeof LocationNode.Type

/** Which kinds a node may hang under. A parent always ranks strictly shallower, so no cycle can pass. */
const allowedParents: Record<LocationKind, ReadonlyArray<LocationKind>> = {
  COUNTY: [],
  TOWN: ["COUNTY"],
  MARKET: ["TOWN"],
  PICKUP_POINT: ["MARKET", "TOWN"]
}

/** A validated tree. Build it with makeGeography; each node's ancestry is precomputed. */
export interface Geography {
  /** Node id -> path from the node up to its county, self first. */
  readonly ancestries: ReadonlyMap<LocationId, ReadonlyArray<LocationNode>>
}

export const GeographyIssue = Schema.Struct({
  locationId: LocationId,
  reason: Schema.Literal("DUPLICATE_ID", "UNKNOWN_PARENT", "BAD_NESTING"),
  detail: Schema.String
})
export type GeographyIssue = typeof GeographyIssue.Type

export class InvalidGeography extends Schema.TaggedError<InvalidGeography>()("InvalidGeography", {
  issues: Schema.NonEmptyArray(GeographyIssue)
}) {
  readonly code = "SHIPPING.INVALID_GEOGRAPHY"
  override get message(): string {
    return this.issues.map((i) => `${i.locationId}: ${i.reason} (${i.detail})`).join("; ")
  }
}

/**
 * Validates ids are unique, every parent exists, and kinds nest (COUNTY is a root; TOWN under
 * COUNTY; MARKET under TOWN; PICKUP_POINT under MARKET or TOWN). Reports every issue, not just the
 * first. Cycles need no separate check: each step up the tree goes to a strictly shallower kind.
 */
export const makeGeography = (nodes: ReadonlyArray<LocationNode>): Either.Either<Geography, InvalidGeography> => {
  const byId = new Map<LocationId, LocationNode>()
  const issues: Array<GeographyIssue> = []
  for (const node of nodes) {
    if (byId.has(node.id)) issues.push({ locationId: node.id, reason: "DUPLICATE_ID", detail: "id used twice" })
    else byId.set(node.id, node)
  }
  for (const node of byId.values()) {
    const allowed = allowedParents[node.kind]
    if (node.parentId === undefined) {
      if (allowed.length > 0) issues.push({ locationId: node.id, reason: "BAD_NESTING", detail: `a ${node.kind} needs a parent` })
      continue
    }
    const parent = byId.get(node.parentId)
    if (parent === undefined) issues.push({ locationId: node.id, reason: "UNKNOWN_PARENT", detail: `no node ${node.parentId}` })
    else if (!allowed.includes(parent.kind))
      issues.push({ locationId: node.id, reason: "BAD_NESTING", detail: `a ${node.kind} cannot sit under a ${parent.kind}` })
  }
  const [first, ...rest] = issues
  if (first !== undefined) return Either.left(new InvalidGeography({ issues: [first, ...rest] }))

  const ancestries = new Map<LocationId, ReadonlyArray<LocationNode>>()
  const pathOf = (node: LocationNode): ReadonlyArray<LocationNode> => {
    const known = ancestries.get(node.id)
    if (known !== undefined) return known
    const parent = node.parentId === undefined ? undefined : byId.get(node.parentId)
    const path = parent === undefined ? [node] : [node, ...pathOf(parent)]
    ancestries.set(node.id, path)
    return path
  }
  for (const node of byId.values()) pathOf(node)
  return Either.right({ ancestries })
}

export class UnknownLocation extends Schema.TaggedError<UnknownLocation>()("UnknownLocation", {
  locationId: LocationId
}) {
  readonly code = "SHIPPING.UNKNOWN_LOCATION"
  override get message(): string {
    return `unknown location ${this.locationId}`
  }
}

/** The path from the node up to its county, self first. */
export const ancestry = (geo: Geography, id: LocationId): Either.Either<ReadonlyArray<LocationNode>, UnknownLocation> => {
  const path = geo.ancestries.get(id)
  return path === undefined ? Either.left(new UnknownLocation({ locationId: id })) : Either.right(path)
}

// ---------------------------------------------------------------------------------------------
// Zones and rates

const NonNegativeMoney = Money.Money.pipe(Schema.filter((m) => m.amount >= 0 || "a shipping amount cannot be negative"))

export const FlatRate = Schema.TaggedStruct("FLAT", {
  id: RateId,
  active: Schema.Boolean,
  amount: NonNegativeMoney
})
export type FlatRate = typeof FlatRate.Type

/** base + perKg × ceil(grams / 1000): a started kilogram counts as a kilogram. */
export const WeightRate = Schema.TaggedStruct("WEIGHT", {
  id: RateId,
  active: Schema.Boolean,
  base: NonNegativeMoney,
  perKg: NonNegativeMoney
})
export type WeightRate = typeof WeightRate.Type

/** Free when the discounted merchandise subtotal is at or above the threshold; otherwise it does not apply. */
export const FreeOverRate = Schema.TaggedStruct("FREE_OVER", {
  id: RateId,
  active: Schema.Boolean,
  threshold: NonNegativeMoney
})
export type FreeOverRate = typeof FreeOverRate.Type

export const ShippingRate = Schema.Union(FlatRate, WeightRate, FreeOverRate)
export type ShippingRate = typeof ShippingRate.Type
export const RateKind = Schema.Literal("FLAT", "WEIGHT", "FREE_OVER")
export type RateKind = ShippingRate["_tag"]

export const Zone = Schema.Struct({
  id: ZoneId,
  name: Schema.NonEmptyTrimmedString,
  covers: Schema.Array(LocationId),
  rates: Schema.Array(ShippingRate)
})
export type Zone = typeof Zone.Type

// ---------------------------------------------------------------------------------------------
// The quote

export const ShippingQuoteRequest = Schema.Struct({
  destination: LocationId,
  totalWeightGrams: Schema.NonNegativeInt,
  discountedSubtotal: NonNegativeMoney
})
export type ShippingQuoteRequest = typeof ShippingQuoteRequest.Type

export const ShippingQuote = Schema.Struct({
  zoneId: ZoneId,
  rateId: RateId,
  rateKind: RateKind,
  amount: Money.Money
})
export type ShippingQuote = typeof ShippingQuote.Type

export class NotDeliverable extends Schema.TaggedError<NotDeliverable>()("NotDeliverable", {
  destination: LocationId,
  reason: Schema.Literal("NO_COVERING_ZONE", "NO_APPLICABLE_RATE"),
  /** The zone that covers the destination but has no applicable active rate. */
  zoneId: Schema.optionalWith(ZoneId, { exact: true })
}) {
  readonly code = "SHIPPING.NOT_DELIVERABLE"
  override get message(): string {
    return this.zoneId === undefined
      ? `no shipping zone covers ${this.destination}`
      : `zone ${this.zoneId} has no applicable active rate for ${this.destination}`
  }
}

export class RateCurrencyMismatch extends Schema.TaggedError<RateCurrencyMismatch>()("RateCurrencyMismatch", {
  zoneId: ZoneId,
  rateId: RateId,
  rateCurrency: Money.Currency,
  subtotalCurrency: Money.Currency
}) {
  readonly code = "SHIPPING.RATE_CURRENCY_MISMATCH"
  override get message(): string {
    return `rate ${this.rateId} of zone ${this.zoneId} is in ${this.rateCurrency}, the order in ${this.subtotalCurrency}`
  }
}

export type ShippingError = UnknownLocation | NotDeliverable | RateCurrencyMismatch

const rateCurrencies = (rate: ShippingRate): ReadonlyArray<Money.Currency> => {
  switch (rate._tag) {
    case "FLAT":
      return [rate.amount.currency]
    case "WEIGHT":
      return [rate.base.currency, rate.perKg.currency]
    case "FREE_OVER":
      return [rate.threshold.currency]
  }
}

/**
 * What one rate costs for this shipment, or undefined when it does not apply (a FREE_OVER below its
 * threshold). Ignores `active`; currencies must already match (Money throws otherwise).
 */
export const rateCost = (
  rate: ShippingRate,
  shipment: { readonly totalWeightGrams: number; readonly discountedSubtotal: Money.Money }
): Money.Money | undefined => {
  switch (rate._tag) {
    case "FLAT":
      return rate.amount
    case "WEIGHT":
      return Money.add(rate.base, Money.times(rate.perKg, Math.ceil(shipment.totalWeightGrams / 1000)))
    case "FREE_OVER":
      return Money.compare(shipment.discountedSubtotal, rate.threshold) >= 0 ? Money.zero(shipment.discountedSubtotal.currency) : undefined
  }
}

/** Code-unit order: locale-independent, so every process picks the same winner. */
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export const quoteShipping = (geo: Geography, zones: ReadonlyArray<Zone>, request: ShippingQuoteRequest): Either.Either<ShippingQuote, ShippingError> => {
  const { destination, totalWeightGrams, discountedSubtotal } = request
  // The request is decoded at the boundary; a bad weight here is a programming error.
  if (!Number.isSafeInteger(totalWeightGrams) || totalWeightGrams < 0)
    throw new RangeError(`totalWeightGrams must be a non-negative integer: ${totalWeightGrams}`)

  const path = geo.ancestries.get(destination)
  if (path === undefined) return Either.left(new UnknownLocation({ locationId: destination }))

  let zone: Zone | undefined
  for (const node of path) {
    for (const z of zones) if (z.covers.includes(node.id) && (zone === undefined || compareIds(z.id, zone.id) < 0)) zone = z
    if (zone !== undefined) break
  }
  if (zone === undefined) return Either.left(new NotDeliverable({ destination, reason: "NO_COVERING_ZONE" }))

  const active = zone.rates.filter((rate) => rate.active)
  // Report the smallest mismatched rate id so the error, too, is independent of array order.
  const mismatches = active
    .flatMap((rate) =>
      rateCurrencies(rate)
        .filter((c) => c !== discountedSubtotal.currency)
        .map((c) => ({ rate, c }))
    )
    .sort((a, b) => compareIds(a.rate.id, b.rate.id))
  const mismatch = mismatches[0]
  if (mismatch !== undefined)
    return Either.left(
      new RateCurrencyMismatch({
        zoneId: zone.id,
        rateId: mismatch.rate.id,
        rateCurrency: mismatch.c,
        subtotalCurrency: discountedSubtotal.currency
      })
    )

  let best: ShippingQuote | undefined
  for (const rate of active) {
    const amount = rateCost(rate, { totalWeightGrams, discountedSubtotal })
    if (amount === undefined) continue
    const candidate: ShippingQuote = { zoneId: zone.id, rateId: rate.id, rateKind: rate._tag, amount }
    if (best === undefined || cheaper(candidate, best)) best = candidate
  }
  return best === undefined ? Either.left(new NotDeliverable({ destination, reason: "NO_APPLICABLE_RATE", zoneId: zone.id })) : Either.right(best)
}

const cheaper = (a: ShippingQuote, b: ShippingQuote): boolean =>
  a.amount.amount !== b.amount.amount
    ? a.amount.amount < b.amount.amount
    : a.rateId !== b.rateId
      ? compareIds(a.rateId, b.rateId) < 0
      : compareIds(a.rateKind, b.rateKind) < 0
