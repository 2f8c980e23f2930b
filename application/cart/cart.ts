/**
 * The cart: items a buyer (or a guest, by cart token) intends to buy, with a live preview priced by
 * the same domain functions the checkout uses (one promotion per order, then the code, then
 * shipping per order), so what the cart shows is what the checkout charges — unless stock,
 * promotions or codes change in between. A guest cart is merged into the buyer's cart at login.
 */
import { Clock, Effect, Either, Option } from "effect"
import { sellability } from "../../domain/catalogue.js"
import type { NotSellableReason } from "../../domain/catalogue.js"
import { CartId, EpochMillis, LocationId } from "../../domain/ids.js"
import { discountCodeKey } from "../../domain/incentives.js"
import type { UserId, VariantId } from "../../domain/ids.js"
import * as M from "../../domain/money.js"
import type { Money } from "../../domain/money.js"
import { priceCheckout } from "../../domain/pricing.js"
import type { CheckoutLine } from "../../domain/pricing.js"
import { quoteShipping } from "../../domain/shipping.js"
import { ItemNotSellable, OutOfStock, UnknownDiscountCode, UnknownItem } from "../checkout/checkout.errors.js"
import { authenticateAlong } from "../auth/login.js"
import { CheckoutStore } from "../checkout/checkout.port.js"
import type { CartPricing, CatalogueItem } from "../checkout/checkout.port.js"
import { checkoutLine } from "../checkout/checkout.port.js"
import { defaultCheckoutSettings } from "../checkout/place-checkout.js"
import { Ids } from "../ports/ids.js"
import { StoreUnavailable, UnitOfWork } from "../ports/unit-of-work.js"
import { CartItemNotFound, QuantityTooLarge } from "./cart.errors.js"
import { CartStore } from "./cart.port.js"
import type { ActiveCart, CartOwner } from "./cart.port.js"

export const MAX_LINE_QUANTITY = 99

export interface CartLineView {
  readonly variantId: string
  readonly productId: string
  readonly storeId: string
  readonly title: string
  readonly sku: string
  readonly unitPrice: Money
  readonly quantity: number
  readonly lineTotal: Money
  readonly available: number
  readonly sellable: boolean
  readonly notSellableReasons: ReadonlyArray<NotSellableReason>
}

export interface PreviewOrder {
  readonly storeId: string
  readonly subtotal: Money
  readonly promotion?: { readonly id: string; readonly name: string; readonly discount: Money; readonly freeShipping: boolean } | undefined
  readonly discount: Money
  readonly shipping: Money
  readonly shippingDiscount: Money
  readonly total: Money
}

export interface CartPreview {
  readonly subtotal: Money
  readonly discount: Money
  readonly shipping: Money
  readonly shippingDiscount: Money
  readonly shippingQuoted: boolean
  readonly total: Money
  /** whole shillings: what M-Pesa would be asked for */
  readonly charge: Money
  readonly code?: { readonly code: string; readonly discount: Money } | undefined
  readonly orders: ReadonlyArray<PreviewOrder>
}

export interface CartView {
  readonly cartId: CartId | undefined
  readonly lines: ReadonlyArray<CartLineView>
  readonly preview: CartPreview | undefined
  /** Why the preview is missing or partial (an undeliverable destination, a code that does not apply, ...): error values. */
  readonly issues: ReadonlyArray<unknown>
}

/** The owner's cart with its items, created (empty) when there is none. */
const ensureCart = (owner: CartOwner) =>
  Effect.gen(function* () {
    const store = yield* CartStore
    const found = yield* store.findActiveWithItems(owner)
    if (Option.isSome(found)) return found.value
    const cartId = CartId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("crt")))
    yield* store.create(cartId, owner)
    return { cartId, items: [] } satisfies ActiveCart
  })

const isSellable = (c: CatalogueItem) =>
  sellability({ storeKyc: c.storeKyc, product: c.product, ...(c.brand && { brand: c.brand }), availableStock: c.available })

export interface ViewOptions {
  readonly destination?: string | undefined
  readonly code?: string | undefined
  readonly buyerId?: UserId | undefined
}

/** A cart's read (readCart): when, what it read, and the variants it asked the catalogue of. */
export interface CartRead {
  readonly now: EpochMillis
  readonly pricing: CartPricing
  readonly asked: ReadonlySet<VariantId>
}

