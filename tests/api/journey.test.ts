/**
 * The black-box journey over HTTP, against real PostgreSQL and a fake Daraja that checks the STK
 * password: a guest fills a cart, logs in by OTP read from the dev inbox (the cart follows), sees
 * the promotion and the code priced live, checks out (idempotently), pays by STK push, Daraja calls
 * back, the worker confirms by STK query and marks the orders PAID with escrow postings; the order
 * is delivered, the buyer confirms, escrow is released and the seller's statement shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { transitionOrder } from "../../application/orders/transition-order.js"
import { OrderId, UserId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, drainOutbox, login, newBuyer, randomPhone, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  shop = await seedShop(db.sql)
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

describe("buyer journey over HTTP", () => {
  it("guest cart -> OTP login -> promotion + code preview -> checkout -> STK push -> callback -> PAID with escrow -> delivered -> confirmed -> released", async () => {
    // A guest adds two dresses and a basket; the API hands out a signed cart token.
    const first = await call(api, "POST", "/api/v1/cart/items", { body: { variantId: shop.dress.variantId, quantity: 2 } })
    expect(first.status).toBe(201)
    const cartToken = first.headers.get("x-cart-token")!
    expect(first.body.cartToken).toBe(cartToken)
    const second = await call(api, "POST", "/api/v1/cart/items", { body: { variantId: shop.basket.variantId }, headers: { "x-cart-token": cartToken } })
    expect(second.body.lines).toHaveLength(2)

    // Log in by OTP from the dev inbox; the guest cart is merged into the buyer's.
    const phone = randomPhone()
    const { token, userId } = await login(api, phone, cartToken)
    const mine = await call(api, "GET", "/api/v1/cart?destination=KE-047-westlands&code=karibu", { token })
    expect(mine.status).toBe(200)
    expect(mine.body.lines.map((l: { quantity: number }) => l.quantity).sort()).toEqual([1, 2])
    // 2 × 2,500 + 1,200 = 6,200; 10% promotion capped at 500 -> 5,700; KARIBU -200 -> 5,500; free shipping over 5,000.
    expect(mine.body.preview).toMatchObject({
      subtotal: { amount: 6_200_00, currency: "KES" },
      discount: { amount: 700_00, currency: "KES" },
      shipping: { amount: 0, currency: "KES" },
      total: { amount: 5_500_00, currency: "KES" },
      charge: { amount: 5_500_00, currency: "KES" },
      code: { code: "KARIBU", discount: { amount: 200_00, currency: "KES" } }
    })
    expect(mine.body.preview.orders[0].promotion.name).toContain("10%")

    // Checkout from the cart, idempotently.
    const headers = { "idempotency-key": `journey-${phone}` }
    const placed = await call(api, "POST", "/api/v1/checkouts", { token, headers, body: { destination: "KE-047-westlands", discountCode: "KARIBU" } })
    expect(placed.status).toBe(201)
    expect(placed.body).toMatchObject({ state: "PENDING_PAYMENT", total: { amount: 5_500_00 }, charge: { amount: 5_500_00 }, payerPhone: phone })
    const again = await call(api, "POST", "/api/v1/checkouts", { token, headers, body: { destination: "KE-047-westlands", discountCode: "KARIBU" } })
    expect(again.body.checkoutId).toBe(placed.body.checkoutId)
    const checkoutId: string = placed.body.checkoutId
    const orderId = OrderId.make(placed.body.orders[0].orderId)
    expect((await call(api, "GET", "/api/v1/cart", { token })).body.lines).toHaveLength(0)

    // Pay: an STK push for the whole charge to the buyer's phone (the fake checks the password).
    const pay = await call(api, "POST", `/api/v1/checkouts/${checkoutId}/payments`, { token, body: { phone: `+${phone}` } })
    expect(pay.status).toBe(202)
    const push = api.fake.push(pay.body.checkoutRequestId)
    expect(push).toMatchObject({ phone, amount: 5_500 })
    expect(push.callbackUrl).toMatch(/\/api\/v1\/payments\/mpesa\/callback\/dev-callback-secret$/)

    // Daraja calls back: stored raw and answered at once; nothing is paid until the worker confirms.
    const delivery = await api.fake.sendCallback(pay.body.checkoutRequestId)
    expect(delivery.status).toBe(200)
    expect(JSON.parse(delivery.responseBody)).toEqual({ ResultCode: 0, ResultDesc: "Accepted" })
    expect((await call(api, "GET", `/api/v1/checkouts/${checkoutId}`, { token })).body.state).toBe("PENDING_PAYMENT")
    expect(await drainOutbox(api, db.sql)).toEqual([])

    const paid = await call(api, "GET", `/api/v1/checkouts/${checkoutId}`, { token })
    expect(paid.body).toMatchObject({ state: "PAID", orders: [{ orderId, state: "PAID" }], payment: { status: "PAID", amount: { amount: 5_500_00 } } })
    expect(paid.body.payment.receipt).toMatch(/^T[A-Z0-9]{9}$/)
    const escrow = await db.sql<Array<{ kind: string; amount: number }>>`
      select t.kind, sum(e.amount)::bigint as amount from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
       where e.account = 'ESCROW' and e.account_ref = ${orderId} group by t.kind order by t.kind`
    // Escrow holds base merchandise + shipping: 5,500 from the buyer + 700 of platform incentives = 6,200.
    expect(escrow).toEqual([
      { kind: "INCENTIVE_FUNDING", amount: -700_00 },
      { kind: "PAYMENT_RECEIVED", amount: -5_500_00 }
    ])
    const clearing = await db.sql`select sum(amount)::bigint as n from ledger_entries where account = 'MPESA_CLEARING'`
    expect(clearing[0]!["n"]).toBe(5_500_00)

    // The seller accepts; the order travels; the rider hands it over with the buyer's code.
    const sellerToken = await sessionFor(db.sql, shop.seller.id)
    expect((await call(api, "POST", `/api/v1/seller/orders/${orderId}/accept`, { token: sellerToken })).body.state).toBe("ACCEPTED")
    await db.sql`update orders set handover_code_hash = 'H-4821' where id = ${orderId}`
    const rider = { kind: "RIDER" as const, id: UserId.make("usr_rider_journey") }
    await api.runtime.runPromise(transitionOrder({ orderId, to: "DISPATCHED", actor: { kind: "SELLER", id: UserId.make(shop.seller.id) } }))
    await api.runtime.runPromise(transitionOrder({ orderId, to: "PICKED_UP", actor: rider }))
    await api.runtime.runPromise(transitionOrder({ orderId, to: "IN_TRANSIT", actor: rider }))
    await api.runtime.runPromise(transitionOrder({ orderId, to: "DELIVERED", actor: rider, proof: { handoverCode: "H-4821" } }))

    // The buyer confirms receipt: COMPLETED, escrow released to the seller (base − 5% fee, no affiliate).
    const confirmed = await call(api, "POST", `/api/v1/orders/${orderId}/confirm`, { token })
    expect(confirmed.status).toBe(200)
    expect(confirmed.body.state).toBe("COMPLETED")
    expect(confirmed.body.timeline.map((t: { to: string }) => t.to)).toEqual([
      "PENDING_PAYMENT",
      "PAID",
      "ACCEPTED",
      "DISPATCHED",
      "PICKED_UP",
      "IN_TRANSIT",
      "DELIVERED",
      "COMPLETED"
    ])
    const statement = await call(api, "GET", "/api/v1/seller/statement", { token: sellerToken })
    expect(statement.status).toBe(200)
    // 6,200 base: fee 310, seller 5,890.
    expect(statement.body.balance).toEqual({ amount: 5_890_00, currency: "KES" })
    expect(statement.body.orders).toEqual([
      {
        orderId,
        base: { amount: 6_200_00, currency: "KES" },
        platformFee: { amount: 310_00, currency: "KES" },
        commission: { amount: 0, currency: "KES" },
        net: { amount: 5_890_00, currency: "KES" }
      }
    ])
    const orders = await call(api, "GET", "/api/v1/orders", { token })
    expect(orders.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([orderId])
    expect(userId).toMatch(/^usr_/)
  })

  it("checkout from the cart honours the Idempotency-Key: the same body replays, a different body is 409 CHECKOUT.IDEMPOTENCY_KEY_REUSED", async () => {
    const { token } = await newBuyer(db.sql)
    expect((await call(api, "POST", "/api/v1/cart/items", { token, body: { variantId: shop.dress.variantId, quantity: 1 } })).status).toBe(201)
    const headers = { "idempotency-key": `cart-idem-${randomPhone()}` }
    const body = { destination: "KE-047-westlands", discountCode: "KARIBU" }
    const placed = await call(api, "POST", "/api/v1/checkouts", { token, headers, body })
    expect(placed.status).toBe(201)
    const same = await call(api, "POST", "/api/v1/checkouts", { token, headers, body })
    expect(same.status).toBe(201)
    expect(same.body.checkoutId).toBe(placed.body.checkoutId)
    const withoutCode = await call(api, "POST", "/api/v1/checkouts", { token, headers, body: { destination: "KE-047-westlands" } })
    expect(withoutCode.status).toBe(409)
    expect(withoutCode.body.code).toBe("CHECKOUT.IDEMPOTENCY_KEY_REUSED")
    // Naming items in the body under a key first used for the cart is a different request too.
    const withItems = await call(api, "POST", "/api/v1/checkouts", {
      token,
      headers,
      body: { ...body, items: [{ variantId: shop.dress.variantId, quantity: 1 }] }
    })
    expect(withItems.status).toBe(409)
    expect(withItems.body.code).toBe("CHECKOUT.IDEMPOTENCY_KEY_REUSED")
  })

  it("serves the generated OpenAPI 3.1 document and the docs page", async () => {
    const doc = await call(api, "GET", "/api/openapi.json")
    expect(doc.status).toBe(200)
    expect(doc.body.openapi).toBe("3.1.0")
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/auth/otp",
        "/api/v1/checkouts",
        "/api/v1/checkouts/{id}/payments",
        "/api/v1/payments/mpesa/callback/{secret}",
        "/api/v1/seller/statement",
        "/dev/messages"
      ])
    )
    const otp = doc.body.paths["/api/v1/auth/otp"].post
    expect(otp.requestBody.content["application/json"].schema.required).toEqual(["phone"])
    expect(otp.responses["429"].content["application/problem+json"].schema.$ref).toBe("#/components/schemas/Problem")
    expect(doc.body.components.schemas.Money.required).toEqual(["amount", "currency"])
    const docs = await fetch(`${api.url}/api/docs`)
    expect(docs.headers.get("content-type")).toContain("text/html")
    expect(await docs.text()).toContain("/api/openapi.json")
  })

  it("errors are problem+json with a stable code and the request id", async () => {
    const bad = await call(api, "POST", "/api/v1/auth/otp", { raw: "{not json", headers: { "x-request-id": "req-journey-1" } })
    expect(bad.status).toBe(400)
    expect(bad.headers.get("content-type")).toContain("application/problem+json")
    expect(bad.body).toMatchObject({ code: "REQUEST.MALFORMED_JSON", status: 400, requestId: "req-journey-1" })
    expect(bad.headers.get("x-request-id")).toBe("req-journey-1")
    const phone = await call(api, "POST", "/api/v1/auth/otp", { body: { phone: "0812345678" } })
    expect(phone.status).toBe(400)
    expect(phone.body.code).toBe("PHONE.INVALID")
    expect(phone.body.detail).toContain("07XXXXXXXX")
    const noAuth = await call(api, "GET", "/api/v1/orders")
    expect(noAuth.body).toMatchObject({ status: 401, code: "AUTH.REQUIRED" })
  })

  it("OTP: 5 codes per 15 minutes per phone, then 429 with Retry-After; a wrong code is 401 and counts", async () => {
    const phone = randomPhone()
    for (let i = 0; i < 5; i++) expect((await call(api, "POST", "/api/v1/auth/otp", { body: { phone } })).status).toBe(202)
    const limited = await call(api, "POST", "/api/v1/auth/otp", { body: { phone } })
    expect(limited.status).toBe(429)
    expect(limited.body.code).toBe("RATE_LIMIT.EXCEEDED")
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
    const wrong = await call(api, "POST", "/api/v1/auth/token", { body: { phone, code: "000000" } })
    expect(wrong.body).toMatchObject({ status: 401, code: "AUTH.INVALID_CODE" })
    const stored = await db.sql`select code_hash, attempts from otp_codes where phone = ${phone} order by created_at desc limit 1`
    expect(stored[0]!["attempts"]).toBe(1)
    expect(stored[0]!["code_hash"]).toMatch(/^[0-9a-f]{64}$/)
  })
})
