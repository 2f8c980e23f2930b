/**
 * Checkout from the API: the items come from the request or, when it names none, from the buyer's
 * cart; the cart is read and closed in the checkout's own transaction (placeCheckoutOf: the cart
 * and its items' catalogue, one read, go out with the idempotency check, the close with the
 * checkout's writes). A retried request with the same Idempotency-Key returns the first checkout
 * even though the cart is closed by then; the same key with a different request (another code,
 * items named in the body) is refused.
 */
import { Effect, Option } from "effect"
import { CheckoutStore } from "../checkout/checkout.port.js"
import { placeCheckout, placeCheckoutOf } from "../checkout/place-checkout.js"
import type { CheckoutRequest } from "../checkout/place-checkout.js"
import { CartEmpty } from "./cart.errors.js"
import { CartStore } from "./cart.port.js"

export const checkoutCart = (cmd: CheckoutRequest) =>
  Effect.gen(function* () {
    const carts = yield* CartStore
    const checkouts = yield* CheckoutStore
    if (cmd.items !== undefined && cmd.items.length > 0) return yield* placeCheckout({ ...cmd, items: cmd.items })
    const { items: _none, ...request } = cmd
    return yield* placeCheckoutOf(
      // identified as "from the cart" (a retry finds the cart closed): the same key replays, whatever the cart holds now
      { ...request, fromCart: true },
      {
        // the cart and its items' catalogue in one read
        load: Effect.flatMap(checkouts.loadCartCatalogue(cmd.buyerId), (cart) =>
          Option.isNone(cart) || cart.value.items.length === 0
            ? Effect.fail(new CartEmpty())
            : Effect.succeed({ items: cart.value.items, catalogue: cart.value.catalogue, placed: carts.close(cart.value.cartId, "CHECKED_OUT") })
        )
      }
    )
  }).pipe(Effect.withSpan("Cart.checkout"))
