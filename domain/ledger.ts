/**
 * Escrow and the double-entry ledger. Every movement of money is a posting whose entries sum to
 * zero (debits positive, credits negative, in minor units). Postings are only ever appended.
 *
 * Money flows (per order, all in one currency):
 *   payment received   Dr M-Pesa clearing (the charge)        Cr escrow:order (buyer's part)
 *   incentive funding  Dr platform incentive expense           Cr escrow:order (discounts, shipping waived)
 *   rounding           Dr platform rounding expense            Cr escrow:order (sub-shilling rest absorbed)
 *   => escrow holds base merchandise + shipping, whatever incentives applied.
 *   release (COMPLETED) Dr escrow  Cr seller payable (base − fee − commission), affiliate payable,
 *                                  shipping payable, platform fee revenue
 *   refund (REFUNDED)   Dr escrow  Cr refunds payable (what the buyer paid), and the platform's funding
 *                                  returns to the accounts it came from (no sale, no incentive spent)
 *   payout              Dr seller/affiliate payable  Cr M-Pesa clearing (B2C disbursement)
 *   money held          Dr M-Pesa clearing  Cr held payments (received, cannot settle its checkout)
 *   held money returned Dr held payments    Cr M-Pesa clearing (B2C back to the payer)
 */
import type { OrderId, StoreId, UserId } from "./ids.js"
import * as M from "./money.js"
import type { Currency, Money } from "./money.js"
import { commissionForLines } from "./commission.js"
import type { OrderSnapshot } from "./snapshot.js"

/** The carrier account for shipping earned before a rider or partner is attached to the order. */
export const LOGISTICS_POOL = "logistics_pool"

/** Who carried an order: one of our riders (by user id) or a logistics partner (by name). */
export type Carrier = { readonly kind: "RIDER"; readonly riderUserId: string } | { readonly kind: "PARTNER"; readonly partner: string }

/** The shipping payable sub-account of a carrier: the rider's user id, or "partner:<name>". */
export const carrierAccountId = (c: Carrier | undefined): string =>
  c === undefined ? LOGISTICS_POOL : c.kind === "RIDER" ? c.riderUserId : `partner:${c.partner}`

export const Accounts = {
  mpesaClearing: "mpesa_clearing",
  /** Money sent from the platform's bank account (a payout paid by hand by bank transfer), until the bank statement is reconciled. */
  bankClearing: "bank_clearing",
  escrow: (orderId: OrderId | string) => `escrow:${orderId}`,
  sellerPayable: (storeId: StoreId | string) => `seller_payable:${storeId}`,
  affiliatePayable: (userId: UserId | string) => `affiliate_payable:${userId}`,
  /** Owed to whoever carried the order: a rider, a logistics partner, or the pool until one is known. */
  shippingPayable: (carrierId: string = LOGISTICS_POOL) => `shipping_payable:${carrierId}`,
  platformFeeRevenue: "platform_fee_revenue",
  platformIncentiveExpense: "platform_incentive_expense",
  platformRoundingExpense: "platform_rounding",
  refundsPayable: (buyerId: UserId | string) => `refunds_payable:${buyerId}`,
  /** Money received that could not settle its checkout, owed back to the payer until returned. */
  heldPayments: (heldPaymentId: string) => `held_payments:${heldPaymentId}`
} as const

export type PostingKind =
  | "PAYMENT_RECEIVED"
  | "INCENTIVE_FUNDING"
  | "ROUNDING_ABSORBED"
  | "ESCROW_RELEASED"
  | "REFUND"
  | "PAYOUT"
  | "PAYOUT_REVERSED"
  | "COMMISSION_REVERSED"
  | "PAYMENT_HELD"

export interface Entry {
  readonly account: string
  /** Signed: positive is a debit, negative a credit. */
  readonly amount: Money
}

export interface Posting {
  readonly kind: PostingKind
  readonly reference: string
  readonly memo: string
  readonly entries: ReadonlyArray<Entry>
}

