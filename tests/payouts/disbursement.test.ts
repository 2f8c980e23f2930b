import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isBalanced } from "../../domain/ledger.js"
import * as M from "../../domain/money.js"
import { payee } from "../../domain/commission.js"
import { PayoutId } from "../../domain/ids.js"
import {
  hasB2CRail,
  payableAccount,
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
        const payout = payoutSettledPosting(payee("SELLER", "sto_1"), payoutDisbursement(amount), PayoutId.make("pay_1"))
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
    expect(payoutInstruction("PAYBILL", "400200", undefined)).toEqual({ channel: "B2B_PAYBILL", paybill: "400200", accountRef: "" })
  })

  // Mutation testing of this file (npm run test:mutation) found these unpinned.
  it("only KES has a B2C rail: TZS and UGX payouts wait for a human", () => {
    expect([hasB2CRail("KES"), hasB2CRail("TZS"), hasB2CRail("UGX")]).toEqual([true, false, false])
  })

  it("each payee kind is paid from its own payable: sellers', affiliates', riders' (shipping)", () => {
    expect(payableAccount(payee("SELLER", "sto_1"))).toBe("seller_payable:sto_1")
    expect(payableAccount(payee("AFFILIATE", "usr_a"))).toBe("affiliate_payable:usr_a")
    expect(payableAccount(payee("RIDER", "usr_r"))).toBe("shipping_payable:usr_r")
  })

  it("worked example: a KES 2,125 payout to a rider and a KES 999.99 refund, posting by posting", () => {
    expect(payoutSettledPosting(payee("RIDER", "usr_r"), M.kes(2_125), PayoutId.make("pay_7"))).toEqual({
      kind: "PAYOUT",
      reference: "pay_7",
      memo: "payout by M-Pesa B2C to rider usr_r",
      entries: [
        { account: "shipping_payable:usr_r", amount: M.kes(2_125) },
        { account: "mpesa_clearing", amount: M.kes(-2_125) }
      ]
    })
    expect(refundSettledPosting("usr_b", M.make(999_99, "KES"), M.kes(1_000), "rfd_7")).toEqual({
      kind: "PAYOUT",
      reference: "rfd_7",
      memo: "refund by M-Pesa B2C to buyer usr_b",
      entries: [
        { account: "refunds_payable:usr_b", amount: M.make(999_99, "KES") },
        { account: "platform_rounding", amount: M.make(1, "KES") },
        { account: "mpesa_clearing", amount: M.kes(-1_000) }
      ]
    })
  })
})
