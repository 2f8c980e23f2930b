import { Effect, Fiber } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import * as Db from "../../adapters/postgres/database.js"
import { DatabaseLive, makePool, requestCancel } from "../../adapters/postgres/database.js"
import type { DatabaseOptions } from "../../adapters/postgres/database.js"
import { pgRelay } from "../support/pg-relay.js"
import { useTestDatabase } from "../support/test-database.js"

// A PostgreSQL CancelRequest names a backend, not a statement: one that lands after its statement
// finished fails whatever that backend runs next. These tests deliver the cancel late on purpose
// (a relay holds the cancel's connection) and check that the next statement on the connection is
// not the one it hits: in a transaction, because nothing is sent on its connection before the
// cancel was delivered; outside one, because no cancel is sent at all (the statement is abandoned,
// and the pool's statement_timeout bounds it).
const db = useTestDatabase()

/** A CancelRequest: length 16, code 80877102 (1234 << 16 | 5678). */
const isCancelRequest = (chunk: Buffer): boolean => chunk.length >= 8 && chunk.readInt32BE(0) === 16 && chunk.readInt32BE(4) === 80877102

/**
 * A TCP relay in front of the server that holds each CancelRequest `delayMs` before passing it on;
 * the client's cancel socket closes only once the server closed it (after it signalled the backend).
 */
const slowCancelRelay = async (serverUrl: string, delayMs: number) => {
  let cancels = 0
  const relay = await pgRelay(
    serverUrl,
    () => false,
    0,
    (chunk) => (isCancelRequest(chunk) ? (cancels++, delayMs) : 0)
  )
  return { url: relay.url, cancels: () => cancels, close: relay.close }
}

let closing: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closing) await close()
  closing = []
})

const delayMs = 700

/** The Database over a pool of ONE connection behind the slow-cancel relay: what runs after the interruption runs on the interrupted statement's backend. */
const behindSlowCancels = async (relayDelayMs = delayMs, options: DatabaseOptions = {}) => {
  const relay = await slowCancelRelay(db.ownerUrl, relayDelayMs)
  closing.push(relay.close)
  return {
    relay,
    run: <A, E>(effect: Effect.Effect<A, E, Db.Database>) => Effect.runPromise(Effect.provide(effect, DatabaseLive(relay.url, { max: 1, ...options })))
  }
}

// finishes on its own 200 ms after it starts: before a cancel sent at 100 ms lands (~800 ms)
const finishesSoon = (sql: Db.Sql) => sql`select pg_sleep(0.2)`
// runs from ~200 ms to ~1.7 s: a late cancel lands in the middle of it, if it runs on the backend by then
const next = Db.query((sql) => sql<{ ok: number }[]>`select 1 as ok from pg_sleep(1.5)`)

const outcome = <A, E>(e: { _tag: "Right"; right: A } | { _tag: "Left"; left: E }) => (e._tag === "Right" ? e.right : e.left)