const cartRead = (now: number, also: ReadonlyArray<VariantId>, pricing: CartPricing): CartRead => ({
  now: EpochMillis.make(now),
  pricing,
  asked: new Set<VariantId>([...also, ...(Option.isSome(pricing.cart) ? pricing.cart.value.items.map((i) => i.variantId) : [])])
})

const codeOf = (options: ViewOptions) => (options.code ? discountCodeKey(options.code) : undefined)

/**
 * The owner's cart and everything that prices it, in one read (CheckoutStore.loadCartPricing): the
 * catalogue of its items and of `also` (the variant a write is about), the promotions and the code.
 * A read already made (`prefetched`, by authenticateWithCart) is used as it is.
 */
const readCart = (owner: CartOwner, also: ReadonlyArray<VariantId>, options: ViewOptions, prefetched: CartRead | undefined) =>
  prefetched !== undefined
    ? Effect.succeed(prefetched)
    : Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const pricing = yield* Effect.flatMap(CheckoutStore, (c) => c.loadCartPricing(owner, also, options.buyerId, now, codeOf(options)))
        return cartRead(now, also, pricing)
      })

/**
 * The bearer token's session and its user's cart read (what readCart reads for the buyer, `also` and
 * `options` as the request will give them: the destination and the code) in ONE statement, refused
 * and rate-limited exactly as `authenticate` does: a signed-in buyer's cart request in one round
 * trip for both. The read reaches the use case as its `prefetched`.
 */
export const authenticateWithCart = (token: string, also: ReadonlyArray<VariantId>, options: Omit<ViewOptions, "buyerId">) =>
  authenticateAlong((now) =>
    Effect.map(
      Effect.flatMap(CheckoutStore, (c) => c.loadCartPricingWithSession(token, now, also, codeOf(options))),
      ({ session, pricing }) => ({ session, read: cartRead(now, also, pricing) })
    )
  )

/** The cart as the buyer sees it, priced for `destination` (shipping unquoted without one) with `code`. */
export const viewCart = (owner: CartOwner | undefined, options: ViewOptions = {}, prefetched?: CartRead) =>
  Effect.gen(function* () {
    if (owner === undefined) return { cartId: undefined, lines: [], preview: undefined, issues: [] } satisfies CartView
    const read = yield* readCart(owner, [], options, prefetched)
    const cart = read.pricing.cart
    if (Option.isNone(cart)) return { cartId: undefined, lines: [], preview: undefined, issues: [] } satisfies CartView
    return yield* priceCart(cart.value, read, options)
  }).pipe(Effect.withSpan("Cart.view"))

/**
 * The view of a cart whose items are known (just read, or just written), priced with what `read`
 * read; an item it did not ask for (a line another request added since) has its catalogue read here.
 */
