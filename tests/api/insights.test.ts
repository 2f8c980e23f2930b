/**
 * GET /api/v1/seller/insights (issue 15) over HTTP: a store's last 14 Nairobi days from the read
 * models, zero-filled, with the lines they support: payment success and sales week on week, a
 * delivery area far dearer than the store's others where fewer orders are paid, open issues, the
 * best seller. This week happens through the use cases; the week before is events as the outbox
 * holds them. Only the owner reads it; bad `days` is a 400 problem.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dispatchEvent } from "../../adapters/postgres/worker.js"
import { insertUser, insertZone } from "../../adapters/postgres/seed.js"
import { INSIGHT_EVENTS } from "../../application/insights/read-models.js"
import { transitionOrder } from "../../application/orders/transition-order.js"
import { ExceptionQueue } from "../../application/ports/exception-queue.js"
import { handlers, READ_MODELS_HANDLER } from "../../composition/event-handlers.js"
import { OrderId } from "../../domain/ids.js"
import { addDays, nairobiDay } from "../../domain/insights.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>
let other: Awaited<ReturnType<typeof seedShop>>
const readModels = handlers.filter((h) => h.name === READ_MODELS_HANDLER)
const DAY = 86_400_000
const MPESA = { kind: "SYSTEM" as const, id: "mpesa-reconciler" }
let n = 0

beforeAll(async () => {
  shop = await seedShop(db.sql)
  other = await seedShop(db.sql, { promotions: false })
  await insertZone(db.sql, { id: "zone_msa_insights", name: "Mombasa", covers: ["KE-001"], rates: [] })
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

const fold = async () => {
  const ids = await db.sql<Array<{ id: string }>>`select id from outbox where event_type = any(${INSIGHT_EVENTS as Array<string>}::text[]) order by seq`
  for (const { id } of ids) await api.runtime.runPromise(dispatchEvent(readModels, id, 1, 8))
}
const event = (type: string, payload: Record<string, unknown>) =>
  db.sql`insert into outbox (event_type, aggregate_type, aggregate_id, payload) values (${type}, 'ORDER', ${String(payload["orderId"])}, ${db.sql.json(payload as never)})`
/** An order placed and (optionally) paid `daysAgo`, as its events say it. */
const pastOrder = async (o: { daysAgo: number; zoneId: string; fee: number; paid: boolean; productId: string; amount: number }) => {
  const at = Date.now() - o.daysAgo * DAY
  const orderId = `ord_past_${++n}`
  const common = { orderId, checkoutId: `chk_past_${n}`, storeId: shop.storeId }
  await event("ORDER_CREATED", {
    ...common,
    total: { amount: o.amount + o.fee, currency: "KES" },
    zoneId: o.zoneId,
    shippingFee: { amount: o.fee, currency: "KES" },
    at
  })
  if (o.paid)
    await event("ORDER_PAID", {
      ...common,
      from: "PENDING_PAYMENT",
      to: "PAID",
      at: at + 3 * 60_000,
      actor: MPESA,
      total: { amount: o.amount + o.fee, currency: "KES" },
      charged: { amount: o.amount + o.fee, currency: "KES" },
      checkedOutAt: at,
      zoneId: o.zoneId,
      lines: [{ productId: o.productId, quantity: 1, amount: o.amount }]
    })
}
const insights = async (token: string, query = "") => call(api, "GET", `/api/v1/seller/insights${query}`, { token })

