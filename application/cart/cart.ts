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
import type { UserId, VariantId } from "../../domain/ids.js"
import * as M from "../../domain/money.js"
import type { Money } from "../../domain/money.js"
import { priceCheckout } from "../../domain/pricing.js"
import type { CheckoutLine } from "../../domain/pricing.js"
import { quoteShipping } from "../../domain/shipping.js"
import { ItemNotSellable, OutOfStock, UnknownDiscountCode, UnknownItem } from "../checkout/checkout.errors.js"
import { CheckoutStore } from "../checkout/checkout.port.js"
import type { CatalogueItem } from "../checkout/checkout.port.js"
import { checkoutLine } from "../checkout/checkout.port.js"
import { defaultCheckoutSettings } from "../checkout/place-checkout.js"
import { Ids } from "../ports/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
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

const findCart = (owner: CartOwner | undefined) =>
  owner === undefined ? Effect.succeed(Option.none<ActiveCart>()) : Effect.flatMap(CartStore, (s) => s.findActiveWithItems(owner))

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

/** The cart as the buyer sees it, priced for `destination` (shipping unquoted without one) with `code`. */
export const viewCart = (owner: CartOwner | undefined, options: ViewOptions = {}) =>
  Effect.gen(function* () {
    const cart = yield* findCart(owner)
    if (Option.isNone(cart)) return { cartId: undefined, lines: [], preview: undefined, issues: [] } satisfies CartView
    return yield* priceCart(cart.value, [], options)
  }).pipe(Effect.withSpan("Cart.view"))

/**
 * The view of a cart whose items are known (just read, or just written): `known` is catalogue the
 * caller already read (a write checks its variants), so only the other items' are read here.
 */
const priceCart = (cart: ActiveCart, known: ReadonlyArray<CatalogueItem>, options: ViewOptions) =>
  Effect.gen(function* () {
    const items = cart.items
    const checkout = yield* CheckoutStore
    const knownIds = new Set(known.map((c) => c.variantId))
    const missing = items.map((i) => i.variantId).filter((id) => !knownIds.has(id))
    const catalogue = missing.length === 0 ? known : [...known, ...(yield* checkout.loadCatalogue(missing))]
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

    const now = EpochMillis.make(yield* Clock.currentTimeMillis)
    const buyerId = options.buyerId
    const { promotions, geography, zones } = yield* checkout.loadPromotionsAndShipping(buyerId, now)
    let code = Option.none<Parameters<typeof priceCheckout>[0]["code"] & object>()
    if (options.code) {
      code = yield* checkout.loadDiscountCode(options.code.trim().toUpperCase(), buyerId)
      if (Option.isNone(code)) issues.push(new UnknownDiscountCode({ discountCode: options.code }))
    }
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
 * Answers the cart priced with `view`, from what the write read (the cart's items and their
 * variants) and wrote: nothing is read twice.
 */
export const addToCart = (owner: CartOwner, variantId: VariantId, quantity: number, view: ViewOptions = {}) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const written = yield* uow.transaction(
      Effect.gen(function* () {
        const carts = yield* CartStore
        const checkout = yield* CheckoutStore
        const found = yield* carts.findActiveWithItems(owner)
        const inCart = Option.isSome(found) ? found.value.items : []
        // the variant, and those already in the cart (for the answer)
        const catalogue = yield* checkout.loadCatalogue([variantId, ...inCart.map((i) => i.variantId).filter((id) => id !== variantId)])
        const item = catalogue.find((c) => c.variantId === variantId)
        if (!item || !item.active) return yield* new UnknownItem({ variantId })
        const verdict = isSellable(item)
        if (!verdict.sellable) {
          if (verdict.reasons.length === 1 && verdict.reasons[0] === "OUT_OF_STOCK")
            return yield* new OutOfStock({ variantId, requested: quantity, available: 0 })
          return yield* new ItemNotSellable({ variantId, reasons: verdict.reasons })
        }
        const existing = inCart.find((i) => i.variantId === variantId)?.quantity ?? 0
        const next = existing + quantity
        if (next > MAX_LINE_QUANTITY) return yield* new QuantityTooLarge({ variantId, max: MAX_LINE_QUANTITY })
        if (next > item.available) return yield* new OutOfStock({ variantId, requested: next, available: item.available })
        if (Option.isSome(found)) {
          const items = yield* carts.setQuantity(found.value.cartId, variantId, next)
          return { cart: { cartId: found.value.cartId, items }, catalogue }
        }
        const cartId = CartId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("crt")))
        const items = yield* carts.createWithItem(cartId, owner, variantId, next)
        return { cart: { cartId, items }, catalogue }
      })
    )
    return yield* priceCart(written.cart, written.catalogue, view)
  }).pipe(Effect.withSpan("Cart.add"))

/** Set a line's quantity; answers the cart priced with `view` (as addToCart). */
export const setCartQuantity = (owner: CartOwner, variantId: VariantId, quantity: number, view: ViewOptions = {}) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const written = yield* uow.transaction(
      Effect.gen(function* () {
        const carts = yield* CartStore
        const cart = yield* findCart(owner)
        if (Option.isNone(cart) || !cart.value.items.some((l) => l.variantId === variantId)) return yield* new CartItemNotFound({ variantId })
        if (quantity > MAX_LINE_QUANTITY) return yield* new QuantityTooLarge({ variantId, max: MAX_LINE_QUANTITY })
        // the line's variant first, then the cart's others (for the answer)
        const catalogue = yield* Effect.flatMap(CheckoutStore, (c) =>
          c.loadCatalogue([variantId, ...cart.value.items.map((i) => i.variantId).filter((id) => id !== variantId)])
        )
        const item = catalogue.find((c) => c.variantId === variantId)
        if (item && quantity > item.available) return yield* new OutOfStock({ variantId, requested: quantity, available: item.available })
        const items = yield* carts.setQuantity(cart.value.cartId, variantId, quantity)
        return { cart: { cartId: cart.value.cartId, items }, catalogue }
      })
    )
    return yield* priceCart(written.cart, written.catalogue, view)
  })

/** Remove a line; answers the cart priced with `view`, from the items the removal left. */
export const removeFromCart = (owner: CartOwner, variantId: VariantId, view: ViewOptions = {}) =>
  Effect.gen(function* () {
    const carts = yield* CartStore
    const cartId = yield* carts.findActive(owner)
    const left = Option.isSome(cartId) ? yield* carts.remove(cartId.value, variantId) : Option.none()
    if (Option.isNone(cartId) || Option.isNone(left)) return yield* new CartItemNotFound({ variantId })
    return yield* priceCart({ cartId: cartId.value, items: left.value }, [], view)
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
