/**
 * Money out by M-Pesa, as plain functions: how much a B2C sends, and the ledger posting once Daraja
 * confirms it. M-Pesa moves whole shillings only:
 *   - a payout sends the whole shillings DOWN; the cents stay in the payable balance and go out
 *     with a later payout (nobody is paid what they have not earned);
 *   - a refund sends the whole shillings UP; the platform absorbs the cents as rounding, so the
 *     buyer gets back at least what they paid and refunds payable ends at exactly zero.
 */
import { Accounts, posting } from "../../domain/ledger.js"
import type { Posting } from "../../domain/ledger.js"
import * as M from "../../domain/money.js"
import type { Money } from "../../domain/money.js"
import type { Payee } from "../../domain/commission.js"
import type { PayoutId } from "../../domain/ids.js"

export type { PayeeKind } from "../../domain/commission.js"
export type PayoutMethod = "B2C" | "TILL" | "PAYBILL"

/** M-Pesa Kenya's B2C pays KES only; TZS and UGX have no B2C rail wired yet (paid by hand). */
export const hasB2CRail = (currency: M.Currency): boolean => currency === "KES"

export const payoutDisbursement = (owed: Money): Money => M.toWholeUnitCharge(owed).charge

export const refundDisbursement = (paid: Money): Money => {
  const { charge, roundingAbsorbed } = M.toWholeUnitCharge(paid)
  return M.isZero(roundingAbsorbed) ? charge : M.add(charge, M.make(M.minorPerMajor(paid.currency), paid.currency))
}

export const payableAccount = (p: Payee): string =>
  p.payeeKind === "SELLER"
    ? Accounts.sellerPayable(p.payeeId)
    : p.payeeKind === "AFFILIATE"
      ? Accounts.affiliatePayable(p.payeeId)
      : Accounts.shippingPayable(p.payeeId)

/** How money paid by hand left the platform: from its M-Pesa account, or by bank transfer. */
export type ManualRail = "MPESA" | "BANK"

/** The clearing account a payment leaves from: M-Pesa's (B2C, or M-Pesa by hand) or the bank's. */
export const clearingAccount = (rail: ManualRail): string => (rail === "BANK" ? Accounts.bankClearing : Accounts.mpesaClearing)

/**
 * Dr payable, Cr the clearing account the money left from: M-Pesa's once Daraja's Result confirms
 * a B2C, or the rail FINANCE names when recording the payout paid by hand (`how`). One posting per
 * payout, whichever way it was paid.
 */
export const payoutSettledPosting = (p: Payee, sent: Money, payoutId: PayoutId, how = "by M-Pesa B2C", rail: ManualRail = "MPESA"): Posting =>
  posting("PAYOUT", payoutId, `payout ${how} to ${p.payeeKind.toLowerCase()} ${p.payeeId}`, [
    { account: payableAccount(p), amount: sent },
    { account: clearingAccount(rail), amount: M.negate(sent) }
  ])

/** Dr refunds payable (what the buyer paid), Dr platform rounding (cents given on top), Cr M-Pesa clearing (sent). */
export const refundSettledPosting = (buyerId: string, paid: Money, sent: Money, refundId: string): Posting =>
  posting("PAYOUT", refundId, `refund by M-Pesa B2C to buyer ${buyerId}`, [
    { account: Accounts.refundsPayable(buyerId), amount: paid },
    { account: Accounts.platformRoundingExpense, amount: M.subtract(sent, paid) },
    { account: Accounts.mpesaClearing, amount: M.negate(sent) }
  ])

/**
 * Where a payout goes. Only B2C is wired to Daraja today; a seller paid to its own Till or Paybill
 * (Daraja B2B: BusinessBuyGoods / BusinessPayBill) is modelled so the batch, the ledger and the
 * result handling already carry it, and is handed to a human until B2B is wired.
 */
export type PayoutInstruction =
  | { readonly channel: "B2C"; readonly phone: string }
  | { readonly channel: "B2B_TILL"; readonly till: string }
  | { readonly channel: "B2B_PAYBILL"; readonly paybill: string; readonly accountRef: string }

export const payoutInstruction = (method: PayoutMethod, destination: string, accountRef: string | undefined): PayoutInstruction =>
  method === "B2C"
    ? { channel: "B2C", phone: destination }
    : method === "TILL"
      ? { channel: "B2B_TILL", till: destination }
      : { channel: "B2B_PAYBILL", paybill: destination, accountRef: accountRef ?? "" }
