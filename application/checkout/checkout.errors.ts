import { Data } from "effect"
import type { NotSellableReason } from "../../domain/catalogue.js"
import * as M from "../../domain/money.js"
import type { Money } from "../../domain/money.js"

export class UnknownItem extends Data.TaggedError("UnknownItem")<{ readonly variantId: string }> {
  readonly code = "CHECKOUT.UNKNOWN_ITEM"
  override get message() {
    return `there is no product variant ${this.variantId}`
  }
}

export class ItemNotSellable extends Data.TaggedError("ItemNotSellable")<{ readonly variantId: string; readonly reasons: ReadonlyArray<NotSellableReason> }> {
  readonly code = "CHECKOUT.NOT_SELLABLE"
  override get message() {
    return `${this.variantId} cannot be sold right now (${this.reasons.join(", ").toLowerCase().replaceAll("_", " ")})`
  }
}

export class OutOfStock extends Data.TaggedError("OutOfStock")<{ readonly variantId: string; readonly requested: number; readonly available: number }> {
  readonly code = "CHECKOUT.OUT_OF_STOCK"
  override get message() {
    return `only ${this.available} of ${this.variantId} left; ${this.requested} requested`
  }
}

export class UnknownDiscountCode extends Data.TaggedError("UnknownDiscountCode")<{ readonly discountCode: string }> {
  readonly code = "DISCOUNT_CODE.UNKNOWN"
  override get message() {
    return `there is no discount code ${this.discountCode}`
  }
}

export class IdempotencyKeyReused extends Data.TaggedError("IdempotencyKeyReused")<{ readonly key: string }> {
  readonly code = "CHECKOUT.IDEMPOTENCY_KEY_REUSED"
  override get message() {
    return `the Idempotency-Key ${this.key} was already used for a different checkout request`
  }
}

/** A limited promotion or code ran out between reading and burning (a concurrent buyer won). */
export class IncentiveExhausted extends Data.TaggedError("IncentiveExhausted")<{
  readonly kind: "PROMOTION" | "DISCOUNT_CODE"
  readonly id: string
  readonly scope: "GLOBAL" | "BUYER"
}> {}

export class CheckoutNotFound extends Data.TaggedError("CheckoutNotFound")<{ readonly checkoutId: string }> {
  readonly code = "CHECKOUT.NOT_FOUND"
  override get message() {
    return `there is no checkout ${this.checkoutId}`
  }
}

/** Another request with the same Idempotency-Key committed first (the use case replays its result). */
export class DuplicateCheckout extends Data.TaggedError("DuplicateCheckout")<{ readonly key: string }> {}

/**
 * The cart a checkout read was checked out by another request, or its lines changed, before this
 * checkout could close it: the checkout reads the cart again (and only after a few such changes in
 * a row is the buyer told).
 */
export class CartChanged extends Data.TaggedError("CartChanged")<object> {
  readonly code = "CHECKOUT.CART_CHANGED"
  override get message() {
    return "the cart changed while it was being checked out: look at it again and check out once more"
  }
}

/** M-Pesa cannot take this charge in one STK push: refused before anything is reserved. */
export class ChargeAboveMpesaLimit extends Data.TaggedError("ChargeAboveMpesaLimit")<{ readonly charge: Money; readonly limit: Money }> {
  readonly code = "CHECKOUT.CHARGE_ABOVE_MPESA_LIMIT"
  override get message() {
    return `this checkout comes to ${M.format(this.charge)}, more than the ${M.format(this.limit)} M-Pesa accepts in one payment; split the cart into smaller checkouts`
  }
}

/** A checkout that was paid (or is being fulfilled) is not cancelled here: the order's own cancellation and refund rules apply. */
export class CheckoutAlreadyPaid extends Data.TaggedError("CheckoutAlreadyPaid")<{ readonly checkoutId: string }> {
  readonly code = "CHECKOUT.ALREADY_PAID"
  override get message() {
    return `checkout ${this.checkoutId} is paid and cannot be cancelled; a paid order is cancelled by the seller (with a full refund) or disputed after delivery`
  }
}

/** A checkout that ended some other way (its payment window closed) has nothing left to cancel. */
export class CheckoutNotCancellable extends Data.TaggedError("CheckoutNotCancellable")<{ readonly checkoutId: string; readonly state: string }> {
  readonly code = "CHECKOUT.NOT_CANCELLABLE"
  override get message() {
    return `checkout ${this.checkoutId} cannot be cancelled: it is ${this.state.toLowerCase().replaceAll("_", " ")} (its stock, incentives and points are already released)`
  }
}

/** An M-Pesa prompt may still be answered on the phone: cancel it there (or wait) rather than race the payment. */
export class CancelWhilePaying extends Data.TaggedError("CancelWhilePaying")<{ readonly checkoutId: string; readonly retryAfterMs: number }> {
  readonly code = "CHECKOUT.PAYMENT_IN_PROGRESS"
  override get message() {
    return `an M-Pesa prompt for checkout ${this.checkoutId} may still be answered on the phone: decline it there, or try again in ${Math.ceil(this.retryAfterMs / 1000)} s`
  }
}
