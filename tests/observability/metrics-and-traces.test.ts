/**
 * Observability end to end, on the whole platform (real PostgreSQL, the HTTP server, the worker
 * running every outbox handler, Daraja played by the fake server) with traces exported by OTLP/HTTP
 * JSON to a fake collector:
 *   - /metrics moves with a paid checkout: HTTP requests by route pattern, the STK push and its
 *     outcome, the callback, time from checkout to PAID, and the database gauges are there;
 *   - /metrics wants the METRICS_TOKEN when one is set;
 *   - one trace spans the API request and the worker's handlers of the events it caused, and the
 *     request id travels with it (stored on the outbox event, on the handler's span and log lines).
 */
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { Outbox } from "../../application/ports/outbox.js"
import { dispatchEvent } from "../../adapters/postgres/worker.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, seedShop } from "../api/support.js"
import { eventually, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import { startFakeCollector } from "../fakes/otlp-collector.js"
import type { FakeCollector } from "../fakes/otlp-collector.js"

const db = useTestDatabase()
const METRICS_TOKEN = randomBytes(24).toString("hex")
let api: Platform
let collector: FakeCollector

beforeAll(async () => {
  collector = await startFakeCollector()
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_SERVICE_NAME: "amana-test",
    METRICS_TOKEN
  })
  api = await startPlatform(db)
}, 60_000)
afterAll(async () => {
  await api?.close()
  await collector?.close()
  for (const k of ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_SERVICE_NAME", "METRICS_TOKEN"])
    delete process.env[k]
})

/** One sample of the Prometheus text format: name{labels} value. */
interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}
const parse = (text: string): ReadonlyArray<Sample> =>
  text
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
      if (m === null) throw new Error(`not a Prometheus sample: ${line}`)
      const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]))
      return { name: m[1]!, labels, value: Number(m[3]) }
    })
/** The sum of the samples of `name` whose labels include `labels` (0 when there is none yet). */
const value = (samples: ReadonlyArray<Sample>, name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0)
const has = (samples: ReadonlyArray<Sample>, name: string) => samples.some((s) => s.name === name)

const scrape = async () => {
  const res = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  expect(res.status).toBe(200)
  expect(res.headers.get("content-type")).toContain("text/plain")
  const text = await res.text()
  return { text, samples: parse(text) }
}

/** A W3C traceparent the "caller" sends: the API's span must continue its trace. */
const callerTrace = randomBytes(16).toString("hex")
const callerSpan = randomBytes(8).toString("hex")

