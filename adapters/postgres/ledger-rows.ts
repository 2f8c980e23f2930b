/** How a domain posting is stored: account codes like "escrow:ord_1" become (ESCROW, ord_1). */
import type { Posting } from "../../domain/ledger.js"

export const accountColumns = (account: string): { account: string; account_ref: string | null } => {
  const i = account.indexOf(":")
  return i < 0 ? { account: account.toUpperCase(), account_ref: null } : { account: account.slice(0, i).toUpperCase(), account_ref: account.slice(i + 1) }
}

const CHECKOUT_KINDS = new Set(["PAYMENT_RECEIVED", "INCENTIVE_FUNDING", "ROUNDING_ABSORBED"])
const ORDER_KINDS = new Set(["ESCROW_RELEASED", "REFUND", "COMMISSION_REVERSED"])

export const ledgerRows = (p: Posting) => ({
  transaction: {
    orderId: ORDER_KINDS.has(p.kind) ? p.reference : null,
    checkoutId: CHECKOUT_KINDS.has(p.kind) ? p.reference : null,
    // one posting of a kind per business reference: a replayed handler posts nothing twice
    idempotencyKey: `${p.kind}:${p.reference}`
  },
  entries: p.entries.map((e) => {
    const cols = accountColumns(e.account)
    return { ...cols, order_id: cols.account === "ESCROW" ? cols.account_ref : null, currency: e.amount.currency, amount: e.amount.amount }
  })
})
