/**
 * One-statement handlers (adapters/postgres/event-handler.ts, OneStatementHandler): a handler whose
 * whole effect is one statement runs as that statement, carrying its claim (the processed_events
 * row) in a CTE, with no BEGIN, no claim of its own and no COMMIT. The insight read models' fold
 * (~3.6 runs per buyer flow) and alerts.record-signal (~1.8) are such handlers. Counted with
 * postgres.js's `debug` hook on the pool the platform runs on; BEGIN and COMMIT count (they are trips).
 *
 *   - an ORDER_PAID dispatched to both as its append's job runs it (the events carried, first
 *     attempt): one statement per handler, the publish = 3 statements. On the old path (main at
 *     25269ea: BEGIN, claim, statement, COMMIT per handler) 10, so this fails there; an event that
 *     counts for neither (a buyer cancelling) has both claims written by the job's last statement,
 *     with the publish = 1 statement (3 at 94b8131: each claim alone, then the publish);
 *   - exactly once: the same event again, and twice at once, folds and signals once;
 *   - a one-statement handler whose statement fails leaves neither its write nor its claim (one
 *     statement is atomic), is retried, and after the last attempt is dead-lettered.
 */
import { Effect, Either } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { Database } from "../../adapters/postgres/database.js"
import type { EventHandler } from "../../adapters/postgres/event-handler.js"
import { claimed, claimInsert } from "../../adapters/postgres/handler-claim.js"
import { carriedEvents, dispatchEvent, dispatchEvents } from "../../adapters/postgres/worker.js"
import { transitionOrder } from "../../application/orders/transition-order.js"
import { handlers, READ_MODELS_HANDLER } from "../../composition/event-handlers.js"
import type { PlatformServices } from "../../composition/platform.js"
import { OrderId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutOneBasket, seedShop, useRecordedApi } from "../api/support.js"
import { relayed } from "../support/outbox-relay.js"

const db = useTestDatabase()
const recorded = useRecordedApi(db)
let shop: Awaited<ReturnType<typeof seedShop>>
const { counted } = recorded
const ALERTS = "alerts.record-signal"
const both = handlers.filter((h) => h.name === READ_MODELS_HANDLER || h.name === ALERTS)
const MPESA = { kind: "SYSTEM" as const, id: "mpesa-reconciler" }

beforeAll(async () => {
  shop = await seedShop(db.sql)
  await db.owner`create table one_statement_effects (event_id text primary key, n int not null)`
  await db.owner`grant select, insert on one_statement_effects to amana_app`
}, 60_000)

const dispatch = (eventId: string, attempt = 1, maxAttempts = 8, hs: ReadonlyArray<EventHandler<PlatformServices>> = both) =>
  recorded.api.runtime.runPromise(Effect.either(dispatchEvent(hs, eventId, attempt, maxAttempts)))
/** As the worker runs the event's job: the events its append's job carries, on the given attempt. */
const dispatchJob = async (eventId: string, attempt = 1) => {
  const [job] = await db.sql<
    Array<{ payload: unknown }>
  >`select payload::jsonb as payload from graphile_worker._private_jobs where (payload::jsonb)->'eventIds' ? ${eventId}`
  return recorded.api.runtime.runPromise(
    Effect.either(
      Effect.flatMap(dispatchEvents(both, [eventId], attempt, 8, carriedEvents(job!.payload, [eventId])), (f) =>
        f.length > 0 ? Effect.fail(f[0]) : Effect.void
      )
    )
  )
}
const eventOf = async (type: string, orderId: string) => {
  await relayed(recorded.api.runtime) // its job handed to graphile-worker (outbox-relay.ts) before anything is counted
  return (await db.sql<Array<{ id: string }>>`select id from outbox where event_type = ${type} and aggregate_id = ${orderId} order by seq desc limit 1`)[0]!.id
}
const daily = async () =>
  (
    await db.sql<Array<{ placed: number; paid: number; failed: number }>>`
    select coalesce(sum(orders_placed), 0)::int as placed, coalesce(sum(orders_paid), 0)::int as paid, coalesce(sum(payments_failed), 0)::int as failed
      from insight_daily where scope = ${shop.storeId}`
  )[0]!
const signals = async (eventId: string) => (await db.sql<Array<{ n: number }>>`select count(*)::int as n from alert_signals where event_id = ${eventId}`)[0]!.n
const claims = async (eventId: string) =>
  (await db.sql<Array<{ handler: string }>>`select handler from processed_events where event_id = ${eventId} order by handler`).map((r) => r.handler)

