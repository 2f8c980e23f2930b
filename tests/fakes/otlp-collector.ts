/**
 * A fake OpenTelemetry collector: OTLP over HTTP (the OTLP specification's "OTLP/HTTP": POST
 * <base>/v1/traces with an ExportTraceServiceRequest) in both of its encodings:
 *   - Content-Type application/json: `{resourceSpans: [{resource, scopeSpans: [{scope, spans: [...]}]}]}`,
 *     trace and span ids as hex; answered 200 `{}`;
 *   - Content-Type application/x-protobuf: the same message in protobuf's binary form
 *     (opentelemetry/proto/collector/trace/v1, decoded field by field below); answered 200 with an
 *     empty ExportTraceServiceResponse (an empty protobuf body).
 * It keeps every span, flattened, for the test to read, with the encoding it came in. Anything else
 * (another path, content type, an undecodable body) is refused and remembered.
 */
import { createServer } from "node:http"

export interface ReceivedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly service: string | undefined
  readonly attributes: Readonly<Record<string, string | number | boolean>>
  readonly encoding: "json" | "protobuf"
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

// Protobuf's wire format: each field a key (field number << 3 | wire type), then a varint (0), 8 bytes
// (1), a length and that many bytes (2), or 4 bytes (5).
type Field = { readonly no: number; readonly varint?: bigint; readonly bytes?: Buffer; readonly fixed?: Buffer }
const fieldsOf = (buf: Buffer): Array<Field> => {
  const fields: Array<Field> = []
  let at = 0
  const varint = () => {
    let result = 0n
    for (let shift = 0n; ; shift += 7n) {
      if (at >= buf.length) throw new Error("truncated varint")
      const b = buf[at++]!
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
    }
  }
  while (at < buf.length) {
    const key = Number(varint())
    const no = key >>> 3
    const wire = key & 7
    if (wire === 0) fields.push({ no, varint: varint() })
    else if (wire === 2) {
      const n = Number(varint())
      if (at + n > buf.length) throw new Error("truncated field")
      fields.push({ no, bytes: buf.subarray(at, at + n) })
      at += n
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4
      fields.push({ no, fixed: buf.subarray(at, at + n) })
      at += n
    } else throw new Error(`wire type ${wire}`)
  }
  return fields
}
const all = (fields: ReadonlyArray<Field>, no: number) => fields.filter((f) => f.no === no && f.bytes !== undefined).map((f) => f.bytes!)
const one = (fields: ReadonlyArray<Field>, no: number) => all(fields, no)[0]
/** AnyValue: 1 string, 2 bool, 3 int64, 4 double. */
const anyValue = (buf: Buffer): string | number | boolean => {
  const f = fieldsOf(buf)[0]
  if (f === undefined) return ""
  if (f.no === 1 && f.bytes) return f.bytes.toString("utf8")
  if (f.no === 2 && f.varint !== undefined) return f.varint !== 0n
  if (f.no === 3 && f.varint !== undefined) return Number(BigInt.asIntN(64, f.varint))
  if (f.no === 4 && f.fixed) return f.fixed.readDoubleLE(0)
  return ""
}
/** repeated KeyValue {1 key, 2 AnyValue}. */
const keyValues = (bufs: ReadonlyArray<Buffer>) =>
  Object.fromEntries(
    bufs.map((b) => {
      const kv = fieldsOf(b)
      const value = one(kv, 2)
      return [one(kv, 1)?.toString("utf8") ?? "", value === undefined ? "" : anyValue(value)]
    })
  )
/** ExportTraceServiceRequest {1 ResourceSpans {1 Resource {1 attributes}, 2 ScopeSpans {2 Span {1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 9 attributes}}}}. */
const decodeProtobufRequest = (body: Buffer): Array<ReceivedSpan> =>
  all(fieldsOf(body), 1).flatMap((rsBuf) => {
    const rs = fieldsOf(rsBuf)
    const resource = one(rs, 1)
    const service = resource === undefined ? undefined : keyValues(all(fieldsOf(resource), 1))["service.name"]
    return all(rs, 2).flatMap((ssBuf) =>
      all(fieldsOf(ssBuf), 2).map((spanBuf) => {
        const span = fieldsOf(spanBuf)
        const hex = (no: number) => one(span, no)?.toString("hex") ?? ""
        const parent = hex(4)
        return {
          traceId: hex(1),
          spanId: hex(2),
          parentSpanId: parent === "" ? undefined : parent,
          name: one(span, 5)?.toString("utf8") ?? "",
          service: typeof service === "string" ? service : undefined,
          attributes: keyValues(all(span, 9)),
          encoding: "protobuf" as const
        }
      })
    )
  })

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
      const type = req.headers["content-type"] ?? ""
      if (type.startsWith("application/x-protobuf")) {
        try {
          spans.push(...decodeProtobufRequest(Buffer.concat(chunks)))
        } catch (e) {
          return refuse(400, `not an ExportTraceServiceRequest: ${String(e)}`)
        }
        return void res.writeHead(200, { "content-type": "application/x-protobuf" }).end()
      }
      if (!type.startsWith("application/json")) return refuse(415, `content-type ${type}`)
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
              attributes: attributesOf(s.attributes),
              encoding: "json"
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
