/**
 * The end-of-day report (issue 15) against PostgreSQL, the worker and the fake WhatsApp Cloud API:
 * the day's facts folded into the read models exactly as the insights handler does (contributions
 * -> InsightStore.apply), then the 21:00 cron task (`reports__end_of_day`, under a TestClock at
 * 18:00 UTC on a day of its own) asks for one report per store with activity and one per platform
 * admin with a WhatsApp number; the worker sends each as `daily_report` through deliverOrRaise.
 * A rerun, or two runs at once, sends nothing twice (daily_reports' key). The back-office page
 * shows the platform's report for a chosen day.
 */
import { Effect, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { InsightStore } from "../../application/insights/insights.port.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { renderText } from "../../application/notifications/templates.js"
import { insertStore, insertUser } from "../../adapters/postgres/seed.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { crontab, tasks } from "../../composition/event-handlers.js"
import { contributions } from "../../domain/insights.js"
import type { InsightFact } from "../../domain/insights.js"
import { startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { eventually, startPlatform } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import { AdminBrowser } from "../support/admin-browser.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
const HOUR = 3_600_000
// 2026-11-20 in Nairobi: 21:00 there is 18:00 UTC; the facts happen that Nairobi day (from 00:00 = 21:00 UTC the day before)
const DAY = "2026-11-20"
const RUN_AT = Date.UTC(2026, 10, 20, 18, 0)
const MORNING = Date.UTC(2026, 10, 20, 6, 0) // 09:00 Nairobi
const EARLY = Date.UTC(2026, 10, 19, 21, 30) // 00:30 Nairobi, the same Nairobi day
const ROOT = { email: "eod-root@amana.test", password: "a-long-enough-password-e1" }
const PHONES = { busy: "254711000401", late: "254711000402", quiet: "254711000403", admin: "254711000404", other: "254711000405" }

let api: Platform
let wa: FakeWhatsApp

/** A fact before it has an event id (Omit that keeps the union's members apart). */
type Fact = InsightFact extends infer F ? (F extends InsightFact ? Omit<F, "eventId"> : never) : never

let n = 0
const fold = (facts: ReadonlyArray<Fact>) =>
  api.runtime.runPromise(
    Effect.flatMap(UnitOfWork, (uow) =>
      uow.transaction(
        Effect.flatMap(InsightStore, (s) => Effect.forEach(facts, (f) => s.apply(contributions({ ...f, eventId: `evt_eod_${++n}` } as InsightFact))))
      )
    )
  )
const paid = (storeId: string, total: number, at = MORNING): Fact => ({
  kind: "ORDER_PAID",
  storeId,
  at,
  checkoutId: `chk_eod_${++n}`,
  checkedOutAt: at - 60_000,
  currency: "KES",
  total,
  byMpesa: true,
  zoneId: "zone_eod",
  lines: [{ productId: "prd_eod", quantity: 1, amount: total }]
})
const placed = (storeId: string, at = MORNING): Fact => ({
  kind: "ORDER_PLACED",
  storeId,
  at,
  currency: "KES",
  zoneId: "zone_eod",
  shippingFee: 250_00
})

/** The cron task as the worker runs it, at `now`. */
const runAt = (now: number) =>
  api.runtime.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      return yield* tasks.reports__end_of_day()
    }).pipe(Effect.provide(TestContext.TestContext))
  )
const reports = () => wa.accepted.filter((m) => m.template === "daily_report")

beforeAll(async () => {
  wa = await startFakeWhatsApp()
  api = await startPlatform(db, { WHATSAPP_TOKEN: wa.token, WHATSAPP_PHONE_NUMBER_ID: wa.phoneNumberId, WHATSAPP_BASE_URL: wa.baseUrl })
  await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: ROOT.email, ADMIN_PASSWORD: ROOT.password }, () => undefined)
  await db.sql`update admin_users set whatsapp_phone = ${PHONES.admin} where email = ${ROOT.email}`
  // a FINANCE admin with a phone, and a disabled PLATFORM_ADMIN: neither gets the platform's report
  await db.sql`insert into admin_users (id, email, password_hash, role, whatsapp_phone) values ('adm_eod_fin', 'eod-fin@amana.test', 'x', 'FINANCE', ${PHONES.other})`
  await db.sql`insert into admin_users (id, email, password_hash, role, status, whatsapp_phone) values ('adm_eod_off', 'eod-off@amana.test', 'x', 'PLATFORM_ADMIN', 'DISABLED', ${PHONES.other})`
  for (const [key, name] of [
    ["busy", "Duka\nLa Busy"],
    ["late", "Late Riders Ltd"],
    ["quiet", "Quiet Corner"]
  ] as const) {
    await insertUser(db.sql, { id: `usr_eod_${key}`, phone: PHONES[key], roles: ["SELLER_OWNER"] })
    await insertStore(db.sql, { id: `sto_eod_${key}`, ownerId: `usr_eod_${key}`, name })
  }
  // busy: 3 placed (one just after midnight Nairobi), 2 paid (KES 2,500 and KES 1,200.50), one delivery late,
  // two issues opened and one closed; late: a late delivery only; quiet: activity yesterday only
  await fold([
    placed("sto_eod_busy", EARLY),
    placed("sto_eod_busy"),
    placed("sto_eod_busy"),
    paid("sto_eod_busy", 2_500_00),
    paid("sto_eod_busy", 1_200_50),
    { kind: "SLA_BREACHED", storeId: "sto_eod_busy", at: MORNING },
    { kind: "SLA_MET", storeId: "sto_eod_busy", at: MORNING, timers: 2 },
    { kind: "EXCEPTION_OPENED", storeId: "sto_eod_busy", at: MORNING },
    { kind: "EXCEPTION_OPENED", storeId: "sto_eod_busy", at: MORNING },
    { kind: "EXCEPTION_CLOSED", storeId: "sto_eod_busy", at: MORNING + HOUR },
    { kind: "SLA_BREACHED", storeId: "sto_eod_late", at: MORNING },
    placed("sto_eod_quiet", EARLY - 2 * HOUR),
    paid("sto_eod_quiet", 900_00, EARLY - 2 * HOUR)
  ])
}, 60_000)
afterAll(async () => {
  await api?.close()
  await wa?.close()
})

