/**
 * A job's bookkeeping in processed_events (adapters/postgres/worker.ts, dispatchEvents): which
 * (handler, event) pairs ran before is read ONCE per job, and not at all on an append's first
 * attempt (the job carries its events, written with it in one statement: nothing can have run);
 * the claims the runs owe (ownTransactions handlers, one-statement handlers that wrote nothing)
 * are written by the job's last statement, together with the publish. Counted with makePool's
 * statement hook.
 *
 *   - two events of one job, an ownTransactions handler on both, first attempt: the handler's two
 *     statements and ONE more (claims + publish) = 3; at 94b8131 a "seen" select and a claim per
 *     run, then the publish = 7;
 *   - the job retried: one read of the claims for both events, the handler not run again;
 *   - the job dying before its last statement: no claim kept, so the retry runs the handler again
 *     (an ownTransactions handler is idempotent by its own state), and its effect stays once;
 *   - a `relevant` handler is asked once for the job's events; its answer picks the events it runs
 *     on, and a failing answer fails it on each of them (retried, unpublished); a `prepare` handler
 *     likewise, prepared once for the events it runs on, its prepared handle run on each.
 */
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Outbox } from "../../application/ports/outbox.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { persistenceLayer } from "../../composition/platform.js"
import { Database, makePool } from "../../adapters/postgres/database.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { carriedEvents, dispatchEvents } from "../../adapters/postgres/worker.js"
import type { EventHandler } from "../../adapters/postgres/event-handler.js"
import { useTestDatabase } from "../support/test-database.js"
import { statementRecorder } from "../support/statement-recorder.js"
import { relayed } from "../support/outbox-relay.js"

const db = useTestDatabase()
let pool: Sql
const { onStatement, counted } = statementRecorder()
let runtime: ManagedRuntime.ManagedRuntime<Database | UnitOfWork | Outbox, unknown>

beforeAll(async () => {
  await db.owner`create table own_effects (event_id text primary key, n int not null default 1)`
  await db.owner`grant select, insert on own_effects to amana_app`
  pool = makePool(db.url, { max: 2, onStatement })
  runtime = ManagedRuntime.make(persistenceLayer(pool)) as unknown as typeof runtime
})
afterAll(async () => {
  await runtime.dispose()
  await pool.end({ timeout: 5 })
})

/** Two events in one transaction: one job carrying both. */
const appendTwo = async (type: string) => {
  await runtime.runPromise(
    Effect.gen(function* () {
      const uow = yield* UnitOfWork
      const outbox = yield* Outbox
      yield* uow.transaction(outbox.append([1, 2].map((n) => ({ type, aggregateType: "ORDER" as const, aggregateId: `own-${n}`, payload: { n } }))))
    })
  )
  await relayed(runtime)
  const [job] = await db.sql<Array<{ payload: { eventIds: Array<string> } }>>`
    select payload::jsonb as payload from graphile_worker._private_jobs where (payload::jsonb)->'events'->0->>'event_type' = ${type}`
  return { ids: job!.payload.eventIds, payload: job!.payload as unknown }
}

let runs = 0
/** Idempotent by its own state (a second insert of the same event does nothing), as ownTransactions asks. */
const own = (type: string): EventHandler<Database> => ({
  name: `own.${type}`,
  on: [type],
  ownTransactions: true,
  handle: (event) =>
    Effect.flatMap(Database, (d) =>
      d.query((sql) => sql`insert into own_effects (event_id) values (${event.id}) on conflict do nothing`).pipe(Effect.tap(() => void runs++))
    )
})

const effects = async (ids: ReadonlyArray<string>) =>
  (await db.sql<Array<{ n: number }>>`select count(*)::int as n from own_effects where event_id = any(${ids as Array<string>})`)[0]!.n
const claims = async (ids: ReadonlyArray<string>) =>
  (await db.sql<Array<{ n: number }>>`select count(*)::int as n from processed_events where event_id = any(${ids as Array<string>})`)[0]!.n
const published = async (ids: ReadonlyArray<string>) =>
  (await db.sql<Array<{ n: number }>>`select count(*)::int as n from outbox where id = any(${ids as Array<string>}) and published_at is not null`)[0]!.n

