import { Duration, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import * as Db from "../../adapters/postgres/database.js"
import { DatabaseLive, DbError } from "../../adapters/postgres/database.js"
import { pgRelay } from "../support/pg-relay.js"
import { useTestDatabase } from "../support/test-database.js"

// A transaction's connection lost (server restart, failover, pg_terminate_backend): the transaction
// must fail with a DbError, promptly, and the pool must serve the next query. postgres.js cannot run
// anything more on a reserved connection that closed (the query never settles; its write throws
// "Cannot read properties of null (reading 'write')" in a setImmediate), and handing it back with
// release() puts the dead connection into the pool's open queue.
const db = useTestDatabase()

const scratch = (name: string) => db.owner.unsafe(`create table if not exists ${name} (id text primary key, n int not null default 0)`)

const relayCutting = (cut: (chunk: Buffer) => boolean) => pgRelay(db.ownerUrl, cut)

/** What a transaction ended as (a DbError, its own failure, committed) and what the next query answered. */
const outcome = (tx: Exit.Exit<unknown, unknown>, next: Exit.Exit<ReadonlyArray<{ n: number }>, unknown>) => ({
  tx:
    Exit.isFailure(tx) && tx.cause._tag === "Fail"
      ? tx.cause.error instanceof DbError
        ? "DbError"
        : tx.cause.error
      : Exit.isSuccess(tx)
        ? "committed"
        : "other",
  next: Exit.isSuccess(next) ? next.value[0]?.n : Exit.isFailure(next) && next.cause._tag === "Fail" ? next.cause.error : "other"
})

const within = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.timeoutFail(effect, { duration: Duration.seconds(5), onTimeout: () => "TIMED OUT" as const })

/**
 * Through a relay cutting the connection at the chunk `cut` picks (armed after the connection's
 * start-up), on a pool of one: how the transaction ended, and what the next query on the pool answered.
 */
const lossOf = async (cut: (chunk: Buffer) => boolean, transaction: Effect.Effect<unknown, unknown, Db.Database>) => {
  const relay = await relayCutting(cut)
  try {
    return await Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          yield* Db.query((sql) => sql`select 1`) // the connection's start-up
          relay.arm()
          const tx = yield* Effect.exit(within(transaction))
          const next = yield* Effect.exit(within(Db.query((sql) => sql<Array<{ n: number }>>`select 1 as n`)))
          return outcome(tx, next)
        }),
        DatabaseLive(relay.url, { max: 1 })
      )
    )
  } finally {
    await relay.close()
  }
}
const sent = (text: string) => (chunk: Buffer) => chunk.toString("latin1").includes(text)

describe("Database.transaction when its connection is lost", () => {
  it("lost at BEGIN (pipelined with the first statement): the transaction fails with a DbError and the pool serves the next query", async () => {
    await scratch("tx_lost_begin")
    expect(await lossOf(sent("begin"), Db.transaction(Db.query((sql) => sql`insert into tx_lost_begin (id) values ('a')`)))).toEqual({ tx: "DbError", next: 1 })
    expect(await db.owner`select id from tx_lost_begin`).toEqual([])
  })

  it("lost after BEGIN (a later statement): the transaction fails with a DbError and the pool serves the next query", async () => {
    await scratch("tx_lost_later")
    const transaction = Db.transaction(
      Effect.zipRight(
        Db.query((sql) => sql`insert into tx_lost_later (id) values ('a')`),
        Db.query((sql) => sql.unsafe(`insert into tx_lost_later (id) values ('b')`))
      )
    )
    expect(await lossOf(sent("'b'"), transaction)).toEqual({ tx: "DbError", next: 1 })
    expect(await db.owner`select id from tx_lost_later`).toEqual([])
  })

  it("lost at BEGIN while the transaction fails on its own before BEGIN's answer: it fails with its error and the pool serves the next query", async () => {
    expect(await lossOf(sent("begin"), Db.transaction(Effect.fail("refused" as const)))).toEqual({ tx: "refused", next: 1 })
  })
})
