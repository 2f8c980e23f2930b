/**
 * Catalogue: brands, products and variants (SKUs), their verification lifecycle, what counts as
 * a material edit, and the one rule that decides whether a product may be sold.
 */
import { Either, Schema } from "effect"
import type { ParseResult } from "effect"
import { CommissionRate } from "./commission.js"
import { BrandId, CategoryId, ProductId, StoreId, VariantId } from "./ids.js"
import * as Money from "./money.js"
import type { SchemaIssue } from "./schema-issues.js"

// ---------------------------------------------------------------------------------------------
// States and transitions

export const StoreKycState = Schema.Literal("PENDING", "VERIFIED", "REJECTED", "SUSPENDED", "BANNED")
export type StoreKycState = typeof StoreKycState.Type

/** Verification of a product or a brand by a platform admin. */
export const VerificationState = Schema.Literal("DRAFT", "PENDING_REVIEW", "VERIFIED", "REJECTED", "SUSPENDED")
export type VerificationState = typeof VerificationState.Type

/**
 * The legal verification transitions, as data:
 *   DRAFT          -> PENDING_REVIEW   the seller submits
 *   PENDING_REVIEW -> VERIFIED         an admin approves
 *   PENDING_REVIEW -> REJECTED         an admin rejects, with a reason
 *   VERIFIED       -> PENDING_REVIEW   a material edit (title, price, media, brand, variants)
 *   VERIFIED       -> SUSPENDED        an admin suspends
 *   REJECTED       -> PENDING_REVIEW   the seller resubmits (or edits materially)
 *   SUSPENDED      -> VERIFIED         an admin lifts the suspension (nothing changed meanwhile)
 *   SUSPENDED      -> PENDING_REVIEW   an admin lifts it but wants a fresh review
 * Everything else is refused.
 */
export const verificationTransitions: { readonly [S in VerificationState]: ReadonlyArray<VerificationState> } = {
  DRAFT: ["PENDING_REVIEW"],
  PENDING_REVIEW: ["VERIFIED", "REJECTED"],
  VERIFIED: ["PENDING_REVIEW", "SUSPENDED"],
  REJECTED: ["PENDING_REVIEW"],
  SUSPENDED: ["VERIFIED", "PENDING_REVIEW"]
}

export const canTransitionVerification = (from: VerificationState, to: VerificationState): boolean => verificationTransitions[from].includes(to)

export class IllegalVerificationTransition extends Schema.TaggedError<IllegalVerificationTransition>()("IllegalVerificationTransition", {
  from: VerificationState,
  to: VerificationState
}) {
  readonly code = "CATALOGUE.ILLEGAL_TRANSITION"
  override get message(): string {
    return `illegal verification transition: ${this.from} -> ${this.to}`
  }
}

export class RejectionReasonRequired extends Schema.TaggedError<RejectionReasonRequired>()("RejectionReasonRequired", {
  from: VerificationState
}) {
  readonly code = "CATALOGUE.REJECTION_REASON_REQUIRED"
  override get message(): string {
    return `rejecting from ${this.from} needs a non-blank reason`
  }
}

/** A verification outcome: `rejectionReason` is present exactly when the state is REJECTED. */
export interface Verification {
  readonly state: VerificationState
  readonly rejectionReason?: string
}

export const transitionVerification = (
  current: VerificationState,
  to: VerificationState,
  reason?: string
): Either.Either<Verification, IllegalVerificationTransition | RejectionReasonRequired> => {
  if (!canTransitionVerification(current, to)) return Either.left(new IllegalVerificationTransition({ from: current, to }))
  if (to !== "REJECTED") return Either.right({ state: to })
  const trimmed = reason?.trim() ?? ""
  return trimmed === "" ? Either.left(new RejectionReasonRequired({ from: current })) : Either.right({ state: to, rejectionReason: trimmed })
}

// ---------------------------------------------------------------------------------------------
// Schemas

/** A price the seller sets: positive, and bounded (Money.MAX_ENTERED_MINOR) so totals can never overflow. */
export const Price = Money.Money.pipe(
  Schema.filter((m) => m.amount > 0, { message: () => "a price must be positive" }),
  Schema.filter((m) => Money.withinEntered(m) || `a price must be at most ${Money.format(Money.maxEntered(m.currency))}`)
)

