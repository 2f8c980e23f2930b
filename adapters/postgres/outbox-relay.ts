/**
 * The outbox relay: hands the jobs an append wrote to `outbox_jobs` (unit-of-work.ts) to
 * graphile-worker, many at once. One statement moves a batch: it deletes the rows (urgent first, then oldest,
 * `for update skip locked`, so relays in several processes share the work) and adds their jobs with
 * ONE `graphile_worker.add_jobs` call, whose one NOTIFY wakes the workers. Deleting and adding are
 * one statement, so a job is handed over exactly once, or (the statement failed) not at all and its
 * rows wait for the next run.
 *
 * Why not add_job in the appending transaction, as before: its PL/pgSQL ran once per append, and its
 * NOTIFY takes a queue lock that PostgreSQL holds from the commit's start to its end, WAL flush
 * included, so every transaction that appended events committed one after another, platform-wide
 * (docs/benchmarks.md, twelfth session).
 *
 * When it runs: every commit that appended events kicks its process's relay (Database.afterCommit).
 * A kick while a batch is being moved makes one more run after it, which takes every commit that
 * came in meanwhile (under load a run moves many jobs; alone, one). The worker also kicks it on a
 * timer, for rows whose process ended before its relay ran (a CLI tool, a crash).
 *
 * Two appends with one job key in one batch: the later replaces the earlier, as add_job's default
 * mode would have (add_jobs refuses two specs for one key in a call).
 */
import { Effect } from "effect"
import type { Database } from "./database.js"
import { log } from "../system/logging.js"

/** At most this many jobs per statement. */
export const RELAY_BATCH = 200

/**
 * One batch moved: how many outbox_jobs rows it took (`taken`) and how many jobs graphile-worker was
 * given (`handedOver`: fewer when keyed appends collapsed). A batch is full when it took `limit` rows,
 * whatever it handed over: only then can more be waiting behind it.
 */
export const relayBatch = (db: Database["Type"], limit = RELAY_BATCH) =>
  Effect.map(
    db.query(
      // keyed rows collapse by key (the later wins); an unkeyed row is its own group, never one with
      // a key that reads like its id (a key "42" and the unkeyed row 42 are two jobs)
      (sql) => sql<Array<{ taken: number; n: number }>>`
      with moved as (
        delete from outbox_jobs where id in (select id from outbox_jobs order by priority, id limit ${limit} for update skip locked)
        returning id, task, payload, priority, run_at, max_attempts, job_key
      ), latest as (
        select distinct on (job_key, case when job_key is null then id end) * from moved
         order by job_key, case when job_key is null then id end, id desc
      )
      select (select count(*)::int from moved) as taken,
        case when exists (select from latest)
        then (select count(*)::int from graphile_worker.add_jobs(array(
               select row(task, payload, null, run_at, max_attempts, job_key, priority, null)::graphile_worker.job_spec from latest order by id)))
        else 0 end as n`
    ),
    (rows) => ({ taken: rows[0]?.taken ?? 0, handedOver: rows[0]?.n ?? 0 })
  )

export interface Relay {
  /** Run soon (after what is committing in this turn), or once more after the run in progress. */
  readonly kick: () => void
  /** Resolves once a run that began after this call has finished with a batch that was not full, or failed (tests, shutdown). */
  readonly flush: () => Promise<void>
}

const relays = new WeakMap<object, Relay>()
let lastWarning = 0

/** The relay of this Database (one per pool and process). */
export const relayFor = (db: Database["Type"]): Relay => {
  const known = relays.get(db)
  if (known !== undefined) return known
  let running = false
  let again = false
  let waiters: Array<() => void> = []
  const run = async () => {
    // the flushes this run answers: once a batch that was not full (or failed) has finished, so a
    // backlog of several batches is all handed over first (a full batch leaves more behind it)
    let settled: Array<() => void> = []
    for (;;) {
      again = false
      settled = settled.concat(waiters)
      waiters = []
      const moved = await Effect.runPromise(Effect.either(relayBatch(db)))
      if (moved._tag === "Left" || moved.right.taken < RELAY_BATCH) {
        for (const w of settled) w()
        settled = []
      }
      if (moved._tag === "Left") {
        // graphile-worker's schema missing, the database away: the rows stay for the next kick or the worker's timer
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now()
          log("warn", "outbox relay failed; its jobs wait for the next run", { error: moved.left.message })
        }
        if (!again) break
      } else if (moved.right.taken < RELAY_BATCH && !again) break
    }
    running = false
    // a flush that arrived after the last run began
    if (waiters.length > 0) relay.kick()
  }
  const relay: Relay = {
    kick: () => {
      if (running) {
        again = true
        return
      }
      running = true
      setImmediate(() => void run())
    },
    flush: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve)
        relay.kick()
      })
  }
  relays.set(db, relay)
  return relay
}