/** Backends (other than the asker's) running a statement marked `marker`, asked on the owner's own pool. */
const running = async (marker: string): Promise<number> =>
  (
    await db.owner<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
       where query like ${`%${marker}%`} and state = 'active' and pid <> pg_backend_pid()`
  )[0]!.n

describe("a statement outside a transaction, interrupted", () => {
  it("is abandoned: the fiber returns at once, no CancelRequest is sent, the statement runs to its end, the next statement on the connection succeeds", async () => {
    const { relay, run } = await behindSlowCancels()
    const { interruptMillis, stillRunning, rows } = await run(
      Effect.gen(function* () {
        yield* Db.query((sql) => sql`select 1`) // opens the pool's one connection
        // ends on its own at ~500 ms; a cancel sent at 100 ms would land at ~800 ms, on `next`
        const fiber = yield* Effect.fork(Db.query((sql) => sql`select pg_sleep(0.5) /* amana-abandoned */`))
        yield* Effect.sleep("100 millis")
        const started = Date.now()
        yield* Fiber.interrupt(fiber)
        const interruptMillis = Date.now() - started
        const stillRunning = yield* Effect.promise(() => running("amana-abandoned"))
        return { interruptMillis, stillRunning, rows: yield* Effect.either(next) }
      })
    )
    expect(relay.cancels()).toBe(0)
    expect(interruptMillis).toBeLessThan(300)
    expect(stillRunning).toBe(1)
    expect(outcome(rows)).toEqual([{ ok: 1 }])
  })

  it("is bounded by the pool's statement_timeout (30 s by default), which a transaction lifts for its own statements", async () => {
    const { relay, run } = await behindSlowCancels(delayMs, { statementTimeoutSeconds: 1 })
    const { interruptMillis, nextMillis, rows, runaway, inTransaction } = await run(
      Effect.gen(function* () {
        yield* Db.query((sql) => sql`select 1`)
        const fiber = yield* Effect.fork(Db.query((sql) => sql`select pg_sleep(30) /* amana-runaway */`))
        yield* Effect.sleep("100 millis")
        const started = Date.now()
        yield* Fiber.interrupt(fiber)
        const interruptMillis = Date.now() - started
        // on the pool's one connection, behind the abandoned statement: it runs once the server ended that one
        const rows = yield* Effect.either(Db.query((sql) => sql<{ ok: number }[]>`select 1 as ok`))
        const nextMillis = Date.now() - started
        // a runaway statement nobody interrupts fails with the timeout
        const runaway = yield* Effect.either(Db.query((sql) => sql`select pg_sleep(30)`))
        // a transaction's statement runs past the bound (and the bound is back after it)
        const inTransaction = yield* Db.transaction(
          Effect.zipRight(
            Db.query((sql) => sql`select pg_sleep(1.2)`),
            Db.query((sql) => sql<{ statement_timeout: string }[]>`show statement_timeout`)
          )
        )
        const after = yield* Db.query((sql) => sql<{ statement_timeout: string }[]>`show statement_timeout`)
        return { interruptMillis, nextMillis, rows, runaway, inTransaction: [inTransaction[0]?.statement_timeout, after[0]?.statement_timeout] }
      })
    )
    expect(relay.cancels()).toBe(0)
    expect(interruptMillis).toBeLessThan(300)
    expect(outcome(rows)).toEqual([{ ok: 1 }])
    expect(nextMillis).toBeGreaterThanOrEqual(700)
    expect(nextMillis).toBeLessThan(10_000)
    expect(runaway._tag === "Left" && runaway.left.code).toBe(Db.SqlState.QueryCanceled)
    expect(runaway._tag === "Left" && runaway.left.message).toMatch(/statement timeout/)
    expect(inTransaction).toEqual(["0", "1s"])
  })

  it("the pool's default bound is 30 s", async () => {
    const rows = await Effect.runPromise(
      Effect.provide(
        Db.query((sql) => sql<{ statement_timeout: string }[]>`show statement_timeout`),
        DatabaseLive(db.ownerUrl, { max: 1 })
      )
    )
    expect(rows).toEqual([{ statement_timeout: "30s" }])
  })
})

describe("a cancel delivered after its statement finished, in a transaction", () => {
  it("ROLLBACK and the next request's statement are sent only after the cancel's delivery", async () => {
    const { relay, run } = await behindSlowCancels()
    const rows = await run(
      Effect.gen(function* () {
        yield* next
        const fiber = yield* Effect.fork(Db.transaction(Db.query(finishesSoon)))
        yield* Effect.sleep("100 millis")
        yield* Fiber.interrupt(fiber)
        return yield* Effect.either(next)
      })
    )
    expect(relay.cancels()).toBe(1)
    expect(outcome(rows)).toEqual([{ ok: 1 }])
  })

  it("the write cancelled under an interrupted COMMIT finishes first; the next request's statement is not hit", async () => {
    const { relay, run } = await behindSlowCancels()
    const rows = await run(
      Effect.gen(function* () {
        yield* next
        const fiber = yield* Effect.fork(Db.transaction(Effect.flatMap(Db.Database, (d) => d.write(finishesSoon))))
        yield* Effect.sleep("100 millis")
        yield* Fiber.interrupt(fiber)
        return yield* Effect.either(next)
      })
    )
    expect(relay.cancels()).toBe(1)
    expect(outcome(rows)).toEqual([{ ok: 1 }])
  })

  it("a savepoint interrupted alone (a timeout) is rolled back after the delivery; the transaction's next statement is not hit", async () => {
    const { relay, run } = await behindSlowCancels()
    const { inner, rows } = await run(
      Db.transaction(
        Effect.gen(function* () {
          const inner = yield* Effect.timeout(Db.transaction(Db.query(finishesSoon)), "100 millis").pipe(Effect.either)
          return { inner, rows: yield* Effect.either(next) }
        })
      )
    )
    expect(relay.cancels()).toBe(1)
    expect(inner._tag).toBe("Left")
    expect(outcome(rows)).toEqual([{ ok: 1 }])
  })

  it("not delivered within the 5 s grace: the interruption returns after the grace; the connection goes back only once the cancel was delivered", async () => {
    // held 6 s: it lands while the next statement (from ~5.1 s to ~6.6 s) runs, if that statement is on the same backend by then
    const { relay, run } = await behindSlowCancels(6_000)
    const { interruptMillis, rows } = await run(
      Effect.gen(function* () {
        yield* next
        const fiber = yield* Effect.fork(Db.transaction(Db.query(finishesSoon)))
        yield* Effect.sleep("100 millis")
        const started = Date.now()
        yield* Fiber.interrupt(fiber)
        const interruptMillis = Date.now() - started
        return { interruptMillis, rows: yield* Effect.either(next) }
      })
    )
    expect(relay.cancels()).toBe(1)
    expect(outcome(rows)).toEqual([{ ok: 1 }])
    expect(interruptMillis).toBeGreaterThanOrEqual(4_500)
    expect(interruptMillis).toBeLessThan(5_900)
  })
})

describe("requestCancel (postgres.js internals: fails if an upgrade changes them)", () => {
  it("cancels the running statement and returns the cancel's delivery, settled once the server closed the cancel's socket", async () => {
    const relay = await slowCancelRelay(db.ownerUrl, delayMs)
    closing.push(relay.close)
    const sql = makePool(relay.url, { max: 1 })
    closing.push(() => sql.end({ timeout: 5 }))
    await sql`select 1`
    const runningStatement = sql`select pg_sleep(10)`
    const settled = runningStatement.then(
      () => "finished",
      (e: { code?: string }) => e.code
    )
    await new Promise((ok) => setTimeout(ok, 200))
    const started = Date.now()
    const delivery = requestCancel(runningStatement)
    expect(delivery).toBeInstanceOf(Promise)
    await delivery
    expect(Date.now() - started).toBeGreaterThanOrEqual(delayMs - 50)
    expect(await settled).toBe("57014")
    // a statement not (or no longer) running is not cancelled: nothing is sent
    expect(requestCancel(runningStatement)).toBeUndefined()
    expect(requestCancel(sql`select 1`)).toBeUndefined()
    expect(relay.cancels()).toBe(1)
  })

  // three statements sent at once on one connection, the second cancelled while the first runs
  const pipelinedThree = async (cancel: (second: Db.CancellableQuery<unknown>) => unknown) => {
    const sql = makePool(db.ownerUrl, { max: 1 })
    closing.push(() => sql.end({ timeout: 0 })) // (its connection may be left waiting for an answer that went elsewhere)
    const conn = await sql.reserve()
    const settled = (p: PromiseLike<Array<{ q: number }>>) =>
      Promise.race([
        Promise.resolve(p).then(
          (rows) => rows.map((r) => r.q),
          (e: { code?: string }) => e.code
        ),
        new Promise((ok) => setTimeout(() => ok("never settled"), 2_000))
      ])
    const statements = [
      conn<{ q: number }[]>`select 1 as q from pg_sleep(0.3)`,
      conn<{ q: number }[]>`select 2 as q from pg_sleep(0.3)`,
      conn<{ q: number }[]>`select 3 as q`
    ]
    const outcomes = Promise.all(statements.map(settled))
    await new Promise((ok) => setTimeout(ok, 50))
    const cancelled = cancel(statements[1]!)
    return { cancelled, outcomes: await outcomes }
  }

  it("is undefined for a statement sent behind another (nothing sent), where postgres.js's own cancel gives its answer to the statement after it", async () => {
    const ours = await pipelinedThree(requestCancel)
    expect(ours.cancelled).toBeUndefined()
    expect(ours.outcomes).toEqual([[1], [2], [3]])
    // what that avoids (postgres.js 3.4.9): the cancel deferred until the second is at the head, then
    // postgres.js skips past it: the third gets the second's 57014, the second never settles
    const theirs = await pipelinedThree((second) => second.cancel())
    expect(theirs.outcomes).toEqual([[1], "never settled", "57014"])
  })
})