export class UnbalancedPosting extends Error {
  override readonly name = "UnbalancedPosting"
}

export const isBalanced = (entries: ReadonlyArray<Entry>): boolean => {
  const byCurrency = new Map<Currency, number>()
  for (const e of entries) byCurrency.set(e.amount.currency, (byCurrency.get(e.amount.currency) ?? 0) + e.amount.amount)
  return [...byCurrency.values()].every((v) => v === 0)
}

const debit = (account: string, amount: Money): Entry => ({ account, amount })
const credit = (account: string, amount: Money): Entry => ({ account, amount: M.negate(amount) })

/** Build a posting, dropping zero entries; an unbalanced posting is a bug and is refused. */
export const posting = (kind: PostingKind, reference: string, memo: string, entries: ReadonlyArray<Entry>): Posting => {
  const kept = entries.filter((e) => e.amount.amount !== 0)
  if (!isBalanced(kept)) throw new UnbalancedPosting(`${kind} ${reference} does not balance`)
  return { kind, reference, memo, entries: kept }
}

export const balanceOf = (postings: ReadonlyArray<Posting>, account: string, currency: Currency): Money =>
  M.sum(
    postings.flatMap((p) => p.entries.filter((e) => e.account === account).map((e) => e.amount)),
    currency
  )

// ---------------------------------------------------------------------------------------------

export interface PaidOrder {
  readonly orderId: OrderId | string
  readonly buyerPays: Money
  /** Merchandise discounts plus shipping waived: the platform's incentive spend on this order. */
  readonly incentiveFunding: Money
  readonly roundingAbsorbed: Money
}

export const orderMoneyFromSnapshot = (s: OrderSnapshot): PaidOrder => ({
  orderId: s.orderId,
  buyerPays: s.totals.buyerPays,
  incentiveFunding: M.add(s.totals.discount, s.totals.shippingDiscount),
  roundingAbsorbed: s.totals.roundingAbsorbed
})

/** The M-Pesa charge for a checkout lands in clearing and is split into each order's escrow, topped up by the platform. */
export const paymentPostings = (checkoutReference: string, receipt: string, charge: Money, orders: ReadonlyArray<PaidOrder>): ReadonlyArray<Posting> => {
  const c = charge.currency
  const paid = M.sum(
    orders.map((o) => o.buyerPays),
    c
  )
  if (!M.equals(paid, charge)) throw new UnbalancedPosting(`charge ${M.format(charge)} != orders' share ${M.format(paid)}`)
  return [
    posting("PAYMENT_RECEIVED", checkoutReference, `M-Pesa ${receipt}`, [
      debit(Accounts.mpesaClearing, charge),
      ...orders.map((o) => credit(Accounts.escrow(o.orderId), o.buyerPays))
    ]),
    posting(
      "INCENTIVE_FUNDING",
      checkoutReference,
      "platform-funded discounts and shipping into escrow",
      orders.flatMap((o) => [debit(Accounts.platformIncentiveExpense, o.incentiveFunding), credit(Accounts.escrow(o.orderId), o.incentiveFunding)])
    ),
    posting(
      "ROUNDING_ABSORBED",
      checkoutReference,
      "whole-shilling rounding absorbed by the platform",
      orders.flatMap((o) => [debit(Accounts.platformRoundingExpense, o.roundingAbsorbed), credit(Accounts.escrow(o.orderId), o.roundingAbsorbed)])
    )
  ].filter((p) => p.entries.length > 0)
}

export interface SellerSettlement {
  readonly base: Money
  readonly platformFee: Money
  readonly commission: Money
  readonly sellerPayable: Money
}

/**
 * What the seller earns on an order: base prices minus the published platform fee minus the
 * commission the seller offered (only when an affiliate brought the sale). Incentives never enter.
 */
