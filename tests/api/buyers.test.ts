/**
 * The buyer's side of issue 12, over HTTP against real PostgreSQL with the worker running and
 * Daraja played by the fake server:
 *   - POST /checkouts/:id/cancel: an unpaid checkout is cancelled at once (stock, promotion and code
 *     burns, loyalty points back, orders CANCELLED_BY_USER by the state machine, audit + outbox);
 *     idempotent; refused when paid, expired, or while an M-Pesa prompt may still be answered; a
 *     push confirmed after the cancel takes the held-money path;
 *   - GET /me/loyalty: balance and history;
 *   - delivery details on checkout: validated, frozen in the snapshot, shown to the rider whose job
 *     it is, the phones only while the job is live.
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expireUnpaidOrders } from "../../application/orders/transition-order.js"
import { insertDiscountCode, insertPromotion } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, randomPhone, seedShop, sessionFor } from "./support.js"
import { eventually, inboxMessage, seedRider, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
let api: Platform
let shop: Awaited<ReturnType<typeof seedShop>>
let k = 0

beforeAll(async () => {
  api = await startPlatform(db)
  shop = await seedShop(db.sql)
  // Limited incentives, so cancelling has counters to give back (unlimited ones keep none).
  await insertPromotion(db.sql, {
    id: "promo_buyers_limited",
    name: "5% off, 1,000 uses, 50 a buyer",
    priority: 5,
    startsAt: new Date(Date.now() - 86_400_000),
    endsAt: new Date(Date.now() + 86_400_000 * 30),
    scope: { _tag: "EVERYTHING" },
    effect: { _tag: "PERCENT_OFF", bps: 500 },
    globalLimit: 1_000,
    perBuyerLimit: 50
  })
  await insertDiscountCode(db.sql, {
    id: "code_buyers_limited",
    code: "RUDI",
    expiresAt: new Date(Date.now() + 86_400_000 * 30),
    effect: { _tag: "AMOUNT_OFF", amount: { amount: 100_00, currency: "KES" } },
    globalLimit: 1_000,
    perBuyerLimit: 50
  })
}, 60_000)
afterAll(async () => {
  await api?.close()
})

type Buyer = Awaited<ReturnType<typeof newBuyer>>
const grantPoints = async (buyer: Buyer, points: number) => {
  if (points > 0) await db.sql`insert into loyalty_ledger (buyer_id, points, reason, note) values (${buyer.id}, ${points}, 'ADJUSTED', 'test grant')`
}
const place = (buyer: Buyer, body: Record<string, unknown>) =>
  call(api, "POST", "/api/v1/checkouts", { token: buyer.token, headers: { "idempotency-key": `buyers-${++k}-${buyer.id}` }, body })
const basketOf = (dress: number, basket: number) => [
  ...(dress > 0 ? [{ variantId: shop.dress.variantId, quantity: dress }] : []),
  ...(basket > 0 ? [{ variantId: shop.basket.variantId, quantity: basket }] : [])
]
const cancel = (buyer: Buyer, checkoutId: string) => call(api, "POST", `/api/v1/checkouts/${checkoutId}/cancel`, { token: buyer.token })
const loyalty = async (buyer: Buyer) => {
  const res = await call(api, "GET", "/api/v1/me/loyalty?limit=100", { token: buyer.token })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body as { balance: number; total: number; items: Array<{ points: number; reason: string; checkoutId?: string; orderId?: string }> }
}

/** Everything a checkout holds that cancelling must give back, as numbers. */
const holdings = async (buyer: Buyer) => {
  const [row] = await db.sql<Array<{ on_hand: number; reserved: number; promotion_uses: number; code_uses: number; buyer_uses: number; active_burns: number }>>`
    select (select coalesce(sum(on_hand), 0) from inventory where variant_id in (${shop.dress.variantId}, ${shop.basket.variantId}))::int as on_hand,
           (select coalesce(sum(reserved), 0) from inventory where variant_id in (${shop.dress.variantId}, ${shop.basket.variantId}))::int as reserved,
           (select uses from promotions where id = 'promo_buyers_limited') as promotion_uses,
           (select uses from discount_codes where id = 'code_buyers_limited') as code_uses,
           (select coalesce(sum(uses), 0) from incentive_buyer_uses where buyer_id = ${buyer.id})::int as buyer_uses,
           (select count(*) from incentive_burns where buyer_id = ${buyer.id} and state = 'ACTIVE')::int as active_burns`
  return { ...row!, loyalty: (await loyalty(buyer)).balance }
}

