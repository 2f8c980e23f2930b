/** The seller's endpoints: listings through review, stock, commission rate, accept/reject, statement. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, drainOutbox, newBuyer, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>
let seller: string

beforeAll(async () => {
  shop = await seedShop(db.sql)
  api = await startApi(db.sql)
  seller = await sessionFor(db.sql, shop.seller.id)
})
afterAll(async () => {
  await api?.close()
})

const paidOrder = async (variantId: string, quantity = 1) => {
  const buyer = await newBuyer(db.sql)
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: buyer.token,
    headers: { "idempotency-key": `s-${buyer.id}` },
    body: { destination: "KE-047-westlands", items: [{ variantId, quantity }] }
  })
  const pay = await call(api, "POST", `/api/v1/checkouts/${placed.body.checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
  await api.fake.sendCallback(pay.body.checkoutRequestId)
  await drainOutbox(api, db.sql)
  return placed.body.orders[0].orderId as string
}

describe("seller API", () => {
  it("a new product goes to PENDING_REVIEW and is not on sale; a non-material edit keeps VERIFIED, a material one sends it back to review", async () => {
    const created = await call(api, "POST", "/api/v1/seller/products", {
      token: seller,
      body: {
        title: "Kikoi wrap",
        basePrice: { amount: 1_800_00, currency: "KES" },
        media: ["https://img.example/kikoi.jpg"],
        commissionRateBps: 700,
        variants: [{ sku: `KIKOI-${Date.now()}`, attributes: { colour: "blue" }, weightGrams: 300, stock: 12 }]
      }
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ state: "PENDING_REVIEW", commissionRateBps: 700, variants: [{ onHand: 12, reserved: 0 }] })
    const id: string = created.body.id
    expect((await call(api, "GET", `/api/v1/products/${id}`)).status).toBe(404)

    await db.sql`update products set state = 'VERIFIED' where id = ${id}`
    const described = await call(api, "PATCH", `/api/v1/seller/products/${id}`, { token: seller, body: { description: "Soft cotton kikoi from the coast" } })
    expect(described.body.state).toBe("VERIFIED")
    const commission = await call(api, "PUT", `/api/v1/seller/products/${id}/commission`, { token: seller, body: { commissionRateBps: 1_200 } })
    expect(commission.body).toMatchObject({ state: "VERIFIED", commissionRateBps: 1_200 })
    const repriced = await call(api, "PATCH", `/api/v1/seller/products/${id}`, { token: seller, body: { basePrice: { amount: 2_000_00, currency: "KES" } } })
    expect(repriced.body).toMatchObject({ state: "PENDING_REVIEW", basePrice: { amount: 2_000_00 } })
    const tooHigh = await call(api, "PUT", `/api/v1/seller/products/${id}/commission`, { token: seller, body: { commissionRateBps: 9_000 } })
    expect(tooHigh).toMatchObject({ status: 400, body: { code: "REQUEST.INVALID" } })
    // Every change is a PRODUCT_UPDATED event (for the seller's webhook), the refused one excepted.
    const events =
      await db.sql`select payload->>'change' as change, payload->>'state' as state from outbox where event_type = 'PRODUCT_UPDATED' and aggregate_id = ${id} order by seq`
    expect(events).toEqual([
      { change: "CREATED", state: "PENDING_REVIEW" },
      { change: "EDITED", state: "VERIFIED" },
      { change: "EDITED", state: "VERIFIED" },
      { change: "EDITED", state: "PENDING_REVIEW" }
    ])
    // ...each audited with who, their role in the store, and the listing before and after
    const audit = await db.sql<Array<{ action: string; actor_role: string; before: { basePrice: { amount: number } } | null; after: { state: string } }>>`
      select action, actor_role, before, after from audit_log where entity_id = ${id} order by seq`
    expect(audit.map((a) => [a.action, a.actor_role, a.after.state])).toEqual([
      ["PRODUCT.CREATE", "OWNER", "PENDING_REVIEW"],
      ["PRODUCT.EDIT", "OWNER", "VERIFIED"],
      ["PRODUCT.EDIT", "OWNER", "VERIFIED"],
      ["PRODUCT.EDIT", "OWNER", "PENDING_REVIEW"]
    ])
    expect(audit[0]!.before).toBeNull()
    expect(audit[3]!.before?.basePrice.amount).toBe(1_800_00)
  })

  it("stock: set on hand, but never below what unpaid checkouts hold", async () => {
    const buyer = await newBuyer(db.sql)
    await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": "hold-3" },
      body: { destination: "KE-047-westlands", items: [{ variantId: shop.basket.variantId, quantity: 3 }] }
    })
    expect((await call(api, "PUT", `/api/v1/seller/inventory/${shop.basket.variantId}`, { token: seller, body: { onHand: 2 } })).body).toMatchObject({
      status: 409,
      code: "INVENTORY.BELOW_RESERVED"
    })
    expect((await call(api, "PUT", `/api/v1/seller/inventory/${shop.basket.variantId}`, { token: seller, body: { onHand: 40 } })).body).toEqual({
      variantId: shop.basket.variantId,
      onHand: 40,
      reserved: 3
    })
  })

  it("rejecting a paid order cancels it with a full refund; accepting a cancelled one is a conflict naming both states", async () => {
    const orderId = await paidOrder(shop.dress.variantId)
    const rejected = await call(api, "POST", `/api/v1/seller/orders/${orderId}/reject`, { token: seller, body: { reason: "out of fabric" } })
    expect(rejected.body.state).toBe("CANCELLED")
    const refund = await db.sql`select kind from ledger_transactions where order_id = ${orderId}`
    expect(refund.map((r) => r["kind"])).toEqual(["REFUND"])
    const again = await call(api, "POST", `/api/v1/seller/orders/${orderId}/accept`, { token: seller })
    expect(again.body).toMatchObject({ status: 409, code: "ORDER.ILLEGAL_TRANSITION" })
    expect(again.body.detail).toContain("CANCELLED to ACCEPTED")
  })
})
