/**
 * Platform alerts (issue 15). Built on the outbox, never on the hot tables:
 *   - `recordAlertSignal` (outbox handler): each payment outcome (ORDER_PAID, ORDER_PAYMENT_FAILED,
 *     ORDER_CANCELLED_BY_USER at the M-Pesa prompt) and each ORDER_SLA_BREACHED becomes one signal
 *     row keyed by the event, so a replay counts nothing twice;
 *   - `evaluateAlerts` (cron, every minute): one read (signals, outbox lag, dead letters), the pure
 *     decision (domain/alerts.ts), then each firing in its own transaction: the `fired_alerts` row
 *     (its dedupe key unique: two workers or a rerun in the same window record it once), an ALERT_*
 *     exception for the queue, ALERT_FIRED, and one ALERT_PAGE_REQUESTED per on-call admin;
 *   - `pageOnCall` (outbox handler): one WhatsApp message (`ops_alert`) per page.
 */
import { Clock, Effect, Option } from "effect"
import { countedWindows, decideAlerts, defaultAlertThresholds } from "../../domain/alerts.js"
import type { AlertThresholds, FiringAlert } from "../../domain/alerts.js"
import { AdminUserId } from "../../domain/ids.js"
import { deliverOrRaise } from "../notifications/deliver.js"
import { ExceptionQueue } from "../ports/exception-queue.js"
import type { HandlerClaim } from "../ports/handler-claim.js"
import { Ids } from "../ports/ids.js"
import { Outbox } from "../ports/outbox.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AlertStore } from "./alerts.port.js"
import type { AlertSignal } from "./alerts.port.js"

type Event = { readonly id: string; readonly type: string; readonly payload: Readonly<Record<string, unknown>>; readonly occurredAt: Date }

/** Signals are read for two windows at most; kept a day for a person looking into an alert. */
const SIGNALS_KEPT_MS = 24 * 3_600_000

const signalOf = (event: Event): AlertSignal | undefined => {
  switch (event.type) {
    case "ORDER_PAID":
      return "PAYMENT_PAID"
    case "ORDER_PAYMENT_FAILED":
      return "PAYMENT_NOT_PAID"
    case "ORDER_CANCELLED_BY_USER": {
      // the buyer dismissed the M-Pesa prompt (the reconciler says so); a buyer cancelling a checkout in the app is not a payment attempt
      const actor = event.payload["actor"]
      return typeof actor === "object" && actor !== null && (actor as Record<string, unknown>)["kind"] === "SYSTEM" ? "PAYMENT_NOT_PAID" : undefined
    }
    case "ORDER_SLA_BREACHED":
      return "SLA_BREACH"
    default:
      return undefined
  }
}

export const ALERT_SIGNAL_EVENTS = ["ORDER_PAID", "ORDER_PAYMENT_FAILED", "ORDER_CANCELLED_BY_USER", "ORDER_SLA_BREACHED"]

/**
 * The outbox handler: the event's signal, at the time the event says it happened, in one write that
 * carries the handler's claim when given. True when it wrote; false when the event is no signal.
 */
export const recordAlertSignal = (event: Event, claim?: HandlerClaim) =>
  Effect.gen(function* () {
    const signal = signalOf(event)
    if (signal === undefined) return false
    const at = typeof event.payload["at"] === "number" ? event.payload["at"] : event.occurredAt.getTime()
    const timerId = event.payload["timerId"]
    yield* Effect.flatMap(AlertStore, (s) =>
      s.recordSignal({ eventId: event.id, signal, at, slaTimerId: signal === "SLA_BREACH" && typeof timerId === "string" ? timerId : undefined }, claim)
    )
    return true
  })

const EXCEPTION_KIND: { readonly [C in FiringAlert["condition"]]: string } = {
  PAYMENT_SUCCESS_LOW: "ALERT_PAYMENT_SUCCESS_LOW",
  OUTBOX_LAG: "ALERT_OUTBOX_LAG",
  DEAD_LETTERS: "ALERT_DEAD_LETTERS",
  SLA_BREACHES: "ALERT_SLA_BREACHES"
}

