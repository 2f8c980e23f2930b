/**
 * The W3C trace context (https://www.w3.org/TR/trace-context/) as Amana carries it: a `traceparent`
 * header on an incoming request, and the same string stored with each outbox event, so the spans of
 * the worker's handlers continue the trace of the request that caused the event. A protocol module
 * (.dependency-cruiser.cjs SHARED_PROTOCOL): the HTTP server reads it, the outbox writes and reads it.
 */
import { Tracer } from "effect"

const TRACE_PARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
const ZEROS = /^0+$/

/** `00-<trace id>-<span id>-<flags>` for a span (undefined for ids that are not W3C's hex). */
export const traceParentOf = (span: Tracer.AnySpan): string | undefined => {
  const value = `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`
  return TRACE_PARENT.test(value) ? value : undefined
}

/** The span a traceparent names, as a parent for ours; undefined when absent or malformed (version ff and all-zero ids are invalid). */
export const parentFromTraceParent = (traceParent: unknown): Tracer.ExternalSpan | undefined => {
  const m = typeof traceParent === "string" ? TRACE_PARENT.exec(traceParent.trim().toLowerCase()) : null
  if (m === null || m[1] === "ff" || ZEROS.test(m[2]!) || ZEROS.test(m[3]!)) return undefined
  return Tracer.externalSpan({ traceId: m[2]!, spanId: m[3]!, sampled: (parseInt(m[4]!, 16) & 1) === 1 })
}
