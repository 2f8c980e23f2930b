/**
 * CheckoutStore: what the checkout use cases need from persistence. Every method runs on the
 * current UnitOfWork transaction. `persist` writes a whole checkout plan at once; it is where stock
 * and incentive limits are enforced under concurrency (conditional updates), so it can fail with
 * OutOfStock or IncentiveExhausted and the transaction rolls back.
 */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { Brand, Product, StoreKycState } from "../../domain/catalogue.js"
import type { Affiliate } from "../../domain/commission.js"
import type { DiscountCode, PromotionCandidate, Usage } from "../../domain/incentives.js"
import type { Currency, Money } from "../../domain/money.js"
import type { CartId, CheckoutId, LocationId, OrderId, StoreId, UserId, VariantId } from "../../domain/ids.js"
import type { OrderState } from "../../domain/order.js"
import type { CheckoutLine } from "../../domain/pricing.js"
import type { Geography, Zone } from "../../domain/shipping.js"
import type { OrderSnapshot } from "../../domain/snapshot.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import type { Session } from "../auth/auth.port.js"
import type { ActiveCart, CartOwner } from "../cart/cart.port.js"
import type { DuplicateCheckout, IncentiveExhausted, OutOfStock } from "./checkout.errors.js"

export interface CatalogueItem {
  readonly variantId: VariantId
  readonly sku: string
  readonly weightGrams: number
  readonly unitPrice: Money
  readonly active: boolean
  readonly product: Product
  readonly brand?: Brand | undefined
  readonly storeKyc: StoreKycState
  /** on hand minus reserved, over all locations */
  readonly available: number
}

/** A catalogue item as the pricing domain sees a cart line (the cart preview and the checkout share it). */
export const checkoutLine = (c: CatalogueItem, quantity: number): CheckoutLine => ({
  productId: c.product.id,
  variantId: c.variantId,
  storeId: c.product.storeId,
  categoryId: c.product.categoryId,
  title: c.product.title,
  sku: c.sku,
  unitPrice: c.unitPrice,
  quantity,
  unitWeightGrams: c.weightGrams,
  commissionRateBps: c.product.commissionRateBps
})

export interface CheckoutSummary {
  readonly checkoutId: CheckoutId
  readonly state: string
  readonly currency: Currency
  readonly total: Money
  readonly charge: Money
  readonly roundingAbsorbed: Money
  readonly createdAt: number
  readonly expiresAt: number
  readonly payerPhone: string
  readonly orders: ReadonlyArray<{ readonly orderId: OrderId; readonly storeId: StoreId; readonly state: OrderState; readonly total: Money }>
}

export interface PlannedOrder {
  readonly id: OrderId
  readonly storeId: StoreId
  readonly subtotal: Money
  /** merchandise discounts + shipping waived */
  readonly discountTotal: Money
  readonly shippingTotal: Money
  readonly total: Money
  readonly snapshot: OrderSnapshot
  /** the canonical encoding (domain/snapshot.ts): what is stored and hashed */
  readonly snapshotJson: string
}

export interface PlannedBurn {
  readonly kind: "PROMOTION" | "DISCOUNT_CODE"
  readonly incentiveId: string
  readonly version: number
  readonly orderId?: OrderId | undefined
  readonly amount: Money
  readonly globalLimit?: number | undefined
  readonly perBuyerLimit?: number | undefined
}

export interface CheckoutPlan {
  readonly checkout: {
    readonly id: CheckoutId
    readonly buyerId: UserId
    readonly idempotencyKey: string
    readonly fingerprint: string
    /** PAID at once when there is nothing to charge (the platform's funding pays it all). */
    readonly state: "PENDING_PAYMENT" | "PAID"
    readonly currency: Currency
    readonly subtotal: Money
    readonly discountTotal: Money
    readonly shippingTotal: Money
    readonly total: Money
    readonly charge: Money
    readonly payerPhone: string
    readonly destination: LocationId
    readonly affiliateUserId?: UserId | undefined
    readonly createdAt: number
    readonly expiresAt: number
  }
  readonly orders: ReadonlyArray<PlannedOrder>
  /** one per line, sorted by variant id (a fixed lock order: no deadlocks between checkouts) */
  readonly reservations: ReadonlyArray<{ readonly variantId: VariantId; readonly quantity: number; readonly orderId: OrderId }>
  readonly burns: ReadonlyArray<PlannedBurn>
  readonly loyaltyPointsRedeemed: number
}

/** What CheckoutStore.loadCartPricing read: everything a cart's pricing needs. */
export interface CartPricing {
  readonly cart: Option.Option<ActiveCart>
  readonly catalogue: ReadonlyArray<CatalogueItem>
  readonly promotions: ReadonlyArray<PromotionCandidate>
  readonly code: Option.Option<{ readonly code: DiscountCode; readonly usage: Usage }>
  readonly shipping: Effect.Effect<{ readonly geography: Geography; readonly zones: ReadonlyArray<Zone> }, StoreUnavailable>
}