/** Media are served to buyers from our pages, so only https URLs. */
export const MediaUrl = Schema.String.pipe(Schema.pattern(/^https:\/\/[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$/, { message: () => "media must be an https URL" }))

const reasonIffRejected = <A extends { readonly state: VerificationState; readonly rejectionReason?: string }>(a: A) =>
  (a.state === "REJECTED") === (a.rejectionReason !== undefined) || "rejectionReason is required exactly when REJECTED"

export const Brand = Schema.Struct({
  id: BrandId,
  name: Schema.NonEmptyTrimmedString,
  state: VerificationState,
  rejectionReason: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true })
}).pipe(Schema.filter(reasonIffRejected))
export type Brand = typeof Brand.Type

export const Product = Schema.Struct({
  id: ProductId,
  storeId: StoreId,
  brandId: Schema.optionalWith(BrandId, { exact: true }),
  categoryId: Schema.optionalWith(CategoryId, { exact: true }),
  title: Schema.NonEmptyTrimmedString,
  description: Schema.String,
  basePrice: Price,
  media: Schema.Array(MediaUrl),
  state: VerificationState,
  rejectionReason: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true }),
  commissionRateBps: CommissionRate
}).pipe(Schema.filter(reasonIffRejected))
export type Product = typeof Product.Type

/** A SKU: size / colour / model as free attributes, an optional price override, a shipping weight. */
export const Variant = Schema.Struct({
  id: VariantId,
  productId: ProductId,
  sku: Schema.NonEmptyTrimmedString,
  attributes: Schema.Record({ key: Schema.String, value: Schema.String }),
  priceOverride: Schema.optionalWith(Price, { exact: true }),
  weightGrams: Schema.Int.pipe(Schema.positive())
})
export type Variant = typeof Variant.Type

/** A product with its variants: the unit a seller edits and an admin reviews. */
export interface Listing {
  readonly product: Product
  readonly variants: ReadonlyArray<Variant>
}

export const effectivePrice = (product: Product, variant: Variant): Money.Money => variant.priceOverride ?? product.basePrice

/**
 * Where a listing prices in another currency than `currency`, the product's (fixed when it is
 * created: the database keeps one currency per product, and stores a price as its amount alone, so
 * a price in another currency would be kept as the same number in the product's). Empty: all one currency.
 */
export const currencyIssues = (listing: Listing, currency: Money.Currency): ReadonlyArray<SchemaIssue> => [
  ...(listing.product.basePrice.currency === currency
    ? []
    : [{ path: "basePrice.currency", message: `the product is priced in ${currency}: its base price must be in ${currency} too` }]),
  ...listing.variants.flatMap((v, i) =>
    v.priceOverride === undefined || v.priceOverride.currency === currency
      ? []
      : [{ path: `variants.${i}.priceOverride.currency`, message: `the product is priced in ${currency}: a variant's price must be in ${currency} too` }]
  )
]

/** Apply a verification transition to a product, keeping `rejectionReason` only while REJECTED. */
export const transitionProduct = (
  product: Product,
  to: VerificationState,
  reason?: string
): Either.Either<Product, IllegalVerificationTransition | RejectionReasonRequired> =>
  Either.map(transitionVerification(product.state, to, reason), (v) => {
    const { rejectionReason: _, ...rest } = product
    return { ...rest, ...v }
  })

// ---------------------------------------------------------------------------------------------
// Edits

const sameMoney = (a: Money.Money | undefined, b: Money.Money | undefined): boolean => (a === undefined || b === undefined ? a === b : Money.equals(a, b))

const sameAttributes = (a: Variant["attributes"], b: Variant["attributes"]): boolean => {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k])
}

/**
 * Material: what the buyer relies on and the admin reviewed. Title, base price, media (a URL
 * added or removed; reordering is not), brand, and for variants: a new variant, or a changed
 * price override or attributes (size/colour/model: what is actually sold). Not material:
 * description, category, commission rate, SKU code, weight, removing a variant (and stock,
 * which lives in inventory, not here).
 */
export const isMaterialEdit = (before: Listing, after: Listing): boolean => {
  const b = before.product
  const a = after.product
  const mediaBefore = new Set(b.media)
  const mediaAfter = new Set(a.media)
  if (
    a.title !== b.title ||
    !Money.equals(a.basePrice, b.basePrice) ||
    a.brandId !== b.brandId ||
    mediaAfter.size !== mediaBefore.size ||
    [...mediaAfter].some((url) => !mediaBefore.has(url))
  )
    return true
  const variantsBefore = new Map(before.variants.map((v) => [v.id, v]))
  return after.variants.some((v) => {
    const old = variantsBefore.get(v.id)
    return old === undefined || !sameMoney(old.priceOverride, v.priceOverride) || !sameAttributes(old.attributes, v.attributes)
  })
}

