/**
 * The end-of-day report (issue 15), built on the daily read models (application/insights):
 *
 * - `requestEndOfDayReports` (cron, 21:00 Nairobi = 18:00 UTC): for each store with activity that
 *   Nairobi day, its owner's report; for each active PLATFORM_ADMIN with a WhatsApp number, the
 *   platform's. Each is claimed once in `daily_reports` (scope, day, recipient: a unique key), and
 *   only a claim that wins appends DAILY_REPORT_REQUESTED, so a rerun of the cron (or two workers)
 *   sends nothing twice.
 * - `sendDailyReport` (outbox handler): one WhatsApp `daily_report` through deliverOrRaise, its
 *   dedupe key the claim's, so a retried handler sends it once.
 * - `platformDayReport` (the back-office page): the platform's report for any day.
 */
import { Clock, Effect, Schema } from "effect"
import { dailyReport, hadActivity, reportParams } from "../../domain/daily-report.js"
import { dailySeries, nairobiDay, PLATFORM_SCOPE } from "../../domain/insights.js"
import type { Currency } from "../../domain/money.js"
import { deliverOrRaise } from "../notifications/deliver.js"
import { InsightStore } from "../insights/insights.port.js"
import { Outbox } from "../ports/outbox.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { DailyReportStore } from "./daily-report.port.js"

export const REPORT_REQUESTED = "DAILY_REPORT_REQUESTED"
const PLATFORM_NAME = "the Amana platform"
const PLATFORM_CURRENCY: Currency = "KES"

/** One scope's figures for one Nairobi day (zeros when the read models have nothing). */
const dayFigures = (scope: string, day: string) =>
  Effect.map(
    Effect.flatMap(InsightStore, (s) => s.series(scope, day, day)),
    (rows) => dailySeries(rows, day, 1)[0]!
  )

const reportOf = (scope: string, day: string) =>
  Effect.gen(function* () {
    const figures = yield* dayFigures(scope, day)
    const open = yield* Effect.flatMap(DailyReportStore, (s) => s.openIssues(scope, day))
    return { figures, report: dailyReport(figures, open) }
  })

const request = (scope: string, day: string, recipient: string, phone: string, params: ReadonlyArray<string>, at: number) =>
  Effect.gen(function* () {
    const claimed = yield* Effect.flatMap(DailyReportStore, (s) => s.claim({ scope, day, recipient, phone, params, at }))
    if (!claimed) return false
    yield* Effect.flatMap(Outbox, (o) =>
      o.append([{ type: REPORT_REQUESTED, aggregateType: "STORE", aggregateId: scope, payload: { scope, day, recipient, to: phone, params, at } }])
    )
    return true
  })

/** The cron task: today's (Nairobi) reports, each asked for once. Returns how many were asked for now. */
export const requestEndOfDayReports = () =>
  Effect.gen(function* () {
    const at = yield* Clock.currentTimeMillis
    const day = nairobiDay(at)
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* DailyReportStore
        let stores = 0
        for (const s of yield* store.activeStores(day)) {
          const { figures, report } = yield* reportOf(s.storeId, day)
          if (!hadActivity(figures)) continue
          if (yield* request(s.storeId, day, "owner", s.ownerPhone, reportParams(s.name, report, s.currency), at)) stores++
        }
        let admins = 0
        const platform = yield* reportOf(PLATFORM_SCOPE, day)
        const params = reportParams(PLATFORM_NAME, platform.report, PLATFORM_CURRENCY)
        for (const a of yield* store.platformRecipients()) if (yield* request(PLATFORM_SCOPE, day, a.adminId, a.phone, params, at)) admins++
        return { day, stores, admins }
      })
    )
  }).pipe(Effect.withSpan("Reports.endOfDay"))

const Requested = Schema.Struct({ scope: Schema.String, day: Schema.String, recipient: Schema.String, to: Schema.String, params: Schema.Array(Schema.String) })

/** The outbox handler: the report, sent once. */
export const sendDailyReport = (event: { readonly id: string; readonly type: string; readonly payload: unknown }) =>
  Effect.gen(function* () {
    const r = yield* Effect.orDieWith(Schema.decodeUnknown(Requested)(event.payload), () => new Error(`${REPORT_REQUESTED} without its fields`))
    const platform = r.scope === PLATFORM_SCOPE
    yield* deliverOrRaise(
      { to: r.to, template: "daily_report", params: r.params, dedupeKey: `daily-report:${r.scope}:${r.day}:${r.recipient}` },
      { entity: platform ? "platform" : "store", entityId: r.scope, party: platform ? "platform-admin" : "seller", event }
    )
  }).pipe(Effect.withSpan("Reports.send"))

/** The platform's report for a Nairobi day (default today), with the figures behind it and how many reports went out. */
export const platformDayReport = (day: string | undefined) =>
  Effect.gen(function* () {
    const the = day ?? nairobiDay(yield* Clock.currentTimeMillis)
    const { figures, report } = yield* reportOf(PLATFORM_SCOPE, the)
    const sent = yield* Effect.flatMap(DailyReportStore, (s) => s.sentCount(the))
    return { day: the, report, figures, text: reportParams(PLATFORM_NAME, report, PLATFORM_CURRENCY), sent }
  }).pipe(Effect.withSpan("Reports.platformDay"))
