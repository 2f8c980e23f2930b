/**
 * The outbox: events are written and enqueued in the same transaction as the change (or not at all),
 * handlers have effect exactly once however often they run, failures retry, and the last failure
 * lands in the exception queue with the error.
 */
import { Effect, Either, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Outbox } from "../../application/ports/outbox.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { persistenceLayer } from "../../composition/platform.js"
import { Database } from "../../adapters/postgres/database.js"
import { carriedEvents, dispatchEvent, dispatchEvents } from "../../adapters/postgres/worker.js"
import type { AppendOptions } from "../../application/ports/outbox.js"
import type { EventHandler } from "../../adapters/postgres/event-handler.js"
import { useTestDatabase } from "../support/test-database.js"
import { relayed } from "../support/outbox-relay.js"

const db = useTestDatabase()
let runtime: ManagedRuntime.ManagedRuntime<Database | UnitOfWork | Outbox, unknown>

beforeAll(async () => {
  await db.owner`create table effects (event_id text, handler text)`
  await db.owner`grant select, insert on effects to amana_app`
  runtime = ManagedRuntime.make(persistenceLayer(db.sql)) as unknown as typeof runtime
})
afterAll(async () => {
  await runtime.dispose()
})

const append = (type: string, fail = false, options?: AppendOptions) =>
  runtime
    .runPromise(
      Effect.gen(function* () {
        const uow = yield* UnitOfWork
        const outbox = yield* Outbox
        yield* uow.transaction(
          Effect.gen(function* () {
            yield* outbox.append([{ type, aggregateType: "ORDER", aggregateId: "ord-x", payload: { n: 1 } }], options)
            if (fail) return yield* Effect.fail("the change failed" as const)
          })
        )
        // the events of a transaction are written with its COMMIT (adapters/postgres/unit-of-work.ts)
        const db = yield* Database
        const rows = yield* db.query((sql) => sql<Array<{ id: string }>>`select id from outbox where event_type = ${type} order by seq desc limit 1`)
        return rows[0]!.id
      }).pipe(Effect.either)
    )
    .then(async (result) => {
      await relayed(runtime) // the job reaches graphile-worker after the commit (adapters/postgres/outbox-relay.ts)
      return result
    })

const recording = (name: string, on: string): EventHandler<Database> => ({
  name,
  on: [on],
  handle: (event) => Effect.flatMap(Database, (d) => d.query((sql) => sql`insert into effects (event_id, handler) values (${event.id}, ${name})`))
})
const failing = (name: string, on: string): EventHandler<Database> => ({
  name,
  on: [on],
  handle: (event) =>
    Effect.flatMap(Database, (d) => d.query((sql) => sql`insert into effects (event_id, handler) values (${event.id}, ${name})`)).pipe(
      Effect.zipRight(Effect.fail(new Error("rider service unreachable")))
    )
})

const count = async (q: string) => Number((await db.sql.unsafe(q))[0]!["n"])

