/**
 * The back-office's end-of-day page (issue 15): the platform's report for a chosen Nairobi day
 * (default today), from the daily read models through the same use case the 21:00 message uses
 * (application/reports/end-of-day.ts). A day that is not YYYY-MM-DD (a real date) is today.
 */
import { Effect } from "effect"
import { platformDayReport } from "../application/reports/end-of-day.js"
import { renderText } from "../application/notifications/templates.js"
import type { PlatformRuntime } from "../composition/platform.js"
import { format } from "../domain/money.js"

const DAY = /^\d{4}-\d{2}-\d{2}$/
const validDay = (day: unknown): string | undefined =>
  typeof day === "string" && DAY.test(day) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day) ? day : undefined

export const dailyReportPage = async (runtime: PlatformRuntime, query: unknown) => {
  const asked = typeof query === "object" && query !== null ? (query as Record<string, unknown>)["day"] : undefined
  const r = await runtime.runPromise(platformDayReport(validDay(asked)).pipe(Effect.withSpan("Backoffice.dailyReport")))
  const f = r.figures
  return {
    day: r.day,
    message: renderText("daily_report", r.text),
    ordersPlaced: r.report.ordersPlaced,
    ordersPaid: r.report.ordersPaid,
    revenue: r.report.revenue.map(format),
    refunded: r.report.refunded.map(format),
    lateDeliveries: r.report.lateDeliveries,
    onTimeDeliveries: r.report.onTimeDeliveries,
    openIssues: r.report.openIssues,
    paymentsSucceeded: f.paymentsSucceeded,
    paymentsFailed: f.paymentsFailed,
    refunds: f.refunds,
    medianMinutesToPaid: f.medianMillisToPaid === null ? null : Math.round(f.medianMillisToPaid / 6_000) / 10,
    reportsSent: r.sent
  }
}
