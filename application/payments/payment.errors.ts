import { Data } from "effect"

export class CheckoutNotPayable extends Data.TaggedError("CheckoutNotPayable")<{ readonly checkoutId: string; readonly state: string }> {
  readonly code = "PAYMENT.CHECKOUT_NOT_PAYABLE"
  override get message() {
    return `checkout ${this.checkoutId} cannot be paid now: it is ${this.state.toLowerCase().replaceAll("_", " ")}`
  }
}

export class PaymentInProgress extends Data.TaggedError("PaymentInProgress")<{ readonly checkoutId: string; readonly retryAfterMs: number }> {
  readonly code = "PAYMENT.IN_PROGRESS"
  override get message() {
    return `an M-Pesa prompt for checkout ${this.checkoutId} is still waiting for an answer on the phone; try again in ${Math.ceil(this.retryAfterMs / 1000)} s`
  }
}

/** Money received for this checkout is held (it could not settle it) until it is confirmed returned: no new push meanwhile. */
export class MoneyHeld extends Data.TaggedError("MoneyHeld")<{ readonly checkoutId: string; readonly held: string }> {
  readonly code = "PAYMENT.MONEY_HELD"
  override get message() {
    return `${this.held} already received for checkout ${this.checkoutId} could not pay it and is held until it is sent back to the phone that paid; no new payment is taken for this checkout meanwhile`
  }
}

/** The STK query says "not final yet": the worker retries the reconciliation later (routine: not an error worth a log line). */
export class PaymentStillPending extends Data.TaggedError("PaymentStillPending")<{ readonly checkoutRequestId: string; readonly detail: string }> {
  readonly code = "PAYMENT.STILL_PENDING"
  readonly routine = true
  override get message() {
    return `M-Pesa has not finished ${this.checkoutRequestId} yet (${this.detail}); polling again later`
  }
}