describe("seller insights", () => {
  it("14 days, zero-filled, with what the figures say: payment success and sales fell, Mombasa's fee hurts, an open issue, the best seller", async () => {
    // The week before: 8 Nairobi orders, all paid; 1 Mombasa order paid (of 4 placed, 3 of them this week).
    for (let i = 0; i < 8; i++)
      await pastOrder({ daysAgo: 9, zoneId: "zone_nbi_api", fee: 250_00, paid: true, productId: shop.basket.productId, amount: 1_080_00 })
    await pastOrder({ daysAgo: 10, zoneId: "zone_msa_insights", fee: 900_00, paid: true, productId: shop.dress.productId, amount: 1_800_00 })
    for (let i = 0; i < 3; i++)
      await pastOrder({ daysAgo: 3, zoneId: "zone_msa_insights", fee: 900_00, paid: false, productId: shop.dress.productId, amount: 1_800_00 })
    // This week, through the use cases: 7 baskets to Nairobi (KES 1,080 + 250 shipping), 3 paid, 4 failed on M-Pesa.
    const orders: Array<Awaited<ReturnType<typeof checkoutOneBasket>>> = []
    for (let i = 0; i < 7; i++) orders.push(await checkoutOneBasket(api, db.sql, shop, "insights-api"))
    for (const [i, o] of orders.entries())
      await api.runtime.runPromise(transitionOrder({ orderId: OrderId.make(o.orderId), to: i < 3 ? "PAID" : "PAYMENT_FAILED", actor: MPESA }))
    await api.runtime.runPromise(
      Effect.flatMap(ExceptionQueue, (q) =>
        q.raise({ kind: "SLA_BREACH", entity: "order", entityId: orders[0]!.orderId, payload: {}, dedupeKey: "insights-api-1" })
      )
    )
    // Another store's sale must not show.
    const theirs = await checkoutOneBasket(api, db.sql, other, "insights-other")
    await api.runtime.runPromise(transitionOrder({ orderId: OrderId.make(theirs.orderId), to: "PAID", actor: MPESA }))
    await fold()

    const owner = await sessionFor(db.sql, shop.seller.id)
    const r = await insights(owner)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const today = nairobiDay(Date.now())
    expect(r.body).toMatchObject({ storeId: shop.storeId, days: 14, from: addDays(today, -13), to: today })
    expect(r.body.series.map((d: { day: string }) => d.day)).toEqual(Array.from({ length: 14 }, (_, i) => addDays(today, i - 13)))
    const byDay = new Map<string, Record<string, unknown>>(r.body.series.map((d: { day: string }) => [d.day, d]))
    expect(byDay.get(today)).toMatchObject({
      ordersPlaced: 7,
      ordersPaid: 3,
      paymentsSucceeded: 3,
      paymentsFailed: 4,
      paymentSuccessRate: 3 / 7,
      gmv: [{ amount: 3 * 1_330_00, currency: "KES" }],
      exceptionsOpened: 1
    })
    expect(byDay.get(today)!["medianMillisToPaid"]).toEqual(expect.any(Number))
    expect(byDay.get(addDays(today, -5))).toMatchObject({ ordersPlaced: 0, ordersPaid: 0, gmv: [], paymentSuccessRate: null, medianMillisToPaid: null })
    expect(byDay.get(nairobiDay(Date.now() - 9 * DAY))).toMatchObject({ ordersPaid: 8, paymentSuccessRate: 1, medianMillisToPaid: 3 * 60_000 })
    expect(r.body.openIssues).toBe(1)
    expect(r.body.topProducts[0]).toEqual({
      productId: shop.basket.productId,
      title: "Sisal kiondo basket",
      units: 11,
      revenue: { amount: 11 * 1_080_00, currency: "KES" }
    })
    expect(r.body.areas).toEqual([
      { zoneId: "zone_msa_insights", name: "Mombasa", ordersPlaced: 4, ordersPaid: 1, shippingFees: { amount: 4 * 900_00, currency: "KES" } },
      { zoneId: "zone_nbi_api", name: "Nairobi", ordersPlaced: 15, ordersPaid: 11, shippingFees: { amount: 15 * 250_00, currency: "KES" } }
    ])
    expect(r.body.insights.map((l: { text: string }) => l.text)).toEqual([
      "Payment success fell to 43% this week from 100% the week before.",
      "Sales were KES 3,990.00 this week, down 70% from KES 13,340.00 the week before.",
      "Delivery to Mombasa costs buyers KES 900.00 on average, against KES 250.00 to your other areas, and only 25% of those orders are paid (73% elsewhere).",
      "1 issue about your orders is open with Amana's team.",
      "Your best seller in the last 14 days: Sisal kiondo basket, 11 sold for KES 11,880.00."
    ])

    // The other store sees its own sale only.
    const theirsView = await insights(await sessionFor(db.sql, other.seller.id), "?days=1")
    expect(theirsView.status).toBe(200)
    expect(theirsView.body.series).toEqual([expect.objectContaining({ day: today, ordersPaid: 1, ordersPlaced: 1 })])
    expect(theirsView.body.openIssues).toBe(0)
  })

  it("days is 1 to 90 (default 14); anything else is a 400 problem naming the parameter", async () => {
    const owner = await sessionFor(db.sql, shop.seller.id)
    expect((await insights(owner, "?days=90")).body.series).toHaveLength(90)
    expect((await insights(owner, "?days=1")).body.series).toHaveLength(1)
    for (const bad of ["0", "91", "-3", "7.5", "abc", ""]) {
      const r = await insights(owner, `?days=${bad}`)
      expect(r.status, bad).toBe(400)
      expect(r.headers.get("content-type")).toContain("application/problem+json")
      expect(r.body).toMatchObject({ status: 400, code: "REQUEST.INVALID" })
      expect(JSON.stringify(r.body.errors)).toContain("days")
    }
  })

  it("only the store's owner reads it: staff 403, a buyer 403, no token 401", async () => {
    const staff = `usr_staff_insights_${process.pid}`
    await insertUser(db.sql, { id: staff, phone: "254711999888", roles: ["SELLER_STAFF"] })
    await db.sql`insert into store_members (store_id, user_id, role) values (${shop.storeId}, ${staff}, 'STAFF')`
    const asStaff = await insights(await sessionFor(db.sql, staff))
    expect(asStaff.status).toBe(403)
    expect(asStaff.body.code).toBe("SELLER.OWNER_ONLY")
    const buyer = `usr_buyer_insights_${process.pid}`
    await insertUser(db.sql, { id: buyer, phone: "254711999777", roles: ["BUYER"] })
    expect((await insights(await sessionFor(db.sql, buyer))).status).toBe(403)
    expect((await call(api, "GET", "/api/v1/seller/insights")).status).toBe(401)
  })

  it("the OpenAPI document describes it", async () => {
    const doc = await call(api, "GET", "/api/openapi.json")
    const op = doc.body.paths["/api/v1/seller/insights"].get
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(["days"])
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403"]))
  })
})
