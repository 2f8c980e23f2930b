/**
 * The worker: graphile-worker runs the jobs the outbox enqueued (in the same transaction as each
 * event) and the cron tasks. Every task runs an application use case through the platform runtime.
 *
 * - `outbox__dispatch {eventId}`: each subscribed handler runs in its own transaction together with
 *   its `processed_events` row (exactly-once effect); when it says `ownTransactions`, in the
 *   transactions it opens itself, its row written after it succeeded, by the job's last statement
 *   (it is idempotent by its state); when it is `oneStatement`, as that one statement, which carries
 *   the row (no transaction). Which pairs ran before is read once per job (dispatchEvents). A
 *   failure is retried with graphile-worker's exponential backoff; after the last attempt the event
 *   lands in the exception queue with the error.
 * - `outbox__dispatch_urgent`: the same, for urgent appends (a stored M-Pesa callback). A second
 *   runner, the payment lane (WORKER_URGENT_CONCURRENCY slots, default 2), runs only these, so a
 *   callback is confirmed and settled at once even while every general slot is busy; the general
 *   runner takes them too when it has a free slot.
 * - Crash safety: each worker writes a heartbeat; jobs locked by a worker whose heartbeat went stale
 *   (SIGKILL, OOM) are unlocked at the next start (and periodically), not after 4 hours.
 */
import { EventEmitter } from "node:events"
import { hostname } from "node:os"
import { Effect, Either, Option, Schema } from "effect"
import type { ManagedRuntime } from "effect"
import { run } from "graphile-worker"
import pg from "pg"
import type { Runner, Task, TaskList, WorkerEvents } from "graphile-worker"
import { recordMetric } from "../../application/ports/metrics.js"
import { Database } from "./database.js"
import type { EventHandler, StoredEvent } from "./event-handler.js"
import { insertException } from "./exception-queue.js"
import { claimInsert } from "./handler-claim.js"
import { relayFor } from "./outbox-relay.js"
import type { Relay } from "./outbox-relay.js"
import type { HandlerClaim } from "../../application/ports/handler-claim.js"
import { OUTBOX_TASK, OUTBOX_URGENT_TASK } from "./unit-of-work.js"
import { isRoutineRetry, log, workerLogger } from "../system/logging.js"
import { parentFromTraceParent } from "../system/trace-context.js"

export interface WorkerConfig<R> {
  readonly connectionString: string
  readonly runtime: ManagedRuntime.ManagedRuntime<R | Database, unknown>
  readonly handlers: ReadonlyArray<EventHandler<R>>
  /** extra tasks by name (cron targets): each runs an Effect through the runtime */
  readonly tasks?: Readonly<Record<string, (payload: unknown) => Effect.Effect<unknown, unknown, R | Database>>>
  readonly crontab?: string
  readonly concurrency?: number
  /** the payment lane's slots (urgent outbox jobs only); WORKER_URGENT_CONCURRENCY, default 2 */
  readonly urgentConcurrency?: number
  readonly pollInterval?: number
  readonly heartbeatMs?: number
  /** a worker not seen for this long is dead and its jobs are unlocked */
  readonly staleMs?: number
  /** how often the worker runs the outbox relay besides the commits' kicks (OUTBOX_RELAY_SWEEP_MS, default 500) */
  readonly relaySweepMs?: number
}

/**
 * One handler's run for one event: a span named for the handler, continuing the trace of the
 * request that appended the event, and the request id on every log line it writes (and on the
 * events it appends in turn: unit-of-work.ts reads it back from the log annotations).
 */
const inEventContext = <A, E, R>(event: StoredEvent, handler: string, effect: Effect.Effect<A, E, R>) => {
  const parent = parentFromTraceParent(event.traceParent)
  return effect.pipe(
    Effect.withSpan(`outbox ${handler}`, {
      kind: "consumer",
      captureStackTrace: false,
      attributes: { "amana.event.id": event.id, "amana.event.type": event.type, ...(event.requestId !== undefined && { "amana.request_id": event.requestId }) },
      ...(parent !== undefined && { parent })
    }),
    Effect.annotateLogs({ eventId: event.id, eventType: event.type, handler, ...(event.requestId !== undefined && { requestId: event.requestId }) })
  )
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : typeof e === "object" ? JSON.stringify(e) : String(e))

export type OutboxRow = {
  id: string
  event_type: string
  aggregate_type: string
  aggregate_id: string
  payload: Record<string, unknown>
  occurred_at: Date
  request_id: string | null
  trace_parent: string | null
}

