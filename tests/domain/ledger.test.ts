import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Posting } from "../../domain/ledger.js"
import {
  Accounts,
  balanceOf,
  carrierAccountId,
  commissionReversalPosting,
  heldPaymentPosting,
  heldPaymentReturnedPosting,
  isBalanced,
  LOGISTICS_POOL,
  orderMoneyFromSnapshot,
  paymentPostings,
  payoutPosting,
  payoutReversalPosting,
  posting,
  refundPosting,
  releasePosting,
  sellerSettlement,
  UnbalancedPosting
} from "../../domain/ledger.js"
import * as M from "../../domain/money.js"
import { priceCheckout } from "../../domain/pricing.js"
import { arbCheckout, code, line, NOW, priceOrThrow, promotion, quoterFor, snapshotsOf, unused } from "./fixtures.js"

const sumAccounts = (postings: ReadonlyArray<Posting>, prefix: string) =>
  M.sum(
    postings.flatMap((p) => p.entries.filter((e) => e.account.startsWith(prefix)).map((e) => e.amount)),
    "KES"
  )

describe("escrow and ledger: worked example in shillings", () => {
  // One KES 2,000 dress (commission 10%) with KES 200 off by promotion and a code for 0.50 off -> goods 1,799.50,
  // shipping KES 300 flat -> total 2,099.50 -> M-Pesa charge KES 2,099, 50 cents absorbed.
  // Priced inside each test (not when the file is collected), so mutation testing sees which tests cover it.
  const setup = () => {
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
    return { priced, snapshot, pay }
  }

  it("payment: clearing +2,099.00; escrow gets 2,099.00 from the buyer, 200.50 incentives and 0.50 rounding from the platform", () => {
    const { priced, pay } = setup()
    expect(priced.charge).toEqual(M.kes(2_099))
    expect(balanceOf(pay, Accounts.mpesaClearing, "KES")).toEqual(M.kes(2_099))
    expect(balanceOf(pay, Accounts.platformIncentiveExpense, "KES")).toEqual(M.make(20_050, "KES"))
    expect(balanceOf(pay, Accounts.platformRoundingExpense, "KES")).toEqual(M.make(50, "KES"))
    // Escrow (a liability, credit-negative) holds base 2,000 + shipping 300.
    expect(balanceOf(pay, Accounts.escrow("ord-1"), "KES")).toEqual(M.kes(-2_300))
  })

  it("release: seller 2,000 − 100 fee − 200 commission = 1,700; affiliate 200; shipping 300; fee 100", () => {
    const { snapshot, pay } = setup()
    const release = releasePosting(snapshot!)
    const all = [...pay, release]
    expect(balanceOf(all, Accounts.escrow("ord-1"), "KES")).toEqual(M.zero("KES"))
    expect(balanceOf(all, Accounts.sellerPayable("store-a"), "KES")).toEqual(M.kes(-1_700))
    expect(balanceOf(all, Accounts.affiliatePayable("aff-1"), "KES")).toEqual(M.kes(-200))
    expect(balanceOf(all, Accounts.shippingPayable(), "KES")).toEqual(M.kes(-300))
    expect(balanceOf(all, Accounts.platformFeeRevenue, "KES")).toEqual(M.kes(-100))
  })

  it("refund: the buyer gets back exactly the KES 2,099 paid; the platform's funding returns to it", () => {
    const { snapshot, pay } = setup()
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

describe("escrow and ledger: every posting written out (mutation testing found these unpinned)", () => {
  // KES 1,000 of fabric, no incentive, KES 300 flat shipping: charge exactly KES 1,300, nothing to fund or absorb.
  // Priced inside each test (not when the file is collected), so mutation testing sees which tests cover it.
  const fixture = () => {
    const plain = priceOrThrow({
      currency: "KES",
      now: NOW,
      lines: [line("store-a", "fabric", 1_000, 1, 400, 1_000)],
      promotions: [],
      quoteShipping: quoterFor("KE-047-cbd")
    })
    return { plain, direct: snapshotsOf(plain, false)[0]!, viaAffiliate: snapshotsOf(plain, true)[0]! }
  }

  it("a payment with no incentive and no rounding is one posting: Dr clearing 1,300, Cr escrow 1,300, memo naming the receipt", () => {
    const { plain, direct } = fixture()
    expect(paymentPostings("chk-1", "RKT7654321", plain.charge, [orderMoneyFromSnapshot(direct!)])).toEqual([
      {
        kind: "PAYMENT_RECEIVED",
        reference: "chk-1",
        memo: "M-Pesa RKT7654321",
        entries: [
          { account: "mpesa_clearing", amount: M.kes(1_300) },
          { account: "escrow:ord-1", amount: M.kes(-1_300) }
        ]
      }
    ])
  })

  it("incentive funding and rounding are their own postings, named for the finance team", () => {
    const pay = paymentPostings("chk-9", "R1", M.kes(10), [
      { orderId: "ord-9", buyerPays: M.kes(10), incentiveFunding: M.kes(2), roundingAbsorbed: M.make(40, "KES") }
    ])
    expect(pay.map((p) => [p.kind, p.reference, p.memo])).toEqual([
      ["PAYMENT_RECEIVED", "chk-9", "M-Pesa R1"],
      ["INCENTIVE_FUNDING", "chk-9", "platform-funded discounts and shipping into escrow"],
      ["ROUNDING_ABSORBED", "chk-9", "whole-shilling rounding absorbed by the platform"]
    ])
    expect(pay[1]!.entries).toEqual([
      { account: "platform_incentive_expense", amount: M.kes(2) },
      { account: "escrow:ord-9", amount: M.kes(-2) }
    ])
    expect(pay[2]!.entries).toEqual([
      { account: "platform_rounding", amount: M.make(40, "KES") },
      { account: "escrow:ord-9", amount: M.make(-40, "KES") }
    ])
  })

  it("a charge that is not the orders' shares is refused, naming both amounts", () => {
    const { direct } = fixture()
    expect(() => paymentPostings("chk-1", "R", M.kes(1_299), [orderMoneyFromSnapshot(direct!)])).toThrow(
      new UnbalancedPosting("charge KES 1,299.00 != orders' share KES 1,300.00")
    )
  })

  it("without an affiliate the seller keeps the commission: 1,000 − 50 fee = 950; with one, 1,000 − 50 − 100 = 850", () => {
    const { direct, viaAffiliate } = fixture()
    expect(sellerSettlement(direct!)).toEqual({ base: M.kes(1_000), platformFee: M.kes(50), commission: M.kes(0), sellerPayable: M.kes(950) })
    expect(sellerSettlement(viaAffiliate!)).toEqual({ base: M.kes(1_000), platformFee: M.kes(50), commission: M.kes(100), sellerPayable: M.kes(850) })
  })

  it("release to the rider who carried it: the whole shipping goes to the rider's account, no affiliate entry without an affiliate", () => {
    const { direct, viaAffiliate } = fixture()
    const rider = carrierAccountId({ kind: "RIDER", riderUserId: "usr_rider7" })
    expect(rider).toBe("usr_rider7")
    expect(releasePosting(direct!, rider)).toEqual({
      kind: "ESCROW_RELEASED",
      reference: "ord-1",
      memo: "order completed: escrow released",
      entries: [
        { account: "escrow:ord-1", amount: M.kes(1_300) },
        { account: "seller_payable:store-a", amount: M.kes(-950) },
        { account: "shipping_payable:usr_rider7", amount: M.kes(-300) },
        { account: "platform_fee_revenue", amount: M.kes(-50) }
      ]
    })
    expect(releasePosting(viaAffiliate!).entries).toContainEqual({ account: "affiliate_payable:aff-1", amount: M.kes(-100) })
    expect(releasePosting(direct!).entries).toContainEqual({ account: "shipping_payable:logistics_pool", amount: M.kes(-300) })
  })

  it("carriers: a partner's account is partner:<name>; no carrier yet is the logistics pool", () => {
    expect(carrierAccountId({ kind: "PARTNER", partner: "sendy" })).toBe("partner:sendy")
    expect(carrierAccountId(undefined)).toBe(LOGISTICS_POOL)
    expect(LOGISTICS_POOL).toBe("logistics_pool")
  })

  it("refund, payout, reversal, commission reversal and held money: kinds, references and memos", () => {
    const { direct } = fixture()
    expect(refundPosting(direct!)).toEqual({
      kind: "REFUND",
      reference: "ord-1",
      memo: "order refunded",
      entries: [
        { account: "escrow:ord-1", amount: M.kes(1_300) },
        { account: "refunds_payable:buyer-1", amount: M.kes(-1_300) }
      ]
    })
    expect(payoutPosting("seller_payable:store-a", M.kes(5), "po-1")).toMatchObject({ kind: "PAYOUT", reference: "po-1", memo: "payout by M-Pesa" })
    expect(payoutReversalPosting("seller_payable:store-a", M.kes(5), "po-1")).toEqual({
      kind: "PAYOUT_REVERSED",
      reference: "po-1",
      memo: "payout failed: balance returned",
      entries: [
        { account: "mpesa_clearing", amount: M.kes(5) },
        { account: "seller_payable:store-a", amount: M.kes(-5) }
      ]
    })
    expect(commissionReversalPosting("ord-1", "aff-1", "store-a", M.kes(100))).toEqual({
      kind: "COMMISSION_REVERSED",
      reference: "ord-1",
      memo: "commission rejected for fraud: back to the seller",
      entries: [
        { account: "affiliate_payable:aff-1", amount: M.kes(100) },
        { account: "seller_payable:store-a", amount: M.kes(-100) }
      ]
    })
    expect(heldPaymentPosting("hld_1", M.kes(1), undefined)).toMatchObject({
      kind: "PAYMENT_HELD",
      reference: "hld_1",
      memo: "M-Pesa (confirmed by STK query) held: cannot settle its checkout"
    })
    expect(heldPaymentPosting("hld_1", M.kes(1), "TGR1")).toMatchObject({ memo: "M-Pesa TGR1 held: cannot settle its checkout" })
    expect(heldPaymentReturnedPosting("hld_1", M.kes(1), "rfd_1")).toMatchObject({
      kind: "PAYOUT",
      reference: "rfd_1",
      memo: "held money hld_1 returned by M-Pesa B2C"
    })
  })

  it("balance is per currency: KES +1 and TZS −1 do not balance; zero entries are dropped; an unbalanced posting names itself", () => {
    expect(
      isBalanced([
        { account: "a", amount: M.kes(1) },
        { account: "b", amount: M.major(-1, "TZS") }
      ])
    ).toBe(false)
    expect(
      isBalanced([
        { account: "a", amount: M.kes(1) },
        { account: "b", amount: M.kes(-1) },
        { account: "c", amount: M.major(0, "TZS") }
      ])
    ).toBe(true)
    expect(
      posting("PAYOUT", "r", "m", [
        { account: "a", amount: M.kes(0) },
        { account: "b", amount: M.kes(2) },
        { account: "c", amount: M.kes(-2) }
      ]).entries.map((e) => e.account)
    ).toEqual(["b", "c"])
    expect(() => posting("REFUND", "ord-7", "bad", [{ account: "a", amount: M.kes(1) }])).toThrow(new UnbalancedPosting("REFUND ord-7 does not balance"))
    expect(balanceOf([], "a", "UGX")).toEqual(M.zero("UGX"))
    expect(new UnbalancedPosting("x").name).toBe("UnbalancedPosting")
  })
})