describe("the end-of-day report", () => {
  it("runs at 21:00 Nairobi (18:00 UTC)", () => {
    expect(crontab).toContain("0 18 * * * reports__end_of_day")
  })

  it("each store with activity that day gets its summary by WhatsApp, the platform admins the platform's; a store without activity nothing", async () => {
    expect(await runAt(RUN_AT)).toEqual({ day: DAY, stores: 2, admins: 1 })
    await eventually("three reports sent", async () => reports().length >= 3)
    const byPhone = new Map(reports().map((m) => [m.to, m.params]))
    expect(byPhone.get(PHONES.busy)).toEqual(["Duka La Busy", "Fri 20 Nov 2026", "2 orders paid of 3 placed", "KES 3,700.50", "1 delivery late", "1 issue open"])
    expect(byPhone.get(PHONES.late)).toEqual(["Late Riders Ltd", "Fri 20 Nov 2026", "0 orders paid of 0 placed", "KES 0.00", "1 delivery late", "0 issues open"])
    expect(byPhone.get(PHONES.admin)).toEqual([
      "the Amana platform",
      "Fri 20 Nov 2026",
      "2 orders paid of 3 placed",
      "KES 3,700.50",
      "2 deliveries late",
      "1 issue open"
    ])
    expect(byPhone.has(PHONES.quiet)).toBe(false)
    expect(byPhone.has(PHONES.other)).toBe(false)
  })

  it("a rerun of the cron, or two at once, sends nothing twice (a unique key per store, day and recipient)", async () => {
    expect(await runAt(RUN_AT + 60_000)).toEqual({ day: DAY, stores: 0, admins: 0 })
    expect(await Promise.all([runAt(RUN_AT + 120_000), runAt(RUN_AT + 120_000)])).toEqual([
      { day: DAY, stores: 0, admins: 0 },
      { day: DAY, stores: 0, admins: 0 }
    ])
    // even after the worker has drained everything, three messages for the day
    await new Promise((r) => setTimeout(r, 1_500))
    expect(reports()).toHaveLength(3)
    expect(await db.sql`select scope, recipient from daily_reports where day = ${DAY}::date order by scope`).toHaveLength(3)
  })

  it("the next day is a new report: only what happened that day counts", async () => {
    const next = RUN_AT + 24 * HOUR
    await fold([placed("sto_eod_quiet", next - HOUR)])
    expect(await runAt(next)).toEqual({ day: "2026-11-21", stores: 1, admins: 1 })
    await eventually("the next day's two reports", async () => reports().length >= 5)
    const quiet = reports().find((m) => m.to === PHONES.quiet)!
    expect(quiet.params).toEqual(["Quiet Corner", "Sat 21 Nov 2026", "0 orders paid of 1 placed", "KES 0.00", "0 deliveries late", "0 issues open"])
  })

  it("a store's concurrent runs race for one claim: exactly one report each, whoever wins", async () => {
    const day3 = RUN_AT + 48 * HOUR
    await fold([placed("sto_eod_late", day3 - HOUR)])
    const outcomes = await Promise.all([runAt(day3), runAt(day3), runAt(day3)])
    expect(outcomes.reduce((s, o) => s + o.stores, 0)).toBe(1)
    expect(outcomes.reduce((s, o) => s + o.admins, 0)).toBe(1)
    await eventually("the third day's two reports", async () => reports().length >= 7)
    await new Promise((r) => setTimeout(r, 1_000))
    expect(reports().filter((m) => m.params[1] === "Sun 22 Nov 2026")).toHaveLength(2)
  })

  it("the back-office page shows the platform's report for a chosen day, and the message it sent", async () => {
    const browser = await new AdminBrowser(api.url).login(ROOT)
    const r = await browser.send("GET", `/admin/api/pages/dailyReport?day=${DAY}`)
    expect(r.status, r.text.slice(0, 300)).toBe(200)
    expect(r.json).toMatchObject({
      day: DAY,
      ordersPlaced: 3,
      ordersPaid: 2,
      revenue: ["KES 3,700.50"],
      lateDeliveries: 2,
      onTimeDeliveries: 2,
      openIssues: 1,
      reportsSent: { stores: 2, admins: 1 }
    })
    expect(r.json.message).toBe(
      renderText("daily_report", ["the Amana platform", "Fri 20 Nov 2026", "2 orders paid of 3 placed", "KES 3,700.50", "2 deliveries late", "1 issue open"])
    )
    // no day, or one that is not a date: today's (Nairobi)
    const today = await browser.send("GET", "/admin/api/pages/dailyReport?day=2026-02-31")
    expect(today.status).toBe(200)
    expect(today.json.day).toBe(new Date(Date.now() + 3 * HOUR).toISOString().slice(0, 10))
    const page = await browser.page("/admin/pages/dailyReport")
    expect(page.res.status).toBe(200)
    // the page's component is in the back-office's bundle
    const bundle = await browser.page("/admin/frontend/assets/components.bundle.js")
    expect(bundle.res.status).toBe(200)
    expect(bundle.html).toContain("amana-daily-report")
  }, 120_000)
})
