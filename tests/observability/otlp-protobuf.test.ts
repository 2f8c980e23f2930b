/**
 * OTLP's default encoding: with OTEL_EXPORTER_OTLP_PROTOCOL unset, spans leave as protobuf
 * (application/x-protobuf) and arrive whole: names, ids, parent links, attributes and the service.
 * The fake collector decodes the binary ExportTraceServiceRequest field by field (tests/fakes).
 */
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TracingFromEnv } from "../../adapters/telemetry/otlp.js"
import { startFakeCollector } from "../fakes/otlp-collector.js"
import type { FakeCollector } from "../fakes/otlp-collector.js"
import { eventually } from "../fulfilment/support.js"
import { NodeHttpClientLive } from "../../adapters/http-client/node-client.js"

let collector: FakeCollector
const vars = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_SERVICE_NAME"]

beforeAll(async () => {
  collector = await startFakeCollector()
  for (const k of vars) delete process.env[k]
  Object.assign(process.env, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: "50", OTEL_SERVICE_NAME: "amana-protobuf" })
})
afterAll(async () => {
  for (const k of vars) delete process.env[k]
  await collector?.close()
})

describe("traces over OTLP/HTTP protobuf (the default)", () => {
  it("a parent and a child span arrive decoded, in one trace, with their attributes and the service name", async () => {
    const program = Effect.sleep("5 millis").pipe(
      Effect.withSpan("Payments.request", { attributes: { "amana.request_id": "req-proto-1", "amana.attempt": 2, "amana.retry": true } }),
      Effect.withSpan("POST /api/v1/checkouts/:id/payments", { kind: "server" })
    )
    // the tracer's layer closes after the program: its last batch is exported then
    await Effect.runPromise(program.pipe(Effect.provide(TracingFromEnv.pipe(Layer.provide(NodeHttpClientLive())))))
    const child = await eventually("the child span", async () => collector.spans.find((s) => s.name === "Payments.request"), 10_000)
    const parent = await eventually("the parent span", async () => collector.spans.find((s) => s.name === "POST /api/v1/checkouts/:id/payments"), 10_000)
    expect(collector.refused).toEqual([])
    expect([child.encoding, parent.encoding]).toEqual(["protobuf", "protobuf"])
    expect(child.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/)
    expect(child.traceId).toBe(parent.traceId)
    expect(child.parentSpanId).toBe(parent.spanId)
    expect(parent.parentSpanId).toBeUndefined()
    expect(child.attributes).toMatchObject({ "amana.request_id": "req-proto-1", "amana.attempt": 2, "amana.retry": true })
    expect(child.service).toBe("amana-protobuf")
  })
})
