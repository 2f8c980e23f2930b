/**
 * A refund goes "by B2C to the phone that paid" (docs/decisions.md, Refunds; execute.ts
 * REFUND_REQUESTED). The checkout's payerPhone is whatever the buyer typed at checkout, and the STK
 * push may go to any other phone (POST /checkouts/:id/payments takes its own phone, nothing ties
 * the two). So money comes in from phone B and, refunded, goes out to phone A: a refund sent to a
 * phone that never paid (money moved between wallets through the escrow, or a victim's payment
 * refunded to the buyer). Found by an attacker's review (eleventh session); the refund now takes the
 * phone of the push that settled the checkout (adapters/postgres/disbursement-store.ts refundContext).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, randomPhone, seedShop, sessionFor } from "../api/support.js"
import { eventually, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
let api: Platform
let shop: Awaited<ReturnType<typeof seedShop>>
let sellerToken: string

beforeAll(async () => {
  api = await startPlatform(db)
  shop = await seedShop(db.sql)
  sellerToken = await sessionFor(db.sql, shop.seller.id)
}, 60_000)
afterAll(async () => {
  await api?.close()
})

describe("a refund goes back to the phone that paid", () => {
  it("checkout names payer phone A, the STK push is paid from phone B, the seller rejects: the refund B2C goes to B", async () => {
    const buyer = await newBuyer(db.sql)
    const phoneA = randomPhone() // typed at checkout, never charged
    const phoneB = buyer.phone // the phone the STK prompt went to and that paid
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `payer-${buyer.id}` },
      body: { destination: "KE-047-westlands", payerPhone: phoneA, items: [{ variantId: shop.basket.variantId, quantity: 1 }] }
    })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    const checkoutId = placed.body.checkoutId as string
    const orderId = placed.body.orders[0].orderId as string
    const pay = await call(api, "POST", `/api/v1/checkouts/${checkoutId}/payments`, { token: buyer.token, body: { phone: phoneB } })
    expect(pay.status, JSON.stringify(pay.body)).toBe(202)
    expect(api.fake.push(pay.body.checkoutRequestId)).toMatchObject({ phone: phoneB })
    await api.fake.sendCallback(pay.body.checkoutRequestId)
    await waitForState(db.sql, orderId, "PAID")
    const [paid] = await db.sql`select phone, paid_phone from mpesa_stk_requests where checkout_id = ${checkoutId}`
    expect(paid!["phone"]).toBe(phoneB)

    const rejected = await call(api, "POST", `/api/v1/seller/orders/${orderId}/reject`, { token: sellerToken, body: { reason: "out of stock" } })
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200)
    const refund = await eventually(
      "refund row",
      async () => (await db.sql`select phone, amount, originator_conversation_id from refunds where order_id = ${orderId}`)[0]
    )
    // The money came from B. It must go back to B, not to A.
    expect(refund["phone"]).toBe(phoneB)
    const b2c = await eventually("refund B2C", async () =>
      api.fake.b2cPayments.find((b) => b.originatorConversationId === refund["originator_conversation_id"])
    )
    expect(b2c.phone).toBe(phoneB)
  }, 60_000)
})