describe("a checkout paid by STK push, watched from outside", () => {
  let before: ReadonlyArray<Sample>
  let after: { text: string; samples: ReadonlyArray<Sample> }
  let checkoutId = ""
  let orderId = ""

  beforeAll(async () => {
    before = (await scrape()).samples
    const shop = await seedShop(db.sql)
    const buyer = await newBuyer(db.sql)
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `obs-${buyer.id}`, "x-request-id": "req-obs-checkout", traceparent: `00-${callerTrace}-${callerSpan}-01` },
      body: { destination: "KE-047-westlands", items: [{ variantId: shop.basket.variantId, quantity: 1 }] }
    })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    checkoutId = placed.body.checkoutId
    orderId = placed.body.orders[0].orderId
    const pay = await call(api, "POST", `/api/v1/checkouts/${checkoutId}/payments`, {
      token: buyer.token,
      headers: { "x-request-id": "req-obs-pay" },
      body: { phone: buyer.phone }
    })
    expect(pay.status, JSON.stringify(pay.body)).toBe(202)
    // the worker's first poll of the push (FIRST_POLL_AFTER_MS), before the callback: a push its
    // callback has settled has its poll withdrawn, and the trace test below follows the poll
    await eventually("the worker's first poll of the push", async () => collector.spans.find((s) => s.name === "outbox payments.poll-push"))
    await api.fake.sendCallback(pay.body.checkoutRequestId)
    await waitForState(db.sql, orderId, "PAID")
    // recorded once the settling transaction committed, a moment after the state is visible
    after = await eventually("the paid checkout in /metrics", async () => {
      const s = await scrape()
      return value(s.samples, "amana_checkout_to_paid_seconds_count") > value(before, "amana_checkout_to_paid_seconds_count") ? s : undefined
    })
  }, 60_000)

  const moved = (name: string, labels: Record<string, string> = {}) => value(after.samples, name, labels) - value(before, name, labels)

  it("counts HTTP requests and their latency by route pattern and status, never by raw path", () => {
    expect(moved("amana_http_requests_total", { method: "POST", route: "/api/v1/checkouts", status: "201" })).toBe(1)
    expect(moved("amana_http_requests_total", { method: "POST", route: "/api/v1/checkouts/:id/payments", status: "202" })).toBe(1)
    expect(moved("amana_http_request_duration_seconds_count", { method: "POST", route: "/api/v1/checkouts/:id/payments", status: "202" })).toBe(1)
    expect(moved("amana_http_request_duration_seconds_sum", { method: "POST", route: "/api/v1/checkouts", status: "201" })).toBeGreaterThan(0)
    // Daraja's callback URL carries a secret: the label is its pattern
    expect(moved("amana_http_requests_total", { method: "POST", route: "/api/v1/payments/mpesa/callback/:secret" })).toBe(1)
    expect(after.text).not.toContain(checkoutId)
    expect(after.text).not.toContain(process.env["MPESA_CALLBACK_SECRET"] ?? "no-secret-in-env")
  })

  it("counts the STK push, its outcome, the callback, and times checkout to PAID", () => {
    expect(moved("amana_stk_push_requests_total", { result: "ACCEPTED" })).toBe(1)
    expect(moved("amana_stk_push_outcomes_total", { outcome: "PAID" })).toBe(1)
    expect(moved("amana_mpesa_callbacks_total")).toBeGreaterThanOrEqual(1)
    expect(moved("amana_checkout_to_paid_seconds_count")).toBe(1)
    expect(moved("amana_checkout_to_paid_seconds_sum")).toBeGreaterThan(0)
    // the histogram's buckets are cumulative: the paid checkout is in the +Inf bucket
    expect(moved("amana_checkout_to_paid_seconds_bucket", { le: "+Inf" })).toBe(1)
  })

  it("reads the outbox lag, the job queue, open exceptions and payouts in flight from the database", async () => {
    for (const name of ["amana_outbox_oldest_unpublished_seconds", "amana_outbox_unpublished_events", "amana_payouts_oldest_in_flight_seconds"])
      expect(has(after.samples, name), name).toBe(true)
    for (const state of ["ready", "running", "waiting", "failed"])
      expect(after.samples.some((s) => s.name === "amana_jobs" && s.labels["state"] === state)).toBe(true)
    // an event nobody handles yet is lag: an hour-old unpublished event shows as at least an hour
    await db.sql`insert into outbox (event_type, aggregate_type, aggregate_id, payload, occurred_at) values ('OBS_TEST', 'ORDER', 'ord_obs', '{}', now() - interval '1 hour')`
    await db.sql`insert into exceptions (kind, entity, entity_id, dedupe_key) values ('DEAD_LETTER', 'outbox', 'evt_obs', 'obs-dead-letter')`
    await new Promise((r) => setTimeout(r, 1_100)) // a scrape's readings are shared for a second
    const later = (await scrape()).samples
    expect(value(later, "amana_outbox_oldest_unpublished_seconds")).toBeGreaterThanOrEqual(3_600)
    expect(value(later, "amana_outbox_unpublished_events")).toBeGreaterThanOrEqual(1)
    expect(value(later, "amana_exceptions_open", { kind: "DEAD_LETTER" })).toBe(1)
    await db.sql`delete from outbox where event_type = 'OBS_TEST'`
  })

  it("wants the METRICS_TOKEN when one is set", async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${api.url}/metrics`, { headers: { authorization: "Bearer wrong-token" } })).status).toBe(401)
  })

  it("exports one trace spanning the API request and the worker's handlers of the events it caused, carrying the request id", async () => {
    expect(collector.refused).toEqual([])
    // the checkout request continues the caller's trace...
    const checkoutSpan = await eventually("the checkout request's span", async () =>
      collector.spans.find((s) => s.name === "POST /api/v1/checkouts" && s.attributes["amana.request_id"] === "req-obs-checkout")
    )
    expect(checkoutSpan.traceId).toBe(callerTrace)
    expect(checkoutSpan.parentSpanId).toBe(callerSpan)
    expect(checkoutSpan.service).toBe("amana-test")
    // ...and the worker's handlers of the events it appended join it
    const handled = await eventually("a worker handler span in the checkout's trace", async () =>
      collector.spans.find((s) => s.traceId === callerTrace && s.name.startsWith("outbox "))
    )
    expect(handled.attributes["amana.request_id"]).toBe("req-obs-checkout")

    // The payment request: its STK_REQUESTED event is polled by the worker in the same trace.
    const paySpan = await eventually("the payment request's span", async () =>
      collector.spans.find((s) => s.name === "POST /api/v1/checkouts/:id/payments" && s.attributes["amana.request_id"] === "req-obs-pay")
    )
    const poll = await eventually("the worker's poll of the push", async () =>
      collector.spans.find((s) => s.name === "outbox payments.poll-push" && s.traceId === paySpan.traceId)
    )
    expect(poll.attributes["amana.request_id"]).toBe("req-obs-pay")
    expect(poll.attributes["amana.event.type"]).toBe("PAYMENT_STK_REQUESTED")
    // the use case's own span sits under the handler's
    expect(collector.spans.some((s) => s.name === "Payments.pollPush" && s.traceId === paySpan.traceId)).toBe(true)
    expect(collector.spans.some((s) => s.name === "Payments.request" && s.traceId === paySpan.traceId)).toBe(true)

    // stored with the event: the request id and the traceparent of the span that appended it
    const [stored] = await db.sql<Array<{ request_id: string | null; trace_parent: string | null }>>`
      select request_id, trace_parent from outbox where event_type = 'PAYMENT_STK_REQUESTED' and payload->>'checkoutId' = ${checkoutId}`
    expect(stored?.request_id).toBe("req-obs-pay")
    expect(stored?.trace_parent).toMatch(new RegExp(`^00-${paySpan.traceId}-[0-9a-f]{16}-01$`))
  })
})

describe("the worker's handler logs", () => {
  it("carry the request id of the request that appended the event (JSON lines)", async () => {
    const eventId = await api.runtime.runPromise(
      Effect.gen(function* () {
        yield* Effect.flatMap(Outbox, (o) => o.append([{ type: "OBS_LOG_TEST", aggregateType: "ORDER", aggregateId: "ord_obs_log", payload: {} }]))
        const [row] = yield* Effect.promise(() => db.sql<Array<{ id: string }>>`select id from outbox where event_type = 'OBS_LOG_TEST'`)
        return row!.id
      }).pipe(Effect.annotateLogs({ requestId: "req-obs-log" }), Effect.withSpan("a request"))
    )
    const lines: Array<string> = []
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)))
    try {
      const handler = { name: "obs.test-log", on: ["OBS_LOG_TEST"], handle: () => Effect.logInfo("handled the test event") }
      await api.runtime.runPromise(dispatchEvent([handler], eventId, 1, 8))
    } finally {
      spy.mockRestore()
    }
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.message === "handled the test event")
    expect(logged, lines.join("\n")).toBeDefined()
    expect(logged.annotations).toMatchObject({ requestId: "req-obs-log", handler: "obs.test-log", eventId, eventType: "OBS_LOG_TEST" })
  })
})
