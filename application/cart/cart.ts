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
import type { CartOwner } from "./cart.port.js"

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
  owner === undefined ? Effect.succeed(Option.none<CartId>()) : Effect.flatMap(CartStore, (s) => s.findActive(owner))

const ensureCart = (owner: CartOwner) =>
  Effect.gen(function* () {
    const store = yield* CartStore
    const found = yield* store.findActive(owner)
    if (Option.isSome(found)) return found.value
    const id = CartId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("crt")))
    yield* store.create(id, owner)
    return id
  })

const isSellable = (c: CatalogueItem) =>
  sellability({ storeKyc: c.storeKyc, product: c.product, ...(c.brand && { brand: c.brand }), availableStock: c.available })

/** The cart as the buyer sees it, priced for `destination` (shipping unquoted without one) with `code`. */
export const viewCart = (
  owner: CartOwner | undefined,
  options: { readonly destination?: string | undefined; readonly code?: string | undefined; readonly buyerId?: UserId | undefined } = {}
) =>
  Effect.gen(function* () {
    const cartId = yield* findCart(owner)
    if (Option.isNone(cartId)) return { cartId: undefined, lines: [], preview: undefined, issues: [] } satisfies CartView
    const carts = yield* CartStore
    const checkout = yield* CheckoutStore
    const items = yield* carts.items(cartId.value)
    const catalogue = yield* checkout.loadCatalogue(items.map((i) => i.variantId))
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
    if (priced.length === 0) return { cartId: cartId.value, lines, preview: undefined, issues } satisfies CartView

    const now = EpochMillis.make(yield* Clock.currentTimeMillis)
    const buyerId = options.buyerId
    const promotions = yield* checkout.loadPromotions(buyerId, now)
    let code = Option.none<Parameters<typeof priceCheckout>[0]["code"] & object>()
    if (options.code) {
      code = yield* checkout.loadDiscountCode(options.code.trim().toUpperCase(), buyerId)
      if (Option.isNone(code)) issues.push(new UnknownDiscountCode({ discountCode: options.code }))
    }
    const { geography, zones } = yield* checkout.loadShipping()
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
    if (Either.isLeft(result)) return { cartId: cartId.value, lines, preview: undefined, issues: [...issues, result.left] } satisfies CartView
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
    return { cartId: cartId.value, lines, preview, issues } satisfies CartView
  }).pipe(Effect.withSpan("Cart.view"))

/** Add `quantity` of a variant (creating the cart if there is none). Refuses what cannot be sold. */
export const addToCart = (owner: CartOwner, variantId: VariantId, quantity: number) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const carts = yield* CartStore
        const checkout = yield* CheckoutStore
        const [item] = yield* checkout.loadCatalogue([variantId])
        if (!item || !item.active) return yield* new UnknownItem({ variantId })
        const verdict = isSellable(item)
        if (!verdict.sellable) {
          if (verdict.reasons.length === 1 && verdict.reasons[0] === "OUT_OF_STOCK")
            return yield* new OutOfStock({ variantId, requested: quantity, available: 0 })
          return yield* new ItemNotSellable({ variantId, reasons: verdict.reasons })
        }
        const cartId = yield* ensureCart(owner)
        const existing = (yield* carts.items(cartId)).find((i) => i.variantId === variantId)?.quantity ?? 0
        const next = existing + quantity
        if (next > MAX_LINE_QUANTITY) return yield* new QuantityTooLarge({ variantId, max: MAX_LINE_QUANTITY })
        if (next > item.available) return yield* new OutOfStock({ variantId, requested: next, available: item.available })
        yield* carts.setQuantity(cartId, variantId, next)
        return cartId
      })
    )
  }).pipe(Effect.withSpan("Cart.add"))

export const setCartQuantity = (owner: CartOwner, variantId: VariantId, quantity: number) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const carts = yield* CartStore
        const cartId = yield* findCart(owner)
        const lines = Option.isSome(cartId) ? yield* carts.items(cartId.value) : []
        if (Option.isNone(cartId) || !lines.some((l) => l.variantId === variantId)) return yield* new CartItemNotFound({ variantId })
        if (quantity > MAX_LINE_QUANTITY) return yield* new QuantityTooLarge({ variantId, max: MAX_LINE_QUANTITY })
        const [item] = yield* Effect.flatMap(CheckoutStore, (c) => c.loadCatalogue([variantId]))
        if (item && quantity > item.available) return yield* new OutOfStock({ variantId, requested: quantity, available: item.available })
        yield* carts.setQuantity(cartId.value, variantId, quantity)
        return cartId.value
      })
    )
  })

export const removeFromCart = (owner: CartOwner, variantId: VariantId) =>
  Effect.gen(function* () {
    const carts = yield* CartStore
    const cartId = yield* findCart(owner)
    const removed = Option.isSome(cartId) ? yield* carts.remove(cartId.value, variantId) : false
    if (!removed) return yield* new CartItemNotFound({ variantId })
  })

/** At login: the guest's lines join the buyer's cart (quantities add up, capped), and the guest cart is closed. */
export const mergeGuestCart = (guestToken: string, buyerId: UserId) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    yield* uow.transaction(
      Effect.gen(function* () {
        const carts = yield* CartStore
        const guest = yield* carts.findActive({ _tag: "Guest", guestToken })
        if (Option.isNone(guest)) return
        const guestItems = yield* carts.items(guest.value)
        if (guestItems.length > 0) {
          const buyerCart = yield* ensureCart({ _tag: "Buyer", buyerId })
          const mine = new Map((yield* carts.items(buyerCart)).map((i) => [i.variantId, i.quantity]))
          for (const i of guestItems) yield* carts.setQuantity(buyerCart, i.variantId, Math.min(MAX_LINE_QUANTITY, (mine.get(i.variantId) ?? 0) + i.quantity))
        }
        yield* carts.close(guest.value, "ABANDONED")
      })
    )
  }).pipe(Effect.withSpan("Cart.mergeGuest"))
