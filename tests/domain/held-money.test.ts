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
