import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isBalanced } from "../../domain/ledger.js"
import * as M from "../../domain/money.js"
import {
  payoutDisbursement,
  payoutInstruction,
  payoutSettledPosting,
  refundDisbursement,
  refundSettledPosting
} from "../../application/payouts-execution/disbursement.js"

const kes = fc.integer({ min: 1, max: 50_000_000 }).map((n) => M.make(n, "KES"))

describe("money out by M-Pesa (whole shillings)", () => {
  it("property: a payout sends whole shillings, never more than is owed and less than a shilling short", () => {
    fc.assert(
      fc.property(kes, (owed) => {
        const sent = payoutDisbursement(owed)
        expect(sent.amount % 100).toBe(0)
        expect(sent.amount).toBeLessThanOrEqual(owed.amount)
        expect(owed.amount - sent.amount).toBeLessThan(100)
      })
    )
  })

  it("property: a refund sends whole shillings, never less than the buyer paid and less than a shilling more", () => {
    fc.assert(
      fc.property(kes, (paid) => {
        const sent = refundDisbursement(paid)
        expect(sent.amount % 100).toBe(0)
        expect(sent.amount).toBeGreaterThanOrEqual(paid.amount)
        expect(sent.amount - paid.amount).toBeLessThan(100)
      })
    )
  })

  it("property: settled payout and refund postings balance, and empty the payable by exactly what was settled", () => {
    fc.assert(
      fc.property(kes, (amount) => {
        const payout = payoutSettledPosting("SELLER", "sto_1", payoutDisbursement(amount), "pay_1")
        const refund = refundSettledPosting("usr_1", amount, refundDisbursement(amount), "rfd_1")
        expect(isBalanced(payout.entries)).toBe(true)
        expect(isBalanced(refund.entries)).toBe(true)
        expect(refund.entries.find((e) => e.account === "refunds_payable:usr_1")?.amount).toEqual(amount)
      })
    )
  })

  it.each([
    // owed/paid (KES)     payout sends   refund sends
    [2_125_00, 2_125_00, 2_125_00],
    [2_125_49, 2_125_00, 2_126_00],
    [999_99, 999_00, 1_000_00]
  ])("KES %i cents: payout %i, refund %i", (amount, payout, refund) => {
    expect(payoutDisbursement(M.make(amount, "KES")).amount).toBe(payout)
    expect(refundDisbursement(M.make(amount, "KES")).amount).toBe(refund)
  })

  it("a Till or Paybill payout is modelled as B2B (handed to a human until wired)", () => {
    expect(payoutInstruction("B2C", "254711000001", undefined)).toEqual({ channel: "B2C", phone: "254711000001" })
    expect(payoutInstruction("TILL", "5123456", undefined)).toEqual({ channel: "B2B_TILL", till: "5123456" })
    expect(payoutInstruction("PAYBILL", "400200", "ACC-9")).toEqual({ channel: "B2B_PAYBILL", paybill: "400200", accountRef: "ACC-9" })
  })
})
