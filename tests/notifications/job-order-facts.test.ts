/**
 * notify.order on a job's events (composition/event-handlers.ts, its `prepare`): a paid checkout's
 * ORDER_PAID events, one per order, have their orders' facts read in ONE statement for the job
 * (one per event at 94b8131), and each party of each order is told once, as before. Counted with
 * makePool's statement hook on the application's pool; the dev inbox records the messages.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { carriedEvents, dispatchEvents } from "../../adapters/postgres/worker.js"
import { Outbox } from "../../application/ports/outbox.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { handlers } from "../../composition/event-handlers.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutOneBasket, seedShop, useRecordedApi } from "../api/support.js"
import { relayed } from "../support/outbox-relay.js"

const db = useTestDatabase()
const recorded = useRecordedApi(db)
const { counted } = recorded
const notify = handlers.filter((h) => h.name === "notify.order")

describe("notify.order on a job's events", () => {
  it("two orders' ORDER_PAID in one job: their facts in one read (2 at 94b8131), buyer and seller of each told once, and again never", async () => {
    const [a, b] = [await seedShop(db.sql), await seedShop(db.sql)]
    const orders = [await checkoutOneBasket(recorded.api, db.sql, a, "job-facts-a"), await checkoutOneBasket(recorded.api, db.sql, b, "job-facts-b")].map(
      (c) => c.orderId
    )
    await recorded.api.runtime.runPromise(
      Effect.gen(function* () {
        const uow = yield* UnitOfWork
        const outbox = yield* Outbox
        yield* uow.transaction(
          outbox.append(orders.map((orderId) => ({ type: "ORDER_PAID", aggregateType: "ORDER" as const, aggregateId: orderId, payload: { orderId } })))
        )
      })
    )
    await relayed(recorded.api.runtime)
    const [job] = await db.sql<Array<{ payload: { eventIds: Array<string> } }>>`
      select payload::jsonb as payload from graphile_worker._private_jobs
       where (payload::jsonb)->'events'->0->>'event_type' = 'ORDER_PAID' and (payload::jsonb)->'events'->0->>'aggregate_id' = ${orders[0]!}`
    const ids = job!.payload.eventIds
    const dispatch = (attempt: number) => recorded.api.runtime.runPromise(dispatchEvents(notify, ids, attempt, 8, carriedEvents(job!.payload, ids)))
    const { result, statements } = await counted(() => dispatch(1))
    expect(result).toEqual([])
    expect(
      statements.filter((s) => /from orders o join users bu/.test(s)),
      statements.join("\n")
    ).toHaveLength(1)
    const told = async () =>
      (
        await db.sql<
          Array<{ dedupe_key: string }>
        >`select dedupe_key from notifications where dedupe_key like any(${ids.map((id) => `${id}:%`)}) order by dedupe_key`
      ).map((r) => r.dedupe_key)
    const expected = ids.flatMap((id) => [`${id}:buyer`, `${id}:seller`]).sort()
    expect(await told()).toEqual(expected)
    // the job retried: its claims are read, nobody is told twice
    expect(await dispatch(2)).toEqual([])
    expect(await told()).toEqual(expected)
  })
})
