/** UnitOfWork and Outbox over the Database service. */
import { Effect, FiberRef, HashMap, Layer, Option, Schedule } from "effect"
import { Outbox } from "../../application/ports/outbox.js"
import type { AppendOptions, DomainEvent } from "../../application/ports/outbox.js"
import { StoreUnavailable, UnitOfWork } from "../../application/ports/unit-of-work.js"
import { traceParentOf } from "../system/trace-context.js"
import { Database, DbError } from "./database.js"
import type { CancellableQuery, Sql } from "./database.js"
import { relayFor } from "./outbox-relay.js"

/** Every store method maps database failures to the port's StoreUnavailable, keeping the cause. */
export const unavailable = (e: DbError): StoreUnavailable => new StoreUnavailable({ detail: e.message, cause: e })

/** A query on the current transaction (or the pool), failures as StoreUnavailable. */
export const q = <A>(db: Database["Type"], f: (sql: Sql) => CancellableQuery<A>): Effect.Effect<A, StoreUnavailable> =>
  Effect.mapError(db.query(f), unavailable)

/**
 * A write whose answer nobody reads, on the current transaction (or the pool): inside a
 * transaction it is sent without waiting and its failure fails the transaction (Database.write).
 */
export const w = (db: Database["Type"], f: (sql: Sql) => CancellableQuery<unknown>): Effect.Effect<void, StoreUnavailable> =>
  Effect.mapError(db.write(f), unavailable)

const retryable = (e: unknown): boolean => {
  const cause = e instanceof StoreUnavailable ? e.cause : e
  return cause instanceof DbError && cause.isSerializationFailure
}

