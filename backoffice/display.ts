/** Display helpers for read models: money, incentive rules and Nairobi times as people read them. */
import { format as formatMoney } from "../domain/money.js"
import type { Currency } from "../domain/money.js"
import type { IncentiveEffect, PromotionScope } from "../domain/incentives.js"

export const money = (amount: unknown, currency: unknown): string =>
  typeof amount === "number" ? formatMoney({ amount, currency: String(currency ?? "KES").trim() as Currency }) : ""

export const effectText = (effect: IncentiveEffect | null | undefined): string => {
  if (!effect) return ""
  switch (effect._tag) {
    case "PERCENT_OFF":
      return `${effect.bps / 100}% off${effect.cap ? ` (up to ${money(effect.cap.amount, effect.cap.currency)})` : ""}`
    case "AMOUNT_OFF":
      return `${money(effect.amount.amount, effect.amount.currency)} off`
    case "FREE_SHIPPING":
      return "free shipping"
  }
}

export const scopeText = (scope: PromotionScope | null | undefined): string => {
  if (!scope) return ""
  switch (scope._tag) {
    case "EVERYTHING":
      return "everything"
    case "CATEGORY":
      return `categories ${scope.categoryIds.join(", ")}`
    case "SELLER":
      return `sellers ${scope.storeIds.join(", ")}`
    case "PRODUCTS":
      return `products ${scope.productIds.join(", ")}`
  }
}

export const scopeIds = (scope: PromotionScope | null | undefined): string =>
  !scope
    ? ""
    : scope._tag === "CATEGORY"
      ? scope.categoryIds.join(", ")
      : scope._tag === "SELLER"
        ? scope.storeIds.join(", ")
        : scope._tag === "PRODUCTS"
          ? scope.productIds.join(", ")
          : ""

const NAIROBI_OFFSET_MS = 3 * 60 * 60_000

/** A datetime-local value in Nairobi time (what the forms show and read back). */
export const nairobiLocal = (value: unknown): string => {
  const d = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined
  if (!d || Number.isNaN(d.getTime())) return ""
  return new Date(d.getTime() + NAIROBI_OFFSET_MS).toISOString().slice(0, 16)
}

export const usage = (uses: unknown, limit: unknown): string => (typeof limit === "number" ? `${String(uses)} / ${limit}` : `${String(uses)} (no limit)`)
