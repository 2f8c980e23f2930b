/** Who may read /metrics, and the trace-context and OTLP configuration formats (pure functions). */
import { ConfigProvider, Effect, Either, Option } from "effect"
import { describe, expect, it } from "vitest"
import { metricsAccess } from "../../composition/metrics.js"
import { otlpTracesUrl, parseOtlpHeaders } from "../../adapters/telemetry/otlp.js"
import { parentFromTraceParent, traceParentOf } from "../../adapters/system/trace-context.js"

const TOKEN = "3f9c1e0b7a5d4c2e8f6a1b3c5d7e9f0a"

describe("/metrics access", () => {
  it("with METRICS_TOKEN set, only a bearer of that token reads it, on any listener, in any environment", () => {
    for (const production of [true, false])
      for (const separatePort of [true, false]) {
        expect(metricsAccess({ production, separatePort, token: TOKEN, authorization: `Bearer ${TOKEN}` })).toBe("ALLOW")
        expect(metricsAccess({ production, separatePort, token: TOKEN, authorization: undefined })).toBe("UNAUTHORIZED")
        expect(metricsAccess({ production, separatePort, token: TOKEN, authorization: `Bearer ${TOKEN}x` })).toBe("UNAUTHORIZED")
        expect(metricsAccess({ production, separatePort, token: TOKEN, authorization: TOKEN })).toBe("UNAUTHORIZED")
      }
  })
  it("without a token, production serves it only on the separate METRICS_PORT; development serves it everywhere", () => {
    expect(metricsAccess({ production: true, separatePort: false, token: undefined, authorization: undefined })).toBe("NOT_SERVED")
    expect(metricsAccess({ production: true, separatePort: true, token: undefined, authorization: undefined })).toBe("ALLOW")
    expect(metricsAccess({ production: false, separatePort: false, token: undefined, authorization: undefined })).toBe("ALLOW")
  })
})

describe("W3C traceparent", () => {
  const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
  const span = "00f067aa0ba902b7"
  it("reads a valid one (sampled flag included) and round-trips it", () => {
    const parent = parentFromTraceParent(`00-${trace}-${span}-01`)
    expect(parent).toMatchObject({ traceId: trace, spanId: span, sampled: true })
    expect(parent && traceParentOf(parent)).toBe(`00-${trace}-${span}-01`)
    expect(parentFromTraceParent(`00-${trace}-${span}-00`)?.sampled).toBe(false)
  })
  it("ignores malformed ones: wrong lengths, non-hex, version ff, all-zero ids, not a string", () => {
    for (const bad of [
      `00-${trace.slice(1)}-${span}-01`,
      `00-${trace}-${span}0-01`,
      `00-${trace.replace("4", "g")}-${span}-01`,
      `ff-${trace}-${span}-01`,
      `00-${"0".repeat(32)}-${span}-01`,
      `00-${trace}-${"0".repeat(16)}-01`,
      "",
      undefined,
      ["00", trace]
    ])
      expect(parentFromTraceParent(bad)).toBeUndefined()
  })
})

describe("OTLP configuration", () => {
  const urlFrom = (env: Record<string, string>) => Effect.runSync(Effect.withConfigProvider(otlpTracesUrl, ConfigProvider.fromJson(env)))
  it("sends traces to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces, or to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given; unset: nowhere", () => {
    expect(urlFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })).toEqual(Option.some("http://collector:4318/v1/traces"))
    expect(urlFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://other/traces" })).toEqual(
      Option.some("http://other/traces")
    )
    expect(urlFrom({})).toEqual(Option.none())
    expect(urlFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })).toEqual(Option.none())
  })
  it("reads OTEL_EXPORTER_OTLP_HEADERS as k=v pairs with URL-encoded values, and refuses a pair without a value", () => {
    expect(parseOtlpHeaders("api-key=abc%3D%3D, X-Team = ops")).toEqual(Either.right({ "api-key": "abc==", "x-team": "ops" }))
    expect(parseOtlpHeaders("")).toEqual(Either.right({}))
    expect(Either.isLeft(parseOtlpHeaders("api-key"))).toBe(true)
  })
})
