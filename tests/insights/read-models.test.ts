/**
 * The daily read models (issue 15) over a real database: orders placed over HTTP and moved by the
 * real use cases (paid, failed and retried, declined on the phone, cancelled by the buyer, rejected
 * by the seller with a refund), events in the shape written before issue 15 (completed from the
 * order's snapshot), SLA outcomes and exceptions raised through the queue's one writer. The outbox
 * handler folds them shuffled, some delivered twice; `read-models:rebuild`'s use case then rebuilds
 * the tables from scratch, and their contents must be the same.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dispatchEvent } from "../../adapters/postgres/worker.js"
import { INSIGHT_EVENTS, rebuildReadModels } from "../../application/insights/read-models.js"
import { transitionOrder } from "../../application/orders/transition-order.js"
import { ExceptionQueue } from "../../application/ports/exception-queue.js"
import { handlers, READ_MODELS_HANDLER } from "../../composition/event-handlers.js"
import { OrderId, UserId } from "../../domain/ids.js"
import { nairobiDay } from "../../domain/insights.js"
import type { OrderState } from "../../domain/order.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutOneBasket, seedShop, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>
let other: Awaited<ReturnType<typeof seedShop>>
const readModels = handlers.filter((h) => h.name === READ_MODELS_HANDLER)
const DAY = 86_400_000

beforeAll(async () => {
  shop = await seedShop(db.sql)
  other = await seedShop(db.sql, { promotions: false })
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

const MPESA = { kind: "SYSTEM" as const, id: "mpesa-reconciler" }
const move = (orderId: string, to: OrderState, actor: Parameters<typeof transitionOrder>[0]["actor"]) =>
  api.runtime.runPromise(transitionOrder({ orderId: OrderId.make(orderId), to, actor }))
const raise = (entity: string, entityId: string, dedupeKey: string) =>
  api.runtime.runPromise(Effect.flatMap(ExceptionQueue, (q) => q.raise({ kind: "SLA_BREACH", entity, entityId, payload: { why: "test" }, dedupeKey })))
const event = (type: string, aggregateType: string, aggregateId: string, payload: Record<string, unknown>, occurredAt = new Date()) =>
  db.sql`insert into outbox (event_type, aggregate_type, aggregate_id, payload, occurred_at)
         values (${type}, ${aggregateType}, ${aggregateId}, ${db.sql.json(payload as never)}, ${occurredAt})`

const tables = async () => ({
  daily: await db.sql`select * from insight_daily order by scope, day`,
  money: await db.sql`select * from insight_daily_money order by scope, day, currency`,
  samples: await db.sql`select * from insight_paid_samples order by scope, checkout_id`,
  products: await db.sql`select * from insight_daily_products order by scope, day, product_id, currency`,
  areas: await db.sql`select * from insight_daily_areas order by scope, day, zone_id, currency`
})
const insightEventIds = async () =>
  (await db.sql<Array<{ id: string }>>`select id from outbox where event_type = any(${INSIGHT_EVENTS as Array<string>}::text[]) order by seq`).map((r) => r.id)
const fold = async (ids: ReadonlyArray<string>) => {
  for (const id of ids) await api.runtime.runPromise(dispatchEvent(readModels, id, 1, 8))
}
/** A fixed shuffle (the test must be repeatable): reversed, then odd positions before even ones. */
const shuffled = <A>(xs: ReadonlyArray<A>) => {
  const r = [...xs].reverse()
  return [...r.filter((_, i) => i % 2 === 1), ...r.filter((_, i) => i % 2 === 0)]
}
const sumOf = async (column: string, scope: string, table = "insight_daily") =>
  Number((await db.sql`select coalesce(sum(${db.sql(column)}), 0)::bigint as n from ${db.sql(table)} where scope = ${scope}`)[0]!["n"])

