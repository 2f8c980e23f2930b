/**
 * The outbox relay (adapters/postgres/outbox-relay.ts): an append writes its job to outbox_jobs in
 * its own transaction (no add_job, no NOTIFY there); the relay hands the jobs to graphile-worker, a
 * batch per statement, each job exactly once, as add_job would have made it.
 */
import { Effect, Either, ManagedRuntime } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import type { Outbox } from "../../application/ports/outbox.js"
import type { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { persistenceLayer } from "../../composition/platform.js"
import { Database } from "../../adapters/postgres/database.js"
import { RELAY_BATCH, relayBatch, relayFor } from "../../adapters/postgres/outbox-relay.js"
import { OUTBOX_MAX_ATTEMPTS, OUTBOX_TASK, OUTBOX_URGENT_TASK, URGENT_PRIORITY, outboxInsert, withdrawAppend } from "../../adapters/postgres/unit-of-work.js"
import { startWorker } from "../../adapters/postgres/worker.js"
import { readOperationalGauges } from "../../adapters/postgres/operational-readings.js"
import type { RunningWorker } from "../../adapters/postgres/worker.js"
import type { EventHandler } from "../../adapters/postgres/event-handler.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
let runtime: ManagedRuntime.ManagedRuntime<Database | UnitOfWork | Outbox, unknown>
let worker: RunningWorker | undefined

beforeAll(async () => {
  await db.owner`create table relayed_effects (event_id text primary key)`
  await db.owner`grant select, insert on relayed_effects to amana_app`
  runtime = ManagedRuntime.make(persistenceLayer(db.sql)) as unknown as typeof runtime
})
afterEach(async () => {
  await worker?.stop()
  worker = undefined
})
afterAll(async () => {
  await runtime.dispose()
})

/**
 * An append's statement sent on the bare pool: what a transaction sends with its COMMIT, but with no
 * relay kicked after it (a process that ended first), so only an explicit run hands it over.
 */
const appendUnkicked = async (type: string, options: { urgent?: boolean; delayMs?: number; key?: string } = {}) => {
  const item = { event_type: type, aggregate_type: "ORDER", aggregate_id: "ord-relay", payload: { type }, request_id: null, trace_parent: null }
  await outboxInsert(options.urgent ? OUTBOX_URGENT_TASK : OUTBOX_TASK, options.urgent ? URGENT_PRIORITY : 0, options.delayMs ?? 0, options.key)([item])(db.sql)
  return (await db.sql<Array<{ id: string }>>`select id from outbox where event_type = ${type} order by seq desc limit 1`)[0]!.id
}
/** One relay batch: how many jobs graphile-worker was given. */
const handedOver = (db: Database["Type"], limit?: number) => Effect.map(relayBatch(db, limit), (b) => b.handedOver)
const relay = (limit?: number) => runtime.runPromise(Effect.flatMap(Database, (d) => handedOver(d, limit)))
const waiting = async () => (await db.sql<Array<{ n: number }>>`select count(*)::int as n from outbox_jobs`)[0]!.n
const jobsOf = (eventId: string) =>
  db.sql<Array<{ task: string; priority: number; waits: number; max_attempts: number; key: string | null; event_ids: Array<string> }>>`
    select t.identifier as task, j.priority, extract(epoch from j.run_at - now())::float8 as waits, j.max_attempts, j.key,
           array(select json_array_elements_text(j.payload -> 'eventIds')) as event_ids
      from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
     where (j.payload::jsonb) -> 'eventIds' ? ${eventId}`

describe("the outbox relay", () => {
  it("an append's job waits in outbox_jobs; one relay statement hands every waiting job over, as add_job would have made it, and only once", async () => {
    const plain = await appendUnkicked("EV_R_PLAIN")
    const urgent = await appendUnkicked("EV_R_URGENT", { urgent: true })
    const later = await appendUnkicked("EV_R_LATER", { delayMs: 60_000 })
    const keyed = await appendUnkicked("EV_R_KEYED", { key: "relay-test:keyed" })
    expect(await waiting()).toBe(4)
    for (const id of [plain, urgent, later, keyed]) expect(await jobsOf(id)).toEqual([])

    expect(await relay()).toBe(4)
    expect(await waiting()).toBe(0)
    const [p, u, l, k] = [(await jobsOf(plain))[0]!, (await jobsOf(urgent))[0]!, (await jobsOf(later))[0]!, (await jobsOf(keyed))[0]!]
    expect(p).toMatchObject({ task: OUTBOX_TASK, priority: 0, max_attempts: OUTBOX_MAX_ATTEMPTS, key: null, event_ids: [plain] })
    expect(u).toMatchObject({ task: OUTBOX_URGENT_TASK, priority: URGENT_PRIORITY, event_ids: [urgent] })
    expect(l.waits).toBeGreaterThan(50) // its run_at as the append set it, not the relay's time
    expect(p.waits).toBeLessThan(1)
    expect(k).toMatchObject({ key: "relay-test:keyed", event_ids: [keyed] })

    expect(await relay()).toBe(0) // nothing handed over twice
    for (const id of [plain, urgent, later, keyed]) expect(await jobsOf(id)).toHaveLength(1)
  })

  it("a backlog larger than a batch: an urgent job (a stored M-Pesa callback) is handed over in the first batch, before older plain ones", async () => {
    while ((await relay()) > 0); // (nothing left by an earlier case)
    const plain: Array<string> = []
    for (let i = 0; i < 5; i++) plain.push(await appendUnkicked(`EV_R_BACKLOG_${i}`))
    const urgent = await appendUnkicked("EV_R_BACKLOG_URGENT", { urgent: true })
    expect(await relay(3)).toBe(3)
    expect(await jobsOf(urgent)).toHaveLength(1)
    expect((await Promise.all(plain.map(async (id) => (await jobsOf(id)).length))).reduce((a, b) => a + b, 0)).toBe(2)
    while ((await relay()) > 0);
  })

  it("a job the relay has not handed over yet counts in the job queue's gauge (amana_jobs), as it does once handed over", async () => {
    while ((await relay()) > 0);
    const ready = async () => (await runtime.runPromise(readOperationalGauges)).jobs.ready
    const before = await ready()
    await appendUnkicked("EV_R_GAUGED")
    expect(await ready()).toBe(before + 1)
    expect(await relay()).toBe(1)
    expect(await ready()).toBe(before + 1)
  })

  it("relays running at once share the work: 60 appends, four relays of 7, each job handed over exactly once", async () => {
    while ((await relay()) > 0); // (nothing left by an earlier case)
    const ids: Array<string> = []
    for (let i = 0; i < 60; i++) ids.push(await appendUnkicked(`EV_R_SHARED_${i}`))
    let moved = 0
    for (;;) {
      const round = await Promise.all([relay(7), relay(7), relay(7), relay(7)])
      moved += round.reduce((a, b) => a + b, 0)
      if (round.every((n) => n === 0)) break
    }
    expect(moved).toBe(60)
    const counts = await Promise.all(ids.map(async (id) => (await jobsOf(id)).length))
    expect(counts).toEqual(ids.map(() => 1))
  })

  it("two appends with one key before the relay ran become one job, the later's (add_job's replace); a withdrawn append not yet relayed is dropped and its events published", async () => {
    const first = await appendUnkicked("EV_R_KEY_1", { key: "relay-test:twice" })
    const second = await appendUnkicked("EV_R_KEY_2", { key: "relay-test:twice" })
    expect(await relay()).toBe(1)
    expect(await jobsOf(first)).toEqual([])
    expect((await jobsOf(second))[0]).toMatchObject({ key: "relay-test:twice", event_ids: [second] })

    const withdrawn = await appendUnkicked("EV_R_WITHDRAWN", { key: "relay-test:withdrawn" })
    await db.sql`with settled as (select 1), ${withdrawAppend(db.sql, "settled", "relay-test:withdrawn")} select 1`
    expect(await waiting()).toBe(0)
    expect(await relay()).toBe(0)
    expect(await jobsOf(withdrawn)).toEqual([])
    const [event] = await db.sql<Array<{ published: boolean }>>`select published_at is not null as published from outbox where id = ${withdrawn}`
    expect(event!.published).toBe(true)
  })

  it("a relay that fails hands nothing over and loses nothing: its jobs wait for the next run", async () => {
    const id = await appendUnkicked("EV_R_FAILED")
    await db.owner`alter function graphile_worker.add_jobs(graphile_worker.job_spec[], boolean) rename to add_jobs_away`
    try {
      const failed = await runtime.runPromise(Effect.either(Effect.flatMap(Database, (d) => handedOver(d))))
      expect(Either.isLeft(failed)).toBe(true)
    } finally {
      await db.owner`alter function graphile_worker.add_jobs_away(graphile_worker.job_spec[], boolean) rename to add_jobs`
    }
    expect(await waiting()).toBe(1)
    expect(await relay()).toBe(1)
    expect(await jobsOf(id)).toHaveLength(1)
  })

  it("a job whose key reads like another waiting job's id is still handed over: keys and ids are told apart when a batch collapses its keys", async () => {
    while ((await relay()) > 0);
    const plain = await appendUnkicked("EV_R_ID_LIKE_PLAIN")
    const [row] = await db.sql<Array<{ id: string }>>`select id::text from outbox_jobs`
    const keyed = await appendUnkicked("EV_R_ID_LIKE_KEYED", { key: row!.id })
    expect(await relay()).toBe(2)
    expect(await jobsOf(plain)).toHaveLength(1)
    expect(await jobsOf(keyed)).toHaveLength(1)
  })

  it("a full batch whose keyed appends collapsed into one job is still full: the run goes on to the jobs behind it", async () => {
    while ((await relay()) > 0);
    await appendUnkicked("EV_R_FULL_K1", { key: "relay-test:full" })
    await appendUnkicked("EV_R_FULL_K2", { key: "relay-test:full" })
    for (let i = 0; i < RELAY_BATCH - 1; i++) await appendUnkicked(`EV_R_FULL_${i}`)
    expect(await waiting()).toBe(RELAY_BATCH + 1)
    // one kick (a commit's), nothing else: no worker sweeps in this case
    await runtime.runPromise(Effect.flatMap(Database, (d) => Effect.promise(() => relayFor(d).flush())))
    expect(await waiting()).toBe(0)
  })

  it("a settle's withdrawal that meets a relay moving its keyed job (another process's, mid-statement) still withdraws it", async () => {
    while ((await relay()) > 0);
    const id = await appendUnkicked("EV_R_RACED", { key: "relay-test:raced", delayMs: 60_000 })
    // another process's relay: its statement has taken the row and added the job, its commit not yet done
    const other = await db.sql.reserve()
    try {
      await other`begin`
      const moved = await Effect.runPromise(
        handedOver({ query: (f: (sql: never) => PromiseLike<unknown>) => Effect.promise(() => f(other as never)) } as never)
      )
      expect(moved).toBe(1)
      let done = false
      const withdrawing = db.sql`with settled as (select 1), ${withdrawAppend(db.sql, "settled", "relay-test:raced")} select 1`.then(() => {
        done = true
      })
      await new Promise((r) => setTimeout(r, 300))
      expect(done).toBe(false) // it waits for the row the relay holds
      await other`commit`
      await withdrawing
    } finally {
      other.release()
    }
    expect(await waiting()).toBe(0)
    expect(await jobsOf(id)).toEqual([])
    const [event] = await db.sql<Array<{ published: boolean }>>`select published_at is not null as published from outbox where id = ${id}`
    expect(event!.published).toBe(true)
  })

  it("the worker hands over, on its timer, what no commit kicked (a process that ended first), and the handler runs", async () => {
    const handler: EventHandler<Database> = {
      name: "relay.record",
      on: ["EV_R_ORPHAN"],
      handle: (e) => Effect.flatMap(Database, (d) => Effect.asVoid(d.query((sql) => sql`insert into relayed_effects (event_id) values (${e.id})`)))
    }
    worker = await startWorker<Database>({ connectionString: db.url, runtime, handlers: [handler], concurrency: 1, pollInterval: 200, relaySweepMs: 50 })
    const id = await appendUnkicked("EV_R_ORPHAN")
    const deadline = Date.now() + 10_000
    const done = async () => (await db.sql`select 1 from relayed_effects where event_id = ${id}`).length === 1
    while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(await done()).toBe(true)
    expect(await waiting()).toBe(0)
  })
})
