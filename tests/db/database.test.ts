import { Data, Effect, Exit, Fiber, Layer } from "effect"
import { describe, expect, it } from "vitest"
import * as Db from "../../adapters/postgres/database.js"
import { DatabaseLive, DbError, SqlState } from "../../adapters/postgres/database.js"
import { pgRelay } from "../support/pg-relay.js"
import { useTestDatabase } from "../support/test-database.js"

// The Database service itself (pools, transactions, cancellation) on scratch tables: DDL is the owner's.
const db = useTestDatabase()

// A Database with its own pool per test (DatabaseLive), so pool sizes and cancellation are observable.
const runWith = <A, E>(effect: Effect.Effect<A, E, Db.Database>, max = 5): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, DatabaseLive(db.ownerUrl, { max, applicationName: "amana-test" })))

const runExitWith = <A, E>(effect: Effect.Effect<A, E, Db.Database>): Promise<Exit.Exit<A, E>> =>
  Effect.runPromiseExit(Effect.provide(effect, DatabaseLive(db.ownerUrl, { max: 5 })))

const scratch = (name: string) => db.owner.unsafe(`create table if not exists ${name} (id text primary key, n int not null default 0)`)

describe("Database.query", () => {
  it("returns rows, with int8 parsed to number", async () => {
    const rows = await runWith(Db.query((sql) => sql<{ n: number; label: string }[]>`select 9007199254740991::bigint as n, 'x' as label`))
    expect(rows[0]).toEqual({ n: 9007199254740991, label: "x" })
  })

  it("fails with a DbError carrying the SQLSTATE and constraint (23505 unique violation)", async () => {
    await scratch("dup")
    const exit = await runExitWith(
      Effect.gen(function* () {
        yield* Db.query((sql) => sql`insert into dup (id) values ('a')`)
        yield* Db.query((sql) => sql`insert into dup (id) values ('a')`)
      })
    )
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error).toBeInstanceOf(DbError)
      expect(error?.code).toBe(SqlState.UniqueViolation)
      expect(error?.isUniqueViolation).toBe(true)
      expect(error?.constraint).toBe("dup_pkey")
    }
  })

  // Outside a transaction an interrupted statement is abandoned, never cancelled: a CancelRequest
  // names the backend, and the pool's connection may run another request's statement by the time it
  // lands (tests/db/cancel-delivery.test.ts). The pool's statement_timeout bounds it instead.
  const probe = (sql: Db.Sql) => sql<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
     where query like '%amana-cancel-probe%' and state = 'active' and pid <> pg_backend_pid()`

  it("interrupting a running pg_sleep(10) outside a transaction returns quickly and does NOT cancel it: it runs on to the pool's statement_timeout", async () => {
    const { runningBefore, interruptMillis, runningAfter, endedMillis } = await Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          const started = Date.now()
          const fiber = yield* Effect.fork(Db.query((sql) => sql`select pg_sleep(10) /* amana-cancel-probe */`))
          yield* Effect.sleep("300 millis")
          const runningBefore = (yield* Db.query(probe))[0]?.n
          const interrupting = Date.now()
          yield* Fiber.interrupt(fiber)
          const interruptMillis = Date.now() - interrupting
          // asked while the pool is still open (another of its connections): the backend still runs it
          const runningAfter = (yield* Db.query(probe))[0]?.n
          // until the server ends it at the pool's statement_timeout (2 s here), not at its own end (10 s)
          while ((yield* Db.query(probe))[0]?.n !== 0) yield* Effect.sleep("50 millis")
          return { runningBefore, interruptMillis, runningAfter, endedMillis: Date.now() - started }
        }),
        DatabaseLive(db.ownerUrl, { max: 5, statementTimeoutSeconds: 2 })
      )
    )
    expect(runningBefore).toBe(1)
    expect(interruptMillis).toBeLessThan(500)
    expect(runningAfter).toBe(1)
    expect(endedMillis).toBeGreaterThanOrEqual(1_900)
    expect(endedMillis).toBeLessThan(8_000)
  })

  it("interrupting a running pg_sleep(10) inside a transaction returns quickly and cancels the query on the server", async () => {
    const { runningBefore, interruptMillis, runningAfter } = await runWith(
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(Db.transaction(Db.query((sql) => sql`select pg_sleep(10) /* amana-cancel-probe */`)))
        yield* Effect.sleep("300 millis")
        const runningBefore = (yield* Db.query(probe))[0]?.n
        const started = Date.now()
        yield* Fiber.interrupt(fiber)
        const interruptMillis = Date.now() - started
        // the interruption returned once the statement had settled (cancelled) and the cancel was delivered
        const runningAfter = (yield* Db.query(probe))[0]?.n
        return { runningBefore, interruptMillis, runningAfter }
      })
    )
    expect(runningBefore).toBe(1)
    expect(interruptMillis).toBeLessThan(4_000)
    expect(runningAfter).toBe(0)
  })

  it("runs queries in parallel on separate connections", async () => {
    const started = Date.now()
    const pids = await runWith(
      Effect.all(
        Array.from({ length: 5 }, () => Db.query((sql) => sql<{ pid: number }[]>`select pg_backend_pid() as pid, pg_sleep(0.5)`)),
        { concurrency: "unbounded" }
      ),
      5
    )
    expect(Date.now() - started).toBeLessThan(2000) // serially it would take 2.5 s
    expect(new Set(pids.map((rows) => rows[0]?.pid)).size).toBe(5)
  })
})

describe("Database.transaction", () => {
  it("commits on success: all writes visible afterwards", async () => {
    await scratch("tx_ok")
    await runWith(
      Db.transaction(
        Effect.gen(function* () {
          yield* Db.query((sql) => sql`insert into tx_ok (id) values ('a')`)
          yield* Db.query((sql) => sql`insert into tx_ok (id) values ('b')`)
        })
      )
    )
    const rows = await db.owner`select id from tx_ok order by id`
    expect(rows.map((r) => r["id"])).toEqual(["a", "b"])
  })

  it("a failing transaction leaves nothing written", async () => {
    await scratch("tx_fail")
    const exit = await runExitWith(
      Db.transaction(
        Effect.gen(function* () {
          yield* Db.query((sql) => sql`insert into tx_fail (id) values ('a')`)
          return yield* Effect.fail("business rule said no" as const)
        })
      )
    )
    expect(exit).toEqual(Exit.fail("business rule said no"))
    const rows = await db.owner`select id from tx_fail`
    expect(rows.length).toBe(0)
  })

  it("a defect or an interruption rolls back too, and the connection returns to the pool", async () => {
    await scratch("tx_die")
    const program = Effect.gen(function* () {
      yield* Effect.exit(
        Db.transaction(
          Effect.gen(function* () {
            yield* Db.query((sql) => sql`insert into tx_die (id) values ('defect')`)
            return yield* Effect.die(new Error("boom"))
          })
        )
      )
      const fiber = yield* Effect.fork(
        Db.transaction(
          Effect.gen(function* () {
            yield* Db.query((sql) => sql`insert into tx_die (id) values ('interrupted')`)
            yield* Db.query((sql) => sql`select pg_sleep(10)`)
          })
        )
      )
      yield* Effect.sleep("300 millis")
      yield* Fiber.interrupt(fiber)
      // with a pool of 1, this only runs if both transactions released their connection
      return yield* Db.query((sql) => sql<{ id: string }[]>`select id from tx_die`)
    })
    const started = Date.now()
    const rows = await runWith(program, 1)
    expect(rows.length).toBe(0)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it("queries inside a transaction run on its connection; outside, on the pool", async () => {
    const result = await runWith(
      Effect.gen(function* () {
        const outside = yield* Db.inTransaction
        const [inner, sameBackend] = yield* Db.transaction(
          Effect.gen(function* () {
            const a = yield* Db.query((sql) => sql<{ pid: number; txid: string }[]>`select pg_backend_pid() as pid, txid_current()::text as txid`)
            const b = yield* Db.query((sql) => sql<{ pid: number; txid: string }[]>`select pg_backend_pid() as pid, txid_current()::text as txid`)
            return [yield* Db.inTransaction, a[0]?.txid === b[0]?.txid && a[0]?.pid === b[0]?.pid] as const
          })
        )
        return { outside, inner, sameBackend }
      })
    )
    expect(result).toEqual({ outside: false, inner: true, sameBackend: true })
  })

  it("BEGIN is pipelined: it leaves with the first statement, so a one-statement transaction is two round trips, not three", async () => {
    await scratch("tx_pipelined")
    // A TCP relay in front of the server counts what the client writes: each round trip the client
    // waits for is at least one chunk of its own (a statement sent before BEGIN's answer shares its write).
    const relay = await pgRelay(db.ownerUrl)
    try {
      const counted = await Effect.runPromise(
        Effect.provide(
          Effect.gen(function* () {
            yield* Db.query((sql) => sql`select 1`) // the connection's start-up is not counted
            const before = relay.writes()
            yield* Db.transaction(Db.query((sql) => sql`insert into tx_pipelined (id) values ('one')`))
            const oneStatement = relay.writes() - before
            const failed = yield* Effect.exit(
              Db.transaction(
                Effect.zipRight(
                  Db.query((sql) => sql`insert into tx_pipelined (id) values ('two')`),
                  Db.query((sql) => sql`insert into tx_pipelined (id) values ('one')`)
                )
              )
            )
            return { oneStatement, failed: Exit.isFailure(failed) }
          }),
          DatabaseLive(relay.url, { max: 1 })
        )
      )
      expect(counted).toEqual({ oneStatement: 2, failed: true })
      // the first committed; the second (its duplicate key) rolled back whole
      expect((await db.owner`select id from tx_pipelined order by id`).map((r) => r["id"])).toEqual(["one"])
    } finally {
      await relay.close()
    }
  })

  it("a nested transaction is a savepoint: its failure undoes only its own writes", async () => {
    await scratch("tx_nested")
    await runWith(
      Db.transaction(
        Effect.gen(function* () {
          yield* Db.query((sql) => sql`insert into tx_nested (id) values ('outer')`)
          yield* Effect.either(
            Db.transaction(
              Effect.gen(function* () {
                yield* Db.query((sql) => sql`insert into tx_nested (id) values ('inner')`)
                return yield* Effect.fail("inner failed")
              })
            )
          )
          yield* Db.transaction(Db.query((sql) => sql`insert into tx_nested (id) values ('inner-ok')`))
        })
      )
    )
    const rows = await db.owner`select id from tx_nested order by id`
    expect(rows.map((r) => r["id"])).toEqual(["inner-ok", "outer"])
  })

  it("a constraint checked at COMMIT (deferred) fails the transaction with its SQLSTATE", async () => {
    await db.owner`create table if not exists deferred_parent (id int primary key)`
    await db.owner`create table if not exists deferred_child (id int primary key, parent int references deferred_parent deferrable initially deferred)`
    const exit = await runExitWith(Db.transaction(Db.query((sql) => sql`insert into deferred_child values (1, 42)`)))
    expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.code : undefined).toBe(SqlState.ForeignKeyViolation)
    const rows = await db.owner`select * from deferred_child`
    expect(rows.length).toBe(0)
  })

  it("the isolation level option reaches the server", async () => {
    const level = await runWith(
      Db.transaction(
        Db.query((sql) => sql<{ level: string }[]>`select current_setting('transaction_isolation') as level`),
        { isolation: "serializable" }
      )
    )
    expect(level[0]?.level).toBe("serializable")
  })

  it("concurrent transactions on real connections: a conditional update admits exactly the limit", async () => {
    await db.owner`create table if not exists counter (id text primary key, uses int not null, lim int not null)`
    await db.owner`insert into counter values ('promo', 0, 7)`
    const attempt = Db.transaction(
      Effect.gen(function* () {
        const rows = yield* Db.query((sql) => sql`update counter set uses = uses + 1 where id = 'promo' and uses < lim returning uses`)
        yield* Effect.sleep("5 millis") // hold the row lock a little, so attempts genuinely overlap
        return rows.length === 1
      })
    )
    const results = await runWith(
      Effect.all(
        Array.from({ length: 40 }, () => attempt),
        { concurrency: "unbounded" }
      ),
      10
    )
    expect(results.filter(Boolean).length).toBe(7)
    const [row] = await db.owner<{ uses: number }[]>`select uses from counter`
    expect(row?.uses).toBe(7)
  })
})

describe("Database.write and Database.atCommit (pipelined writes)", () => {
  const write = (id: string) => Effect.flatMap(Db.Database, (d) => d.write((sql) => sql`insert into tx_writes (id) values (${id})`))
  const gather = (ids: ReadonlyArray<string>) =>
    Effect.flatMap(Db.Database, (d) =>
      d.atCommit("tx_writes", ids, (all) => (sql) => sql`insert into tx_writes (id) select unnest(${all as Array<string>}::text[])`)
    )
  const ids = async () => (await db.owner`select id from tx_writes order by id`).map((r) => r["id"])

  it("a transaction's writes and gathered items leave without waiting: three writes and six items cost the round trips of one statement", async () => {
    await scratch("tx_writes")
    await db.owner`truncate tx_writes`
    const relay = await pgRelay(db.ownerUrl)
    try {
      const counted = await Effect.runPromise(
        Effect.provide(
          Effect.gen(function* () {
            const unit = (p: string) =>
              Db.transaction(
                Effect.all([
                  write(`${p}w1`),
                  gather([`${p}a1`, `${p}a2`]),
                  write(`${p}w2`),
                  gather([`${p}a3`]),
                  write(`${p}w3`),
                  gather([`${p}a4`, `${p}a5`, `${p}a6`])
                ])
              )
            // the connection's start-up and the statements' first use are not counted (postgres.js
            // waits for a new statement's description before binding it; then it is prepared)
            yield* unit("warm-")
            yield* Db.query((sql) => sql`delete from tx_writes`)
            const before = relay.writes()
            yield* unit("")
            return relay.writes() - before
          }),
          DatabaseLive(relay.url, { max: 1 })
        )
      )
      // BEGIN and the writes in one chunk, the gathered items' one statement with COMMIT in another
      // (written one by one and waited for, it would be 3 + 6 + 1 round trips)
      expect(counted).toBeLessThanOrEqual(2)
      expect(await ids()).toEqual(["a1", "a2", "a3", "a4", "a5", "a6", "w1", "w2", "w3"])
    } finally {
      await relay.close()
    }
  })

  it("a write that fails fails the transaction with ITS error (not the 'transaction aborted' after it), and nothing is kept", async () => {
    await scratch("tx_writes")
    await db.owner`truncate tx_writes`
    await db.owner`insert into tx_writes (id) values ('taken')`
    const exit = await runExitWith(
      Db.transaction(
        Effect.gen(function* () {
          yield* gather(["g1"])
          yield* write("w1")
          yield* write("taken") // a unique violation, noticed later
          return yield* Db.query((sql) => sql`select count(*)::int as n from tx_writes`)
        })
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? exit.cause : undefined
    expect(JSON.stringify(error)).toContain(SqlState.UniqueViolation)
    expect(await ids()).toEqual(["taken"])
    // the same when nothing after the write notices: COMMIT turned into ROLLBACK
    const atCommit = await runExitWith(Db.transaction(Effect.zipRight(gather(["g2"]), write("taken"))))
    expect(Exit.isFailure(atCommit) && JSON.stringify(atCommit.cause).includes(SqlState.UniqueViolation)).toBe(true)
    expect(await ids()).toEqual(["taken"])
  })

  class SoldOut extends Data.TaggedError("SoldOut")<{ readonly what: string }> {}
  /** A write refused by its own statement (amana_refuse, db/migrations/0080) when the table holds fewer than `atLeast` rows. */
  const refusedUnless = (atLeast: number) =>
    Effect.flatMap(Db.Database, (d) =>
      d.write(
        (sql) => sql`select amana_refuse('OUT_OF_STOCK', 'var_x') where (select count(*) from tx_writes) < ${atLeast}::int`,
        (e) => (e.code === SqlState.Refused && e.message === "OUT_OF_STOCK" ? new SoldOut({ what: e.detail ?? "" }) : e)
      )
    )

  it("a write refused by its statement (amana_refuse) fails the transaction with the refined error, at COMMIT; nothing is kept", async () => {
    await scratch("tx_writes")
    await db.owner`truncate tx_writes`
    const exit = await runExitWith(
      Db.transaction(
        Effect.gen(function* () {
          yield* write("r1")
          yield* refusedUnless(5)
          yield* write("r2")
          return "placed"
        })
      )
    )
    expect(exit).toEqual(Exit.fail(new SoldOut({ what: "var_x" })))
    expect(await ids()).toEqual([])
    // not refused: committed
    expect(await runWith(Db.transaction(Effect.as(Effect.zipRight(write("r1"), refusedUnless(1)), "placed")))).toBe("placed")
    expect(await ids()).toEqual(["r1"])
    // outside a transaction the refusal is refined at once
    expect(await runExitWith(refusedUnless(5))).toEqual(Exit.fail(new SoldOut({ what: "var_x" })))
  })

  it("interrupted while its COMMIT waits behind a write blocked on a lock: returns at once, the write is cancelled on the server, nothing is kept", async () => {
    await scratch("tx_writes")
    await db.owner`truncate tx_writes`
    await db.owner`insert into tx_writes (id) values ('hot')`
    const holder = await db.owner.reserve()
    try {
      await holder`begin`
      await holder`select * from tx_writes where id = 'hot' for update`
      const { interruptMillis, waiting } = await runWith(
        Effect.gen(function* () {
          const fiber = yield* Effect.fork(
            Db.transaction(
              Effect.zipRight(
                write("before"),
                Effect.flatMap(Db.Database, (d) => d.write((sql) => sql`update tx_writes set n = n + 1 where id = 'hot'`))
              )
            )
          )
          yield* Effect.sleep("300 millis")
          const started = Date.now()
          yield* Fiber.interrupt(fiber)
          const interruptMillis = Date.now() - started
          const waiting = yield* Db.query(
            (sql) => sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`
          )
          return { interruptMillis, waiting: waiting[0]?.n }
        })
      )
      // (the cancel grace is 5 s: an interruption that waited for the lock would not return before the holder let go)
      expect(interruptMillis).toBeLessThan(2_000)
      expect(waiting).toBe(0)
    } finally {
      await holder`rollback`
      holder.release()
    }
    expect(await ids()).toEqual(["hot"])
    expect((await db.owner`select n from tx_writes where id = 'hot'`)[0]?.["n"]).toBe(0)
  })

  it("a savepoint rolled back drops the writes and gathered items made inside it; the rest commits", async () => {
    await scratch("tx_writes")
    await db.owner`truncate tx_writes`
    await db.owner`insert into tx_writes (id) values ('taken')`
    await runWith(
      Db.transaction(
        Effect.gen(function* () {
          yield* gather(["outer-1"])
          yield* write("outer-w")
          const inner = yield* Effect.either(
            Db.transaction(
              Effect.gen(function* () {
                yield* gather(["inner-1", "inner-2"])
                yield* write("inner-w")
                yield* write("taken") // fails the savepoint, with its own error
              })
            )
          )
          expect(inner._tag === "Left" && inner.left instanceof DbError && inner.left.isUniqueViolation).toBe(true)
          yield* Effect.either(Db.transaction(Effect.zipRight(gather(["dropped"]), Effect.fail("refused"))))
          yield* Db.transaction(gather(["inner-ok"]))
          yield* gather(["outer-2"])
        })
      )
    )
    expect(await ids()).toEqual(["inner-ok", "outer-1", "outer-2", "outer-w", "taken"])
  })

  it("sendGathered sends what was gathered before the statements that follow (not with COMMIT); inside a savepoint it waits for COMMIT", async () => {
    await scratch("tx_writes")
    await db.owner`truncate tx_writes`
    const order: Array<string> = []
    const logged = (id: string) =>
      Effect.flatMap(Db.Database, (d) =>
        d
          .query((sql) => sql<Array<{ n: number }>>`select count(*)::int as n from tx_writes where id = ${id}`)
          .pipe(Effect.map((rows) => void order.push(`${id}:${rows[0]!.n}`)))
      )
    await runWith(
      Db.transaction(
        Effect.gen(function* () {
          yield* gather(["early"])
          yield* Effect.flatMap(Db.Database, (d) => d.sendGathered)
          yield* logged("early") // sent before this read: visible to it
          yield* Db.transaction(
            Effect.gen(function* () {
              yield* gather(["inner"])
              yield* Effect.flatMap(Db.Database, (d) => d.sendGathered)
              yield* logged("inner") // inside a savepoint: still waiting for COMMIT
            })
          )
        })
      )
    )
    expect(order).toEqual(["early:1", "inner:0"])
    expect(await ids()).toEqual(["early", "inner"])
  })

  it("outside a transaction both run at once", async () => {
    await scratch("tx_writes")
    await db.owner`truncate tx_writes`
    await runWith(Effect.zipRight(write("alone"), gather(["x", "y"])))
    expect(await ids()).toEqual(["alone", "x", "y"])
  })

  it("writeAtCommit takes its row's lock only with COMMIT: another writer of the row is not held while the transaction still runs; a refusal is refined at COMMIT", async () => {
    await scratch("hot_row")
    await db.owner`insert into hot_row (id, n) values ('stock', 0) on conflict (id) do update set n = 0`
    const bump = (sql: Db.Sql) => sql`update hot_row set n = n + 1 where id = 'stock'`
    // the transaction bumps the row, then works on for 1 s before it commits
    const held = (how: "write" | "writeAtCommit") =>
      Db.transaction(
        Effect.zipRight(
          Effect.flatMap(Db.Database, (d) => d[how](bump)),
          Effect.sleep("1 second")
        )
      )
    const otherWriter = async () => {
      await new Promise((ok) => setTimeout(ok, 200))
      const started = performance.now()
      await db.owner`update hot_row set n = n + 10 where id = 'stock'`
      return performance.now() - started
    }
    // a write sent at once holds the row from then on: the other writer waits for COMMIT (~800 ms)
    const [, waitedBehindWrite] = await Promise.all([runWith(held("write")), otherWriter()])
    expect(waitedBehindWrite).toBeGreaterThan(500)
    // held for COMMIT: the row is free until then, and both writes are kept
    const [, waitedBehindHeld] = await Promise.all([runWith(held("writeAtCommit")), otherWriter()])
    expect(waitedBehindHeld).toBeLessThan(300)
    expect((await db.owner`select n from hot_row where id = 'stock'`)[0]).toEqual({ n: 22 })
    // its refusal is the transaction's, refined, and nothing is kept
    await scratch("tx_writes")
    await db.owner`truncate tx_writes`
    const refusedAtCommit = Effect.flatMap(Db.Database, (d) =>
      d.writeAtCommit(
        (sql) => sql`select amana_refuse('OUT_OF_STOCK', 'var_x') where (select count(*) from tx_writes) < ${5}::int`,
        (e) => (e.code === SqlState.Refused && e.message === "OUT_OF_STOCK" ? new SoldOut({ what: e.detail ?? "" }) : e)
      )
    )
    const exit = await runExitWith(Db.transaction(Effect.as(Effect.zipRight(write("r1"), refusedAtCommit), "placed")))
    expect(exit).toEqual(Exit.fail(new SoldOut({ what: "var_x" })))
    expect(await ids()).toEqual([])
  })
})

describe("DatabaseLive", () => {
  it("ends its pool when the layer's scope closes", async () => {
    await Effect.runPromise(
      Effect.scoped(
        Layer.build(DatabaseLive(db.ownerUrl, { max: 2, applicationName: "amana-scope-probe" })).pipe(
          Effect.flatMap((ctx) =>
            Effect.provide(
              Db.query((sql) => sql`select 1`),
              Layer.succeedContext(ctx)
            )
          )
        )
      )
    )
    await new Promise((ok) => setTimeout(ok, 200))
    const [row] = await db.owner<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where application_name = 'amana-scope-probe'`
    expect(row?.n).toBe(0)
  })
})
