/**
 * Platform alerts (issue 15) against PostgreSQL, the worker and the fake WhatsApp Cloud API:
 *   - on-call admins are set in the back-office through the use case (audited; FINANCE and an
 *     AUDITOR refused; the phone normalised; a disabled admin cannot go on call);
 *   - each condition fires (low payment success, outbox lag, dead letters, a zone's SLA breaches):
 *     one fired_alerts row, one ALERT_* exception, one WhatsApp `ops_alert` per on-call admin;
 *   - a second evaluation in the same window (and two at once) alerts nothing more; a new window does;
 *   - signals come from outbox events through the `alerts.record-signal` handler; a replay counts nothing twice.
 * The evaluation runs as the worker's cron task (`alerts__evaluate`) under a TestClock set days in the
 * past, so the live rows of this file's worker never count.
 */
import { Effect, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { recordAlertSignal } from "../../application/alerts/alerts.js"
import { setAdminOnCall } from "../../application/alerts/on-call.js"
import { ExceptionQueue } from "../../application/ports/exception-queue.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { dispatchEvent } from "../../adapters/postgres/worker.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { crontab, handlers, tasks } from "../../composition/event-handlers.js"
import { windowStartOf } from "../../domain/alerts.js"
import type { AdminUserId } from "../../domain/ids.js"
import { startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { eventually, startPlatform } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import { AdminBrowser } from "../support/admin-browser.js"
import { seedOrderGraph } from "../support/fixtures.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
const MIN = 60_000
const W = 15 * MIN
const DAY = 24 * 60 * MIN
// a window's start ten days ago: every evaluation here happens before any live row of this file
const B = windowStartOf(Date.now() - 10 * DAY, W)
const ROOT = { email: "alerts-root@amana.test", password: "a-long-enough-password-a1" }
const PHONES = { root: "254711000301", ops: "254711000302", finance: "254711000303" }

let api: Platform
let wa: FakeWhatsApp
let root: AdminActor
let ops: AdminActor
let finance: AdminActor
let browser: AdminBrowser
let orderId: string

beforeAll(async () => {
  wa = await startFakeWhatsApp()
  api = await startPlatform(db, { WHATSAPP_TOKEN: wa.token, WHATSAPP_PHONE_NUMBER_ID: wa.phoneNumberId, WHATSAPP_BASE_URL: wa.baseUrl })
  await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: ROOT.email, ADMIN_PASSWORD: ROOT.password }, () => undefined)
  const [first] = await db.sql<Array<{ id: AdminUserId }>>`select id from admin_users where email = ${ROOT.email}`
  root = { id: first!.id, email: ROOT.email, role: "PLATFORM_ADMIN" }
  const create = (email: string, role: AdminActor["role"]) =>
    api.runtime.runPromise(Effect.map(createAdminUser(root, { email, role, password: "a-long-enough-password-x" }), (a) => ({ id: a.id, email, role })))
  ops = await create("alerts-ops@amana.test", "PLATFORM_ADMIN")
  finance = await create("alerts-finance@amana.test", "FINANCE")
  browser = await new AdminBrowser(api.url).login(ROOT)
  orderId = (await seedOrderGraph(db.sql)).orderId
}, 60_000)
afterAll(async () => {
  await api?.close()
  await wa?.close()
})

const onCall = (who: AdminActor, adminId: AdminUserId, on: boolean, whatsappPhone?: string) =>
  api.runtime.runPromise(Effect.either(setAdminOnCall(who, { adminId, onCall: on, whatsappPhone })))

/** The cron task as the worker runs it, at `now`. */
const evaluateAt = (now: number) =>
  api.runtime.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      return yield* tasks.alerts__evaluate()
    }).pipe(Effect.provide(TestContext.TestContext))
  )

let seq = 0
/** An outbox event (no job: nobody else handles it), run through the alerts handler as the worker would. */
const signalEvent = async (type: string, payload: Record<string, unknown>) => {
  const [row] = await db.sql<Array<{ id: string }>>`
    insert into outbox (event_type, aggregate_type, aggregate_id, payload) values (${type}, 'ORDER', ${orderId}, ${db.sql.json({ orderId, ...payload } as never)})
    returning id`
  const alertsHandler = handlers.filter((h) => h.name === "alerts.record-signal")
  await api.runtime.runPromise(dispatchEvent(alertsHandler, row!.id, 1, 8))
  return row!.id
}
const payment = (type: "ORDER_PAID" | "ORDER_PAYMENT_FAILED" | "ORDER_CANCELLED_BY_USER", at: number, actorKind = "SYSTEM") =>
  signalEvent(type, { at, actor: { kind: actorKind, id: actorKind === "SYSTEM" ? "mpesa-reconciler" : "usr_x" } })