export const sellerSettlement = (s: OrderSnapshot): SellerSettlement => {
  const base = s.totals.original
  const platformFee = M.percentOf(base, s.platformFeeBps, "HALF_EVEN")
  const commission = s.affiliate
    ? commissionForLines(
        s.lines.map((l) => ({ baseLineTotal: l.baseLineTotal, rateBps: l.commissionRateBps })),
        s.currency
      )
    : M.zero(s.currency)
  return { base, platformFee, commission, sellerPayable: M.subtract(M.subtract(base, platformFee), commission) }
}

/**
 * COMPLETED: escrow (base + shipping) is paid out to everyone who earned a part of it; the shipping
 * (all of it, also the part the platform waived for the buyer) to whoever carried the order.
 */
export const releasePosting = (s: OrderSnapshot, carrierId: string = LOGISTICS_POOL): Posting => {
  const { platformFee, commission, sellerPayable } = sellerSettlement(s)
  const held = M.add(s.totals.original, s.totals.shipping)
  return posting("ESCROW_RELEASED", s.orderId, "order completed: escrow released", [
    debit(Accounts.escrow(s.orderId), held),
    credit(Accounts.sellerPayable(s.storeId), sellerPayable),
    ...(s.affiliate ? [credit(Accounts.affiliatePayable(s.affiliate.userId), commission)] : []),
    credit(Accounts.shippingPayable(carrierId), s.totals.shipping),
    credit(Accounts.platformFeeRevenue, platformFee)
  ])
}

/** REFUNDED (or a paid order cancelled): the buyer gets back exactly what they paid. */
export const refundPosting = (s: OrderSnapshot): Posting => {
  const o = orderMoneyFromSnapshot(s)
  const held = M.add(s.totals.original, s.totals.shipping)
  return posting("REFUND", s.orderId, "order refunded", [
    debit(Accounts.escrow(s.orderId), held),
    credit(Accounts.refundsPayable(s.buyerId), o.buyerPays),
    credit(Accounts.platformIncentiveExpense, o.incentiveFunding),
    credit(Accounts.platformRoundingExpense, o.roundingAbsorbed)
  ])
}

/** A payout by M-Pesa B2C settles a payable; a failed payout reverses it and the balance returns. */
export const payoutPosting = (payableAccount: string, amount: Money, reference: string): Posting =>
  posting("PAYOUT", reference, "payout by M-Pesa", [debit(payableAccount, amount), credit(Accounts.mpesaClearing, amount)])

export const payoutReversalPosting = (payableAccount: string, amount: Money, reference: string): Posting =>
  posting("PAYOUT_REVERSED", reference, "payout failed: balance returned", [debit(Accounts.mpesaClearing, amount), credit(payableAccount, amount)])

/** A commission rejected for fraud after release: the affiliate's payable goes back to the seller. */
export const commissionReversalPosting = (orderId: OrderId | string, affiliateUserId: UserId | string, storeId: StoreId | string, amount: Money): Posting =>
  posting("COMMISSION_REVERSED", orderId, "commission rejected for fraud: back to the seller", [
    debit(Accounts.affiliatePayable(affiliateUserId), amount),
    credit(Accounts.sellerPayable(storeId), amount)
  ])

/**
 * Money received that cannot settle its checkout (wrong amount, checkout expired, cancelled or
 * already paid): it is in M-Pesa clearing and owed back to the payer, in its own held account.
 */
export const heldPaymentPosting = (heldPaymentId: string, received: Money, receipt: string | undefined): Posting =>
  posting("PAYMENT_HELD", heldPaymentId, `M-Pesa ${receipt ?? "(confirmed by STK query)"} held: cannot settle its checkout`, [
    debit(Accounts.mpesaClearing, received),
    credit(Accounts.heldPayments(heldPaymentId), received)
  ])

/** The held money went back by B2C (confirmed by Daraja): exactly what was held. */
export const heldPaymentReturnedPosting = (heldPaymentId: string, held: Money, returnId: string): Posting =>
  posting("PAYOUT", returnId, `held money ${heldPaymentId} returned by M-Pesa B2C`, [
    debit(Accounts.heldPayments(heldPaymentId), held),
    credit(Accounts.mpesaClearing, held)
  ])
