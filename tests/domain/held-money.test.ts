/**
 * Held money (issue 10 item 5): what arrives and cannot settle its checkout is held exactly, and
 * exactly that goes back. Worked example and properties over the pure rules.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { heldMoneySentence, reasonForOrders, returnPolicy, stillHeld } from "../../domain/held-money.js"
import { Accounts, balanceOf, heldPaymentPosting, heldPaymentReturnedPosting, isBalanced } from "../../domain/ledger.js"
import * as M from "../../domain/money.js"
import type { OrderState } from "../../domain/order.js"

describe("held money: worked example", () => {
  // Asked KES 1,330; the callback (confirmed paid by the STK query) says KES 1 arrived.
  const held = heldPaymentPosting("hld_1", M.kes(1), "TGR1234567")
  const back = heldPaymentReturnedPosting("hld_1", M.kes(1), "rfd_1")

  it("arrival: Dr M-Pesa clearing 1.00, Cr held 1.00; return: the reverse; both accounts end at zero", () => {
    expect(held.entries).toEqual([
      { account: "mpesa_clearing", amount: M.kes(1) },
      { account: "held_payments:hld_1", amount: M.kes(-1) }
    ])
    expect(balanceOf([held], Accounts.heldPayments("hld_1"), "KES")).toEqual(M.kes(-1))
    expect(balanceOf([held, back], Accounts.heldPayments("hld_1"), "KES")).toEqual(M.zero("KES"))
    expect(balanceOf([held, back], Accounts.mpesaClearing, "KES")).toEqual(M.zero("KES"))
  })

  it("KES 1 below the KES 1,330 asked goes back by itself; KES 5,000 claimed (more than pushed), or from another phone, waits for FINANCE", () => {
    expect(returnPolicy({ received: M.kes(1), pushed: M.kes(1_330), amountStated: true, fromPushedPhone: true })).toBe("AUTOMATIC")
    expect(returnPolicy({ received: M.kes(1_330), pushed: M.kes(1_330), amountStated: true, fromPushedPhone: true })).toBe("AUTOMATIC")
    expect(returnPolicy({ received: M.kes(5_000), pushed: M.kes(1_330), amountStated: true, fromPushedPhone: true })).toBe("FINANCE")
    expect(returnPolicy({ received: M.kes(1), pushed: M.kes(1_330), amountStated: true, fromPushedPhone: false })).toBe("FINANCE")
    expect(returnPolicy({ received: M.kes(1_330), pushed: M.kes(1_330), amountStated: false, fromPushedPhone: true })).toBe("FINANCE")
  })

  it("why: expired, cancelled, already paid", () => {
    expect(reasonForOrders(["EXPIRED"])).toBe("CHECKOUT_EXPIRED")
    expect(reasonForOrders(["CANCELLED_BY_USER", "CANCELLED_BY_USER"])).toBe("CHECKOUT_CANCELLED")
    expect(reasonForOrders(["PAID", "ACCEPTED"])).toBe("ALREADY_PAID")
    expect(reasonForOrders(["PAID", "EXPIRED"])).toBe("CHECKOUT_EXPIRED")
  })

  it("the buyer reads the amount, the receipt, why, and what happens next", () => {
    expect(heldMoneySentence({ amount: M.kes(1_000), receipt: "TGR1234567", reason: "AMOUNT_MISMATCH", status: "RETURNING", returnPolicy: "AUTOMATIC" })).toBe(
      "KES 1,000.00 received by M-Pesa (TGR1234567) could not pay this checkout because the amount differs from what this checkout asked for: it is being sent back to the phone that paid."
    )
    expect(stillHeld("RETURN_FAILED")).toBe(true)
    expect(stillHeld("RETURNED")).toBe(false)
  })
})

const shillings = fc.integer({ min: 1, max: 250_000 }).map((n) => M.kes(n))

describe("held money: properties", () => {
  it("held amount = amount received; returned = held: every posting balances and the held account and clearing end at zero", () => {
    fc.assert(
      fc.property(fc.array(shillings, { minLength: 1, maxLength: 6 }), (received) => {
        const postings = received.flatMap((r, i) => [heldPaymentPosting(`hld_${i}`, r, undefined), heldPaymentReturnedPosting(`hld_${i}`, r, `rfd_${i}`)])
        expect(postings.every((p) => isBalanced(p.entries))).toBe(true)
        received.forEach((r, i) => {
          // held (a liability, credit-negative) is exactly what arrived
          expect(balanceOf([postings[2 * i]!], Accounts.heldPayments(`hld_${i}`), "KES")).toEqual(M.negate(r))
          expect(balanceOf(postings, Accounts.heldPayments(`hld_${i}`), "KES")).toEqual(M.zero("KES"))
        })
        expect(balanceOf(postings, Accounts.mpesaClearing, "KES")).toEqual(M.zero("KES"))
      })
    )
  })

  it("an automatic return never sends more than the push could have taken", () => {
    fc.assert(
      fc.property(shillings, shillings, fc.boolean(), fc.boolean(), (received, pushed, amountStated, fromPushedPhone) => {
        if (returnPolicy({ received, pushed, amountStated, fromPushedPhone }) === "AUTOMATIC") {
          expect(received.amount).toBeLessThanOrEqual(pushed.amount)
          expect(amountStated && fromPushedPhone).toBe(true)
        }
      })
    )
  })

  it("money received for orders that cannot take it always has a reason", () => {
    const states: ReadonlyArray<OrderState> = ["PENDING_PAYMENT", "PAYMENT_FAILED", "EXPIRED", "CANCELLED_BY_USER", "PAID", "ACCEPTED", "COMPLETED", "REFUNDED"]
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...states), { minLength: 1, maxLength: 4 }), (s) => {
        expect(["CHECKOUT_EXPIRED", "CHECKOUT_CANCELLED", "ALREADY_PAID", "NOT_PAYABLE"]).toContain(reasonForOrders(s))
      })
    )
  })
})

describe("held money: every reason, policy and sentence (mutation testing found these unpinned)", () => {
  it("orders still waiting for money (pending, failed) or none at all: not payable any more, never 'already paid'", () => {
    expect(reasonForOrders([])).toBe("NOT_PAYABLE")
    expect(reasonForOrders(["PENDING_PAYMENT"])).toBe("NOT_PAYABLE")
    expect(reasonForOrders(["PAYMENT_FAILED"])).toBe("NOT_PAYABLE")
    expect(reasonForOrders(["PAID", "PENDING_PAYMENT"])).toBe("NOT_PAYABLE")
    expect(reasonForOrders(["PAID", "PAYMENT_FAILED"])).toBe("NOT_PAYABLE")
    expect(reasonForOrders(["PAID", "CANCELLED_BY_USER"])).toBe("CHECKOUT_CANCELLED")
    expect(reasonForOrders(["COMPLETED"])).toBe("ALREADY_PAID")
  })

  it("nothing received, or received in another currency than pushed: FINANCE decides", () => {
    expect(returnPolicy({ received: M.kes(0), pushed: M.kes(1_330), amountStated: true, fromPushedPhone: true })).toBe("FINANCE")
    expect(returnPolicy({ received: M.major(1, "TZS"), pushed: M.kes(1_330), amountStated: true, fromPushedPhone: true })).toBe("FINANCE")
    expect(returnPolicy({ received: M.make(1, "KES"), pushed: M.kes(1_330), amountStated: true, fromPushedPhone: true })).toBe("AUTOMATIC")
    expect(returnPolicy({ received: M.make(133_001, "KES"), pushed: M.kes(1_330), amountStated: true, fromPushedPhone: true })).toBe("FINANCE")
  })

  it("money is held until it is confirmed returned", () => {
    expect(stillHeld("HELD")).toBe(true)
    expect(stillHeld("RETURNING")).toBe(true)
  })

  it("each reason and each status reads as its own sentence; no receipt, no parentheses", () => {
    const say = (
      reason: Parameters<typeof heldMoneySentence>[0]["reason"],
      status: Parameters<typeof heldMoneySentence>[0]["status"],
      policy: "AUTOMATIC" | "FINANCE" = "AUTOMATIC"
    ) => heldMoneySentence({ amount: M.kes(50), reason, status, returnPolicy: policy })
    expect(say("PHONE_MISMATCH", "HELD")).toBe(
      "KES 50.00 received by M-Pesa could not pay this checkout because it came from another phone than the one asked: it will be sent back to the phone that paid."
    )
    expect(say("CHECKOUT_EXPIRED", "HELD", "FINANCE")).toBe(
      "KES 50.00 received by M-Pesa could not pay this checkout because the checkout had expired: our finance team is checking it and will send it back to the phone that paid."
    )
    expect(say("CHECKOUT_CANCELLED", "RETURNED")).toBe(
      "KES 50.00 received by M-Pesa could not pay this checkout because the checkout had been cancelled: it was sent back to the phone that paid."
    )
    expect(say("ALREADY_PAID", "RETURN_FAILED")).toBe(
      "KES 50.00 received by M-Pesa could not pay this checkout because the checkout was already paid: sending it back failed; our finance team will return it."
    )
    expect(say("NOT_PAYABLE", "RETURNING")).toBe(
      "KES 50.00 received by M-Pesa could not pay this checkout because the checkout could not be paid any more: it is being sent back to the phone that paid."
    )
  })
})