const priceCart = (cart: ActiveCart, read: CartRead, options: ViewOptions) =>
  Effect.gen(function* () {
    const items = cart.items
    const { pricing, now } = read
    const missing = items.map((i) => i.variantId).filter((id) => !read.asked.has(id))
    const catalogue =
      missing.length === 0 ? pricing.catalogue : [...pricing.catalogue, ...(yield* Effect.flatMap(CheckoutStore, (c) => c.loadCatalogue(missing)))]
    const byId = new Map(catalogue.map((c) => [c.variantId, c]))
    const issues: Array<unknown> = []
    const lines: Array<CartLineView> = []
    const priced: Array<CheckoutLine> = []
    for (const item of items) {
      const c = byId.get(item.variantId)
      if (!c) continue
      const verdict = isSellable(c)
      const sellable = c.active && verdict.sellable && c.available >= item.quantity
      lines.push({
        variantId: c.variantId,
        productId: c.product.id,
        storeId: c.product.storeId,
        title: c.product.title,
        sku: c.sku,
        unitPrice: c.unitPrice,
        quantity: item.quantity,
        lineTotal: M.times(c.unitPrice, item.quantity),
        available: c.available,
        sellable,
        notSellableReasons: verdict.sellable ? (c.available < item.quantity ? ["OUT_OF_STOCK"] : []) : verdict.reasons
      })
      if (!sellable) {
        issues.push(
          verdict.sellable
            ? new OutOfStock({ variantId: c.variantId, requested: item.quantity, available: c.available })
            : new ItemNotSellable({ variantId: c.variantId, reasons: verdict.reasons })
        )
        continue
      }
      priced.push(checkoutLine(c, item.quantity))
    }
    if (priced.length === 0) return { cartId: cart.cartId, lines, preview: undefined, issues } satisfies CartView

    const { promotions } = pricing
    const { geography, zones } = yield* pricing.shipping
    const code = pricing.code
    if (options.code && Option.isNone(code)) issues.push(new UnknownDiscountCode({ discountCode: options.code }))
    const destination = options.destination
    const currency = defaultCheckoutSettings.currency
    const attempt = (withCode: boolean) =>
      priceCheckout({
        currency,
        now,
        lines: priced,
        promotions,
        code: withCode ? Option.getOrUndefined(code) : undefined,
        quoteShipping: (r) =>
          destination === undefined
            ? Either.right({ amount: M.zero(currency) })
            : quoteShipping(geography, zones, {
                destination: LocationId.make(destination),
                totalWeightGrams: r.totalWeightGrams,
                discountedSubtotal: r.discountedSubtotal
              })
      })
    let result = attempt(true)
    // A code that does not apply is reported, and the cart is still priced without it.
    if (Either.isLeft(result) && result.left._tag === "DiscountCodeNotApplicable") {
      issues.push(result.left)
      result = attempt(false)
    }
    if (Either.isLeft(result)) return { cartId: cart.cartId, lines, preview: undefined, issues: [...issues, result.left] } satisfies CartView
    const p = result.right
    const preview: CartPreview = {
      subtotal: p.merchandiseSubtotal,
      discount: p.merchandiseDiscount,
      shipping: p.shippingCost,
      shippingDiscount: p.shippingDiscount,
      shippingQuoted: destination !== undefined,
      total: p.total,
      charge: p.charge,
      code: p.code && { code: p.code.code, discount: p.code.discount },
      orders: p.orders.map((o) => ({
        storeId: o.storeId,
        subtotal: o.merchandiseSubtotal,
        promotion: o.promotion && {
          id: o.promotion.id,
          name: o.promotion.name,
          discount: o.promotion.merchandiseDiscount,
          freeShipping: o.promotion.freeShipping
        },
        discount: o.merchandiseDiscount,
        shipping: o.shippingCost,
        shippingDiscount: o.shippingDiscount,
        total: o.total
      }))
    }
    return { cartId: cart.cartId, lines, preview, issues } satisfies CartView
  })

/**
 * Add `quantity` of a variant (creating the cart if there is none). Refuses what cannot be sold.
 * Answers the cart priced with `view`, from what the read read (the cart's items, their variants,
 * the promotions and the code: one statement) and the write wrote: nothing is read twice.
 * No transaction: the read locks nothing and the write is one statement, so BEGIN and COMMIT
 * would add two statements and change nothing (a concurrent request's commit between the two is
 * seen by the write either way, under READ COMMITTED).
 */
export const addToCart = (owner: CartOwner, variantId: VariantId, quantity: number, view: ViewOptions = {}, prefetched?: CartRead) =>
  addOnce(owner, variantId, quantity, view, prefetched, 1).pipe(Effect.withSpan("Cart.add"))

