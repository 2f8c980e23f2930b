/**
 * Traces out by OTLP over HTTP, when OTEL_EXPORTER_OTLP_ENDPOINT is set: every `Effect.withSpan`
 * span (use cases, HTTP requests, outbox handlers) goes to the collector through
 * @effect/opentelemetry's OTLP exporter (batched, in the background; a collector that cannot be
 * reached is skipped for a minute, never a failed request). Unset, spans stay in-process and
 * nothing is exported. The variables are OpenTelemetry's own:
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT          base URL; spans go to <it>/v1/traces
 *   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   the full traces URL, instead
 *   OTEL_EXPORTER_OTLP_PROTOCOL          http/protobuf (default) or http/json
 *   OTEL_EXPORTER_OTLP_HEADERS           k=v,k2=v2 (values URL-encoded), e.g. an API key
 *   OTEL_SERVICE_NAME                    default "amana"; OTEL_RESOURCE_ATTRIBUTES are added
 *   OTEL_BSP_SCHEDULE_DELAY              milliseconds between exports (default 5000)
 */
import { OtlpSerialization, OtlpTracer } from "@effect/opentelemetry"
import type { HttpClient } from "@effect/platform"
import { Config, ConfigError, Effect, Either, Layer, Option } from "effect"

const Protocol = Config.literal("http/protobuf", "http/json")("OTEL_EXPORTER_OTLP_PROTOCOL").pipe(Config.withDefault("http/protobuf" as const))

/** `k=v,k2=v2` with URL-encoded values, as the OpenTelemetry specification writes headers. */
export const parseOtlpHeaders = (text: string): Either.Either<Record<string, string>, string> => {
  const headers: Record<string, string> = {}
  for (const part of text.split(",")) {
    if (part.trim() === "") continue
    const at = part.indexOf("=")
    if (at <= 0) return Either.left(`OTEL_EXPORTER_OTLP_HEADERS: "${part.trim().split("=")[0]}" has no value (write k=v,k2=v2)`)
    try {
      headers[part.slice(0, at).trim().toLowerCase()] = decodeURIComponent(part.slice(at + 1).trim())
    } catch {
      return Either.left(`OTEL_EXPORTER_OTLP_HEADERS: the value of "${part.slice(0, at).trim()}" is not URL-encoded text`)
    }
  }
  return Either.right(headers)
}

const Headers = Config.string("OTEL_EXPORTER_OTLP_HEADERS").pipe(
  Config.withDefault(""),
  Config.mapOrFail((text) => Either.mapLeft(parseOtlpHeaders(text), (why) => ConfigError.InvalidData(["OTEL_EXPORTER_OTLP_HEADERS"], why)))
)

/** Where the spans go, or None (tracing stays in-process). */
export const otlpTracesUrl = Config.all({
  base: Config.option(Config.string("OTEL_EXPORTER_OTLP_ENDPOINT")),
  traces: Config.option(Config.string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
}).pipe(
  Config.map(({ base, traces }) =>
    Option.orElse(
      Option.filter(traces, (t) => t.trim() !== ""),
      () =>
        Option.map(
          Option.filter(base, (b) => b.trim() !== ""),
          (b) => `${b.trim().replace(/\/+$/, "")}/v1/traces`
        )
    )
  )
)

/** The tracer of the runtime: OTLP when configured, else Effect's own (nothing leaves the process). */
export const TracingFromEnv: Layer.Layer<never, ConfigError.ConfigError, HttpClient.HttpClient> = Layer.unwrapEffect(
  Effect.gen(function* () {
    const url = yield* otlpTracesUrl
    if (Option.isNone(url)) return Layer.empty
    const protocol = yield* Protocol
    const headers = yield* Headers
    const serviceName = yield* Config.string("OTEL_SERVICE_NAME").pipe(Config.withDefault("amana"))
    const delayMs = yield* Config.integer("OTEL_BSP_SCHEDULE_DELAY").pipe(Config.withDefault(5_000))
    return OtlpTracer.layer({ url: url.value, resource: { serviceName }, headers, exportInterval: `${Math.max(delayMs, 10)} millis` }).pipe(
      Layer.provide(protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf)
    )
  })
)
