/**
 * OutboxFeed over PostgreSQL: the committed outbox events a stream has not stored yet, in batches
 * bounded by two snapshots (db/migrations/0066_event_stream_relay.sql says why seq alone cannot be
 * the cursor). One `event_stream_cursors` row per stream:
 *
 * - `claim` locks the row (`for update skip locked`: a second relay gets false and waits its turn)
 *   and opens a batch at `pg_current_snapshot()` when none is open;
 * - `pending` reads the batch: events whose transaction is visible in the batch's snapshot and was
 *   not in the previous one, after the last acknowledged seq, in seq order;
 * - `advance` / `complete` move the cursor in the same transaction, after the acknowledgements.
 */
import { Effect, Layer } from "effect"
import { OutboxFeed } from "../../application/ports/event-stream.js"
import type { StreamEvent } from "../../application/ports/event-stream.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

interface CursorRow {
  done_snapshot: string | null
  batch_snapshot: string | null
  batch_last_seq: number
}

interface EventRow {
  id: string
  event_type: string
  aggregate_type: string
  aggregate_id: string
  payload: Record<string, unknown>
  occurred_at: Date
  seq: number
  request_id: string | null
  trace_parent: string | null
}

const toEvent = (row: EventRow): StreamEvent => ({
  id: row.id,
  type: row.event_type,
  aggregateType: row.aggregate_type,
  aggregateId: row.aggregate_id,
  payload: row.payload,
  occurredAt: row.occurred_at.getTime(),
  position: row.seq,
  ...(row.request_id !== null && { requestId: row.request_id }),
  ...(row.trace_parent !== null && { traceParent: row.trace_parent })
})

/** The feed of one stream's cursor (`stream`: the cursor's key, the stream's name). */
export const OutboxFeedLive = (stream: string): Layer.Layer<OutboxFeed, never, Database> =>
  Layer.effect(
    OutboxFeed,
    Effect.map(Database, (db) => {
      const insideTransaction = <A, E>(what: string, effect: Effect.Effect<A, E>) =>
        Effect.flatMap(db.inTransaction, (inside) =>
          inside ? effect : Effect.dieMessage(`OutboxFeed.${what}: call it inside a transaction (the cursor's lock)`)
        )

      return {
        claim: insideTransaction(
          "claim",
          Effect.gen(function* () {
            yield* q(db, (sql) => sql`insert into event_stream_cursors (stream) values (${stream}) on conflict (stream) do nothing`)
            const locked = yield* q(
              db,
              (sql) => sql`
              update event_stream_cursors c
                 set batch_snapshot = coalesce(c.batch_snapshot, pg_current_snapshot()), updated_at = now()
                from (select stream from event_stream_cursors where stream = ${stream} for update skip locked) mine
               where c.stream = mine.stream
              returning 1`
            )
            return locked.length > 0
          })
        ),
        pending: (limit) =>
          insideTransaction(
            "pending",
            Effect.gen(function* () {
              const [cursor] = yield* q(
                db,
                (sql) =>
                  sql<Array<CursorRow>>`select done_snapshot::text, batch_snapshot::text, batch_last_seq from event_stream_cursors where stream = ${stream}`
              )
              if (cursor === undefined || cursor.batch_snapshot === null) return yield* Effect.dieMessage("OutboxFeed.pending: no batch claimed")
              const batch = cursor.batch_snapshot
              const done = cursor.done_snapshot
              const rows = yield* q(db, (sql) =>
                done === null
                  ? // the first batch: everything committed so far (rows from before migration 0066 have no txid)
                    sql<Array<EventRow>>`
                    select id, event_type, aggregate_type, aggregate_id, payload, occurred_at, seq, request_id, trace_parent from outbox
                     where seq > ${cursor.batch_last_seq}
                       and (txid is null or pg_visible_in_snapshot(txid, ${batch}::pg_snapshot))
                     order by seq limit ${limit}`
                  : // the transactions that committed between the two snapshots (the txid range first, for the index)
                    sql<Array<EventRow>>`
                    select id, event_type, aggregate_type, aggregate_id, payload, occurred_at, seq, request_id, trace_parent from outbox
                     where txid >= pg_snapshot_xmin(${done}::pg_snapshot) and txid < pg_snapshot_xmax(${batch}::pg_snapshot)
                       and pg_visible_in_snapshot(txid, ${batch}::pg_snapshot) and not pg_visible_in_snapshot(txid, ${done}::pg_snapshot)
                       and seq > ${cursor.batch_last_seq}
                     order by seq limit ${limit}`
              )
              return rows.map(toEvent)
            })
          ),
        advance: (position, count) =>
          insideTransaction(
            "advance",
            q(
              db,
              (sql) => sql`
              update event_stream_cursors set batch_last_seq = ${position}, published = published + ${count}, updated_at = now() where stream = ${stream}`
            ).pipe(Effect.asVoid)
          ),
        complete: (count) =>
          insideTransaction(
            "complete",
            q(
              db,
              (sql) => sql`
              update event_stream_cursors
                 set done_snapshot = batch_snapshot, batch_snapshot = null, batch_last_seq = 0, published = published + ${count}, updated_at = now()
               where stream = ${stream}`
            ).pipe(Effect.asVoid)
          )
      }
    })
  )
