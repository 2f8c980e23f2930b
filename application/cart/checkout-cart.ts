/**
 * Checkout from the API: the items come from the request or, when it names none, from the buyer's
 * cart; the cart is read and closed in the checkout's own transaction (placeCheckoutOf: the cart
 * and its items' catalogue, one read, go out with the idempotency check, the close with the
 * checkout's writes). A retried request with the same Idempotency-Key returns the first checkout
 * even though the cart is closed by then; the same key with a different request (another code,
 * items named in the body) is refused.
 */
import { Effect, Option } from "effect"
import type { UserId } from "../../domain/ids.js"
import { CheckoutStore } from "../checkout/checkout.port.js"
import { placeCheckout, placeCheckoutOf } from "../checkout/place-checkout.js"
import type { CheckoutItems, CheckoutRequest } from "../checkout/place-checkout.js"
import type { CartChanged } from "../checkout/checkout.errors.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import { CartEmpty } from "./cart.errors.js"
import { CartStore } from "./cart.port.js"

/** The buyer's active cart as a checkout's items: read with their catalogue (one read), closed once the checkout is placed. */
export const cartItems = (buyerId: UserId): Effect.Effect<CheckoutItems<CartEmpty | CartChanged | StoreUnavailable, never>, never, CartStore | CheckoutStore> =>
  Effect.map(Effect.all([CartStore, CheckoutStore]), ([carts, checkouts]) => ({
    load: Effect.flatMap(checkouts.loadCartCatalogue(buyerId), (cart) =>
      Option.isNone(cart) || cart.value.items.length === 0
        ? Effect.fail(new CartEmpty())
        : Effect.succeed({
            items: cart.value.items,
            catalogue: cart.value.catalogue,
            placed: carts.closeCheckedOut(cart.value.cartId, cart.value.touchedAt, cart.value.items)
          })
    )
  }))

export const checkoutCart = (cmd: CheckoutRequest) =>
  Effect.gen(function* () {
    if (cmd.items !== undefined && cmd.items.length > 0) return yield* placeCheckout({ ...cmd, items: cmd.items })
    const { items: _none, ...request } = cmd
    // identified as "from the cart" (a retry finds the cart closed): the same key replays, whatever the cart holds now
    return yield* placeCheckoutOf({ ...request, fromCart: true }, yield* cartItems(cmd.buyerId))
  }).pipe(Effect.withSpan("Cart.checkout"))