describe("transactional outbox", () => {
  it("an event and its job commit with the change, and vanish with it when the change rolls back", async () => {
    const ok = await append("EV_COMMITTED")
    expect(Either.isRight(ok)).toBe(true)
    const failed = await append("EV_ROLLED_BACK", true)
    expect(Either.isLeft(failed)).toBe(true)
    expect(await count("select count(*) as n from outbox where event_type = 'EV_ROLLED_BACK'")).toBe(0)
    expect(await count("select count(*) as n from outbox where event_type = 'EV_COMMITTED'")).toBe(1)
    const eventId = Either.getOrThrow(ok)
    expect(await count(`select count(*) as n from graphile_worker._private_jobs where (payload::jsonb)->'eventIds' ? '${eventId}'`)).toBe(1)
  })

  it("an append's job carries its events as stored, so the worker need not read them back; a malformed or foreign one is read instead", async () => {
    const eventId = Either.getOrThrow(await append("EV_CARRIED"))
    const [job] = await db.sql<
      Array<{ payload: unknown }>
    >`select payload::jsonb as payload from graphile_worker._private_jobs where (payload::jsonb)->'eventIds' ? ${eventId}`
    const [stored] =
      await db.sql`select id, event_type, aggregate_type, aggregate_id, payload, occurred_at, request_id, trace_parent from outbox where id = ${eventId}`
    const carried = carriedEvents(job!.payload, [eventId])
    expect(carried).toHaveLength(1)
    // the same event, to the millisecond (a Date holds no more)
    expect({ ...carried[0], occurred_at: carried[0]!.occurred_at.getTime() }).toEqual({ ...stored, occurred_at: (stored!["occurred_at"] as Date).getTime() })
    // only the job's own events, only well-formed ones
    expect(carriedEvents(job!.payload, ["another-event"])).toEqual([])
    const bad = { events: [{ ...(job!.payload as { events: Array<object> }).events[0], occurred_at: "not a date" }, null, 7] }
    expect(carriedEvents(bad, [eventId])).toEqual([])
    expect(carriedEvents({ eventIds: [eventId] }, [eventId])).toEqual([])
    // dispatched from what it carries: the handler sees the stored event
    const seen: Array<string> = []
    const watcher: EventHandler<Database> = {
      name: "watch-carried",
      on: ["EV_CARRIED"],
      handle: (e) => Effect.sync(() => void seen.push(`${e.id}:${JSON.stringify(e.payload)}`))
    }
    expect(await runtime.runPromise(dispatchEvents([watcher], [eventId], 1, 3, carried))).toEqual([])
    expect(seen).toEqual([`${eventId}:{"n":1}`])
  })

  it("a handler run twice (at-least-once delivery) has effect once", async () => {
    const eventId = Either.getOrThrow(await append("EV_TWICE"))
    const handlers = [recording("twice.a", "EV_TWICE"), recording("twice.b", "EV_TWICE"), recording("other", "EV_OTHER")]
    await runtime.runPromise(dispatchEvent(handlers, eventId, 1, 5))
    await runtime.runPromise(dispatchEvent(handlers, eventId, 2, 5))
    expect(await count(`select count(*) as n from effects where event_id = '${eventId}'`)).toBe(2) // a and b once each, "other" never
    expect(await count(`select count(*) as n from outbox where id = '${eventId}' and published_at is not null`)).toBe(1)
  })

  it("a failing handler rolls back its own effect, is retried, and after the last attempt lands in the exception queue", async () => {
    const eventId = Either.getOrThrow(await append("EV_FAILING"))
    const handlers = [recording("fine", "EV_FAILING"), failing("broken", "EV_FAILING")]
    const first = await runtime.runPromise(Effect.either(dispatchEvent(handlers, eventId, 1, 3)))
    expect(Either.isLeft(first)).toBe(true) // graphile-worker retries it with backoff
    const [row] = await db.sql`select attempts, last_error, published_at from outbox where id = ${eventId}`
    expect(row).toMatchObject({ attempts: 1, published_at: null })
    expect(String(row!["last_error"])).toMatch(/broken: Error: rider service unreachable/)
    expect(await count(`select count(*) as n from effects where event_id = '${eventId}' and handler = 'broken'`)).toBe(0)
    // The last attempt: no throw (nothing left to retry), a DEAD_LETTER exception instead, once.
    await runtime.runPromise(dispatchEvent(handlers, eventId, 3, 3))
    await runtime.runPromise(dispatchEvent(handlers, eventId, 3, 3))
    const dead = await db.sql`select kind, status, payload from exceptions where entity_id = ${eventId}`
    expect(dead).toHaveLength(1)
    expect(dead[0]).toMatchObject({ kind: "DEAD_LETTER", status: "OPEN", payload: { handler: "broken", eventType: "EV_FAILING" } })
    expect(await count(`select count(*) as n from effects where event_id = '${eventId}' and handler = 'fine'`)).toBe(1)
  })

  it("an urgent append's job is taken before the others, a delayed one not before its time; a plain one at once", async () => {
    const plain = Either.getOrThrow(await append("EV_PLAIN"))
    const urgent = Either.getOrThrow(await append("EV_URGENT", false, { urgent: true }))
    const later = Either.getOrThrow(await append("EV_LATER", false, { delayMs: 5_000 }))
    const job = async (eventId: string) =>
      (
        await db.sql<Array<{ priority: number; waits: number }>>`
          select priority, extract(epoch from run_at - now())::float8 as waits from graphile_worker._private_jobs where (payload::jsonb)->'eventIds' ? ${eventId}`
      )[0]!
    const [p, u, l] = [await job(plain), await job(urgent), await job(later)]
    // graphile-worker takes the lowest priority number first, among jobs whose run_at has come.
    expect(u.priority).toBeLessThan(p.priority)
    expect(p.waits).toBeLessThanOrEqual(0)
    expect(l.waits).toBeGreaterThan(3)
    expect(l.priority).toBe(p.priority)
  })

  it("a job's events are read together and handled in turn: the handled ones are published, a failing one stays for the retry, a dead-lettered one stays unpublished", async () => {
    const ok = Either.getOrThrow(await append("EV_BATCH_OK"))
    const bad = Either.getOrThrow(await append("EV_BATCH_BAD"))
    const alsoOk = Either.getOrThrow(await append("EV_BATCH_OK"))
    const handlers = [recording("batch.fine", "EV_BATCH_OK"), failing("batch.broken", "EV_BATCH_BAD")]
    const failures = await runtime.runPromise(dispatchEvents(handlers, [ok, bad, alsoOk, "no-such-event"], 1, 2))
    expect(failures).toHaveLength(1)
    expect(String(failures[0])).toMatch(/EV_BATCH_BAD/)
    const published = async (id: string) => (await db.sql`select published_at from outbox where id = ${id}`)[0]!["published_at"] !== null
    expect([await published(ok), await published(bad), await published(alsoOk)]).toEqual([true, false, true])
    expect(await count(`select count(*) as n from effects where handler = 'batch.fine' and event_id in ('${ok}', '${alsoOk}')`)).toBe(2)
    // The last attempt dead-letters it: still unpublished (the back-office retry re-queues it), no failure to retry.
    expect(await runtime.runPromise(dispatchEvents(handlers, [ok, bad], 2, 2))).toEqual([])
    expect(await published(bad)).toBe(false)
    expect(await count(`select count(*) as n from exceptions where entity_id = '${bad}' and kind = 'DEAD_LETTER'`)).toBe(1)
    expect(await count(`select count(*) as n from effects where handler = 'batch.fine' and event_id = '${ok}'`)).toBe(1)
  })
})
