import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Db from "../../adapters/postgres/database.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()

const run = <A, E>(effect: Effect.Effect<A, E, Db.Database>) => Effect.runPromise(Effect.provide(effect, db.layer()))

const jobCount = async (identifier: string): Promise<number> => {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from graphile_worker.jobs where task_identifier = ${identifier}`
  return row?.n ?? -1
}

describe("graphile-worker jobs are enqueued in our own transactions", () => {
  it("a job added in a committed transaction exists; one added in a rolled-back transaction does not", async () => {
    await run(Db.transaction(Db.query((sql) => sql`select graphile_worker.add_job('order__expire', json_build_object('orderId', 'ord_1'))`)))
    expect(await jobCount("order__expire")).toBe(1)

    await run(
      Effect.either(
        Db.transaction(
          Effect.gen(function* () {
            yield* Db.query((sql) => sql`select graphile_worker.add_job('payment__confirm', '{"checkoutRequestId":"ws_CO_1"}'::json)`)
            return yield* Effect.fail("the change failed, so the job must not exist")
          })
        )
      )
    )
    expect(await jobCount("payment__confirm")).toBe(0)
  })
})
