/**
 * A fake OpenTelemetry collector: OTLP over HTTP with the JSON encoding (the OTLP specification's
 * "OTLP/HTTP": POST <base>/v1/traces, Content-Type application/json, an ExportTraceServiceRequest
 * `{resourceSpans: [{resource, scopeSpans: [{scope, spans: [...]}]}]}`, trace and span ids as hex).
 * It answers 200 `{}` (a full success) and keeps every span, flattened, for the test to read. A
 * protobuf body is refused with 415 and remembered, so a test fails if the exporter sent one.
 */
import { createServer } from "node:http"

export interface ReceivedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly service: string | undefined
  readonly attributes: Readonly<Record<string, string | number | boolean>>
}

export interface FakeCollector {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for the exporter under test */
  readonly url: string
  readonly spans: ReadonlyArray<ReceivedSpan>
  /** anything the collector refused (wrong path, encoding or body) */
  readonly refused: ReadonlyArray<string>
  readonly close: () => Promise<void>
}

interface AnyValue {
  readonly stringValue?: string
  readonly intValue?: string | number
  readonly doubleValue?: number
  readonly boolValue?: boolean
}
interface KeyValue {
  readonly key: string
  readonly value: AnyValue
}
interface WireSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly attributes?: ReadonlyArray<KeyValue>
}
interface ExportTraceServiceRequest {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource?: { readonly attributes?: ReadonlyArray<KeyValue> }
    readonly scopeSpans?: ReadonlyArray<{ readonly spans?: ReadonlyArray<WireSpan> }>
  }>
}

const valueOf = (v: AnyValue): string | number | boolean =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? ""
const attributesOf = (kvs: ReadonlyArray<KeyValue> | undefined): Record<string, string | number | boolean> =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, valueOf(kv.value)]))

export const startFakeCollector = async (): Promise<FakeCollector> => {
  const spans: Array<ReceivedSpan> = []
  const refused: Array<string> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const refuse = (status: number, why: string) => {
        refused.push(why)
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ message: why }))
      }
      if (req.method !== "POST" || req.url !== "/v1/traces") return refuse(404, `${req.method} ${req.url}`)
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return refuse(415, `content-type ${req.headers["content-type"]}`)
      let body: ExportTraceServiceRequest
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      } catch {
        return refuse(400, "not JSON")
      }
      for (const rs of body.resourceSpans ?? []) {
        const service = attributesOf(rs.resource?.attributes)["service.name"]
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? [])
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId === "" ? undefined : s.parentSpanId,
              name: s.name,
              service: typeof service === "string" ? service : undefined,
              attributes: attributesOf(s.attributes)
            })
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()))
  const address = server.address()
  return {
    url: `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`,
    spans,
    refused,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      })
  }
}