/** An SLA breach of a timer in `zoneId` (the timer row is what names the zone), through the outbox. */
const slaBreach = async (zoneId: string, at: number) => {
  const timerId = `sla_alerts_${++seq}`
  await db.sql`insert into sla_timers (id, order_id, kind, zone_id, started_at, due_at, status, closed_at)
               values (${timerId}, ${orderId}, 'DISPATCH', ${zoneId}, ${new Date(at - 60 * MIN)}, ${new Date(at - MIN)}, 'BREACHED', ${new Date(at)})`
  return signalEvent("ORDER_SLA_BREACHED", { timerId, kind: "DISPATCH", at })
}

const fired = (condition: string) =>
  db.sql<
    Array<{ id: string; dedupe_key: string; summary: string }>
  >`select id, dedupe_key, summary from fired_alerts where condition = ${condition} order by window_start, scope`
const exceptions = (kind: string) =>
  db.sql<Array<{ entity_id: string; payload: Record<string, unknown> }>>`select entity_id, payload from exceptions where kind = ${kind} order by created_at`
const pagesFor = (summaries: ReadonlyArray<string>) => wa.accepted.filter((m) => m.template === "ops_alert" && summaries.includes(m.params[0]!))
/** Every firing of a condition paged each on-call admin exactly once (by the worker, soon). */
const expectPaged = async (condition: string, firings: number) => {
  const rows = await fired(condition)
  expect(rows).toHaveLength(firings)
  const summaries = rows.map((r) => r.summary)
  await eventually(`${condition} pages`, async () => pagesFor(summaries).length >= 2 * firings)
  const pages = pagesFor(summaries)
  expect(pages).toHaveLength(2 * firings)
  expect(pages.map((p) => p.to).sort()).toEqual(
    Array.from({ length: firings }, () => [PHONES.ops, PHONES.root])
      .flat()
      .sort()
  )
  expect(await exceptions(`ALERT_${condition}`)).toHaveLength(firings)
}

describe("on-call admins", () => {
  it("a PLATFORM_ADMIN puts admins on call in the back-office (phone normalised, audited); FINANCE and bad input are refused", async () => {
    const put = await browser.send("POST", `/admin/api/resources/admin_users/records/${root.id}/putOnCall`, {
      json: { whatsappPhone: "0711 000 301", reason: "first week of the rota" }
    })
    expect(put.json?.notice).toEqual({ type: "success", message: `${ROOT.email} is on call: alerts go to ${PHONES.root} by WhatsApp` })
    expect(await onCall(root, ops.id, true, "+254711000302")).toMatchObject({ _tag: "Right" })

    expect(await onCall(finance, finance.id, true, PHONES.finance)).toMatchObject({ _tag: "Left", left: { _tag: "AdminForbidden" } })
    expect(await onCall(root, finance.id, true, "12345")).toMatchObject({ _tag: "Left", left: { _tag: "AdminInvalidInput" } })
    expect(await onCall(root, finance.id, true)).toMatchObject({
      _tag: "Left",
      left: { _tag: "AdminInvalidInput", detail: "an admin on call needs a WhatsApp phone to be paged on" }
    })
    // on and off again: FINANCE is not on call for the alerts below, the phone stays on file
    expect(await onCall(root, finance.id, true, PHONES.finance)).toMatchObject({ _tag: "Right" })
    const off = await browser.send("POST", `/admin/api/resources/admin_users/records/${finance.id}/takeOffCall`, { json: { reason: "off rota" } })
    expect(off.json?.notice).toEqual({ type: "success", message: "alerts-finance@amana.test is no longer on call" })
    await db.owner`update admin_users set status = 'DISABLED' where id = ${finance.id}`
    expect(await onCall(root, finance.id, true)).toMatchObject({ _tag: "Left", left: { _tag: "AdminIllegalChange" } })
    await db.owner`update admin_users set status = 'ACTIVE' where id = ${finance.id}`

    expect(await db.sql`select email, on_call, whatsapp_phone from admin_users where email like 'alerts-%' order by email`).toEqual([
      { email: "alerts-finance@amana.test", on_call: false, whatsapp_phone: PHONES.finance },
      { email: "alerts-ops@amana.test", on_call: true, whatsapp_phone: PHONES.ops },
      { email: ROOT.email, on_call: true, whatsapp_phone: PHONES.root }
    ])
    const audit = await db.sql`select actor_id, before, after, reason from audit_log where action = 'ADMIN_USER.ON_CALL' and entity_id = ${root.id}`
    expect(audit).toEqual([
      {
        actor_id: root.id,
        before: { onCall: false, whatsappPhone: null },
        after: { onCall: true, whatsappPhone: PHONES.root },
        reason: "first week of the rota"
      }
    ])
    expect(await db.sql`select count(*)::int as n from audit_log where action = 'ADMIN_USER.ON_CALL'`).toEqual([{ n: 4 }])
  })
})

