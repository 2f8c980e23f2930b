import { Data } from "effect"

export class CartItemNotFound extends Data.TaggedError("CartItemNotFound")<{ readonly variantId: string }> {
  readonly code = "CART.ITEM_NOT_FOUND"
  override get message() {
    return `${this.variantId} is not in the cart`
  }
}

export class CartEmpty extends Data.TaggedError("CartEmpty")<object> {
  readonly code = "CART.EMPTY"
  override get message() {
    return "the cart is empty: add items first, or send them in the checkout request"
  }
}

export class QuantityTooLarge extends Data.TaggedError("QuantityTooLarge")<{ readonly variantId: string; readonly max: number }> {
  readonly code = "CART.QUANTITY_TOO_LARGE"
  override get message() {
    return `at most ${this.max} of ${this.variantId} per cart line`
  }
}
