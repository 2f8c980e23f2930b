/**
 * Outbox event handlers. Each handler runs at least once per event and has effect exactly once:
 * its database effects commit in the same transaction as its `processed_events` row, so a replay
 * finds the row and does nothing. Effects outside the database (a WhatsApp message) carry a dedupe
 * key derived from the event id, so a retried handler never sends twice.
 *
 * A handler that must call out over the network between its own transactions (an STK query asked
 * before any row is locked) says `ownTransactions`: it runs outside the claim's transaction, is
 * idempotent by its own state, and its `processed_events` row is written once it has succeeded (a
 * crash in between runs it again, and it finds its work done).
 */
import type { Effect } from "effect"

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

export interface EventHandler<R> {
  /** Stable: it is the idempotency key's first half. Renaming a handler makes it run again. */
  readonly name: string
  readonly on: ReadonlyArray<string>
  readonly handle: (event: StoredEvent) => Effect.Effect<void, unknown, R>
  readonly ownTransactions?: true
  /**
   * Asked first, outside any transaction: false means this event gives the handler nothing to do
   * (no transaction, no processed_events row; asked again on a retry). For handlers that do nothing
   * for most events, where the answer is one cheap read (a store without a webhook URL).
   */
  readonly relevant?: (event: StoredEvent) => Effect.Effect<boolean, unknown, R>
}
