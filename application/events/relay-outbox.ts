/**
 * The outbox relay: every committed domain event goes to the event stream (NATS JetStream when
 * NATS_URL is set) exactly once, in commit order per aggregate, and a relay that died resumes after
 * the last event the stream acknowledged.
 *
 * One round is one transaction: claim the cursor (a second relay finds it locked and waits), read up
 * to `limit` pending events in order, publish them (pipelined, each stored only after the one before
 * it, so the stream holds them in outbox order and a failure leaves a prefix), then move the cursor
 * past the last acknowledged event. Three guards make "exactly once" hold across crashes:
 *
 * - the stream deduplicates by event id within its duplicate window;
 * - a publish that fails ends the round but still commits the cursor up to the event before it;
 * - a relay killed between the acknowledgements and its commit left events in the stream that its
 *   cursor does not know about: the next round asks the stream for its newest event id and skips
 *   the pending events up to it (the stream holds a prefix, so everything before it is there too).
 */
import { Cause, Duration, Effect, Exit, Option } from "effect"
import { EventStream, OutboxFeed } from "../ports/event-stream.js"
import type { EventStreamUnavailable, StreamEvent } from "../ports/event-stream.js"
import { UnitOfWork } from "../ports/unit-of-work.js"

export interface RelayRound {
  /** false: another relay holds the cursor */
  readonly claimed: boolean
  /** events this round stored in the stream */
  readonly published: number
  /** pending events the stream already held (a relay died after their acknowledgement) */
  readonly alreadyInStream: number
  /** a full round: more events may be waiting, run again at once */
  readonly more: boolean
}

/** How many of `events` (in order) the stream already holds, given the id of its newest event. */
export const heldByStream = (events: ReadonlyArray<StreamEvent>, newestId: Option.Option<string>): number =>
  Option.match(newestId, { onNone: () => 0, onSome: (id) => events.findIndex((e) => e.id === id) + 1 })

export const relayOutboxOnce = (limit: number) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const feed = yield* OutboxFeed
    const stream = yield* EventStream
    const round = yield* uow.transaction(
      Effect.gen(function* () {
        if (!(yield* feed.claim)) return { claimed: false, published: 0, alreadyInStream: 0, more: false, failure: Option.none<EventStreamUnavailable>() }
        const events = yield* feed.pending(limit)
        const newest = events.length === 0 ? Option.none<string>() : yield* stream.newestId
        const held = heldByStream(events, newest)
        const { acknowledged: published, failure } =
          events.length > held ? yield* stream.publishInOrder(events.slice(held), newest) : { acknowledged: 0, failure: Option.none<EventStreamUnavailable>() }
        const through = held + published
        if (Option.isNone(failure) && events.length < limit) yield* feed.complete(through)
        else if (through > 0) yield* feed.advance(events[through - 1]!.position, through)
        return { claimed: true, published, alreadyInStream: held, more: Option.isNone(failure) && events.length === limit, failure }
      })
    )
    // the cursor is committed up to the last acknowledged event; the failure is the caller's to retry
    if (Option.isSome(round.failure)) return yield* Effect.fail(round.failure.value)
    return { claimed: round.claimed, published: round.published, alreadyInStream: round.alreadyInStream, more: round.more } satisfies RelayRound
  }).pipe(Effect.withSpan("EventRelay.round"))

export interface RelayLoopOptions {
  /** events per round (one transaction) */
  readonly limit: number
  /** the pause when nothing is pending, or another relay holds the cursor */
  readonly idle: Duration.DurationInput
  /** the longest pause after failures (it doubles from `idle` with each failure in a row) */
  readonly maxBackoff: Duration.DurationInput
}

/** Rounds forever: at once while full, `idle` apart when drained, backing off while the stream or the database fails. */
export const relayOutboxForever = (options: RelayLoopOptions) =>
  Effect.gen(function* () {
    const idle = Duration.decode(options.idle)
    let failures = 0
    for (;;) {
      const exit = yield* Effect.exit(relayOutboxOnce(options.limit))
      if (Exit.isSuccess(exit)) {
        failures = 0
        if (exit.value.alreadyInStream > 0)
          yield* Effect.logInfo("event relay: resumed after events the stream already held", { events: exit.value.alreadyInStream })
        if (!exit.value.more) yield* Effect.sleep(idle)
        continue
      }
      if (Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
      failures++
      const pause = Duration.min(Duration.times(idle, 2 ** Math.min(failures, 16)), Duration.decode(options.maxBackoff))
      yield* Effect.logWarning("event relay: round failed, retrying", { failures, retryInMs: Duration.toMillis(pause), cause: Cause.pretty(exit.cause) })
      yield* Effect.sleep(pause)
    }
  })