describe("a job's claims", () => {
  it("first attempt of an append's job: no read of processed_events, both claims written with the publish in one statement (3 statements; 7 at 94b8131)", async () => {
    const { ids, payload } = await appendTwo("EV_OWN_FIRST")
    const handler = own("EV_OWN_FIRST")
    runs = 0
    const { result, statements } = await counted(() => runtime.runPromise(dispatchEvents([handler], ids, 1, 5, carriedEvents(payload, ids))))
    expect(result).toEqual([])
    expect(statements, statements.join("\n")).toHaveLength(3)
    expect(statements.filter((s) => /from processed_events/.test(s))).toEqual([])
    expect(statements[2]).toMatch(/^with claims as \( insert into processed_events .*update outbox set published_at/)
    expect(runs).toBe(2)
    expect([await effects(ids), await claims(ids), await published(ids)]).toEqual([2, 2, 2])

    // Retried (a later attempt): the claims of both events read in one statement, the handler not run again.
    const again = await counted(() => runtime.runPromise(dispatchEvents([handler], ids, 2, 5, carriedEvents(payload, ids))))
    expect(again.result).toEqual([])
    expect(again.statements.filter((s) => /from processed_events/.test(s))).toHaveLength(1)
    expect(again.statements.filter((s) => /own_effects/.test(s))).toEqual([])
    expect(runs).toBe(2)
    // Re-queued by the back-office ({eventId}: read from the outbox, attempt 1): asked too.
    const requeued = await counted(() => runtime.runPromise(dispatchEvents([handler], [ids[0]!], 1, 5)))
    expect(requeued.statements.filter((s) => /from processed_events/.test(s))).toHaveLength(1)
    expect(runs).toBe(2)
  })

  it("a job that dies before its last statement keeps no claim: the retry runs the ownTransactions handler again, its effect stays once", async () => {
    const { ids, payload } = await appendTwo("EV_OWN_DIES")
    const handler = own("EV_OWN_DIES")
    const dies: EventHandler<Database> = { name: "dies", on: ["EV_OWN_DIES"], ownTransactions: true, handle: () => Effect.die(new Error("process killed")) }
    runs = 0
    const died = await runtime.runPromiseExit(dispatchEvents([handler, dies], ids, 1, 5, carriedEvents(payload, ids)))
    expect(died._tag).toBe("Failure")
    expect([runs, await effects(ids), await claims(ids), await published(ids)]).toEqual([1, 1, 0, 0])
    // graphile-worker's retry (attempt 2): nothing was claimed, so both events run; the first finds its work done
    expect(await runtime.runPromise(dispatchEvents([handler], ids, 2, 5, carriedEvents(payload, ids)))).toEqual([])
    expect([runs, await effects(ids), await claims(ids), await published(ids)]).toEqual([3, 2, 2, 2])
  })

  it("a relevant handler is asked once for the job's events: it runs on those it picks; a failing answer fails it on each", async () => {
    const { ids, payload } = await appendTwo("EV_RELEVANT")
    const asked: Array<ReadonlyArray<string>> = []
    const picky = (answer: Effect.Effect<ReadonlySet<string>, Error>): EventHandler<Database> => ({
      ...own("EV_RELEVANT"),
      relevant: (events) =>
        Effect.zipRight(
          Effect.sync(() => void asked.push(events.map((e) => e.id))),
          answer
        )
    })
    runs = 0
    const down = await runtime.runPromise(dispatchEvents([picky(Effect.fail(new Error("stores unreadable")))], ids, 1, 5, carriedEvents(payload, ids)))
    expect(down).toHaveLength(2)
    expect(asked).toEqual([ids])
    expect([runs, await claims(ids), await published(ids)]).toEqual([0, 0, 0])
    asked.length = 0
    expect(await runtime.runPromise(dispatchEvents([picky(Effect.succeed(new Set([ids[1]!])))], ids, 2, 5, carriedEvents(payload, ids)))).toEqual([])
    expect(asked).toEqual([ids])
    expect([runs, await effects(ids), await claims(ids), await published(ids)]).toEqual([1, 1, 1, 2])
  })

  it("a prepare handler is prepared once for the job's events and its handle runs on each; a failing prepare fails it on each", async () => {
    const { ids, payload } = await appendTwo("EV_PREPARED")
    const prepared: Array<ReadonlyArray<string>> = []
    const handled: Array<string> = []
    const preparing = (fail: boolean): EventHandler<Database> => ({
      ...own("EV_PREPARED"),
      prepare: (events) =>
        Effect.zipRight(
          Effect.sync(() => void prepared.push(events.map((e) => e.id))),
          fail ? Effect.fail(new Error("facts unreadable")) : Effect.succeed((e: { readonly id: string }) => Effect.sync(() => void handled.push(e.id)))
        )
    })
    expect(await runtime.runPromise(dispatchEvents([preparing(true)], ids, 1, 5, carriedEvents(payload, ids)))).toHaveLength(2)
    expect([prepared, handled, await claims(ids), await published(ids)]).toEqual([[ids], [], 0, 0])
    prepared.length = 0
    expect(await runtime.runPromise(dispatchEvents([preparing(false)], ids, 2, 5, carriedEvents(payload, ids)))).toEqual([])
    expect([prepared, handled, await claims(ids), await published(ids)]).toEqual([[ids], ids, 2, 2])
  })
})