export class CheckoutStore extends Context.Tag("amana/CheckoutStore")<
  CheckoutStore,
  {
    /**
     * The start of a checkout, one read: previous is Some(summary) when this buyer already used the
     * key with the same request, Some(mismatch) when with another; attributedAffiliateCode is the
     * code of the affiliate link the buyer (or their guest cart before login) last followed, while
     * its 30 days last at `attributionAt` (none when not asked: the request names its own code).
     */
    readonly openCheckout: (
      buyerId: UserId,
      key: string,
      fingerprint: string,
      attributionAt: number | undefined
    ) => Effect.Effect<
      {
        readonly previous: Option.Option<{ readonly sameRequest: boolean; readonly summary: CheckoutSummary }>
        readonly attributedAffiliateCode: Option.Option<string>
      },
      StoreUnavailable
    >
    readonly loadCatalogue: (variantIds: ReadonlyArray<VariantId>) => Effect.Effect<ReadonlyArray<CatalogueItem>, StoreUnavailable>
    /**
     * One read, outside any transaction: whether this buyer already used the key (for any request),
     * and these variants' catalogue: what a checkout may be refused on before it is begun.
     */
    readonly lookBeforeCheckout: (
      buyerId: UserId,
      key: string,
      variantIds: ReadonlyArray<VariantId>
    ) => Effect.Effect<{ readonly keyUsed: boolean; readonly catalogue: ReadonlyArray<CatalogueItem> }, StoreUnavailable>
    /**
     * The buyer's active cart (the latest), its items in the order they were added, and the
     * catalogue of those items (a variant no longer there has none), in one read; none: no cart.
     */
    readonly loadCartCatalogue: (buyerId: UserId) => Effect.Effect<
      Option.Option<{
        readonly cartId: CartId
        /** the cart's last touch as read (exact, as the store keeps it): an edit since changes it */
        readonly touchedAt: string
        readonly items: ReadonlyArray<{ readonly variantId: VariantId; readonly quantity: number }>
        readonly catalogue: ReadonlyArray<CatalogueItem>
      }>,
      StoreUnavailable
    >
    /**
     * What pricing a cart needs, in ONE read: the owner's ACTIVE cart (the latest) with its items in
     * the order they were added (none: no cart), the catalogue of those items and of `also` (a variant
     * no longer there has none), the live promotions with their usage (globally and by `buyerId`), the
     * discount code `code` (none when not asked or not found) and the shipping geography and zones
     * (`shipping`: from the in-process cache at the revision read, loaded only when run and stale).
     */
    readonly loadCartPricing: (
      owner: CartOwner,
      also: ReadonlyArray<VariantId>,
      buyerId: UserId | undefined,
      now: number,
      code: string | undefined
    ) => Effect.Effect<CartPricing, StoreUnavailable>
    /**
     * The bearer token's live session (AuthStore.findSession's rule) and, in the same statement,
     * what `loadCartPricing` reads for that session's user (the owner and `buyerId`): a signed-in
     * buyer's cart request in one round trip. No session: none, and nothing found (no cart).
     */
    readonly loadCartPricingWithSession: (
      token: string,
      now: number,
      also: ReadonlyArray<VariantId>,
      code: string | undefined
    ) => Effect.Effect<{ readonly session: Option.Option<Session>; readonly pricing: CartPricing }, StoreUnavailable>
    readonly loadDiscountCode: (
      code: string,
      buyerId: UserId | undefined
    ) => Effect.Effect<Option.Option<{ readonly code: DiscountCode; readonly usage: Usage }>, StoreUnavailable>
    /** The buyer's points balance, locking the buyer's loyalty for the rest of the transaction. */
    readonly lockLoyaltyBalance: (buyerId: UserId) => Effect.Effect<number, StoreUnavailable>
    readonly findAffiliates: (code: string) => Effect.Effect<ReadonlyArray<Affiliate>, StoreUnavailable>
    readonly storeMemberIds: (storeIds: ReadonlyArray<StoreId>) => Effect.Effect<ReadonlyArray<UserId>, StoreUnavailable>
    /**
     * What pricing needs beside the catalogue, in one round trip: the live promotions (ACTIVE, in
     * their window) with their usage so far, globally and by this buyer (none: a guest), and the
     * shipping geography and zones (cached in-process until the shipping settings' revision moves).
     */
    readonly loadPromotionsAndShipping: (
      buyerId: UserId | undefined,
      now: number
    ) => Effect.Effect<
      { readonly promotions: ReadonlyArray<PromotionCandidate>; readonly geography: Geography; readonly zones: ReadonlyArray<Zone> },
      StoreUnavailable
    >
    readonly persist: (plan: CheckoutPlan) => Effect.Effect<void, OutOfStock | IncentiveExhausted | DuplicateCheckout | StoreUnavailable>
    readonly getSummary: (checkoutId: CheckoutId) => Effect.Effect<Option.Option<CheckoutSummary>, StoreUnavailable>
  }
>() {}