/** What a seller may change. `null` removes a brand or category; `variants` replaces the whole set. */
export interface ListingPatch {
  readonly title?: string
  readonly description?: string
  readonly basePrice?: Money.Money
  readonly media?: ReadonlyArray<string>
  readonly brandId?: BrandId | null
  readonly categoryId?: CategoryId | null
  readonly commissionRateBps?: CommissionRate
  readonly variants?: ReadonlyArray<Variant>
}

export class EditWhileSuspended extends Schema.TaggedError<EditWhileSuspended>()("EditWhileSuspended", {
  productId: ProductId
}) {
  readonly code = "CATALOGUE.EDIT_WHILE_SUSPENDED"
  override get message(): string {
    return `product ${this.productId} is suspended: material edits wait until an admin lifts the suspension`
  }
}

/**
 * Apply a seller's edit. A material edit sends a VERIFIED or REJECTED product to PENDING_REVIEW
 * (clearing the rejection reason); a non-material edit keeps the state. DRAFT and PENDING_REVIEW
 * stay as they are (a draft is submitted explicitly; a pending product is reviewed as it now is).
 * A SUSPENDED product refuses material edits: SUSPENDED -> VERIFIED must not publish unreviewed
 * changes. The result is re-validated against the schemas.
 */
export const applyEdit = (listing: Listing, patch: ListingPatch): Either.Either<Listing, EditWhileSuspended | ParseResult.ParseError> => {
  const { brandId, categoryId, variants, ...fields } = patch
  const { brandId: oldBrand, categoryId: oldCategory, ...base } = listing.product
  const nextBrand = brandId === undefined ? oldBrand : (brandId ?? undefined)
  const nextCategory = categoryId === undefined ? oldCategory : (categoryId ?? undefined)
  const edited: Listing = {
    product: {
      ...base,
      ...fields,
      ...(nextBrand === undefined ? {} : { brandId: nextBrand }),
      ...(nextCategory === undefined ? {} : { categoryId: nextCategory })
    },
    variants: variants ?? listing.variants
  }
  const state = listing.product.state
  const material = isMaterialEdit(listing, edited)
  if (material && state === "SUSPENDED") return Either.left(new EditWhileSuspended({ productId: listing.product.id }))
  const product =
    material && (state === "VERIFIED" || state === "REJECTED")
      ? Either.getOrThrow(transitionProduct(edited.product, "PENDING_REVIEW")) // legal from both, by the table
      : edited.product
  return Either.all({
    product: Schema.validateEither(Product)(product),
    variants: Schema.validateEither(Schema.Array(Variant))(edited.variants)
  })
}

// ---------------------------------------------------------------------------------------------
// Sellability

/** Stable reason codes, always listed in this order. */
export const NotSellableReason = Schema.Literal("STORE_KYC_NOT_VERIFIED", "PRODUCT_NOT_VERIFIED", "BRAND_NOT_VERIFIED", "OUT_OF_STOCK")
export type NotSellableReason = typeof NotSellableReason.Type

export type Sellability = { readonly sellable: true } | { readonly sellable: false; readonly reasons: ReadonlyArray<NotSellableReason> }

/**
 * A product is sold only when its store is KYC-verified, it is VERIFIED, its brand (if it has
 * one) is VERIFIED, and there is stock. A branded product whose brand is not supplied, or is a
 * different brand, counts as an unverified brand: we never sell on an unchecked assumption.
 */
export const sellability = (input: {
  readonly storeKyc: StoreKycState
  readonly product: Product
  readonly brand?: Brand
  readonly availableStock: number
}): Sellability => {
  const { storeKyc, product, brand, availableStock } = input
  const reasons: Array<NotSellableReason> = []
  if (storeKyc !== "VERIFIED") reasons.push("STORE_KYC_NOT_VERIFIED")
  if (product.state !== "VERIFIED") reasons.push("PRODUCT_NOT_VERIFIED")
  if (product.brandId !== undefined && (brand === undefined || brand.id !== product.brandId || brand.state !== "VERIFIED")) reasons.push("BRAND_NOT_VERIFIED")
  if (!(availableStock > 0)) reasons.push("OUT_OF_STOCK")
  return reasons.length === 0 ? { sellable: true } : { sellable: false, reasons }
}