const storedEvent = (row: OutboxRow): StoredEvent => ({
  id: row.id,
  type: row.event_type,
  aggregateType: row.aggregate_type,
  aggregateId: row.aggregate_id,
  payload: row.payload,
  occurredAt: row.occurred_at,
  requestId: row.request_id ?? undefined,
  traceParent: row.trace_parent ?? undefined
})

/** A (handler, event) pair as one key. */
const pairKey = (handler: string, eventId: string) => `${handler}\u0000${eventId}`

/**
 * What a job's handler runs share: which (handler, event) pairs ran before (read once per job, and
 * not at all on an append's first attempt); the claims of the runs that wrote none of their own
 * (ownTransactions handlers, one-statement handlers that had nothing to write), written together by
 * the job's last statement; each `relevant` handler's answer, asked once for the job's events; and
 * each `prepare` handler's handle for them, prepared once.
 */
interface JobContext<R> {
  readonly seen: ReadonlySet<string>
  readonly pending: Array<HandlerClaim>
  readonly relevance: ReadonlyMap<string, Either.Either<ReadonlySet<string>, unknown>>
  /** each `prepare` handler's handle for the job's events (or why it has none) */
  readonly prepared: ReadonlyMap<string, Either.Either<(event: StoredEvent) => Effect.Effect<void, unknown, R>, unknown>>
}

/**
 * The events of one job (one append), read in one statement, each dispatched in turn (in the
 * given order); then ONE statement writes the claims still owed (JobContext) and marks published
 * the events that succeeded. Returns each failure (an event whose handlers failed), after every
 * event had its turn.
 *
 * Which pairs ran before is asked in one statement, before the first handler; not at all when the
 * job is an append's (it carries every event) on its first attempt: the append wrote its events and
 * their one job in one statement, and graphile-worker counts an attempt when it locks the job (a
 * job unlocked after a crash keeps its count), so no handler can have seen these events yet. A
 * retried or re-queued job ({eventId}, not carried) asks, and skips the pairs that ran.
 */
export const dispatchEvents = <R>(
  handlers: ReadonlyArray<EventHandler<R>>,
  eventIds: ReadonlyArray<string>,
  attempt: number,
  maxAttempts: number,
  carried: ReadonlyArray<OutboxRow> = []
) =>
  Effect.gen(function* () {
    const db = yield* Database
    // The events an append's job carries are not read back (they are immutable); a re-queued job ({eventId}) reads its event.
    const known = new Set(carried.map((r) => r.id))
    const missing = eventIds.filter((id) => !known.has(id))
    const rows =
      missing.length === 0
        ? carried
        : [
            ...carried,
            ...(yield* db.query(
              (sql) => sql<Array<OutboxRow>>`
      select id, event_type, aggregate_type, aggregate_id, payload, occurred_at, request_id, trace_parent from outbox where id = any(${missing}::text[])`
            ))
          ]
    const listens = (h: EventHandler<R>, type: string) => h.on.includes(type) || h.on.includes("*")
    const subscribed = (type: string) => handlers.filter((h) => listens(h, type))
    const firstSight = attempt === 1 && missing.length === 0
    const asked = firstSight ? [] : rows.filter((r) => handlers.some((h) => listens(h, r.event_type))).map((r) => r.id)
    const seen =
      asked.length === 0
        ? new Set<string>()
        : new Set(
            (yield* db.query(
              (sql) => sql<Array<{ handler: string; event_id: string }>>`
        select handler, event_id from processed_events where event_id = any(${asked}::text[]) and handler = any(${handlers.map((h) => h.name)}::text[])`
            )).map((r) => pairKey(r.handler, r.event_id))
          )
    const events = new Map(rows.map((r) => [r.id, storedEvent(r)]))
    // each `relevant` handler asked once, about the job's events it is to run on (in the job's order);
    // then each `prepare` handler prepared once, for those of them it is to run on
    const relevance = new Map<string, Either.Either<ReadonlySet<string>, unknown>>()
    const prepared = new Map<string, Either.Either<(event: StoredEvent) => Effect.Effect<void, unknown, R>, unknown>>()
    for (const h of handlers) {
      if (h.relevant === undefined && !("prepare" in h && h.prepare !== undefined)) continue
      let mine = eventIds.flatMap((id) => {
        const e = events.get(id)
        return e !== undefined && listens(h, e.type) && !seen.has(pairKey(h.name, id)) ? [e] : []
      })
      if (h.relevant !== undefined && mine.length > 0) {
        const answer = yield* Effect.either(h.relevant(mine))
        relevance.set(h.name, answer)
        mine = Either.isRight(answer) ? mine.filter((e) => answer.right.has(e.id)) : []
      }
      if ("prepare" in h && h.prepare !== undefined && mine.length > 0) prepared.set(h.name, yield* Effect.either(h.prepare(mine)))
    }
    const job: JobContext<R> = { seen, pending: [], relevance, prepared }
    const published: Array<string> = []
    const failures: Array<unknown> = []
    for (const eventId of eventIds) {
      const event = events.get(eventId)
      if (!event) {
        yield* Effect.logWarning("outbox event not found", eventId)
        continue
      }
      const outcome = yield* Effect.either(dispatchStored(subscribed(event.type), event, attempt, maxAttempts, job))
      if (outcome._tag === "Left") failures.push(outcome.left)
      else if (outcome.right === "HANDLED") published.push(eventId)
    }
    const { pending } = job
    if (published.length > 0 || pending.length > 0)
      yield* db.query((sql) => {
        const publish = sql`update outbox set published_at = now(), attempts = ${attempt} where id = any(${published}::text[]) and published_at is null`
        return pending.length === 0
          ? publish
          : sql`
      with claims as (
        insert into processed_events (handler, event_id)
        select * from unnest(${pending.map((c) => c.handler)}::text[], ${pending.map((c) => c.eventId)}::text[]) on conflict do nothing
      )
      ${publish}`
      })
    return failures
  })

