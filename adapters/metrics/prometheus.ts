/**
 * The Metrics port on prom-client, and the one registry a process serves at /metrics:
 *
 *   amana_http_requests_total, amana_http_request_duration_seconds   by method, route pattern, status
 *   amana_stk_push_requests_total{result}       what Daraja answered to a push request
 *   amana_stk_push_outcomes_total{outcome}      how pushes ended (PAID, CANCELLED_BY_USER, PAYMENT_FAILED...)
 *   amana_mpesa_callbacks_total{outcome}        stored STK callbacks, by what reconciling them came to
 *   amana_checkout_to_paid_seconds              from checkout placed to its orders PAID
 *   amana_sla_breaches_total{timer}             DISPATCH / DELIVERY timers breached
 *   amana_disbursements_total{kind,outcome}     B2C payouts and refunds
 *   amana_dead_letters_total{handler}           outbox handlers that gave up on an event
 * and gauges read from the database when scraped (the same for every process: one query a scrape):
 *   amana_outbox_oldest_unpublished_seconds, amana_outbox_unpublished_events,
 *   amana_jobs{state}, amana_exceptions_open{kind}, amana_payouts_in_flight{status},
 *   amana_payouts_oldest_in_flight_seconds
 * plus prom-client's default process metrics (CPU, memory, event-loop lag, GC).
 * Counters count what this process did. With --workers N the primary sums its HTTP processes' registries
 * into one answer (composition/metrics.ts); Prometheus sums separate containers (API, worker).
 */
import { Context, Effect, Layer } from "effect"
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client"
import { Metrics } from "../../application/ports/metrics.js"
import type { MetricsService } from "../../application/ports/metrics.js"

/** What the database says at scrape time (read by the composition root's reader). */
export interface OperationalReadings {
  /** age of the oldest event not yet handled (dead letters excluded): 0 when the outbox is drained */
  readonly outboxOldestUnpublishedSeconds: number
  readonly outboxUnpublished: number
  /** graphile-worker jobs: ready to run now, running (locked), waiting (a later run_at: retries, schedules), failed for good */
  readonly jobs: { readonly ready: number; readonly running: number; readonly waiting: number; readonly failed: number }
  readonly exceptionsOpen: ReadonlyArray<{ readonly kind: string; readonly count: number }>
  readonly payoutsInFlight: ReadonlyArray<{ readonly status: string; readonly count: number }>
  readonly payoutsOldestInFlightSeconds: number
}

export interface PrometheusMetrics {
  readonly registry: Registry
  readonly service: MetricsService
  readonly observeRequest: (r: { readonly method: string; readonly route: string; readonly status: number; readonly seconds: number }) => void
}

/** Seconds: from a fast API answer to Daraja's slowest STK round trips. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Seconds: a buyer typing a PIN takes 10-60 s; anything past 10 minutes is an incident. */
const PAID_BUCKETS = [1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800]