/** One firing in its own transaction; true when this call recorded it (and so paged). */
const fire = (alert: FiringAlert, now: number) =>
  Effect.gen(function* () {
    const store = yield* AlertStore
    const id = yield* Effect.flatMap(Ids, (ids) => ids.next("alr"))
    return yield* Effect.flatMap(UnitOfWork, (uow) =>
      uow.transaction(
        Effect.gen(function* () {
          const recorded = yield* store.recordFiring(alert, id, now)
          if (Option.isNone(recorded)) return false
          const onCall = yield* store.onCallAdmins()
          const windowStart = new Date(alert.windowStart).toISOString()
          yield* Effect.flatMap(ExceptionQueue, (q) =>
            q.raise({
              kind: EXCEPTION_KIND[alert.condition],
              entity: "alert",
              entityId: id,
              payload: {
                alertId: id,
                condition: alert.condition,
                scope: alert.scope,
                windowStart,
                observed: alert.observed,
                summary: alert.summary,
                paged: onCall.map((a) => a.email)
              },
              dedupeKey: `alert:${alert.dedupeKey}`
            })
          )
          const about = { alertId: id, condition: alert.condition, scope: alert.scope, windowStart, summary: alert.summary, at: now }
          yield* Effect.flatMap(Outbox, (o) =>
            o.append([
              { type: "ALERT_FIRED", aggregateType: "ALERT", aggregateId: id, payload: { ...about, observed: alert.observed } },
              ...onCall.map((a) => ({ type: "ALERT_PAGE_REQUESTED", aggregateType: "ALERT" as const, aggregateId: id, payload: { ...about, adminId: a.id } }))
            ])
          )
          if (onCall.length === 0)
            yield* Effect.logWarning("alert fired with nobody on call: it waits in the exception queue").pipe(Effect.annotateLogs({ alertId: id }))
          return true
        })
      )
    )
  })

/** The cron task: which alerts fire now, each recorded and paged once per condition, scope and window. */
export const evaluateAlerts = (thresholds: AlertThresholds = defaultAlertThresholds) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* AlertStore
    const now = yield* Clock.currentTimeMillis
    const [countedFrom] = countedWindows(now, thresholds.windowMs)
    const readings = yield* uow.snapshot(store.readings({ now, windowMs: thresholds.windowMs, countedFrom }))
    const firing = decideAlerts(readings, thresholds, now)
    const fired: Array<string> = []
    for (const alert of firing) if (yield* fire(alert, now)) fired.push(alert.dedupeKey)
    yield* uow.transaction(store.pruneSignals(now - SIGNALS_KEPT_MS))
    return { firing: firing.map((a) => a.dedupeKey), fired }
  }).pipe(Effect.withSpan("Alerts.evaluate"))

/** Nairobi time (UTC+3), e.g. "28 Nov 2026 08:15 EAT". */
const nairobiTime = (t: number) => {
  const d = new Date(t + 3 * 3_600_000)
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()]!
  return `${d.getUTCDate()} ${month} ${d.getUTCFullYear()} ${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")} EAT`
}

/** The ALERT_PAGE_REQUESTED handler: the on-call admin gets one WhatsApp message for the alert. */
export const pageOnCall = (event: Event) =>
  Effect.gen(function* () {
    if (event.type !== "ALERT_PAGE_REQUESTED") return
    const alertId = event.payload["alertId"]
    const adminId = event.payload["adminId"]
    if (typeof alertId !== "string" || typeof adminId !== "string") return
    const store = yield* AlertStore
    const alert = yield* store.firedAlert(alertId)
    const admin = yield* store.lockAdmin(AdminUserId.make(adminId))
    // paged because on call when the alert fired; a disabled account or a removed phone gets nothing
    if (Option.isNone(alert) || Option.isNone(admin) || admin.value.status !== "ACTIVE" || admin.value.whatsappPhone === null) return
    const at = typeof event.payload["at"] === "number" ? event.payload["at"] : event.occurredAt.getTime()
    yield* deliverOrRaise(
      { to: admin.value.whatsappPhone, template: "ops_alert", params: [alert.value.summary, nairobiTime(at)], dedupeKey: `alert:${alertId}:${adminId}` },
      { entity: "alert", entityId: alertId, party: "on-call", event }
    )
  })
