import { createConnection, createServer } from "node:net"
import type { AddressInfo, Socket } from "node:net"
import { Effect, Fiber } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import * as Db from "../../adapters/postgres/database.js"
import { DatabaseLive, makePool, requestCancel } from "../../adapters/postgres/database.js"
import { useTestDatabase } from "../support/test-database.js"

// A PostgreSQL CancelRequest names a backend, not a statement: one that lands after its statement
// finished fails whatever that backend runs next. These tests deliver the cancel late on purpose
// (a relay holds the cancel's connection) and check that the next statement on the connection is
// not the one it hits.
const db = useTestDatabase()

/** A CancelRequest: length 16, code 80877102 (1234 << 16 | 5678). */
const isCancelRequest = (chunk: Buffer): boolean => chunk.length >= 8 && chunk.readInt32BE(0) === 16 && chunk.readInt32BE(4) === 80877102

/**
 * A TCP relay in front of the server that holds each CancelRequest `delayMs` before passing it on;
 * the client's cancel socket closes only once the server closed it (after it signalled the backend).
 */
const slowCancelRelay = async (serverUrl: string, delayMs: number) => {
  let cancels = 0
  const sockets = new Set<Socket>()
  const relay = createServer((client) => {
    const server = createConnection(Number(new URL(serverUrl).port || 5432), new URL(serverUrl).hostname)
    sockets.add(client).add(server)
    client.on("data", (d) => {
      if (isCancelRequest(d)) {
        cancels++
        setTimeout(() => server.write(d), delayMs)
      } else server.write(d)
    })
    server.on("data", (d) => client.write(d))
    client.on("close", () => server.destroy())
    server.on("close", () => client.destroy())
    client.on("error", () => server.destroy())
    server.on("error", () => client.destroy())
  })
  await new Promise<void>((ok) => relay.listen(0, "127.0.0.1", () => ok()))
  const url = new URL(serverUrl)
  url.hostname = "127.0.0.1"
  url.port = String((relay.address() as AddressInfo).port)
  return {
    url: url.toString(),
    cancels: () => cancels,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy()
        relay.close(() => ok())
      })
  }
}

let closing: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closing) await close()
  closing = []
})

const delayMs = 700

/** The Database over a pool of ONE connection behind the slow-cancel relay: what runs after the interruption runs on the cancelled backend. */
const behindSlowCancels = async () => {
  const relay = await slowCancelRelay(db.ownerUrl, delayMs)
  closing.push(relay.close)
  return { relay, run: <A, E>(effect: Effect.Effect<A, E, Db.Database>) => Effect.runPromise(Effect.provide(effect, DatabaseLive(relay.url, { max: 1 }))) }
}

// finishes on its own 200 ms after it starts: before the cancel (sent at 100 ms) lands at ~800 ms
const finishesSoon = (sql: Db.Sql) => sql`select pg_sleep(0.2)`
// runs from ~200 ms to ~1.7 s: the late cancel lands in the middle of it, if it runs on the backend by then
const next = Db.query((sql) => sql<{ ok: number }[]>`select 1 as ok from pg_sleep(1.5)`)