export const makePrometheusMetrics = (options: { readonly read?: () => Promise<OperationalReadings>; readonly defaultMetrics?: boolean } = {}) => {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const httpRequests = new Counter({ name: "amana_http_requests_total", help: "HTTP requests answered", labelNames: ["method", "route", "status"], registers })
  const httpDuration = new Histogram({
    name: "amana_http_request_duration_seconds",
    help: "HTTP request latency, by route pattern",
    labelNames: ["method", "route", "status"],
    buckets: HTTP_BUCKETS,
    registers
  })
  const stkRequests = new Counter({ name: "amana_stk_push_requests_total", help: "STK push requests, by Daraja's answer", labelNames: ["result"], registers })
  const stkOutcomes = new Counter({ name: "amana_stk_push_outcomes_total", help: "STK pushes settled, by outcome", labelNames: ["outcome"], registers })
  const callbacks = new Counter({ name: "amana_mpesa_callbacks_total", help: "STK callbacks reconciled, by outcome", labelNames: ["outcome"], registers })
  const checkoutToPaid = new Histogram({
    name: "amana_checkout_to_paid_seconds",
    help: "Time from checkout placed to its orders PAID",
    buckets: PAID_BUCKETS,
    registers
  })
  const slaBreaches = new Counter({ name: "amana_sla_breaches_total", help: "Delivery SLA timers breached", labelNames: ["timer"], registers })
  const disbursements = new Counter({
    name: "amana_disbursements_total",
    help: "B2C payouts and refunds, by outcome",
    labelNames: ["kind", "outcome"],
    registers
  })
  const deadLetters = new Counter({ name: "amana_dead_letters_total", help: "Outbox events a handler gave up on", labelNames: ["handler"], registers })

  // Database gauges: one read per scrape, shared by every gauge of that scrape.
  let pending: Promise<OperationalReadings | undefined> | undefined
  const readings = () => {
    if (options.read === undefined) return undefined
    // a database that cannot answer leaves these gauges out of the scrape (alert on their absence), never fails it
    pending ??= options
      .read()
      .catch(() => undefined)
      .finally(() => setTimeout(() => (pending = undefined), 1_000).unref())
    return pending
  }
  const fromDb = (name: string, help: string, labelNames: ReadonlyArray<string>, set: (g: Gauge, r: OperationalReadings) => void) =>
    new Gauge({
      name,
      help,
      labelNames: [...labelNames],
      registers,
      // every process reads the same database: aggregated over --workers, the first answer stands (composition/metrics.ts)
      aggregator: "first",
      async collect() {
        const r = await readings()
        this.reset()
        if (r !== undefined) set(this, r)
      }
    })
  fromDb("amana_outbox_oldest_unpublished_seconds", "Age of the oldest outbox event not yet handled (dead letters excluded)", [], (g, r) =>
    g.set(r.outboxOldestUnpublishedSeconds)
  )
  fromDb("amana_outbox_unpublished_events", "Outbox events not yet handled (dead letters included)", [], (g, r) => g.set(r.outboxUnpublished))
  fromDb("amana_jobs", "graphile-worker jobs by state", ["state"], (g, r) => {
    for (const [state, n] of Object.entries(r.jobs)) g.set({ state }, n)
  })
  fromDb("amana_exceptions_open", "Open exceptions by kind (DEAD_LETTER, SLA_BREACH, PAYMENT_AMOUNT_MISMATCH...)", ["kind"], (g, r) => {
    for (const e of r.exceptionsOpen) g.set({ kind: e.kind }, e.count)
  })
  fromDb("amana_payouts_in_flight", "Payouts not yet settled, by status", ["status"], (g, r) => {
    for (const p of r.payoutsInFlight) g.set({ status: p.status }, p.count)
  })
  fromDb("amana_payouts_oldest_in_flight_seconds", "Age of the oldest payout PENDING or SUBMITTED", [], (g, r) => g.set(r.payoutsOldestInFlightSeconds))

  const sync = (f: () => void) => Effect.sync(f)
  const service: MetricsService = {
    stkPushRequested: (result) => sync(() => stkRequests.inc({ result })),
    stkPushSettled: (outcome) => sync(() => stkOutcomes.inc({ outcome })),
    callbackReconciled: (outcome) => sync(() => callbacks.inc({ outcome })),
    checkoutPaid: (seconds) => sync(() => checkoutToPaid.observe(seconds)),
    slaBreached: (timer) => sync(() => slaBreaches.inc({ timer })),
    disbursement: (kind, outcome) => sync(() => disbursements.inc({ kind, outcome })),
    deadLettered: (handler) => sync(() => deadLetters.inc({ handler }))
  }
  // each method, route and status's own counter and histogram, found once (prom-client hashes the labels on every call)
  const perRequest = new Map<string, { readonly count: { inc: () => void }; readonly duration: { observe: (v: number) => void } }>()
  const observeRequest: PrometheusMetrics["observeRequest"] = ({ method, route, status, seconds }) => {
    const key = `${method} ${status} ${route}`
    let children = perRequest.get(key)
    if (children === undefined) {
      const labels = { method, route, status: String(status) }
      children = { count: httpRequests.labels(labels), duration: httpDuration.labels(labels) }
      perRequest.set(key, children)
    }
    children.count.inc()
    children.duration.observe(seconds)
  }
  return { registry, service, observeRequest } satisfies PrometheusMetrics
}

/** The process's registry, for whoever serves /metrics (composition/metrics.ts). */
export class Prometheus extends Context.Tag("amana/Prometheus")<Prometheus, PrometheusMetrics>() {}

/** Prometheus and the Metrics port over one registry; `read` gives the database gauges. */
export const prometheusLayer = (read?: () => Promise<OperationalReadings>) =>
  Layer.unwrapEffect(
    Effect.sync(() => {
      const p = makePrometheusMetrics(read === undefined ? {} : { read })
      return Layer.merge(Layer.succeed(Prometheus, p), Layer.succeed(Metrics, p.service))
    })
  )