describe("one-statement handlers", () => {
  it("ORDER_PAID to the read models and the alert signals: one statement each, claim included, no BEGIN or COMMIT (3 statements as its job runs it; 10 on the old path)", async () => {
    const c = await checkoutOneBasket(recorded.api, db.sql, shop, "one-statement")
    await recorded.api.runtime.runPromise(transitionOrder({ orderId: OrderId.make(c.orderId), to: "PAID", actor: MPESA }))
    const paid = await eventOf("ORDER_PAID", c.orderId)
    const before = await daily()

    const { result, statements } = await counted(() => dispatchJob(paid))
    expect(Either.isRight(result)).toBe(true)
    // the fold, the signal, the publish (the event is carried; nothing ran before on a first attempt)
    expect(statements, statements.join("\n")).toHaveLength(3)
    expect(statements.filter((s) => /^(begin|commit|rollback)\b/i.test(s))).toEqual([])
    const claiming = statements.filter((s) => s.includes("insert into processed_events"))
    expect(claiming).toHaveLength(2)
    expect(claiming.filter((s) => s.includes("insert into insight_daily"))).toHaveLength(1)
    expect(claiming.filter((s) => s.includes("insert into alert_signals"))).toHaveLength(1)

    expect(await daily()).toEqual({ ...before, paid: before.paid + 1 })
    expect(await signals(paid)).toBe(1)
    expect(await claims(paid)).toEqual([ALERTS, READ_MODELS_HANDLER].sort())

    // Run again (a retried job, the back-office's retry): the claims are read first, so nothing is added.
    for (const run of [() => dispatchJob(paid, 2), () => dispatch(paid, 1)]) {
      const again = await counted(run)
      expect(Either.isRight(again.result)).toBe(true)
      expect(again.statements.filter((s) => /^(begin|commit)\b/i.test(s))).toEqual([])
      expect(again.statements.filter((s) => /insert into (insight_daily|alert_signals)/.test(s))).toEqual([])
    }
    expect(await daily()).toEqual({ ...before, paid: before.paid + 1 })
    expect(await signals(paid)).toBe(1)
  })

  it("the same event dispatched twice at once is folded and signalled once", async () => {
    const c = await checkoutOneBasket(recorded.api, db.sql, shop, "one-statement-race")
    await recorded.api.runtime.runPromise(transitionOrder({ orderId: OrderId.make(c.orderId), to: "PAYMENT_FAILED", actor: MPESA }))
    const created = await eventOf("ORDER_CREATED", c.orderId)
    const failed = await eventOf("ORDER_PAYMENT_FAILED", c.orderId)
    const before = await daily()
    for (let i = 0; i < 3; i++) {
      const runs = await Promise.all([dispatch(created), dispatch(created), dispatch(failed), dispatch(failed)])
      expect(runs.every(Either.isRight)).toBe(true)
    }
    expect(await daily()).toEqual({ ...before, placed: before.placed + 1, failed: before.failed + 1 })
    expect(await signals(failed)).toBe(1)
    expect(await claims(created)).toEqual([READ_MODELS_HANDLER]) // ORDER_CREATED is no alert signal
    expect(await claims(failed)).toEqual([ALERTS, READ_MODELS_HANDLER].sort())
  })

  it("an event that counts for neither (the buyer cancelling the checkout): both claims and the publish in one statement (3 at 94b8131; 8 on the old path)", async () => {
    const c = await checkoutOneBasket(recorded.api, db.sql, shop, "one-statement-cancel")
    await recorded.api.runtime.runPromise(
      transitionOrder({ orderId: OrderId.make(c.orderId), to: "CANCELLED_BY_USER", actor: { kind: "BUYER", id: c.buyer.id } })
    )
    const cancelled = await eventOf("ORDER_CANCELLED_BY_USER", c.orderId)
    const before = await daily()
    const { result, statements } = await counted(() => dispatchJob(cancelled))
    expect(Either.isRight(result)).toBe(true)
    expect(statements, statements.join("\n")).toHaveLength(1)
    expect(statements[0]).toMatch(/insert into processed_events .*update outbox set published_at/)
    expect(await claims(cancelled)).toEqual([ALERTS, READ_MODELS_HANDLER].sort())
    expect(await daily()).toEqual(before)
    expect(await signals(cancelled)).toBe(0)
  })

  it("a one-statement handler whose statement fails keeps neither write nor claim, is retried, and is dead-lettered after the last attempt", async () => {
    const c = await checkoutOneBasket(recorded.api, db.sql, shop, "one-statement-fail")
    const created = await eventOf("ORDER_CREATED", c.orderId)
    let divisor = 0
    const fragile: EventHandler<Database> = {
      name: "test.one-statement",
      on: ["ORDER_CREATED"],
      oneStatement: (event, claim) =>
        Effect.as(
          Effect.flatMap(Database, (d) =>
            d.query(
              (sql) => sql`
              with claim as (${claimInsert(sql, claim)})
              insert into one_statement_effects (event_id, n) select ${event.id}::text, 1 / ${divisor}::int where ${claimed(sql)}`
            )
          ),
          true
        )
    }
    const effects = async () => (await db.sql<Array<{ n: number }>>`select count(*)::int as n from one_statement_effects where event_id = ${created}`)[0]!.n
    // divided by zero: the statement fails whole, so its claim is not kept and the retry may write
    expect(Either.isLeft(await dispatch(created, 1, 3, [fragile]))).toBe(true)
    expect(await effects()).toBe(0)
    expect(await claims(created)).toEqual([])
    expect((await db.sql`select attempts, last_error from outbox where id = ${created}`)[0]).toMatchObject({
      attempts: 1,
      last_error: expect.stringMatching(/test\.one-statement: .*division by zero/)
    })
    // the last attempt fails too: a DEAD_LETTER for a human, the event left unpublished
    expect(Either.isRight(await dispatch(created, 3, 3, [fragile]))).toBe(true)
    expect(await db.sql`select kind, payload->>'handler' as handler from exceptions where entity_id = ${created}`).toEqual([
      { kind: "DEAD_LETTER", handler: "test.one-statement" }
    ])
    // the back-office's retry, now that it can succeed: written once, claimed, and a replay writes nothing
    divisor = 1
    expect(Either.isRight(await dispatch(created, 1, 3, [fragile]))).toBe(true)
    expect(Either.isRight(await dispatch(created, 2, 3, [fragile]))).toBe(true)
    expect(await effects()).toBe(1)
    expect(await claims(created)).toEqual(["test.one-statement"])
  })
})
