/**
 * EventStream on NATS JetStream. When the layer is built it connects (a wrong NATS_URL fails the
 * start, like a wrong REDIS_URL) and creates the stream, or updates the settings we own on an
 * existing one: its subjects (`<prefix>.>`) and its duplicate window. Retention, limits and replicas
 * are left as the operator set them.
 *
 * Each event is published with its outbox id as the JetStream message id (`Nats-Msg-Id`): within
 * the stream's duplicate window the server stores an id once, whatever the relay retries. Past the
 * window the relay itself resumes after the newest id the stream holds (`newestId`). Each also
 * carries the id of the event before it as `Nats-Expected-Last-Msg-Id`, so the events of a round
 * can be sent at once and still land in order, and a failure leaves a prefix stored.
 *
 * The message: subject `<prefix>.<aggregate>.<type>` (./subjects.ts), body JSON
 * `{ id, type, aggregateType, aggregateId, payload, occurredAt }` (occurredAt in ISO 8601), headers
 * `X-Request-Id` and `traceparent` when the event carries them (migration 0064).
 */
import { Data, Duration, Effect, Layer, Option, Redacted } from "effect"
import { JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager } from "@nats-io/jetstream"
import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream"
import { connect, headers, nanos } from "@nats-io/transport-node"
import type { MsgHdrs, NatsConnection } from "@nats-io/transport-node"
import { EventStream, EventStreamUnavailable } from "../../application/ports/event-stream.js"
import type { StreamEvent } from "../../application/ports/event-stream.js"
import { eventSubject } from "./subjects.js"

export const DEFAULT_STREAM = "AMANA_EVENTS"
export const DEFAULT_SUBJECT_PREFIX = "amana"
/** JetStream's own default; a relay down for longer resumes by `newestId` instead. */
export const DEFAULT_DUPLICATE_WINDOW = Duration.minutes(2)

export interface NatsEventStreamConfig {
  readonly url: string | Redacted.Redacted<string>
  /** the JetStream stream (default AMANA_EVENTS) */
  readonly stream: string
  /** subjects are `<subjectPrefix>.<aggregate>.<type>` (default amana) */
  readonly subjectPrefix: string
  readonly duplicateWindow?: Duration.DurationInput
  /** how long a publish waits for the stream's acknowledgement (default 5 s) */
  readonly ackTimeout?: Duration.DurationInput
}

export class NatsConnectError extends Data.TaggedError("NatsConnectError")<{ readonly detail: string; readonly cause: unknown }> {
  readonly code = "NATS.CONNECT_FAILED"
  override get message() {
    return this.detail
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const isStreamNotFound = (e: unknown): boolean => e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound

/** Creates the stream, or brings the settings we own on an existing one to `wanted`. */
const ensureStream = async (jsm: JetStreamManager, name: string, wanted: Pick<StreamConfig, "subjects" | "duplicate_window">): Promise<void> => {
  const existing = await jsm.streams.info(name).catch((e: unknown) => {
    if (isStreamNotFound(e)) return undefined
    throw e
  })
  if (existing === undefined) {
    await jsm.streams.add({ name, ...wanted })
    return
  }
  const same =
    existing.config.duplicate_window === wanted.duplicate_window &&
    existing.config.subjects.length === wanted.subjects.length &&
    existing.config.subjects.every((s, i) => s === wanted.subjects[i])
  if (!same) await jsm.streams.update(name, { ...existing.config, ...wanted })
}

const body = (event: StreamEvent): string =>
  JSON.stringify({
    id: event.id,
    type: event.type,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    payload: event.payload,
    occurredAt: new Date(event.occurredAt).toISOString()
  })

/** The request and trace that caused the event, so a consumer's spans and logs join them (W3C `traceparent`). */
const traceHeaders = (event: StreamEvent): MsgHdrs => {
  const h = headers()
  if (event.requestId !== undefined) h.set("X-Request-Id", event.requestId)
  if (event.traceParent !== undefined) h.set("traceparent", event.traceParent)
  return h
}

const open = (config: NatsEventStreamConfig) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const servers = Redacted.isRedacted(config.url) ? Redacted.value(config.url) : config.url
        // Reconnects forever once connected: an outage is the relay's to retry, not a reason to stop.
        const nc = await connect({ servers, name: "amana-event-relay", maxReconnectAttempts: -1 })
        try {
          const jsm = await jetstreamManager(nc)
          await ensureStream(jsm, config.stream, {
            subjects: [`${config.subjectPrefix}.>`],
            duplicate_window: nanos(Duration.toMillis(config.duplicateWindow ?? DEFAULT_DUPLICATE_WINDOW))
          })
          return { nc, jsm }
        } catch (cause) {
          await nc.close().catch(() => undefined)
          throw cause
        }
      },
      catch: (cause) => new NatsConnectError({ detail: `NATS JetStream (stream ${config.stream}): ${errorText(cause)}`, cause })
    }),
    ({ nc }) => Effect.promise(() => drain(nc))
  )

const drain = (nc: NatsConnection): Promise<void> => (nc.isClosed() ? Promise.resolve() : nc.drain().catch(() => nc.close()))

export const makeNatsEventStream = (config: NatsEventStreamConfig) =>
  Effect.map(open(config), ({ nc, jsm }): EventStream["Type"] => {
    const js = jetstream(nc)
    const timeout = Duration.toMillis(config.ackTimeout ?? Duration.seconds(5))
    const unavailable = (what: string) => (cause: unknown) => new EventStreamUnavailable({ detail: `NATS ${what}: ${errorText(cause)}`, cause })
    const send = (event: StreamEvent, after: string | undefined) =>
      js.publish(eventSubject(config.subjectPrefix, event.aggregateType, event.type), body(event), {
        msgID: event.id,
        ...(event.requestId !== undefined || event.traceParent !== undefined ? { headers: traceHeaders(event) } : {}),
        // refused unless it lands in our stream, right after `after` (Nats-Expected-Last-Msg-Id)
        expect: { streamName: config.stream, ...(after !== undefined && { lastMsgID: after }) },
        timeout
      })
    return {
      publishInOrder: (events, after) =>
        Effect.promise(async () => {
          // All sent before any acknowledgement is awaited (one round trip for the lot, not one per
          // event); each names its predecessor, so the stream refuses every event after one it did not store.
          const acks = await Promise.allSettled(events.map((event, i) => send(event, i === 0 ? Option.getOrUndefined(after) : events[i - 1]!.id)))
          const failed = acks.findIndex((ack) => ack.status === "rejected")
          const rejected = failed === -1 ? undefined : acks[failed]
          return rejected?.status === "rejected"
            ? { acknowledged: failed, failure: Option.some(unavailable(`publish of event ${events[failed]?.id}`)(rejected.reason)) }
            : { acknowledged: events.length, failure: Option.none() }
        }),
      newestId: Effect.tryPromise({
        try: async () => {
          const info = await jsm.streams.info(config.stream)
          if (info.state.last_seq === 0 || info.state.messages === 0) return Option.none()
          const newest = await jsm.streams.getMessage(config.stream, { seq: info.state.last_seq })
          const id = newest?.header.get("Nats-Msg-Id") ?? ""
          return id === "" ? Option.none() : Option.some(id)
        },
        catch: unavailable(`stream ${config.stream}`)
      })
    }
  })

export const NatsEventStreamLive = (config: NatsEventStreamConfig): Layer.Layer<EventStream, NatsConnectError> =>
  Layer.scoped(EventStream, makeNatsEventStream(config))