/** Run every subscribed handler once for the event (see dispatchEvents); fails when a handler failed. */
export const dispatchEvent = <R>(handlers: ReadonlyArray<EventHandler<R>>, eventId: string, attempt: number, maxAttempts: number) =>
  Effect.flatMap(dispatchEvents(handlers, [eventId], attempt, maxAttempts), (failures) => (failures.length > 0 ? Effect.fail(failures[0]) : Effect.void))

/**
 * One handler's run: in the claim's transaction; or (ownTransactions) in its own, its claim owed
 * (written by the job's last statement, after it succeeded); or (oneStatement) with the claim in
 * its one statement, or its claim owed when it wrote nothing. A crash before the job's last
 * statement runs an ownTransactions handler again: it is idempotent by its own state.
 */
const handled = <R>(h: EventHandler<R>, event: StoredEvent, job: JobContext<R>) =>
  Effect.flatMap(Database, (db) => {
    const claim = { handler: h.name, eventId: event.id }
    const owe = Effect.sync(() => void job.pending.push(claim))
    if ("oneStatement" in h) return Effect.flatMap(h.oneStatement(event, claim), (carried) => (carried ? Effect.void : owe))
    const prepared = job.prepared.get(h.name)
    const handle = prepared === undefined ? h.handle(event) : Either.match(prepared, { onLeft: (e) => Effect.fail(e), onRight: (handle) => handle(event) })
    return h.ownTransactions
      ? Effect.zipRight(handle, owe)
      : db.transaction(
          Effect.gen(function* () {
            const claimed = yield* db.query((sql) => claimInsert(sql, claim))
            if (claimed.length === 0) return // handled before: no second effect
            yield* handle
          })
        )
  })

/**
 * Every subscribed handler once for a stored event (but those that ran before); fails (after
 * recording the attempt) when one failed and attempts remain. HANDLED is published by the caller;
 * DEAD_LETTERED is not.
 */
const dispatchStored = <R>(handlers: ReadonlyArray<EventHandler<R>>, event: StoredEvent, attempt: number, maxAttempts: number, job: JobContext<R>) =>
  Effect.gen(function* () {
    const db = yield* Database
    const failures: Array<{ handler: string; error: string; routine: boolean }> = []
    for (const h of handlers) {
      if (job.seen.has(pairKey(h.name, event.id))) continue // handled before
      const relevant = job.relevance.get(h.name)
      const outcome = yield* Effect.either(
        inEventContext(
          event,
          h.name,
          relevant === undefined
            ? handled(h, event, job)
            : Either.match(relevant, {
                onLeft: (e) => Effect.fail(e),
                onRight: (ids) => (ids.has(event.id) ? handled(h, event, job) : Effect.void)
              })
        )
      )
      if (outcome._tag === "Left") failures.push({ handler: h.name, error: errorText(outcome.left), routine: isRoutineRetry(outcome.left) })
    }
    if (failures.length === 0) return "HANDLED" as const
    const lastError = failures.map((f) => `${f.handler}: ${f.error}`).join("; ")
    if (attempt < maxAttempts) {
      yield* db.query((sql) => sql`update outbox set attempts = ${attempt}, last_error = ${lastError} where id = ${event.id}`)
      const retry = new Error(`outbox event ${event.id} (${event.type}): ${lastError}`)
      // "Not yet" answers (an STK query still pending) are the normal path: retried quietly (logged at debug).
      return yield* Effect.fail(failures.every((f) => f.routine) ? Object.assign(retry, { routine: true as const }) : retry)
    }
    // Dead letter: a human looks at it (and can retry it from the back-office).
    yield* db.transaction(
      Effect.gen(function* () {
        for (const f of failures)
          yield* insertException(db, {
            kind: "DEAD_LETTER",
            entity: "outbox",
            entityId: event.id,
            payload: {
              eventId: event.id,
              eventType: event.type,
              aggregateType: event.aggregateType,
              aggregateId: event.aggregateId,
              handler: f.handler,
              error: f.error,
              attempts: attempt
            },
            dedupeKey: `dead:${f.handler}:${event.id}`
          })
        yield* db.query((sql) => sql`update outbox set attempts = ${attempt}, last_error = ${lastError} where id = ${event.id}`)
      })
    )
    for (const f of failures) yield* recordMetric((m) => m.deadLettered(f.handler))
    yield* Effect.logError("outbox event dead-lettered", event.id, lastError).pipe(
      Effect.annotateLogs(event.requestId !== undefined ? { requestId: event.requestId } : {})
    )
    return "DEAD_LETTERED" as const // stays unpublished: the back-office retry re-queues it
  })