describe("alerts", () => {
  it("runs on the worker's crontab every minute", () => {
    expect(crontab).toMatch(/^\* \* \* \* \* alerts__evaluate/m)
    expect(typeof tasks.alerts__evaluate).toBe("function")
    expect(handlers.find((h) => h.name === "alerts.record-signal")?.on).toEqual([
      "ORDER_PAID",
      "ORDER_PAYMENT_FAILED",
      "ORDER_CANCELLED_BY_USER",
      "ORDER_SLA_BREACHED"
    ])
  })

  it("payment success below 60%: fires once a window, twice at once records once, the next window fires again; replays count nothing", async () => {
    // 5 paid, 4 failed, 1 dismissed at the M-Pesa prompt between 06:05 and 06:14 (window B); a buyer cancelling a checkout is not an attempt
    const ids: Array<string> = []
    for (let i = 0; i < 5; i++) ids.push(await payment("ORDER_PAID", B + (5 + i) * MIN))
    for (let i = 0; i < 4; i++) ids.push(await payment("ORDER_PAYMENT_FAILED", B + (10 + i) * MIN))
    ids.push(await payment("ORDER_CANCELLED_BY_USER", B + 14 * MIN))
    await payment("ORDER_CANCELLED_BY_USER", B + 14 * MIN, "BUYER")
    // replays: the handler again (processed_events) and the signal itself again (its key)
    await api.runtime.runPromise(dispatchEvent(handlers, ids[0]!, 1, 8))
    const [event] = await db.sql<Array<{ id: string; payload: Record<string, unknown> }>>`select id, payload from outbox where id = ${ids[5]!}`
    await api.runtime.runPromise(
      Effect.flatMap(UnitOfWork, (u) =>
        u.transaction(recordAlertSignal({ id: event!.id, type: "ORDER_PAYMENT_FAILED", payload: event!.payload, occurredAt: new Date() }))
      )
    )
    expect(await db.sql`select signal, count(*)::int as n from alert_signals where signal like 'PAYMENT%' group by signal order by signal`).toEqual([
      { signal: "PAYMENT_NOT_PAID", n: 5 },
      { signal: "PAYMENT_PAID", n: 5 }
    ])

    expect((await evaluateAt(B + 14 * MIN + 30_000)).fired).toEqual([`PAYMENT_SUCCESS_LOW:platform:${new Date(B).toISOString()}`])
    expect((await evaluateAt(B + 14 * MIN + 50_000)).fired).toEqual([])
    // the next window (06:15 to 06:30), 06:16: the last 15 minutes still hold all ten; two workers at once record it once
    const [a, b] = await Promise.all([evaluateAt(B + 16 * MIN), evaluateAt(B + 16 * MIN)])
    expect([...a.fired, ...b.fired]).toEqual([`PAYMENT_SUCCESS_LOW:platform:${new Date(B + W).toISOString()}`])
    expect((await evaluateAt(B + 17 * MIN)).fired).toEqual([])
    // by 06:21 the first attempts left the last 15 minutes: too few to judge
    expect((await evaluateAt(B + 21 * MIN)).firing).toEqual([])

    await expectPaged("PAYMENT_SUCCESS_LOW", 2)
    const [first] = await fired("PAYMENT_SUCCESS_LOW")
    expect(first!.summary).toBe("payment success 50% (5 of 10 paid in the last 15 min), below 60%")
    const [exception] = await exceptions("ALERT_PAYMENT_SUCCESS_LOW")
    expect(exception).toEqual({
      entity_id: first!.id,
      payload: expect.objectContaining({
        condition: "PAYMENT_SUCCESS_LOW",
        paged: ["alerts-ops@amana.test", ROOT.email],
        observed: { ended: 10, paid: 5, minSuccessBps: 6_000 }
      })
    })
  })

  it("outbox lag above 5 minutes: fires, not again in the window, again in the next", async () => {
    const D = B + DAY
    // an event nobody has handled for 10 minutes (no job: the worker never takes it)
    const [stuck] = await db.sql<Array<{ id: string }>>`
      insert into outbox (event_type, aggregate_type, aggregate_id, payload, occurred_at) values ('TEST_STUCK', 'ORDER', ${orderId}, '{}', ${new Date(D - 10 * MIN)}) returning id`
    try {
      expect((await evaluateAt(D + MIN)).fired).toEqual([`OUTBOX_LAG:platform:${new Date(D).toISOString()}`])
      expect((await evaluateAt(D + 2 * MIN)).fired).toEqual([])
      expect((await evaluateAt(D + W + MIN)).fired).toEqual([`OUTBOX_LAG:platform:${new Date(D + W).toISOString()}`])
    } finally {
      await db.sql`update outbox set published_at = now() where id = ${stuck!.id}`
    }
    expect((await evaluateAt(D + 2 * W + MIN)).fired).toEqual([])
    expect((await fired("OUTBOX_LAG"))[0]!.summary).toBe("the worker is 660 s behind (oldest unhandled event), above 300 s")
    await expectPaged("OUTBOX_LAG", 2)
  })

  it("dead letters: one at 06:14 fires at 06:15 for its own window, once; a new one in the next window fires again; so does a job that gave up", async () => {
    const E = B + 2 * DAY
    const deadLetterAt = async (at: number, n: number) => {
      await api.runtime.runPromise(
        Effect.flatMap(ExceptionQueue, (q) =>
          q.raise({ kind: "DEAD_LETTER", entity: "outbox", entityId: `evt_dead_${n}`, payload: { handler: "notify.buyer" }, dedupeKey: `dead:test:${n}` })
        )
      )
      // as if it had happened then
      await db.sql`update exceptions set created_at = ${new Date(at)} where dedupe_key = ${`dead:test:${n}`}`
    }
    await deadLetterAt(E + 14 * MIN, 1)
    expect((await evaluateAt(E + 13 * MIN)).fired).toEqual([])
    expect((await evaluateAt(E + W + 30_000)).fired).toEqual([`DEAD_LETTERS:platform:${new Date(E).toISOString()}`])
    expect((await evaluateAt(E + W + MIN)).fired).toEqual([])
    await deadLetterAt(E + 20 * MIN, 2)
    expect((await evaluateAt(E + 21 * MIN)).fired).toEqual([`DEAD_LETTERS:platform:${new Date(E + W).toISOString()}`])
    expect((await evaluateAt(E + 22 * MIN)).fired).toEqual([])
    // a job graphile-worker gave up on (a task no worker here runs), its last attempt at 06:31: the third window
    const [job] = await db.sql<Array<{ id: string }>>`select id from graphile_worker.add_job('test__gave_up', '{}'::json, max_attempts => 1)`
    await db.sql`update graphile_worker._private_jobs set attempts = 1, last_error = 'boom', updated_at = ${new Date(E + 31 * MIN)} where id = ${job!.id}`
    try {
      expect((await evaluateAt(E + 32 * MIN)).fired).toEqual([`DEAD_LETTERS:platform:${new Date(E + 2 * W).toISOString()}`])
      expect((await evaluateAt(E + 33 * MIN)).fired).toEqual([])
    } finally {
      await db.sql`delete from graphile_worker._private_jobs where id = ${job!.id}`
    }
    await expectPaged("DEAD_LETTERS", 3)
  })

  it("5 SLA breaches in one zone in a window fire for that zone only; again in the next window with 5 more", async () => {
    const F = B + 3 * DAY
    for (let i = 1; i <= 5; i++) await slaBreach("zone_nbi_alerts", F + i * MIN)
    for (let i = 1; i <= 4; i++) await slaBreach("zone_msa_alerts", F + i * MIN)
    expect((await evaluateAt(F + 6 * MIN)).fired).toEqual([`SLA_BREACHES:zone_nbi_alerts:${new Date(F).toISOString()}`])
    expect((await evaluateAt(F + 7 * MIN)).fired).toEqual([])
    for (let i = 1; i <= 5; i++) await slaBreach("zone_nbi_alerts", F + W + i * MIN)
    expect((await evaluateAt(F + W + 6 * MIN)).fired).toEqual([`SLA_BREACHES:zone_nbi_alerts:${new Date(F + W).toISOString()}`])
    expect((await evaluateAt(F + W + 7 * MIN)).fired).toEqual([])
    await expectPaged("SLA_BREACHES", 2)
    expect((await fired("SLA_BREACHES"))[0]!.summary).toMatch(/^5 SLA breaches in zone zone_nbi_alerts in the 15 min from \d\d:\d\d UTC \(alert at 5\)$/)
  })

  it("nobody off call was paged, and a page is one message per admin and alert however often the handler runs", async () => {
    expect(wa.accepted.filter((m) => m.template === "ops_alert" && m.to === PHONES.finance)).toEqual([])
    const before = wa.accepted.length
    const [page] = await db.sql<Array<{ id: string }>>`select id from outbox where event_type = 'ALERT_PAGE_REQUESTED' order by seq limit 1`
    await db.sql`delete from processed_events where handler = 'notify.on-call' and event_id = ${page!.id}`
    await api.runtime.runPromise(dispatchEvent(handlers, page!.id, 1, 8))
    expect(wa.accepted.length).toBe(before)
  })
})
