/**
 * The event stream for consumers outside the platform's database (NATS JetStream when NATS_URL is
 * set), and the outbox feed the relay reads it from. The relay (application/events/relay-outbox.ts)
 * moves committed outbox events into the stream: each exactly once, in commit order per aggregate.
 *
 * EventStream: `publishInOrder` stores events in the order given, each only while the one before it
 * is the stream's newest, so whatever fails, what the stream stored is a prefix of the events; an
 * event id the stream already holds is not stored again (deduplication by id).
 *
 * OutboxFeed: the committed events not yet published, in batches. Its methods run inside one
 * transaction (UnitOfWork): `claim` locks the stream's cursor there, so two relays never publish at
 * once, and the cursor moves (`advance`, `complete`) only in the transaction that published.
 */
import { Context, Data } from "effect"
import type { Effect, Option } from "effect"
import type { StoreUnavailable } from "./unit-of-work.js"

/** A committed outbox event, as the stream carries it. */
export interface StreamEvent {
  /** the outbox id: the stream's deduplication key */
  readonly id: string
  readonly type: string
  readonly aggregateType: string
  readonly aggregateId: string
  readonly payload: Readonly<Record<string, unknown>>
  /** epoch milliseconds */
  readonly occurredAt: number
  /** the event's place in the outbox (its seq): increasing within a batch */
  readonly position: number
  /** the request that caused it and the W3C traceparent of the span that appended it, when known */
  readonly requestId?: string
  readonly traceParent?: string
}

export class EventStreamUnavailable extends Data.TaggedError("EventStreamUnavailable")<{ readonly detail: string; readonly cause?: unknown }> {
  readonly code = "EVENT_STREAM.UNAVAILABLE"
  override get message() {
    return this.detail
  }
}

/** How far `publishInOrder` got: the first `acknowledged` events are stored; `failure` stopped the rest. */
export interface PublishedPrefix {
  readonly acknowledged: number
  readonly failure: Option.Option<EventStreamUnavailable>
}

export class EventStream extends Context.Tag("amana/EventStream")<
  EventStream,
  {
    /**
     * Stores `events` in order and waits for the acknowledgements. `after` is the id the stream's
     * newest event must have before the first is stored (none: no check); each later one is stored
     * only after the one before it.
     */
    readonly publishInOrder: (events: ReadonlyArray<StreamEvent>, after: Option.Option<string>) => Effect.Effect<PublishedPrefix>
    /** The id of the newest event the stream holds (none when it is empty). */
    readonly newestId: Effect.Effect<Option.Option<string>, EventStreamUnavailable>
  }
>() {}

export class OutboxFeed extends Context.Tag("amana/OutboxFeed")<
  OutboxFeed,
  {
    /**
     * Locks the cursor, opening a batch at the current snapshot when none is open; false when another
     * relay holds the lock. Inside a transaction.
     */
    readonly claim: Effect.Effect<boolean, StoreUnavailable>
    /** Up to `limit` events of the open batch after its last acknowledged position, by position. */
    readonly pending: (limit: number) => Effect.Effect<ReadonlyArray<StreamEvent>, StoreUnavailable>
    /** The stream acknowledged the batch's events up to `position` (and `count` of them in this call). */
    readonly advance: (position: number, count: number) => Effect.Effect<void, StoreUnavailable>
    /** Every event of the batch is in the stream (`count` of them in this call): the next claim opens a new batch. */
    readonly complete: (count: number) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