const addOnce = (
  owner: CartOwner,
  variantId: VariantId,
  quantity: number,
  view: ViewOptions,
  prefetched: CartRead | undefined,
  attempt: number
): Effect.Effect<CartView, UnknownItem | OutOfStock | ItemNotSellable | QuantityTooLarge | StoreUnavailable, CartStore | CheckoutStore | Ids> =>
  Effect.gen(function* () {
    const carts = yield* CartStore
    const read = yield* readCart(owner, [variantId], view, prefetched)
    const found = read.pricing.cart
    const inCart = Option.isSome(found) ? found.value.items : []
    const item = read.pricing.catalogue.find((c) => c.variantId === variantId)
    if (!item || !item.active) return yield* new UnknownItem({ variantId })
    const verdict = isSellable(item)
    if (!verdict.sellable) {
      if (verdict.reasons.length === 1 && verdict.reasons[0] === "OUT_OF_STOCK") return yield* new OutOfStock({ variantId, requested: quantity, available: 0 })
      return yield* new ItemNotSellable({ variantId, reasons: verdict.reasons })
    }
    const existing = inCart.find((i) => i.variantId === variantId)?.quantity ?? 0
    const next = existing + quantity
    if (next > MAX_LINE_QUANTITY) return yield* new QuantityTooLarge({ variantId, max: MAX_LINE_QUANTITY })
    if (next > item.available) return yield* new OutOfStock({ variantId, requested: next, available: item.available })
    if (Option.isSome(found)) {
      const items = yield* carts.setQuantity(found.value.cartId, variantId, next)
      if (Option.isSome(items)) return yield* priceCart({ cartId: found.value.cartId, items: items.value }, read, view)
    }
    // No cart, or the one read was checked out since: the line starts a new cart (with this add's own quantity).
    const cartId = CartId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("crt")))
    const items = yield* carts.createWithItem(cartId, owner, variantId, quantity)
    if (Option.isSome(items)) return yield* priceCart({ cartId, items: items.value }, read, view)
    // A concurrent first add (a double tap) made the owner's cart meanwhile: add to that one, read afresh.
    if (attempt < 3) return yield* addOnce(owner, variantId, quantity, view, undefined, attempt + 1)
    return yield* new StoreUnavailable({ detail: "the cart kept changing while a line was being added" })
  })

/** Set a line's quantity; answers the cart priced with `view` (as addToCart: one read, one write, no transaction). */
export const setCartQuantity = (owner: CartOwner, variantId: VariantId, quantity: number, view: ViewOptions = {}, prefetched?: CartRead) =>
  Effect.gen(function* () {
    const carts = yield* CartStore
    const read = yield* readCart(owner, [], view, prefetched)
    const cart = read.pricing.cart
    if (Option.isNone(cart) || !cart.value.items.some((l) => l.variantId === variantId)) return yield* new CartItemNotFound({ variantId })
    if (quantity > MAX_LINE_QUANTITY) return yield* new QuantityTooLarge({ variantId, max: MAX_LINE_QUANTITY })
    const item = read.pricing.catalogue.find((c) => c.variantId === variantId)
    if (item && quantity > item.available) return yield* new OutOfStock({ variantId, requested: quantity, available: item.available })
    const items = yield* carts.setQuantity(cart.value.cartId, variantId, quantity)
    // the cart was checked out since it was read: the line is no longer in an open cart
    if (Option.isNone(items)) return yield* new CartItemNotFound({ variantId })
    return yield* priceCart({ cartId: cart.value.cartId, items: items.value }, read, view)
  })

/** Remove a line; answers the cart priced with `view`, from the items the removal left (one read, one write). */
export const removeFromCart = (owner: CartOwner, variantId: VariantId, view: ViewOptions = {}, prefetched?: CartRead) =>
  Effect.gen(function* () {
    const carts = yield* CartStore
    const read = yield* readCart(owner, [], view, prefetched)
    const cart = read.pricing.cart
    const left = Option.isSome(cart) ? yield* carts.remove(cart.value.cartId, variantId) : Option.none()
    if (Option.isNone(cart) || Option.isNone(left)) return yield* new CartItemNotFound({ variantId })
    return yield* priceCart({ cartId: cart.value.cartId, items: left.value }, read, view)
  })

/** At login: the guest's lines join the buyer's cart (quantities add up, capped), and the guest cart is closed. */
export const mergeGuestCart = (guestToken: string, buyerId: UserId) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    yield* uow.transaction(
      Effect.gen(function* () {
        const carts = yield* CartStore
        const guest = yield* carts.findActiveWithItems({ _tag: "Guest", guestToken })
        if (Option.isNone(guest)) return
        const guestItems = guest.value.items
        if (guestItems.length > 0) {
          const buyerCart = yield* ensureCart({ _tag: "Buyer", buyerId })
          const mine = new Map(buyerCart.items.map((i) => [i.variantId, i.quantity]))
          for (const i of guestItems)
            yield* carts.setQuantity(buyerCart.cartId, i.variantId, Math.min(MAX_LINE_QUANTITY, (mine.get(i.variantId) ?? 0) + i.quantity))
        }
        yield* carts.close(guest.value.cartId, "ABANDONED")
      })
    )
  }).pipe(Effect.withSpan("Cart.mergeGuest"))
