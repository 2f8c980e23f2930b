/**
 * `pipelined` (application/ports/unit-of-work.ts) on real PostgreSQL: statements of one transaction
 * issued at once answer in the order given, and when one fails the result is that failure, not the
 * "current transaction is aborted" (25P02) of the statements behind it: a deadlock must still reach
 * the UnitOfWork as 40P01 to be retried. No statement is interrupted (an interrupted one would be
 * cancelled on the server): each runs to its end, and the one behind the failure is seen failing 25P02.
 * Effect.all's default ({ concurrency: "unbounded" }) fails this test: it interrupts the statement
 * behind the failure (a cancel request to the server), so `behind` stays empty.
 */
import { Cause, Effect, Exit, Option } from "effect"
import { describe, expect, it } from "vitest"
import * as Db from "../../adapters/postgres/database.js"
import { pipelined } from "../../application/ports/unit-of-work.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
const run = <A, E>(effect: Effect.Effect<A, E, Db.Database>) => Effect.runPromiseExit(Effect.provide(effect, db.layer()))

const codeOf = <A>(exit: Exit.Exit<A, unknown>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Option.map(Cause.failureOption(exit.cause), (e) => (e as Db.DbError).code)) : undefined

describe("pipelined statements of one transaction", () => {
  it("answer in the order given", async () => {
    const exit = await run(
      Db.transaction(
        pipelined([
          Db.query((sql) => sql<Array<{ n: number }>>`select 1 as n`),
          Db.query((sql) => sql<Array<{ s: string }>>`select 'two' as s`),
          Effect.succeed(3)
        ])
      )
    )
    expect(exit).toEqual(Exit.succeed([[{ n: 1 }], [{ s: "two" }], 3]))
  })

  it("a failure is the first in the order given (a slow one included), not the aborted transaction behind it; nothing is interrupted", async () => {
    const behind: Array<string | undefined> = []
    const exit = await run(
      Db.transaction(
        pipelined([
          Db.query((sql) => sql`select 1`),
          Db.query((sql) => sql`select pg_sleep(0.2), 1 / (random() * 0)::int`),
          Db.query((sql) => sql`select 1`).pipe(Effect.tapError((e) => Effect.sync(() => behind.push(e.code))))
        ])
      )
    )
    expect(codeOf(exit)).toBe("22012") // division by zero
    expect(behind).toEqual(["25P02"]) // ran to its end: the transaction was aborted
  })
})
