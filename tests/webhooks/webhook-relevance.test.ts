/**
 * webhooks.enqueue asks whether an event gives a merchant webhook at all before any transaction
 * (its `relevant`), and asks ONCE for all of a job's events (adapters/postgres/worker.ts): a paid
 * checkout's ORDER_PAID events, one per store, cost one read of `stores` between them, not one each.
 * Only the events of stores with a webhook URL open a transaction and get a delivery.
 * Counted with makePool's statement hook on the application's pool.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { carriedEvents, dispatchEvents } from "../../adapters/postgres/worker.js"
import { Outbox } from "../../application/ports/outbox.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { handlers } from "../../composition/event-handlers.js"
import { useTestDatabase } from "../support/test-database.js"
import { seedShop, useRecordedApi } from "../api/support.js"
import { relayed } from "../support/outbox-relay.js"

const db = useTestDatabase()
const recorded = useRecordedApi(db)
const { counted } = recorded
const webhooks = handlers.filter((h) => h.name === "webhooks.enqueue")

describe("merchant webhooks' relevance", () => {
  it("a job's ORDER_PAID events of three stores, one with a webhook URL: one read of stores for the job (one per event at 94b8131), one delivery", async () => {
    const [hooked, plain, other] = [await seedShop(db.sql), await seedShop(db.sql), await seedShop(db.sql)]
    await db.owner`update stores set webhook_url = 'https://merchant.example/hook', webhook_secret = 'whsec_test' where id = ${hooked.storeId}`
    // one transaction, one job carrying the three events (as a paid checkout's settle appends them)
    await recorded.api.runtime.runPromise(
      Effect.gen(function* () {
        const uow = yield* UnitOfWork
        const outbox = yield* Outbox
        yield* uow.transaction(
          outbox.append(
            [hooked, plain, other].map((s, i) => ({
              type: "ORDER_PAID",
              aggregateType: "ORDER" as const,
              aggregateId: `ord_relevance_${i}`,
              payload: { orderId: `ord_relevance_${i}`, storeId: s.storeId }
            }))
          )
        )
      })
    )
    await relayed(recorded.api.runtime)
    const [job] = await db.sql<Array<{ payload: { eventIds: Array<string> } }>>`
      select payload::jsonb as payload from graphile_worker._private_jobs where (payload::jsonb)->'events'->0->'payload'->>'orderId' = 'ord_relevance_0'`
    const ids = job!.payload.eventIds
    const { result: failures, statements } = await counted(() =>
      recorded.api.runtime.runPromise(dispatchEvents(webhooks, ids, 1, 8, carriedEvents(job!.payload, ids)))
    )
    expect(failures).toEqual([])
    const storeReads = statements.filter((s) => /from stores where id = /.test(s))
    // the job's one read, then the hooked store's URL read again inside its transaction
    expect(storeReads, statements.join("\n")).toHaveLength(2)
    expect(statements.filter((s) => /^begin/i.test(s))).toHaveLength(1)
    const deliveries = await db.sql<
      Array<{ store_id: string; event_id: string }>
    >`select store_id, event_id from webhook_deliveries where event_id = any(${ids})`
    expect(deliveries).toEqual([{ store_id: hooked.storeId, event_id: ids[0] }])
    // only the event that had something to do is claimed; all three are published
    expect((await db.sql`select event_id from processed_events where event_id = any(${ids})`).map((r) => r["event_id"])).toEqual([ids[0]])
    expect((await db.sql`select count(*)::int as n from outbox where id = any(${ids}) and published_at is not null`)[0]!["n"]).toBe(3)
  })
})
