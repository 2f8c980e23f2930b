/**
 * The outbox relay to NATS JetStream (application/events/relay-outbox.ts), run beside the worker
 * (`npm start`, `--role=worker`) when NATS_URL is set:
 *
 *   NATS_URL             the server (unset or empty: no relay; set but unreachable: the start fails)
 *   NATS_STREAM          the JetStream stream, created or updated at start (default AMANA_EVENTS)
 *   NATS_SUBJECT_PREFIX  subjects are `<prefix>.<aggregate>.<type>` (default amana)
 *
 * It has a runtime of its own over the platform's pool: its round holds a transaction open while it
 * waits for acknowledgements, and nothing else in the process needs the NATS connection.
 */
import { Config, Effect, Fiber, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { relayOutboxForever } from "../application/events/relay-outbox.js"
import type { RelayLoopOptions } from "../application/events/relay-outbox.js"
import { DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, NatsEventStreamLive } from "../adapters/nats/event-stream.js"
import type { NatsEventStreamConfig } from "../adapters/nats/event-stream.js"
import { validStreamName, validSubjectPrefix } from "../adapters/nats/subjects.js"
import { DatabaseFromPool } from "../adapters/postgres/database.js"
import type { Sql } from "../adapters/postgres/database.js"
import { OutboxFeedLive } from "../adapters/postgres/outbox-feed.js"
import { UnitOfWorkLive } from "../adapters/postgres/unit-of-work.js"
import { EffectLoggerLive } from "../adapters/system/logging.js"

export type EventRelaySettings = Pick<NatsEventStreamConfig, "url" | "stream" | "subjectPrefix">

/** None when NATS_URL is unset or empty. */
export const eventRelaySettingsFromEnv: Config.Config<Option.Option<EventRelaySettings>> = Config.all({
  url: Config.option(Config.redacted("NATS_URL")),
  stream: Config.string("NATS_STREAM").pipe(
    Config.withDefault(DEFAULT_STREAM),
    Config.validate({ message: "NATS_STREAM must be letters, digits, - and _ only", validation: validStreamName })
  ),
  subjectPrefix: Config.string("NATS_SUBJECT_PREFIX").pipe(
    Config.withDefault(DEFAULT_SUBJECT_PREFIX),
    Config.validate({ message: "NATS_SUBJECT_PREFIX must be dot-separated tokens of letters, digits, - and _", validation: validSubjectPrefix })
  )
}).pipe(
  Config.map(({ url, stream, subjectPrefix }) =>
    Option.map(
      Option.filter(url, (u) => Redacted.value(u).trim() !== ""),
      (u) => ({ url: u, stream, subjectPrefix })
    )
  )
)

export const DEFAULT_RELAY_LOOP: RelayLoopOptions = { limit: 500, idle: "250 millis", maxBackoff: "30 seconds" }

/** The relay's services: the outbox feed and the unit of work over `pool`, the stream on NATS. */
export const eventRelayLayer = (pool: Sql, settings: EventRelaySettings) =>
  Layer.mergeAll(UnitOfWorkLive, OutboxFeedLive(settings.stream), NatsEventStreamLive(settings)).pipe(
    Layer.provideMerge(DatabaseFromPool(pool)),
    Layer.provideMerge(EffectLoggerLive)
  )

export interface RunningEventRelay {
  /** interrupts the round in flight (its transaction rolls back; the next start resumes) and closes the connection */
  readonly stop: () => Promise<void>
}

/** Connects (and creates or updates the stream) before it returns: a bad NATS_URL fails here. */
export const startEventRelay = async (pool: Sql, settings: EventRelaySettings, loop: RelayLoopOptions = DEFAULT_RELAY_LOOP): Promise<RunningEventRelay> => {
  const runtime = ManagedRuntime.make(eventRelayLayer(pool, settings))
  try {
    await runtime.runtime()
  } catch (e) {
    await runtime.dispose()
    throw e
  }
  const fiber = runtime.runFork(relayOutboxForever(loop))
  return {
    stop: async () => {
      await runtime.runPromise(Fiber.interrupt(fiber))
      await runtime.dispose()
    }
  }
}

/** The relay when NATS_URL is set; undefined otherwise. */
export const startEventRelayFromEnv = async (pool: Sql): Promise<{ readonly relay: RunningEventRelay; readonly settings: EventRelaySettings } | undefined> => {
  const settings = await Effect.runPromise(eventRelaySettingsFromEnv)
  if (Option.isNone(settings)) return undefined
  return { relay: await startEventRelay(pool, settings.value), settings: settings.value }
}