describe("a cancel delivered after its statement finished", () => {
  it("outside a transaction: the next statement on the connection waits for the cancel's delivery, and succeeds", async () => {
    const { relay, run } = await behindSlowCancels()
    const { interruptMillis, rows } = await run(
      Effect.gen(function* () {
        yield* next // opens the pool's one connection (and prepares nothing the test depends on)
        const fiber = yield* Effect.fork(Db.query(finishesSoon))
        yield* Effect.sleep("100 millis")
        const started = Date.now()
        yield* Fiber.interrupt(fiber)
        const interruptMillis = Date.now() - started
        return { interruptMillis, rows: yield* Effect.either(next) }
      })
    )
    expect(relay.cancels()).toBe(1)
    expect(rows._tag === "Right" ? rows.right : rows.left).toEqual([{ ok: 1 }])
    // the interruption waited for the cancel's delivery (held ~700 ms by the relay), within the 5 s grace
    expect(interruptMillis).toBeGreaterThanOrEqual(delayMs - 150)
    expect(interruptMillis).toBeLessThan(3_000)
  })

  it("in a transaction: ROLLBACK and the next request's statement are sent only after the cancel's delivery", async () => {
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
    expect(rows._tag === "Right" ? rows.right : rows.left).toEqual([{ ok: 1 }])
  })

  it("in a transaction: the write cancelled under an interrupted COMMIT finishes first; the next request's statement is not hit", async () => {
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
    expect(rows._tag === "Right" ? rows.right : rows.left).toEqual([{ ok: 1 }])
  })
})

describe("a cancel not delivered within the 5 s grace", () => {
  for (const [where, interrupted] of [
    ["outside a transaction", Db.query(finishesSoon)],
    ["in a transaction", Db.transaction(Db.query(finishesSoon))]
  ] as const) {
    it(`${where}: the interruption returns after the grace; the connection goes back only once the cancel was delivered`, async () => {
      // held 6 s: it lands while the next statement (from ~5.1 s to ~6.6 s) runs, if that statement is on the same backend by then
      const relay = await slowCancelRelay(db.ownerUrl, 6_000)
      closing.push(relay.close)
      const { interruptMillis, rows } = await Effect.runPromise(
        Effect.provide(
          Effect.gen(function* () {
            yield* next
            const fiber = yield* Effect.fork(interrupted)
            yield* Effect.sleep("100 millis")
            const started = Date.now()
            yield* Fiber.interrupt(fiber)
            const interruptMillis = Date.now() - started
            return { interruptMillis, rows: yield* Effect.either(next) }
          }),
          DatabaseLive(relay.url, { max: 1 })
        )
      )
      expect(relay.cancels()).toBe(1)
      expect(rows._tag === "Right" ? rows.right : rows.left).toEqual([{ ok: 1 }])
      expect(interruptMillis).toBeGreaterThanOrEqual(4_500)
      expect(interruptMillis).toBeLessThan(5_900)
    })
  }
})

describe("requestCancel (postgres.js internals: fails if an upgrade changes them)", () => {
  it("cancels the running statement and returns the cancel's delivery, settled once the server closed the cancel's socket", async () => {
    const relay = await slowCancelRelay(db.ownerUrl, delayMs)
    closing.push(relay.close)
    const sql = makePool(relay.url, { max: 1 })
    closing.push(() => sql.end({ timeout: 5 }))
    await sql`select 1`
    const running = sql`select pg_sleep(10)`
    const outcome = running.then(
      () => "finished",
      (e: { code?: string }) => e.code
    )
    await new Promise((ok) => setTimeout(ok, 200))
    const started = Date.now()
    const delivery = requestCancel(running)
    expect(delivery).toBeInstanceOf(Promise)
    await delivery
    expect(Date.now() - started).toBeGreaterThanOrEqual(delayMs - 50)
    expect(await outcome).toBe("57014")
    // a statement not (or no longer) running is not cancelled: nothing is sent
    expect(requestCancel(running)).toBeUndefined()
    expect(requestCancel(sql`select 1`)).toBeUndefined()
    expect(relay.cancels()).toBe(1)
  })

  // three statements sent at once on one connection, the second cancelled while the first runs
  const pipelinedThree = async (cancel: (second: Db.CancellableQuery<unknown>) => unknown) => {
    const sql = makePool(db.ownerUrl, { max: 1 })
    closing.push(() => sql.end({ timeout: 0 })) // (its connection may be left waiting for an answer that went elsewhere)
    const conn = await sql.reserve()
    const outcome = (p: PromiseLike<Array<{ q: number }>>) =>
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
    const outcomes = Promise.all(statements.map(outcome))
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
