import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Posting } from "../../domain/ledger.js"
import { Accounts, balanceOf, isBalanced, orderMoneyFromSnapshot, paymentPostings, payoutPosting, payoutReversalPosting, posting, refundPosting, releasePosting, UnbalancedPosting } from "../../domain/ledger.js"
import * as M from "../../domain/money.js"
import { priceCheckout } from "../../domain/pricing.js"
import { arbCheckout, code, line, NOW, priceOrThrow, promotion, quoterFor, snapshotsOf, unused } from "./fixtures.js"

const sumAccounts = (postings: ReadonlyArray<Posting>, prefix: string) =>
  M.sum(postings.flatMap((p) => p.entries.filter((e) => e.account.startsWith(prefix)).map((e) => e.amount)), "KES")

describe("escrow and ledger: worked example in shillings", () => {
  // One KES 2,000 dress (commission 10%) with KES 200 off by promotion and a code for 0.50 off -> goods 1,799.50,
  // shipping KES 300 flat -> total 2,099.50 -> M-Pesa charge KES 2,099, 50 cents absorbed.
  const priced = priceOrThrow({
    currency: "KES",
    now: NOW,
    lines: [line("store-a", "dress", 2_000, 1, 400, 1_000)],
    promotions: [{ promotion: promotion("promo-200", 1, { _tag: "EVERYTHING" }, { _tag: "AMOUNT_OFF", amount: M.kes(200) }), usage: unused }],
    code: { code: code("FIFTY", { _tag: "AMOUNT_OFF", amount: M.make(50, "KES") }), usage: unused },
    quoteShipping: quoterFor("KE-047-cbd")
  })
  const [snapshot] = snapshotsOf(priced, true)
  const pay = paymentPostings("chk-1", "RKT1234567", priced.charge, snapshotsOf(priced).map(orderMoneyFromSnapshot))

  it("payment: clearing +2,099.00; escrow gets 2,099.00 from the buyer, 200.50 incentives and 0.50 rounding from the platform", () => {
    expect(priced.charge).toEqual(M.kes(2_099))
    expect(balanceOf(pay, Accounts.mpesaClearing, "KES")).toEqual(M.kes(2_099))
    expect(balanceOf(pay, Accounts.platformIncentiveExpense, "KES")).toEqual(M.make(20_050, "KES"))
    expect(balanceOf(pay, Accounts.platformRoundingExpense, "KES")).toEqual(M.make(50, "KES"))
    // Escrow (a liability, credit-negative) holds base 2,000 + shipping 300.
    expect(balanceOf(pay, Accounts.escrow("ord-1"), "KES")).toEqual(M.kes(-2_300))
  })

  it("release: seller 2,000 − 100 fee − 200 commission = 1,700; affiliate 200; shipping 300; fee 100", () => {
    const release = releasePosting(snapshot!)
    const all = [...pay, release]
    expect(balanceOf(all, Accounts.escrow("ord-1"), "KES")).toEqual(M.zero("KES"))
    expect(balanceOf(all, Accounts.sellerPayable("store-a"), "KES")).toEqual(M.kes(-1_700))
    expect(balanceOf(all, Accounts.affiliatePayable("aff-1"), "KES")).toEqual(M.kes(-200))
    expect(balanceOf(all, Accounts.shippingPayable(), "KES")).toEqual(M.kes(-300))
    expect(balanceOf(all, Accounts.platformFeeRevenue, "KES")).toEqual(M.kes(-100))
  })

  it("refund: the buyer gets back exactly the KES 2,099 paid; the platform's funding returns to it", () => {
    const all = [...pay, refundPosting(snapshot!)]
    expect(balanceOf(all, Accounts.escrow("ord-1"), "KES")).toEqual(M.zero("KES"))
    expect(balanceOf(all, Accounts.refundsPayable("buyer-1"), "KES")).toEqual(M.kes(-2_099))
    expect(balanceOf(all, Accounts.platformIncentiveExpense, "KES")).toEqual(M.zero("KES"))
  })

  it("a payout settles the payable; a failed payout returns the balance", () => {
    const out = payoutPosting(Accounts.sellerPayable("store-a"), M.kes(1_700), "payout-1")
    const back = payoutReversalPosting(Accounts.sellerPayable("store-a"), M.kes(1_700), "payout-1")
    expect(balanceOf([out, back], Accounts.sellerPayable("store-a"), "KES")).toEqual(M.zero("KES"))
    expect(balanceOf([out], Accounts.mpesaClearing, "KES")).toEqual(M.kes(-1_700))
  })

  it("an unbalanced posting is refused", () => {
    expect(() => posting("REFUND", "x", "bad", [{ account: "a", amount: M.kes(1) }])).toThrow(UnbalancedPosting)
  })
})

describe("escrow and ledger: invariants", () => {
  const scenario = fc.tuple(arbCheckout, fc.boolean(), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }))

  it("every posting set balances; each order's escrow is zero after COMPLETED or REFUNDED; buyer paid + platform funding = seller + affiliate + shipping + fee + refunds", () => {
    fc.assert(
      fc.property(scenario, ([input, affiliate, refunds]) => {
        const result = priceCheckout(input)
        if (Either.isLeft(result)) return
        const priced = result.right
        const snapshots = snapshotsOf(priced, affiliate)
        const pay = paymentPostings("chk-1", "RCPT", priced.charge, snapshots.map(orderMoneyFromSnapshot))
        const ends = snapshots.map((s, i) => (refunds[i] ? refundPosting(s) : releasePosting(s)))
        const all = [...pay, ...ends]
        for (const p of all) expect(isBalanced(p.entries)).toBe(true)
        for (const s of snapshots) expect(balanceOf(all, Accounts.escrow(s.orderId), "KES")).toEqual(M.zero("KES"))
        // Money in: what the buyer paid and what the platform funded. Money out: the credits to those who earned it.
        const buyerPaid = priced.charge
        const funding = M.add(balanceOf(all, Accounts.platformIncentiveExpense, "KES"), balanceOf(all, Accounts.platformRoundingExpense, "KES"))
        const earned = M.negate(
          M.sum(
            ["seller_payable:", "affiliate_payable:", "shipping_payable:", Accounts.platformFeeRevenue, "refunds_payable:"].map((a) => sumAccounts(all, a)),
            "KES"
          )
        )
        expect(M.add(buyerPaid, funding)).toEqual(earned)
      }),
      { numRuns: 300 }
    )
  })
})
