/**
 * A buyer or seller never sees or touches another's data: for every endpoint that names a
 * checkout, order, product or variant, the other party's id answers 404 (existence is not
 * disclosed) and nothing changes; lists only ever hold one's own rows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, drainOutbox, newBuyer, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let shopX: Awaited<ReturnType<typeof seedShop>>
let shopY: Awaited<ReturnType<typeof seedShop>>
let alice: Awaited<ReturnType<typeof newBuyer>>
let bob: Awaited<ReturnType<typeof newBuyer>>
let sellerX: string
let sellerY: string
let aliceCheckout: string
let aliceOrder: string

beforeAll(async () => {
  shopX = await seedShop(db.sql)
  shopY = await seedShop(db.sql, { promotions: false })
  api = await startApi(db.sql)
  alice = await newBuyer(db.sql)
  bob = await newBuyer(db.sql)
  sellerX = await sessionFor(db.sql, shopX.seller.id)
  sellerY = await sessionFor(db.sql, shopY.seller.id)
  await call(api, "POST", "/api/v1/cart/items", { token: alice.token, body: { variantId: shopX.dress.variantId } })
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: alice.token,
    headers: { "idempotency-key": "iso-1" },
    body: { destination: "KE-047-westlands", items: [{ variantId: shopX.basket.variantId, quantity: 1 }] }
  })
  aliceCheckout = placed.body.checkoutId
  aliceOrder = placed.body.orders[0].orderId
  const pay = await call(api, "POST", `/api/v1/checkouts/${aliceCheckout}/payments`, { token: alice.token, body: { phone: alice.phone } })
  await api.fake.sendCallback(pay.body.checkoutRequestId)
  await drainOutbox(api, db.sql)
})
afterAll(async () => {
  await api?.close()
})

const unchanged = async () => (await db.sql`select state, version from orders where id = ${aliceOrder}`)[0]

describe("nobody sees another's data", () => {
  it("buyer endpoints: another buyer's checkout and order are 404, and nothing changes", async () => {
    const before = await unchanged()
    expect(before!["state"]).toBe("PAID")
    const attempts: ReadonlyArray<[string, string, unknown?]> = [
      ["GET", `/api/v1/checkouts/${aliceCheckout}`],
      ["POST", `/api/v1/checkouts/${aliceCheckout}/payments`, { phone: bob.phone }],
      ["GET", `/api/v1/orders/${aliceOrder}`],
      ["POST", `/api/v1/orders/${aliceOrder}/confirm`],
      ["POST", `/api/v1/orders/${aliceOrder}/disputes`, { description: "not mine" }]
    ]
    for (const [method, path, body] of attempts) {
      const r = await call(api, method, path, { token: bob.token, ...(body !== undefined && { body }) })
      expect([path, r.status]).toEqual([path, 404])
      expect(r.body.code).toMatch(/NOT_FOUND$/)
    }
    expect(await unchanged()).toEqual(before)
    expect((await call(api, "GET", "/api/v1/orders", { token: bob.token })).body.items).toEqual([])
    expect((await call(api, "GET", "/api/v1/orders", { token: alice.token })).body.items.map((o: { orderId: string }) => o.orderId)).toEqual([aliceOrder])
    // Each buyer's cart is their own.
    expect((await call(api, "GET", "/api/v1/cart", { token: bob.token })).body.lines).toEqual([])
    expect((await call(api, "GET", "/api/v1/cart", { token: alice.token })).body.lines).toHaveLength(1)
    expect((await call(api, "DELETE", `/api/v1/cart/items/${shopX.dress.variantId}`, { token: bob.token })).status).toBe(404)
  })

  it("seller endpoints: another store's products, variants and orders are 404, and nothing changes", async () => {
    const before = await unchanged()
    const product = (await db.sql`select version, commission_rate_bps from products where id = ${shopX.dress.productId}`)[0]
    const attempts: ReadonlyArray<[string, string, unknown?]> = [
      ["PATCH", `/api/v1/seller/products/${shopX.dress.productId}`, { title: "Mine now" }],
      ["PUT", `/api/v1/seller/products/${shopX.dress.productId}/commission`, { commissionRateBps: 5000 }],
      ["PUT", `/api/v1/seller/inventory/${shopX.dress.variantId}`, { onHand: 0 }],
      ["GET", `/api/v1/seller/orders/${aliceOrder}`],
      ["POST", `/api/v1/seller/orders/${aliceOrder}/accept`],
      ["POST", `/api/v1/seller/orders/${aliceOrder}/reject`, { reason: "no" }]
    ]
    for (const [method, path, body] of attempts) {
      const r = await call(api, method, path, { token: sellerY, ...(body !== undefined && { body }) })
      expect([path, r.status]).toEqual([path, 404])
    }
    expect(await unchanged()).toEqual(before)
    expect((await db.sql`select version, commission_rate_bps from products where id = ${shopX.dress.productId}`)[0]).toEqual(product)
    expect((await call(api, "GET", "/api/v1/seller/orders", { token: sellerY })).body.items).toEqual([])
    expect((await call(api, "GET", "/api/v1/seller/orders", { token: sellerX })).body.items.map((o: { orderId: string }) => o.orderId)).toEqual([aliceOrder])
    const mine = (await call(api, "GET", "/api/v1/seller/products", { token: sellerY })).body.items.map((p: { id: string }) => p.id).sort()
    expect(mine).toEqual([shopY.basket.productId, shopY.dress.productId].sort())
    expect((await call(api, "GET", "/api/v1/seller/statement", { token: sellerY })).body).toMatchObject({ storeId: shopY.storeId, lines: [], orders: [] })
  })

  it("a buyer is not a seller; a seller's own order can be accepted by that seller", async () => {
    expect((await call(api, "GET", "/api/v1/seller/products", { token: alice.token })).body.code).toBe("SELLER.NO_STORE")
    expect((await call(api, "POST", `/api/v1/seller/orders/${aliceOrder}/accept`, { token: sellerX })).body.state).toBe("ACCEPTED")
  })

  it("the dev inbox does not exist in production", async () => {
    const prod = await startApi(db.sql, { production: true })
    try {
      const r = await call(prod, "GET", "/dev/messages")
      expect(r.status).toBe(404)
      expect(r.body.code).toBe("ROUTE.NOT_FOUND")
    } finally {
      await prod.close()
    }
  })
})