/** A carried event as the append wrote it (json_build_object of the outbox row). */
const CarriedEvent = Schema.Struct({
  id: Schema.String,
  event_type: Schema.String,
  aggregate_type: Schema.String,
  aggregate_id: Schema.String,
  payload: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  occurred_at: Schema.Date,
  request_id: Schema.NullOr(Schema.String),
  trace_parent: Schema.NullOr(Schema.String)
})
const decodeCarried = Schema.decodeUnknownOption(CarriedEvent)

/**
 * The events a job's payload carries (`events`, written by the append beside `eventIds`), each
 * decoded; one that is malformed, or not among `ids`, is read from the outbox instead.
 */
export const carriedEvents = (payload: unknown, ids: ReadonlyArray<string>): Array<OutboxRow> => {
  const events = (payload as { events?: unknown } | null)?.events
  if (!Array.isArray(events)) return []
  return events.flatMap((e: unknown) => Option.toArray(Option.filter(decodeCarried(e), (row) => ids.includes(row.id) && !Array.isArray(row.payload))))
}

export interface RunningWorker {
  readonly runner: Runner
  /** graceful: in-flight jobs finish (or are unlocked for a retry), then the pool stops */
  readonly stop: () => Promise<void>
}

const positiveFromEnv = (name: string, fallback: number) => {
  const n = Number(process.env[name] ?? "")
  return Number.isInteger(n) && n > 0 ? n : fallback
}