describe("POST /api/v1/checkouts/:id/cancel", () => {
  it("cancels an unpaid checkout at once: stock, promotion and code burns and redeemed points come back; orders CANCELLED_BY_USER on the timeline; audited; CHECKOUT_CANCELLED in the outbox", async () => {
    const buyer = await newBuyer(db.sql)
    await grantPoints(buyer, 300)
    const before = await holdings(buyer)
    const placed = await place(buyer, { destination: "KE-047-westlands", discountCode: "RUDI", loyaltyPoints: 200, items: basketOf(2, 1) })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    const checkoutId: string = placed.body.checkoutId
    const orderId: string = placed.body.orders[0].orderId
    const during = await holdings(buyer)
    expect(during.reserved - before.reserved).toBe(3)
    expect(during.promotion_uses - before.promotion_uses).toBe(1)
    expect(during.code_uses - before.code_uses).toBe(1)
    expect(during.loyalty).toBeLessThan(before.loyalty)

    const res = await cancel(buyer, checkoutId)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ checkoutId, state: "CANCELLED", orders: [{ orderId, state: "CANCELLED_BY_USER" }] })
    expect(await holdings(buyer)).toEqual(before)

    const timeline = await db.sql`select from_state, to_state, actor_kind, reason from order_timeline where order_id = ${orderId} order by id`
    expect(timeline.at(-1)).toMatchObject({ from_state: "PENDING_PAYMENT", to_state: "CANCELLED_BY_USER", actor_kind: "BUYER" })
    const [audit] =
      await db.sql`select actor_kind, actor_id, action, entity, entity_id, after from audit_log where entity = 'checkout' and entity_id = ${checkoutId}`
    expect(audit).toMatchObject({ actor_kind: "USER", actor_id: buyer.id, action: "CHECKOUT.CANCEL", after: { state: "CANCELLED" } })
    const events = await db.sql`select event_type as type from outbox where aggregate_id in (${checkoutId}, ${orderId}) order by seq`
    expect(events.map((e) => e["type"])).toEqual(expect.arrayContaining(["CHECKOUT_CANCELLED", "ORDER_CANCELLED_BY_USER"]))

    // The loyalty history tells the story: granted, redeemed, given back.
    const history = await loyalty(buyer)
    expect(history.items.map((e) => e.reason)).toEqual(["REDEMPTION_REVERSED", "REDEEMED", "ADJUSTED"])
    expect(history.items[0]).toMatchObject({ points: 200, orderId, checkoutId })
    expect(history.items[1]).toMatchObject({ points: -200, checkoutId })
    expect(history).toMatchObject({ balance: 300, total: 3 })

    // Idempotent: the same answer, nothing written twice; and a cancelled checkout cannot be paid.
    const again = await cancel(buyer, checkoutId)
    expect(again.status).toBe(200)
    expect(again.body).toEqual(res.body)
    expect(await db.sql`select 1 from audit_log where entity = 'checkout' and entity_id = ${checkoutId}`).toHaveLength(1)
    expect(await holdings(buyer)).toEqual(before)
    const pay = await call(api, "POST", `/api/v1/checkouts/${checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
    expect(pay.status).toBe(409)
    expect(pay.body.code).toBe("PAYMENT.CHECKOUT_NOT_PAYABLE")
  })

  it("a paid checkout is 409 CHECKOUT.ALREADY_PAID, and stays paid", async () => {
    const buyer = await newBuyer(db.sql)
    const placed = await place(buyer, { destination: "KE-047-westlands", items: basketOf(0, 1) })
    const checkoutId: string = placed.body.checkoutId
    const pay = await call(api, "POST", `/api/v1/checkouts/${checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
    expect(pay.status).toBe(202)
    await api.fake.sendCallback(pay.body.checkoutRequestId)
    await waitForState(db.sql, placed.body.orders[0].orderId, "PAID")
    const res = await cancel(buyer, checkoutId)
    expect(res.status).toBe(409)
    expect(res.body.code).toBe("CHECKOUT.ALREADY_PAID")
    expect((await call(api, "GET", `/api/v1/checkouts/${checkoutId}`, { token: buyer.token })).body.state).toBe("PAID")
  })

  it("another buyer's checkout is 404, as if it did not exist; an expired one is 409 CHECKOUT.NOT_CANCELLABLE", async () => {
    const owner = await newBuyer(db.sql)
    const stranger = await newBuyer(db.sql)
    const placed = await place(owner, { destination: "KE-047-westlands", items: basketOf(1, 0) })
    const checkoutId: string = placed.body.checkoutId
    const res = await cancel(stranger, checkoutId)
    expect(res.status).toBe(404)
    expect(res.body.code).toBe("CHECKOUT.NOT_FOUND")
    expect((await cancel(stranger, "chk_nothing_here")).status).toBe(404)

    await db.sql`update checkouts set created_at = now() - interval '13 hours', expires_at = now() - interval '1 hour' where id = ${checkoutId}`
    // the expiry cron's work, now rather than within the minute
    expect(await api.runtime.runPromise(expireUnpaidOrders())).toBeGreaterThanOrEqual(1)
    expect((await db.sql`select state from orders where id = ${placed.body.orders[0].orderId}`)[0]!["state"]).toBe("EXPIRED")
    const expired = await cancel(owner, checkoutId)
    expect(expired.status).toBe(409)
    expect(expired.body.code).toBe("CHECKOUT.NOT_CANCELLABLE")
  })

  it("after a failed payment the buyer can still cancel: the order is reopened then cancelled, both on its timeline", async () => {
    const buyer = await newBuyer(db.sql)
    const placed = await place(buyer, { destination: "KE-047-westlands", items: basketOf(1, 0) })
    const checkoutId: string = placed.body.checkoutId
    const orderId: string = placed.body.orders[0].orderId
    api.fake.scriptNextPush({ resultCode: 1, resultDesc: "The balance is insufficient for the transaction" })
    const pay = await call(api, "POST", `/api/v1/checkouts/${checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
    expect(pay.status).toBe(202)
    await api.fake.sendCallback(pay.body.checkoutRequestId)
    await waitForState(db.sql, orderId, "PAYMENT_FAILED")
    const res = await cancel(buyer, checkoutId)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.orders[0].state).toBe("CANCELLED_BY_USER")
    const timeline = await db.sql`select from_state, to_state from order_timeline where order_id = ${orderId} order by id`
    expect(timeline.slice(-3).map((t) => `${t["from_state"]}->${t["to_state"]}`)).toEqual([
      "PENDING_PAYMENT->PAYMENT_FAILED",
      "PAYMENT_FAILED->PENDING_PAYMENT",
      "PENDING_PAYMENT->CANCELLED_BY_USER"
    ])
  })

  it("while an M-Pesa prompt may still be answered it is 409 CHECKOUT.PAYMENT_IN_PROGRESS; after that window it cancels, and a payment Safaricom confirms later is held and sent back, never a paid order", async () => {
    const buyer = await newBuyer(db.sql)
    const placed = await place(buyer, { destination: "KE-047-westlands", items: basketOf(0, 1) })
    const checkoutId: string = placed.body.checkoutId
    const orderId: string = placed.body.orders[0].orderId
    // The phone has not answered yet (the worker's first STK query hears "still processing").
    api.fake.scriptNextPush({ resultCode: 0, processingQueries: 1 })
    const pay = await call(api, "POST", `/api/v1/checkouts/${checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
    expect(pay.status).toBe(202)
    const refused = await cancel(buyer, checkoutId)
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe("CHECKOUT.PAYMENT_IN_PROGRESS")
    expect(refused.body.retryAfterSeconds).toBeGreaterThan(0)
    expect(refused.headers.get("retry-after")).not.toBeNull()
    expect((await db.sql`select state from orders where id = ${orderId}`)[0]!["state"]).toBe("PENDING_PAYMENT")

    // The prompt's 90 s have passed (still inside the 2 minutes the worker waits for a callback
    // before trusting the query alone): the cancel goes ahead.
    await db.sql`update mpesa_stk_requests set requested_at = requested_at - interval '95 seconds' where checkout_id = ${checkoutId}`
    const res = await cancel(buyer, checkoutId)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.state).toBe("CANCELLED")

    // ...and then the buyer enters the PIN after all: the money is held and returned by B2C.
    await api.fake.sendCallback(pay.body.checkoutRequestId)
    const held = await eventually("held money returned", async () => {
      const rows = await db.sql`select reason, status, amount from held_payments where checkout_id = ${checkoutId}`
      return rows[0]?.["status"] === "RETURNED" ? rows[0] : undefined
    })
    expect(held).toMatchObject({ reason: "CHECKOUT_CANCELLED", amount: placed.body.charge.amount })
    expect((await db.sql`select state from orders where id = ${orderId}`)[0]!["state"]).toBe("CANCELLED_BY_USER")
    expect(api.fake.b2cPayments.filter((b) => b.phone === buyer.phone).map((b) => b.amount)).toEqual([placed.body.charge.amount / 100])
    const view = await call(api, "GET", `/api/v1/checkouts/${checkoutId}`, { token: buyer.token })
    expect(view.body.heldMoney[0]).toMatchObject({ reason: "CHECKOUT_CANCELLED", status: "RETURNED" })
  })

  it("property: cancelling returns stock on hand and reserved, promotion and code uses (global and the buyer's) and the loyalty balance exactly to their values before the checkout", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          dress: fc.integer({ min: 0, max: 4 }),
          basket: fc.integer({ min: 0, max: 4 }),
          code: fc.boolean(),
          grant: fc.integer({ min: 0, max: 2_000 }),
          redeem: fc.integer({ min: 0, max: 2_000 }),
          earlier: fc.integer({ min: 0, max: 2 })
        }),
        async ({ dress, basket, code, grant, redeem, earlier }) => {
          const items = basketOf(dress, basket === 0 && dress === 0 ? 1 : basket)
          const buyer = await newBuyer(db.sql)
          await grantPoints(buyer, grant)
          // Earlier checkouts of the same buyer stay untouched by this cancel.
          for (let i = 0; i < earlier; i++) expect((await place(buyer, { destination: "KE-047-westlands", items: basketOf(1, 0) })).status).toBe(201)
          const before = await holdings(buyer)
          const points = Math.min(redeem, before.loyalty)
          const placed = await place(buyer, {
            destination: "KE-047-westlands",
            items,
            ...(code && { discountCode: "RUDI" }),
            ...(points > 0 && { loyaltyPoints: points })
          })
          expect(placed.status, JSON.stringify(placed.body)).toBe(201)
          const during = await holdings(buyer)
          expect(during.reserved - before.reserved).toBe(items.reduce((n, i) => n + i.quantity, 0))
          const res = await cancel(buyer, placed.body.checkoutId)
          expect(res.status, JSON.stringify(res.body)).toBe(200)
          expect(await holdings(buyer)).toEqual(before)
        }
      ),
      { numRuns: Number(process.env["CANCEL_RUNS"] ?? 12) }
    )
  }, 120_000)
})

