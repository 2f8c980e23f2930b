/** CartStore: carts of buyers and of guests (by an unguessable guest token), and their items. */
import type { CartId, UserId, VariantId } from "../../domain/ids.js"
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface CartItem {
  readonly variantId: VariantId
  readonly quantity: number
}

export class CartStore extends Context.Tag("amana/CartStore")<
  CartStore,
  {
    /** The ACTIVE cart of a buyer or of a guest token. */
    readonly findActive: (owner: CartOwner) => Effect.Effect<Option.Option<CartId>, StoreUnavailable>
    readonly create: (cartId: CartId, owner: CartOwner) => Effect.Effect<void, StoreUnavailable>
    readonly items: (cartId: CartId) => Effect.Effect<ReadonlyArray<CartItem>, StoreUnavailable>
    /** Sets the quantity (inserting the line if new). */
    readonly setQuantity: (cartId: CartId, variantId: VariantId, quantity: number) => Effect.Effect<void, StoreUnavailable>
    /** false when the line was not in the cart */
    readonly remove: (cartId: CartId, variantId: VariantId) => Effect.Effect<boolean, StoreUnavailable>
    readonly close: (cartId: CartId, state: "CHECKED_OUT" | "ABANDONED") => Effect.Effect<void, StoreUnavailable>
  }
>() {}

export type CartOwner = { readonly _tag: "Buyer"; readonly buyerId: UserId } | { readonly _tag: "Guest"; readonly guestToken: string }
