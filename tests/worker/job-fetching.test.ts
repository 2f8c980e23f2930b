/**
 * How the worker asks graphile-worker for jobs (adapters/postgres/worker.ts): each runner fetches
 * for all of its slots together (graphile-worker's local queue), so an idle worker polls once a
 * runner per poll interval, not once a slot (8 + 2 pollers by default before), and a burst of jobs
 * is fetched in batches. Counted on node-postgres, which graphile-worker runs on.
 *
 *   - idle, 4 + 1 slots, polling every 100 ms for 1 s: about 2 × 10 job fetches (1 s / 100 ms a
 *     runner); at 94b8131 about 5 × 10 (one poller a slot);
 *   - 20 jobs at once to 4 slots, fetched in batches: every event handled once.
 */
import { Effect, ManagedRuntime } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Outbox } from "../../application/ports/outbox.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { persistenceLayer } from "../../composition/platform.js"
import { Database } from "../../adapters/postgres/database.js"
import { startWorker } from "../../adapters/postgres/worker.js"
import type { RunningWorker } from "../../adapters/postgres/worker.js"
import type { EventHandler } from "../../adapters/postgres/event-handler.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
let runtime: ManagedRuntime.ManagedRuntime<Database | UnitOfWork | Outbox, unknown>
let worker: RunningWorker | undefined
let fetches = 0
const query = pg.Client.prototype.query
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  await db.owner`create table fetch_effects (event_id text primary key)`
  await db.owner`grant select, insert on fetch_effects to amana_app`
  runtime = ManagedRuntime.make(persistenceLayer(db.sql)) as unknown as typeof runtime
  ;(pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...args: Array<unknown>) {
    const q = args[0] as { name?: string; text?: string } | string
    if (/get_job/.test(typeof q === "string" ? q : `${q?.name ?? ""} ${q?.text ?? ""}`)) fetches++
    return (query as (...a: Array<unknown>) => unknown).apply(this, args)
  }
})
afterAll(async () => {
  pg.Client.prototype.query = query
  await worker?.stop()
  await runtime.dispose()
})

const handlers: ReadonlyArray<EventHandler<Database>> = [
  {
    name: "fetch.record",
    on: ["EV_FETCH"],
    handle: (e) => Effect.flatMap(Database, (d) => d.query((sql) => sql`insert into fetch_effects (event_id) values (${e.id})`))
  }
]
const effects = async () => Number((await db.sql`select count(*)::int as n from fetch_effects`)[0]!["n"])

describe("the worker's job fetches", () => {
  it("idle: one poll a runner per interval, not one a slot (~20 in 1 s, ~50 at 94b8131); a burst: each event handled once", async () => {
    worker = await startWorker<Database>({ connectionString: db.url, runtime, handlers, concurrency: 4, urgentConcurrency: 1, pollInterval: 100 })
    await sleep(300) // started and settled
    fetches = 0
    await sleep(1_000)
    const idle = fetches
    expect(idle).toBeGreaterThan(5)
    expect(idle).toBeLessThanOrEqual(30) // 2 runners × ~10; one poller a slot would be ~50
    // 20 jobs (one event each, their own transactions) at once
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        runtime.runPromise(
          Effect.flatMap(UnitOfWork, (uow) =>
            uow.transaction(Effect.flatMap(Outbox, (o) => o.append([{ type: "EV_FETCH", aggregateType: "ORDER", aggregateId: `fetch-${i}`, payload: {} }])))
          )
        )
      )
    )
    const deadline = Date.now() + 10_000
    while ((await effects()) < 20 && Date.now() < deadline) await sleep(20)
    expect(await effects()).toBe(20)
  }, 30_000)
})