describe("read models", () => {
  it("folded event by event (out of order, some twice) they hold what happened, and a rebuild from scratch gives the same tables", async () => {
    const c: Array<Awaited<ReturnType<typeof checkoutOneBasket>>> = []
    for (let i = 0; i < 6; i++) c.push(await checkoutOneBasket(api, db.sql, shop, "insights"))
    const d0 = await checkoutOneBasket(api, db.sql, other, "insights-other")
    const seller = { kind: "SELLER" as const, id: UserId.make(shop.seller.id) }

    await move(c[0]!.orderId, "PAID", MPESA)
    await move(c[0]!.orderId, "CANCELLED", seller) // the seller rejects it: the buyer is refunded KES 1,330
    await move(c[1]!.orderId, "PAID", MPESA)
    await move(c[2]!.orderId, "PAYMENT_FAILED", MPESA)
    await move(c[2]!.orderId, "PENDING_PAYMENT", { kind: "BUYER", id: c[2]!.buyer.id })
    await move(c[2]!.orderId, "PAID", MPESA)
    await move(c[3]!.orderId, "CANCELLED_BY_USER", MPESA) // declined on the phone: a failed payment
    await move(c[4]!.orderId, "CANCELLED_BY_USER", { kind: "BUYER", id: c[4]!.buyer.id }) // cancelled the checkout: no payment attempt
    await move(d0.orderId, "PAID", MPESA)

    // Events as they were written before issue 15: ORDER_PAID without total, lines or checkout time,
    // SLA_BREACHED without the store, EXCEPTION_RESOLVED without the store, ORDER_CREATED without the area.
    const now = Date.now()
    await event("ORDER_PAID", "ORDER", c[5]!.orderId, {
      orderId: c[5]!.orderId,
      checkoutId: c[5]!.checkoutId,
      storeId: shop.storeId,
      from: "PENDING_PAYMENT",
      to: "PAID",
      at: now + 7 * 60_000,
      actor: MPESA
    })
    await db.owner`update outbox set payload = payload - 'zoneId' - 'shippingFee' where event_type = 'ORDER_CREATED' and aggregate_id = ${c[5]!.orderId}`
    await event("ORDER_DELIVERED", "ORDER", c[1]!.orderId, { orderId: c[1]!.orderId, storeId: shop.storeId, at: now - DAY, slaMet: 1, actor: MPESA })
    await event("ORDER_DISPATCHED", "ORDER", c[1]!.orderId, { orderId: c[1]!.orderId, storeId: shop.storeId, at: now - 2 * DAY, slaMet: 1, actor: seller })
    await event("ORDER_SLA_BREACHED", "ORDER", c[2]!.orderId, { orderId: c[2]!.orderId, timerId: "sla_x", kind: "DISPATCH", at: now - DAY })
    await raise("order", c[2]!.orderId, "insights-test-1")
    await raise("order", c[2]!.orderId, "insights-test-1") // the same cause again: one exception
    await raise("mpesa_stk_request", "stk_nowhere", "insights-test-2")
    const [storeException] = await db.sql<Array<{ id: string; store_id: string }>>`select id, store_id from exceptions where dedupe_key = 'insights-test-1'`
    expect(storeException!.store_id).toBe(shop.storeId)
    await event("EXCEPTION_RESOLVED", "EXCEPTION", storeException!.id, { exceptionId: storeException!.id, kind: "SLA_BREACH", resolution: "RESOLVED", at: now })

    const ids = await insightEventIds()
    await fold(shuffled(ids))
    await fold(ids.filter((_, i) => i % 3 === 0)) // delivered again: no second effect
    const incremental = await tables()

    // What happened, in the store's figures (all days) and the platform's.
    expect(await sumOf("orders_placed", shop.storeId)).toBe(6)
    expect(await sumOf("orders_paid", shop.storeId)).toBe(4)
    expect(await sumOf("payments_succeeded", shop.storeId)).toBe(4)
    expect(await sumOf("payments_failed", shop.storeId)).toBe(2)
    expect(await sumOf("refunds", shop.storeId)).toBe(1)
    expect(await sumOf("sla_met", shop.storeId)).toBe(2)
    expect(await sumOf("sla_breached", shop.storeId)).toBe(1)
    expect(await sumOf("exceptions_opened", shop.storeId)).toBe(1)
    expect(await sumOf("exceptions_closed", shop.storeId)).toBe(1)
    expect(await sumOf("exceptions_opened", "*")).toBe(2)
    expect(await sumOf("orders_paid", "*")).toBe(5)
    // four baskets paid at KES 1,330 each (1,200 less 10%, plus 250 shipping); one refunded
    expect(await sumOf("gmv", shop.storeId, "insight_daily_money")).toBe(4 * 1_330_00)
    expect(await sumOf("refunded", shop.storeId, "insight_daily_money")).toBe(1_330_00)
    expect(await sumOf("gmv", "*", "insight_daily_money")).toBe(4 * 1_330_00 + d0.charge)
    expect(await sumOf("units", shop.storeId, "insight_daily_products")).toBe(4)
    expect(await sumOf("orders_placed", shop.storeId, "insight_daily_areas")).toBe(6)
    expect(await sumOf("shipping_fees", shop.storeId, "insight_daily_areas")).toBe(6 * 250_00)
    expect(await sumOf("orders_paid", shop.storeId, "insight_daily_areas")).toBe(4)
    const samples = await db.sql<
      Array<{ checkout_id: string; millis: number }>
    >`select checkout_id, millis from insight_paid_samples where scope = ${shop.storeId}`
    expect(samples.map((s) => s.checkout_id).sort()).toEqual([c[0]!, c[1]!, c[2]!, c[5]!].map((x) => x.checkoutId).sort())
    expect(samples.find((s) => s.checkout_id === c[5]!.checkoutId)!.millis).toBeGreaterThan(6 * 60_000)
    const breachDay = nairobiDay(now - DAY)
    expect(
      incremental.daily.find((r) => r["scope"] === shop.storeId && nairobiDay(new Date(r["day"] as Date).getTime() + 12 * 3_600_000) === breachDay)
    ).toBeDefined()

    // From scratch: the same tables, and every event counted as handled.
    const folded = await api.runtime.runPromise(rebuildReadModels(READ_MODELS_HANDLER))
    expect(folded).toBe(ids.length)
    expect(await tables()).toEqual(incremental)
    const handled = await db.sql`select count(*)::int as n from processed_events where handler = ${READ_MODELS_HANDLER}`
    expect(handled[0]!["n"]).toBe(ids.length)
    await fold(ids)
    expect(await tables()).toEqual(incremental)
  })

  it("an event the worker has not handled yet is folded by the rebuild once, not again by the worker", async () => {
    const before = await sumOf("orders_placed", shop.storeId)
    await checkoutOneBasket(api, db.sql, shop, "insights-late")
    const pending = (await insightEventIds()).slice(-1)
    await api.runtime.runPromise(rebuildReadModels(READ_MODELS_HANDLER))
    expect(await sumOf("orders_placed", shop.storeId)).toBe(before + 1)
    await fold(pending)
    expect(await sumOf("orders_placed", shop.storeId)).toBe(before + 1)
  })
})
