/**
 * Outbox event handlers. Each handler runs at least once per event and has effect exactly once:
 * its database effects commit in the same transaction as its `processed_events` row, so a replay
 * finds the row and does nothing. Effects outside the database (a WhatsApp message) carry a dedupe
 * key derived from the event id, so a retried handler never sends twice.
 *
 * A handler that must call out over the network between its own transactions (an STK query asked
 * before any row is locked) says `ownTransactions`: it runs outside the claim's transaction, is
 * idempotent by its own state, and its `processed_events` row is written once it has succeeded, by
 * its job's last statement together with the job's other owed claims and the publish (a crash in
 * between runs it again, and it finds its work done). Which (handler, event) pairs ran before is
 * read once per job, except on an append's first attempt (adapters/postgres/worker.ts).
 *
 * A handler whose whole effect is ONE statement says `oneStatement` instead of `handle`: no
 * transaction, the claim made a part of that statement (see OneStatementHandler).
 */
import type { Effect } from "effect"
import type { HandlerClaim } from "../../application/ports/handler-claim.js"

export interface StoredEvent {
  readonly id: string
  readonly type: string
  readonly aggregateType: string
  readonly aggregateId: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly occurredAt: Date
  /** the request that caused it (its X-Request-Id), when one did */
  readonly requestId?: string | undefined
  /** the W3C traceparent of the span that appended it: the handler's span continues that trace */
  readonly traceParent?: string | undefined
}

interface Subscription<R> {
  /** Stable: it is the idempotency key's first half. Renaming a handler makes it run again. */
  readonly name: string
  readonly on: ReadonlyArray<string>
  /**
   * Asked first, outside any transaction, once per job for the job's events this handler is to
   * run on: the ids of those that give it something to do; the others are skipped (no transaction,
   * no processed_events row; asked again on a retry). For handlers that do nothing for most events,
   * where the answer is one cheap read (stores without a webhook URL). A failure fails the handler
   * on each of those events.
   */
  readonly relevant?: (events: ReadonlyArray<StoredEvent>) => Effect.Effect<ReadonlySet<string>, unknown, R>
}

/** Runs in the claim's transaction (BEGIN, claim, its statements, COMMIT), or in its own (ownTransactions). */
export interface TransactionalHandler<R> extends Subscription<R> {
  readonly handle: (event: StoredEvent) => Effect.Effect<void, unknown, R>
  readonly ownTransactions?: true
  /**
   * Asked once per job, outside any transaction, with the job's events this handler is to run on
   * (after `relevant`): answers the handle to run on each of them instead of `handle`, with what
   * they share read once (a notification's order facts for all of a paid checkout's orders). A
   * failure fails the handler on each of those events.
   */
  readonly prepare?: (events: ReadonlyArray<StoredEvent>) => Effect.Effect<(event: StoredEvent) => Effect.Effect<void, unknown, R>, unknown, R>
}

/**
 * A handler whose whole effect is one write statement (reads before it change nothing): it runs
 * outside any transaction and hands the claim to the store making the write, which records the
 * claim in that statement and writes only if the claim is new. One statement and one round trip
 * instead of BEGIN, claim, statement, COMMIT; a single statement is atomic by itself.
 *
 * It answers whether its statement carried the claim; false (it had nothing to write, so sent no
 * statement) and the worker records the claim alone, so every handled event keeps its row as in
 * the transactional path. A failure leaves nothing behind (the statement rolled back) and is
 * retried and dead-lettered like any other.
 */
export interface OneStatementHandler<R> extends Subscription<R> {
  readonly oneStatement: (event: StoredEvent, claim: HandlerClaim) => Effect.Effect<boolean, unknown, R>
}

export type EventHandler<R> = TransactionalHandler<R> | OneStatementHandler<R>
