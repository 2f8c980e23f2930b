import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import * as Db from "../../adapters/postgres/database.js"
import { DatabaseLive } from "../../adapters/postgres/database.js"
import { useTestDatabase } from "../support/test-database.js"

// A write (Database.write) or the gathered atCommit statement that fails in the client, before it
// reaches the server (an undefined parameter, postgres.js's UNDEFINED_VALUE; a BigInt inside sql.json,
// as an outbox payload could carry), never aborted the server's transaction: COMMIT was sent after it
// and committed everything else, and then the transaction was reported failed. All or nothing: the
// transaction must not commit. Fails on 5429567: the atCommit case commits the row "kept-1"; the
// write case (undefined) never ends: postgres.js, building a statement that fails while another is
// in flight on the connection, rejects the one in flight with the error and leaves the failed one
// waiting for an answer that never comes, so the transaction hangs holding its connection and locks.
const db = useTestDatabase()

// within 5 s: a transaction that never ends (it holds its connection and its locks) answers "HUNG"
const runExit = <A, E>(effect: Effect.Effect<A, E, Db.Database>): Promise<Exit.Exit<A, E> | "HUNG"> =>
  Promise.race([
    Effect.runPromiseExit(Effect.provide(effect, DatabaseLive(db.ownerUrl, { max: 2 }))),
    new Promise<"HUNG">((ok) => setTimeout(() => ok("HUNG"), 5000))
  ])
const failedWithDbError = (exit: Exit.Exit<unknown, unknown> | "HUNG") =>
  exit !== "HUNG" && Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error instanceof Db.DbError
const ids = async () => (await db.owner`select id from tx_client_fail order by id`).map((r) => r["id"])
const freshTable = async () => {
  await db.owner.unsafe(`create table if not exists tx_client_fail (id text primary key, doc jsonb)`)
  await db.owner`truncate tx_client_fail`
}
const unserializable = { n: 1n } as never

describe("a pipelined write failing in the client", () => {
  it("Database.atCommit: the transaction fails and nothing is committed", async () => {
    await freshTable()
    const exit = await runExit(
      Db.transaction(
        Effect.gen(function* () {
          const d = yield* Db.Database
          yield* d.query((sql) => sql`insert into tx_client_fail (id) values ('kept-1')`)
          yield* d.atCommit("bad", [unserializable], (items) => (sql) => sql`insert into tx_client_fail (id, doc) values ('bad', ${sql.json(items as never)})`)
        })
      )
    )
    expect(exit === "HUNG" ? "HUNG" : failedWithDbError(exit)).toBe(true)
    expect(await ids()).toEqual([])
  })
})

describe("a pipelined write (Database.write) of a parameter postgres.js cannot build", () => {
  for (const [name, param] of [
    // postgres.js refuses an undefined parameter (UNDEFINED_VALUE) while building the statement: it never reaches the server
    ["an undefined parameter", () => undefined as unknown as string],
    ["sql.json of undefined", (sql: Db.Sql) => sql.json(undefined as never)],
    ["sql.json of a BigInt", (sql: Db.Sql) => sql.json(unserializable)]
  ] as const)
    it(`${name}: the transaction fails and nothing is committed`, async () => {
      await freshTable()
      const exit = await runExit(
        Db.transaction(
          Effect.gen(function* () {
            const d = yield* Db.Database
            yield* d.write((sql) => sql`insert into tx_client_fail (id) values ('kept-1')`)
            yield* d.write((sql) => sql`insert into tx_client_fail (id, doc) values ('bad', ${param(sql)})`)
            yield* d.write((sql) => sql`insert into tx_client_fail (id) values ('kept-2')`)
          })
        )
      )
      expect(exit === "HUNG" ? "HUNG" : failedWithDbError(exit)).toBe(true)
      expect(await ids()).toEqual([])
    })
})

describe("a pipelined query refused in the client", () => {
  it("fails alone: the statements around it get their own answers (Database.query, as pipelined issues them)", async () => {
    const exit = await runExit(
      Db.transaction(
        Effect.all(
          [
            Effect.either(Db.query((sql) => sql<Array<{ v: number }>>`select 1 as v`)),
            Effect.either(Db.query((sql) => sql<Array<{ v: number }>>`select ${undefined as unknown as number}::int as v`)),
            Effect.either(Db.query((sql) => sql<Array<{ v: number }>>`select 3 as v`))
          ],
          { concurrency: "unbounded" }
        )
      )
    )
    expect(exit !== "HUNG" && Exit.isSuccess(exit)).toBe(true)
    if (exit === "HUNG" || !Exit.isSuccess(exit)) return
    const [a, b, c] = exit.value
    expect(a._tag === "Right" ? a.right[0]?.v : a.left).toBe(1)
    expect(b._tag === "Left" ? b.left.code : b.right).toBe("UNDEFINED_VALUE")
    expect(c._tag === "Right" ? c.right[0]?.v : c.left).toBe(3)
  })
})