export const startWorker = async <R>(config: WorkerConfig<R>): Promise<RunningWorker> => {
  const { runtime } = config
  const heartbeatMs = config.heartbeatMs ?? 5_000
  const staleMs = config.staleMs ?? 30_000
  const processName = `${hostname()}:${process.pid}`
  const workerIds = new Set<string>()

  const sqlEffect = <A>(f: Parameters<Database["Type"]["query"]>[0]) =>
    runtime.runPromise(Effect.flatMap(Database, (db) => db.query(f)) as Effect.Effect<A, unknown, Database>)

  /** Unlock jobs of workers whose heartbeat went stale, and forget those workers. */
  const reapDeadWorkers = () =>
    sqlEffect(
      (sql) => sql`
      with dead as (
        delete from worker_heartbeats where seen_at < now() - make_interval(secs => ${staleMs / 1000}) returning worker_id
      )
      select graphile_worker.force_unlock_workers(coalesce(array_agg(worker_id), '{}')) from dead`
    )

  const beat = () =>
    workerIds.size === 0
      ? Promise.resolve()
      : sqlEffect(
          (sql) => sql`
          insert into worker_heartbeats (worker_id, process) select unnest(${[...workerIds]}::text[]), ${processName}
          on conflict (worker_id) do update set seen_at = now()`
        )

  await reapDeadWorkers()

  const dispatchTask: Task = async (payload, helpers) => {
    // {eventIds: [...]} from an append; {eventId} from a single re-queue (the back-office retry).
    const p = (payload ?? {}) as { eventId?: unknown; eventIds?: unknown }
    const ids = Array.isArray(p.eventIds) ? p.eventIds : [p.eventId]
    if (ids.length === 0 || !ids.every((id): id is string => typeof id === "string")) {
      helpers.logger.error(`bad ${OUTBOX_TASK} payload: ${JSON.stringify(payload)}`)
      return // malformed jobs are not retried forever; nothing to do
    }
    // In order; a failure fails the job after every event had its turn (the others are then
    // no-ops on the retry, thanks to processed_events).
    const failures = await runtime.runPromise(
      dispatchEvents(config.handlers, ids, helpers.job.attempts, helpers.job.max_attempts, carriedEvents(payload, ids)) as Effect.Effect<
        Array<unknown>,
        unknown,
        R | Database
      >
    )
    // A routine retry is thrown only when every failure was one (its log line is then a debug line).
    if (failures.length > 0) throw failures.find((f) => !isRoutineRetry(f)) ?? failures[0]
  }
  const taskList: TaskList = { [OUTBOX_TASK]: dispatchTask, [OUTBOX_URGENT_TASK]: dispatchTask }
  for (const [name, task] of Object.entries(config.tasks ?? {})) {
    taskList[name] = (async (payload) => {
      await runtime.runPromise(task(payload))
    }) satisfies Task
  }

  const events: WorkerEvents = new EventEmitter() as WorkerEvents
  // Jobs are locked by the pool's id (graphile-worker fetches in batches per pool) or a worker's id:
  // both beat, so either can be recognised as dead.
  events.on("pool:create", ({ workerPool }) => {
    workerIds.add(workerPool.id)
    void beat().catch(() => undefined)
  })
  events.on("worker:create", ({ worker }) => {
    workerIds.add(worker.workerId)
    void beat().catch(() => undefined)
  })
  events.on("worker:release", ({ worker }) => {
    workerIds.delete(worker.workerId)
  })

  // Our own pool, so a connection dropped under us (the database restarting, Ctrl-C reaching the
  // embedded server first) is logged and retried instead of crashing the process: an idle client's
  // error reaches the pool's handler, a checked-out client's its own (without one, node-postgres
  // emits an unhandled 'error' and the process dies); pg then discards the client.
  // WORKER_CONCURRENCY (default 8): jobs run at once; they wait on the database, not the CPU (docs/benchmarks.md, bench:flow).
  const concurrency = config.concurrency ?? positiveFromEnv("WORKER_CONCURRENCY", 8)
  const urgentConcurrency = config.urgentConcurrency ?? positiveFromEnv("WORKER_URGENT_CONCURRENCY", 2)
  const connectionLost = (e: Error) => log("warn", "worker pool connection lost", { error: e.message })
  const pools: Array<pg.Pool> = []
  const runner = async (slots: number, tasks: TaskList, crontab?: string) => {
    const pgPool = new pg.Pool({ connectionString: config.connectionString, max: slots + 2 })
    pgPool.on("error", connectionLost)
    pgPool.on("connect", (client) => client.on("error", connectionLost))
    pools.push(pgPool)
    return run({
      pgPool,
      concurrency: slots,
      pollInterval: config.pollInterval ?? 1_000,
      noHandleSignals: true,
      taskList: tasks,
      logger: workerLogger,
      ...(crontab !== undefined && { crontab }),
      events
    })
  }
  const general = await runner(concurrency, taskList, config.crontab)
  // The payment lane: graphile-worker asks only for the task names a runner knows.
  const lane = await runner(urgentConcurrency, { [OUTBOX_URGENT_TASK]: dispatchTask })
  await beat()
  // the outbox relay (outbox-relay.ts): each commit that appends kicks its own process's; this timer
  // hands over what a process left behind when it ended before its relay ran (a CLI tool, a crash)
  const relay = await runtime.runPromise(Effect.map(Database, relayFor) as Effect.Effect<Relay, unknown, Database>)
  relay.kick()
  const relayTimer = setInterval(relay.kick, config.relaySweepMs ?? positiveFromEnv("OUTBOX_RELAY_SWEEP_MS", 500))
  relayTimer.unref()
  const timer = setInterval(() => {
    void beat()
      .then(reapDeadWorkers)
      .catch(() => undefined)
  }, heartbeatMs)
  timer.unref()

  return {
    runner: general,
    stop: async () => {
      clearInterval(timer)
      clearInterval(relayTimer)
      // taken before stopping: stopping releases the workers, which drops them from workerIds
      const beating = [...workerIds]
      await Promise.all([general, lane].map((r) => r.stop().catch((e: unknown) => log("warn", "worker stop", { error: String(e) }))))
      const ids = [...new Set([...beating, ...workerIds])]
      await sqlEffect((sql) => sql`delete from worker_heartbeats where worker_id = any(${ids}::text[])`).catch(() => undefined)
      await Promise.all(pools.map((p) => p.end().catch(() => undefined)))
    }
  }
}
