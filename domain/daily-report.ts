/**
 * The end-of-day report (issue 15): one Nairobi day of a store (or of the whole platform) from the
 * daily read models (domain/insights.ts): orders placed and paid, revenue (paid orders' totals, per
 * currency, integer minor units), deliveries late (SLA timers breached that day), and issues still
 * open; and its WhatsApp text as the `daily_report` template's parameters. Pure.
 */
import type { Counters, DayFigures } from "./insights.js"
import { COUNTERS } from "./insights.js"
import { format, zero } from "./money.js"
import type { Currency, Money } from "./money.js"

export interface DailyReport {
  readonly day: string
  readonly ordersPlaced: number
  readonly ordersPaid: number
  /** paid orders' totals per currency, by currency (none: no sales) */
  readonly revenue: ReadonlyArray<Money>
  readonly refunded: ReadonlyArray<Money>
  /** SLA timers (dispatch, delivery) breached that day */
  readonly lateDeliveries: number
  readonly onTimeDeliveries: number
  /** exceptions opened and not yet closed, up to the end of the day (never below 0) */
  readonly openIssues: number
}

const nonZero = (ms: ReadonlyArray<Money>) => [...ms].filter((m) => m.amount !== 0).sort((a, b) => a.currency.localeCompare(b.currency))

/** Anything happened that day (an order, a payment, a refund, a timer, an issue opened or closed, money). */
export const hadActivity = (f: Counters & { readonly gmv: ReadonlyArray<Money>; readonly refunded: ReadonlyArray<Money> }): boolean =>
  COUNTERS.some((k) => f[k] !== 0) || f.gmv.some((m) => m.amount !== 0) || f.refunded.some((m) => m.amount !== 0)

export const dailyReport = (f: DayFigures, openIssues: number): DailyReport => ({
  day: f.day,
  ordersPlaced: f.ordersPlaced,
  ordersPaid: f.ordersPaid,
  revenue: nonZero(f.gmv),
  refunded: nonZero(f.refunded),
  lateDeliveries: f.slaBreached,
  onTimeDeliveries: f.slaMet,
  openIssues: Math.max(0, openIssues)
})

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

/** "2026-11-28" -> "Sat 28 Nov 2026". */
export const dayLabel = (day: string): string => {
  const d = new Date(`${day}T00:00:00Z`)
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
}

/** "KES 12,500.00", several currencies joined with " + "; nothing sold is zero in `currency`. */
export const amountsText = (ms: ReadonlyArray<Money>, currency: Currency): string => (ms.length === 0 ? format(zero(currency)) : ms.map(format).join(" + "))

const count = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`

/** A name as one template parameter: no line breaks, tabs or runs of spaces (WhatsApp refuses them), never empty. */
export const paramText = (s: string, fallback: string): string => {
  const one = s
    // eslint-disable-next-line no-control-regex -- control characters are what this removes
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
    .replace(/\s+/g, " ")
    .trim()
  return one === "" ? fallback : Array.from(one).slice(0, 100).join("")
}

/** The `daily_report` template's parameters: who, the day, orders, revenue, deliveries late, issues open. */
export const reportParams = (name: string, r: DailyReport, currency: Currency): readonly [string, string, string, string, string, string] => [
  paramText(name, "your store"),
  dayLabel(r.day),
  `${count(r.ordersPaid, "order paid", "orders paid")} of ${count(r.ordersPlaced, "placed", "placed")}`,
  amountsText(r.revenue, currency),
  count(r.lateDeliveries, "delivery late", "deliveries late"),
  count(r.openIssues, "issue open", "issues open")
]
