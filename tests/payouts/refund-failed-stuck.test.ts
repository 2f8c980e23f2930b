/**
 * Review probe: an order's refund whose B2C Daraja confirms FAILED (e.g. 2040, the buyer's line
 * cannot receive) can never be sent again. refunds.order_id is UNIQUE and the refund's
 * OriginatorConversationID is `amana-refund-<orderId>`, so requestRefund (the only use case that
 * makes an order refund) is a no-op the second time; the REFUND_FAILED exception names the refund,
 * not the order, so the back-office "refund" action refuses it, and "retry" only re-queues dead
 * letters. Money held for a checkout has exactly this path (FINANCE sends a RETURN_FAILED return
 * again: application/admin/held-money.ts, migration 0051); an order's refund does not, so the
 * buyer's money stays in refunds payable for good. PRODUCT.md: on REFUNDED the buyer gets back what
 * they paid.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requestRefund } from "../../application/payouts-execution/execute.js"
import { OrderId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, seedShop, sessionFor } from "../api/support.js"
import { balance, eventually, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
let api: Platform
let shop: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  api = await startPlatform(db)
  shop = await seedShop(db.sql)
}, 60_000)
afterAll(async () => {
  await api?.close()
})

describe("an order refund Daraja confirmed FAILED", () => {
  it("can be sent again once the buyer's line is fixed, and the buyer is refunded once", async () => {
    const c = await checkoutOneBasket(api, db.sql, shop, "refund-stuck")
    const pay = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
    expect(pay.status).toBe(202)
    await api.fake.sendCallback(pay.body.checkoutRequestId)
    await waitForState(db.sql, c.orderId, "PAID")

    api.fake.scriptB2C(c.buyer.phone, { resultCode: 2040, resultDesc: "Credit Party customer type can't be supported by the service." })
    const seller = await sessionFor(db.sql, shop.seller.id)
    expect((await call(api, "POST", `/api/v1/seller/orders/${c.orderId}/reject`, { token: seller, body: { reason: "out of stock" } })).status).toBe(200)
    await eventually("refund FAILED", async () => (await db.sql`select status from refunds where order_id = ${c.orderId}`)[0]?.["status"] === "FAILED", 30_000)
    expect(await balance(db.sql, "REFUNDS_PAYABLE", c.buyer.id)).toBe(-c.charge)

    // The line is fixed. Whatever a person can do, the refund must be able to go again: the only use case that makes one is asked.
    api.fake.scriptB2C(c.buyer.phone, { resultCode: 0 })
    await api.runtime.runPromise(requestRefund(OrderId.make(c.orderId)))
    const live = await db.sql`select id, status from refunds where order_id = ${c.orderId} and status <> 'FAILED'`
    expect(live, "no refund can be made again for the order").toHaveLength(1)
  }, 60_000)
})
