/**
 * Milestones from the outbox (issue 15): completed orders reach FIRST_SALE and SALES_10; each is
 * recorded once per store (a replayed or concurrent ORDER_COMPLETED records nothing more), the owner
 * is congratulated once by WhatsApp (dev inbox), and the badge shows on the seller's store and, once
 * MILESTONE_REACHED has refreshed the cache, on the public store page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { checkMilestones } from "../../application/milestones/milestones.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, drainOutbox, newBuyer, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  shop = await seedShop(db.sql)
  await db.sql`update stores set slug = 'duka-hongera' where id = ${shop.storeId}`
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

/** n orders placed over HTTP, then (as if walked to the end) COMPLETED with their ORDER_COMPLETED events. */
const completeOrders = async (n: number) => {
  const ids: Array<string> = []
  for (let i = 0; i < n; i++) {
    const buyer = await newBuyer(db.sql)
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `milestone-${buyer.id}` },
      body: { destination: "KE-047-westlands", items: [{ variantId: shop.basket.variantId, quantity: 1 }] }
    })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    ids.push(placed.body.orders[0].orderId)
  }
  await db.owner`update orders set state = 'COMPLETED', completed_at = now() where id = any(${ids})`
  for (const id of ids)
    await db.sql`insert into outbox (event_type, aggregate_type, aggregate_id, payload)
      values ('ORDER_COMPLETED', 'ORDER', ${id}, ${db.sql.json({ orderId: id, storeId: shop.storeId, from: "DELIVERED", to: "COMPLETED" } as never)})`
  return ids
}

const reached = () =>
  db.sql<Array<{ code: string; order_id: string }>>`select code, order_id from store_milestones where store_id = ${shop.storeId} order by reached_at, code`
const congratulations = async () =>
  ((await call(api, "GET", `/dev/messages?to=${shop.seller.phone}&limit=100`)).body.items as Array<{ template: string; params: Array<string> }>)
    .filter((m) => m.template === "store_milestone")
    .map((m) => m.params[1])

describe("milestones", () => {
  it("the first completed order is the first sale: recorded once, the owner told once, the badge on both store views", async () => {
    const before = await call(api, "GET", "/api/v1/stores/duka-hongera")
    expect(before.body.badges).toEqual([])
    const [first] = await completeOrders(1)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect(await reached()).toEqual([{ code: "FIRST_SALE", order_id: first }])
    expect(await congratulations()).toEqual(["First sale"])
    const mine = await call(api, "GET", "/api/v1/seller/store", { token: await sessionFor(db.sql, shop.seller.id) })
    expect(mine.body.badges).toEqual([{ code: "FIRST_SALE", title: "First sale", reachedAt: expect.any(Number) }])
    expect((await call(api, "GET", "/api/v1/stores/duka-hongera")).body.badges.map((b: { code: string }) => b.code)).toEqual(["FIRST_SALE"])

    // the same event handled again records nothing and tells nobody again
    const replay = await api.runtime.runPromise(
      checkMilestones({ id: "replayed", type: "ORDER_COMPLETED", payload: { orderId: first, storeId: shop.storeId } })
    )
    expect(replay).toEqual([])
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect(await congratulations()).toEqual(["First sale"])
  })

  it("ten completed orders reach 10 sales once, even with nine events handled for it at once", async () => {
    await completeOrders(9)
    const pending = await db.sql<Array<{ id: string; payload: Record<string, unknown> }>>`
      select id, payload from outbox where event_type = 'ORDER_COMPLETED' and published_at is null`
    expect(pending).toHaveLength(9)
    // the handlers race (each in its own transaction): the store's key lets one record it
    const outcomes = await Promise.all(pending.map((e) => api.runtime.runPromise(checkMilestones({ id: e.id, type: "ORDER_COMPLETED", payload: e.payload }))))
    expect(outcomes.flat()).toEqual(["SALES_10"])
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect((await reached()).map((r) => r.code)).toEqual(["FIRST_SALE", "SALES_10"])
    expect(await congratulations()).toEqual(expect.arrayContaining(["First sale", "10 sales"]))
    expect((await congratulations()).filter((t) => t === "10 sales")).toHaveLength(1)
    expect((await call(api, "GET", "/api/v1/stores/duka-hongera")).body.badges.map((b: { code: string }) => b.code)).toEqual(["FIRST_SALE", "SALES_10"])
  })
})
