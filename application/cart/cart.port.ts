/** CartStore: carts of buyers and of guests (by an unguessable guest token), and their items. */
import type { CartId, UserId, VariantId } from "../../domain/ids.js"
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import type { CartChanged } from "../checkout/checkout.errors.js"

export interface CartItem {
  readonly variantId: VariantId
  readonly quantity: number
}

/** A cart and its items (in the order they were added). */
export interface ActiveCart {
  readonly cartId: CartId
  readonly items: ReadonlyArray<CartItem>
}

export class CartStore extends Context.Tag("amana/CartStore")<
  CartStore,
  {
    /** The ACTIVE cart with its items, read at once (one round trip). */
    readonly findActiveWithItems: (owner: CartOwner) => Effect.Effect<Option.Option<ActiveCart>, StoreUnavailable>
    readonly create: (cartId: CartId, owner: CartOwner) => Effect.Effect<void, StoreUnavailable>
    /**
     * Creates the cart with its first line (one round trip); answers its items. None, and nothing
     * written, when the owner has an open cart already (a concurrent first add made it).
     */
    readonly createWithItem: (
      cartId: CartId,
      owner: CartOwner,
      variantId: VariantId,
      quantity: number
    ) => Effect.Effect<Option.Option<ReadonlyArray<CartItem>>, StoreUnavailable>
    /**
     * Sets the quantity (inserting the line if new) and touches the cart; answers the cart's items
     * after the write. None, and nothing written, when the cart is no longer ACTIVE (a checkout closed it).
     */
    readonly setQuantity: (cartId: CartId, variantId: VariantId, quantity: number) => Effect.Effect<Option.Option<ReadonlyArray<CartItem>>, StoreUnavailable>
    /** The cart's items left after removing the line; none when the line was not in the cart. */
    readonly remove: (cartId: CartId, variantId: VariantId) => Effect.Effect<Option.Option<ReadonlyArray<CartItem>>, StoreUnavailable>
    readonly close: (cartId: CartId, state: "CHECKED_OUT" | "ABANDONED") => Effect.Effect<void, StoreUnavailable>
    /**
     * Closes the cart as CHECKED_OUT, refused (CartChanged, at the latest with the transaction's
     * COMMIT) unless it is still ACTIVE, untouched since `touchedAt` (CheckoutStore.loadCartCatalogue)
     * and holds exactly `items`: what the checkout read and bought.
     */
    readonly closeCheckedOut: (cartId: CartId, touchedAt: string, items: ReadonlyArray<CartItem>) => Effect.Effect<void, CartChanged | StoreUnavailable>
  }
>() {}

export type CartOwner = { readonly _tag: "Buyer"; readonly buyerId: UserId } | { readonly _tag: "Guest"; readonly guestToken: string }
