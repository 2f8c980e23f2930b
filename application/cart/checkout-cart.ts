/**
 * Checkout from the API: the items come from the request or, when it names none, from the buyer's
 * cart; the cart is closed in the same transaction as the checkout is created. A retried request
 * with the same Idempotency-Key returns the first checkout even though the cart is closed by then;
 * the same key with a different request (another code, items named in the body) is refused.
 */
import { Effect, Option } from "effect"
import { CheckoutStore } from "../checkout/checkout.port.js"
import { IdempotencyKeyReused } from "../checkout/checkout.errors.js"
import { fingerprintOf, placeCheckout } from "../checkout/place-checkout.js"
import type { PlaceCheckout } from "../checkout/place-checkout.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { CartEmpty } from "./cart.errors.js"
import { CartStore } from "./cart.port.js"

export type CheckoutRequest = Omit<PlaceCheckout, "items"> & { readonly items?: PlaceCheckout["items"] | undefined }

export const checkoutCart = (cmd: CheckoutRequest) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const checkouts = yield* CheckoutStore
    const carts = yield* CartStore
    if (cmd.items !== undefined && cmd.items.length > 0) return yield* placeCheckout({ ...cmd, items: cmd.items })
    return yield* uow.transaction(
      Effect.gen(function* () {
        // Same key again: the first result, whatever the cart holds now, if the request is the same.
        const fromCart = { ...cmd, fromCart: true }
        const previous = yield* checkouts.findByIdempotencyKey(cmd.buyerId, cmd.idempotencyKey, fingerprintOf(fromCart))
        if (Option.isSome(previous)) return previous.value.sameRequest ? previous.value.summary : yield* new IdempotencyKeyReused({ key: cmd.idempotencyKey })
        const cart = yield* carts.findActiveWithItems({ _tag: "Buyer", buyerId: cmd.buyerId })
        if (Option.isNone(cart) || cart.value.items.length === 0) return yield* new CartEmpty()
        const summary = yield* placeCheckout({ ...fromCart, items: cart.value.items })
        yield* carts.close(cart.value.cartId, "CHECKED_OUT")
        return summary
      })
    )
  }).pipe(Effect.withSpan("Cart.checkout"))
