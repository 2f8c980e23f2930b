/**
 * Money that M-Pesa confirms arrived but that cannot settle its checkout (issue 10 item 5): why it
 * is held and whether it may go back by itself. Pure rules; the use cases record and move it.
 *
 * The STK query confirms THAT a push was paid, not how much: the amount received is the one the
 * callback states (or, with no callback, the amount pushed: STK charges exactly what it asks).
 * Money goes back automatically only when nothing about the claim is odd: no more than was pushed
 * (M-Pesa cannot take more from the phone for that push, so a larger claim is unverified and
 * sending it would pay out money we may never have had) and from the phone that was asked (else
 * whose money it is is unclear). Otherwise FINANCE checks the statement and decides.
 */
import * as M from "./money.js"
import type { Money } from "./money.js"
import type { OrderState } from "./order.js"

export type HeldReason = "AMOUNT_MISMATCH" | "PHONE_MISMATCH" | "CHECKOUT_EXPIRED" | "CHECKOUT_CANCELLED" | "ALREADY_PAID" | "NOT_PAYABLE"
export type ReturnPolicy = "AUTOMATIC" | "FINANCE"
export type HeldStatus = "HELD" | "RETURNING" | "RETURNED" | "RETURN_FAILED"

/** Money is held (no new push for its checkout) until it is confirmed returned. */
export const stillHeld = (status: HeldStatus): boolean => status !== "RETURNED"

/** Why the orders of a checkout could not take a payment confirmed for them. */
export const reasonForOrders = (states: ReadonlyArray<OrderState>): HeldReason => {
  if (states.length > 0 && states.every((s) => s !== "PENDING_PAYMENT" && s !== "PAYMENT_FAILED" && s !== "EXPIRED" && s !== "CANCELLED_BY_USER"))
    return "ALREADY_PAID"
  if (states.includes("EXPIRED")) return "CHECKOUT_EXPIRED"
  if (states.includes("CANCELLED_BY_USER")) return "CHECKOUT_CANCELLED"
  return "NOT_PAYABLE"
}

export const returnPolicy = (c: {
  readonly received: Money
  readonly pushed: Money
  readonly amountStated: boolean
  readonly fromPushedPhone: boolean
}): ReturnPolicy =>
  c.amountStated && c.fromPushedPhone && c.received.currency === c.pushed.currency && c.received.amount > 0 && c.received.amount <= c.pushed.amount
    ? "AUTOMATIC"
    : "FINANCE"

const WHY: { readonly [R in HeldReason]: string } = {
  AMOUNT_MISMATCH: "the amount differs from what this checkout asked for",
  PHONE_MISMATCH: "it came from another phone than the one asked",
  CHECKOUT_EXPIRED: "the checkout had expired",
  CHECKOUT_CANCELLED: "the checkout had been cancelled",
  ALREADY_PAID: "the checkout was already paid",
  NOT_PAYABLE: "the checkout could not be paid any more"
}
const NEXT: { readonly [S in HeldStatus]: (policy: ReturnPolicy) => string } = {
  HELD: (policy) =>
    policy === "AUTOMATIC" ? "it will be sent back to the phone that paid" : "our finance team is checking it and will send it back to the phone that paid",
  RETURNING: () => "it is being sent back to the phone that paid",
  RETURNED: () => "it was sent back to the phone that paid",
  RETURN_FAILED: () => "sending it back failed; our finance team will return it"
}

/** What the buyer reads about held money. */
export const heldMoneySentence = (h: {
  readonly amount: Money
  readonly receipt?: string | undefined
  readonly reason: HeldReason
  readonly status: HeldStatus
  readonly returnPolicy: ReturnPolicy
}): string =>
  `${M.format(h.amount)} received by M-Pesa${h.receipt ? ` (${h.receipt})` : ""} could not pay this checkout because ${WHY[h.reason]}: ${NEXT[h.status](h.returnPolicy)}.`