export const UnitOfWorkLive = Layer.effect(
  UnitOfWork,
  Effect.map(Database, (db) => ({
    transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      db.transaction(effect).pipe(
        // Deadlocks and serialization failures are nobody's fault: run the whole unit again.
        Effect.retry({ while: retryable, schedule: Schedule.exponential("5 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(4))) }),
        Effect.mapError((e) => (e instanceof DbError ? unavailable(e) : (e as E)))
      ),
    snapshot: <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      db.transaction(effect, { isolation: "repeatable read", readOnly: true }).pipe(Effect.mapError((e) => (e instanceof DbError ? unavailable(e) : (e as E))))
  }))
)

/** The job the outbox events of one append become, written in the same transaction, relayed after it (see adapters/postgres/worker.ts, outbox-relay.ts). */
export const OUTBOX_TASK = "outbox__dispatch"
/**
 * The same job for an urgent append (a stored M-Pesa callback waiting to be confirmed and settled):
 * its own task name, so the worker's payment lane (adapters/postgres/worker.ts), which runs nothing
 * else, takes it at once even while every general slot is busy sending notifications.
 */
export const OUTBOX_URGENT_TASK = "outbox__dispatch_urgent"
export const OUTBOX_MAX_ATTEMPTS = 8
/** graphile-worker's priority for an urgent append (the default is 0; lower runs first). */
export const URGENT_PRIORITY = -10

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Who caused the events being appended: the request id the HTTP adapter (or the worker, for an
 * event handled on behalf of a request) put on the fiber's log annotations, and the current span
 * as a W3C traceparent. Both are stored with the event so the worker's handler spans and log lines
 * join the request's trace and carry its id (adapters/postgres/worker.ts reads them back).
 */
export const causeOfEvents = Effect.gen(function* () {
  const annotations = yield* FiberRef.get(FiberRef.currentLogAnnotations)
  const requestId = Option.getOrUndefined(Option.filter(HashMap.get(annotations, "requestId"), (v): v is string => typeof v === "string" && REQUEST_ID.test(v)))
  const span = yield* Effect.option(Effect.currentParentSpan)
  const traceParent = Option.getOrUndefined(Option.flatMap(span, (s) => Option.fromNullable(traceParentOf(s))))
  return { requestId: requestId ?? null, traceParent: traceParent ?? null }
})

/** One event as it waits for its transaction's commit: with who caused it (taken when it was appended). */
export interface OutboxItem {
  readonly event_type: string
  readonly aggregate_type: string
  readonly aggregate_id: string
  readonly payload: unknown
  readonly request_id: string | null
  readonly trace_parent: string | null
}

/**
 * The outbox rows of a transaction's appends (with the same options), in order, and ONE job for them
 * (a job per event, or per append, would multiply graphile-worker's work), carrying the events
 * themselves (immutable) so the worker need not read them back. The job is a plain row of
 * `outbox_jobs`, handed to graphile-worker after the commit by the relay (outbox-relay.ts): no
 * add_job, and so no NOTIFY, in the appending transaction.
 */
export const outboxInsert =
  (task: string, priority: number, delayMs: number, key: string | undefined) => (items: ReadonlyArray<OutboxItem>) => (sql: Sql) => sql`
  with ins as (
    insert into outbox (event_type, aggregate_type, aggregate_id, payload, request_id, trace_parent)
    select x.* from jsonb_to_recordset(${sql.json(items as never)})
      as x(event_type text, aggregate_type text, aggregate_id text, payload jsonb, request_id text, trace_parent text)
    returning id, event_type, aggregate_type, aggregate_id, payload, occurred_at, request_id, trace_parent
  )
  -- graphile-worker runs lower priority numbers first
  insert into outbox_jobs (task, payload, priority, run_at, max_attempts, job_key)
  select ${task},
         json_build_object('eventIds', json_agg(id), 'events', json_agg(json_build_object('id', id, 'event_type', event_type, 'aggregate_type', aggregate_type,
           'aggregate_id', aggregate_id, 'payload', payload, 'occurred_at', occurred_at, 'request_id', request_id, 'trace_parent', trace_parent))),
         ${priority}::int, now() + make_interval(secs => ${delayMs / 1000}::float8), ${OUTBOX_MAX_ATTEMPTS}::int, ${key ?? null}::text
    from ins`

/**
 * A statement's fragment that withdraws the append keyed `key` (AppendOptions.key) if its job has
 * not started: the job removed (from outbox_jobs if the relay has not handed it over yet, else by
 * graphile-worker's remove_job) and its events marked published, as nobody will handle them. Runs
 * only when `after` (a CTE of the same statement, by name) returned a row. A job already running is
 * left to finish (remove_job clears its key and stops its retries). Used as
 * `with <after> as (...), ${withdrawAppend(...)} select ...` by the store that makes it pointless.
 */
export const withdrawAppend = (sql: Sql, after: string, key: string) => sql`
  unrelayed as (
    delete from outbox_jobs where job_key = ${key}::text and exists (select from ${sql(after)}) returning payload
  ),
  withdrawn as (
    select payload from unrelayed
    union all
    -- in the select list: called once per row of the CTE named by after, never when it returned none;
    -- and only once unrelayed is done (its count, an init plan): a relay moving the row (another
    -- process's statement, not yet committed) is waited for by that delete, and remove_job, whose
    -- statements read afresh, then finds the job the relay handed over. Called first, it found
    -- neither the job (not committed yet) nor, after the wait, the row: the job stayed.
    select (graphile_worker.remove_job(${key}::text)).payload from ${sql(after)} where (select count(*) from unrelayed) >= 0
  ),
  voided as (
    -- the ids as an array: an index lookup on the primary key (and none when nothing was withdrawn). As a
    -- subquery the planner guessed 100 rows and hashed them against a scan of the whole outbox.
    update outbox set published_at = now()
     where id = any(array(select json_array_elements_text(payload::json -> 'eventIds') from withdrawn where payload is not null)) and published_at is null
  )`

/**
 * The outbox append on `db`'s current transaction (the Outbox port's, and the exception queue's
 * EXCEPTION_OPENED). Inside a transaction the events wait for its commit and are written, with the
 * other appends of the same kind (urgent, delay), by one statement sent together with COMMIT: no
 * round trip of their own, and one job per transaction instead of one per append. A savepoint rolled
 * back drops its appends (adapters/postgres/database.ts, atCommit). Outside one they are written at once.
 */
export const appendToOutbox = (db: Database["Type"], events: ReadonlyArray<DomainEvent>, options?: AppendOptions) =>
  events.length === 0
    ? Effect.void
    : Effect.flatMap(causeOfEvents, (cause) => {
        const urgent = options?.urgent === true
        const delayMs = options?.delayMs ?? 0
        const key = options?.key
        const items: ReadonlyArray<OutboxItem> = events.map((e) => ({
          event_type: e.type,
          aggregate_type: e.aggregateType,
          aggregate_id: e.aggregateId,
          payload: e.payload,
          request_id: cause.requestId,
          trace_parent: cause.traceParent
        }))
        return Effect.mapError(
          Effect.zipRight(
            db.atCommit(
              `outbox:${urgent ? "urgent" : "normal"}:${delayMs}${key === undefined ? "" : `:${key}`}`,
              items,
              outboxInsert(urgent ? OUTBOX_URGENT_TASK : OUTBOX_TASK, urgent ? URGENT_PRIORITY : 0, delayMs, key)
            ),
            // once committed, the relay hands the job to graphile-worker (batched with other commits')
            db.afterCommit(() => relayFor(db).kick())
          ),
          unavailable
        )
      })

export const OutboxLive = Layer.effect(
  Outbox,
  Effect.map(Database, (db) => ({ append: (events, options) => appendToOutbox(db, events, options) }))
)