describe("GET /api/v1/me/loyalty", () => {
  it("a new buyer has nothing; grants show with their note, newest first; paging works; it needs a login", async () => {
    const buyer = await newBuyer(db.sql)
    expect(await loyalty(buyer)).toMatchObject({ balance: 0, total: 0, items: [], pointValue: { amount: 100, currency: "KES" }, redemptionCapBps: 2_000 })
    await grantPoints(buyer, 40)
    await grantPoints(buyer, 2)
    const page = await call(api, "GET", "/api/v1/me/loyalty?limit=1&offset=1", { token: buyer.token })
    expect(page.body).toMatchObject({ balance: 42, total: 2, items: [{ points: 40, reason: "ADJUSTED", note: "test grant" }] })
    expect((await call(api, "GET", "/api/v1/me/loyalty")).status).toBe(401)
    expect((await call(api, "GET", "/api/v1/me/loyalty?limit=0", { token: buyer.token })).status).toBe(400)
  })
})

describe("delivery details on checkout", () => {
  const DETAILS = {
    recipientName: "  Mama Wanjiru ",
    recipientPhone: "0712 345 678",
    addressLine: "Mvuli Road, Kiptoo Apartments, 3rd floor, door 12",
    landmark: "opposite the Total petrol station",
    notes: "Call on arrival.\nThe gate is blue."
  }

  it("are validated: lengths, no control characters or NUL (a newline only in notes), the phone as a Kenyan mobile number; nothing is written when refused", async () => {
    const buyer = await newBuyer(db.sql)
    const refused = async (delivery: Record<string, unknown>, code: string) => {
      const res = await place(buyer, { destination: "KE-047-westlands", items: basketOf(1, 0), delivery })
      expect(res.status, `${JSON.stringify(delivery)} -> ${JSON.stringify(res.body)}`).toBe(400)
      expect(res.body.code).toBe(code)
    }
    const checkoutsBefore = (await db.sql`select count(*)::int as n from checkouts`)[0]!["n"]
    await refused({ recipientName: "Mama\u0007Wanjiru" }, "REQUEST.INVALID")
    await refused({ landmark: "near\nthe stage" }, "REQUEST.INVALID")
    await refused({ addressLine: "Mvuli Rd\u202e21 rood" }, "REQUEST.INVALID")
    await refused({ notes: "x\u0000y" }, "REQUEST.INVALID_TEXT")
    await refused({ notes: "n".repeat(501) }, "REQUEST.INVALID")
    await refused({ recipientName: "   " }, "REQUEST.INVALID")
    await refused({ recipientPhone: "0800 000 000" }, "PHONE.INVALID")
    await refused({ recipientPhone: 712345678 }, "REQUEST.INVALID")
    expect((await db.sql`select count(*)::int as n from checkouts`)[0]!["n"]).toBe(checkoutsBefore)
  })

  it("are frozen in the order snapshot (trimmed, the phone normalised), part of the request's identity for its Idempotency-Key, and shown to the rider whose job it is: phones only while the job is live", async () => {
    const riderId = `usr_rider_buyers_${process.pid}`
    const riderPhone = randomPhone()
    await seedRider(db.sql, riderId, riderPhone, "zone_nbi_api", "Otieno")
    const buyer = await newBuyer(db.sql)
    const headers = { "idempotency-key": `delivery-${buyer.id}` }
    const body = { destination: "KE-047-westlands", items: basketOf(1, 0), delivery: DETAILS }
    const placed = await call(api, "POST", "/api/v1/checkouts", { token: buyer.token, headers, body })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    const orderId: string = placed.body.orders[0].orderId
    const frozen = {
      recipientName: "Mama Wanjiru",
      recipientPhone: "254712345678",
      addressLine: DETAILS.addressLine,
      landmark: DETAILS.landmark,
      notes: "Call on arrival.\nThe gate is blue."
    }
    const order = await call(api, "GET", `/api/v1/orders/${orderId}`, { token: buyer.token })
    expect(order.body.snapshot.delivery).toEqual(frozen)
    // The same key with other details is another request.
    const other = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers,
      body: { ...body, delivery: { ...DETAILS, landmark: "the mosque" } }
    })
    expect(other.status).toBe(409)
    expect(other.body.code).toBe("CHECKOUT.IDEMPOTENCY_KEY_REUSED")
    expect((await call(api, "POST", "/api/v1/checkouts", { token: buyer.token, headers, body })).body.checkoutId).toBe(placed.body.checkoutId)

    // Paid, accepted, dispatched to the rider.
    const pay = await call(api, "POST", `/api/v1/checkouts/${placed.body.checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
    await api.fake.sendCallback(pay.body.checkoutRequestId)
    await waitForState(db.sql, orderId, "PAID")
    const seller = await sessionFor(db.sql, shop.seller.id)
    expect((await call(api, "POST", `/api/v1/seller/orders/${orderId}/accept`, { token: seller })).status).toBe(200)
    const dispatched = await call(api, "POST", `/api/v1/seller/orders/${orderId}/dispatch`, { token: seller })
    expect(dispatched.body, JSON.stringify(dispatched.body)).toMatchObject({ carrier: "RIDER", riderPhone })
    const jobId: string = dispatched.body.jobId
    const rider = await sessionFor(db.sql, riderId)

    const jobs = await call(api, "GET", "/api/v1/rider/jobs", { token: rider })
    expect(jobs.status).toBe(200)
    const job = jobs.body.items.find((j: { jobId: string }) => j.jobId === jobId)
    expect(job).toMatchObject({ orderId, buyerPhone: buyer.phone, delivery: frozen })
    const one = await call(api, "GET", `/api/v1/rider/jobs/${jobId}`, { token: rider })
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({ jobId, status: "ASSIGNED", buyerPhone: buyer.phone, delivery: frozen })

    // Another rider does not see it at all; a buyer is not a rider.
    const otherRiderId = `usr_rider_buyers_other_${process.pid}`
    await seedRider(db.sql, otherRiderId, randomPhone(), "zone_nbi_api", "Akinyi")
    expect((await call(api, "GET", `/api/v1/rider/jobs/${jobId}`, { token: await sessionFor(db.sql, otherRiderId) })).status).toBe(404)
    expect((await call(api, "GET", `/api/v1/rider/jobs/${jobId}`, { token: buyer.token })).status).toBe(403)

    // Delivered: the job is finished; the rider keeps the address for their records, not the phones.
    const code = (await inboxMessage(api, buyer.phone, "order_dispatched_with_code")).params[3]!
    for (const status of ["PICKED_UP", "IN_TRANSIT"])
      expect((await call(api, "POST", `/api/v1/rider/jobs/${jobId}/status`, { token: rider, body: { status } })).status).toBe(200)
    const done = await call(api, "POST", `/api/v1/rider/jobs/${jobId}/status`, { token: rider, body: { status: "DELIVERED", handoverCode: code } })
    expect(done.status, JSON.stringify(done.body)).toBe(200)
    const after = await call(api, "GET", `/api/v1/rider/jobs/${jobId}`, { token: rider })
    expect(after.status).toBe(200)
    expect(after.body).toMatchObject({
      status: "DELIVERED",
      delivery: { recipientName: "Mama Wanjiru", addressLine: DETAILS.addressLine, landmark: DETAILS.landmark }
    })
    expect(after.body.buyerPhone).toBeUndefined()
    expect(after.body.delivery.recipientPhone).toBeUndefined()
    expect((await call(api, "GET", "/api/v1/rider/jobs", { token: rider })).body.items.map((j: { jobId: string }) => j.jobId)).not.toContain(jobId)
    // The snapshot itself never changes.
    expect((await call(api, "GET", `/api/v1/orders/${orderId}`, { token: buyer.token })).body.snapshot.delivery).toEqual(frozen)
  })

  it("details left empty put none in the snapshot", async () => {
    const buyer = await newBuyer(db.sql)
    const placed = await place(buyer, { destination: "KE-047-westlands", items: basketOf(1, 0), delivery: {} })
    expect(placed.status).toBe(201)
    const order = await call(api, "GET", `/api/v1/orders/${placed.body.orders[0].orderId}`, { token: buyer.token })
    expect(order.body.snapshot.delivery).toBeUndefined()
  })
})
