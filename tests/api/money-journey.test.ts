/**
 * Issue 10's "Done means", end to end over HTTP with the worker running (graphile-worker, every
 * outbox handler), real PostgreSQL and the fake Daraja (STK and B2C, SecurityCredential checked):
 *
 *   1. A buyer fills a cart from two sellers; a promotion limited to 1 use per buyer goes to one
 *      order only (the other takes the next best), and the checkout succeeds.
 *   2. Paid by STK push; delivered by the rider (seller accepts and dispatches, the rider picks up
 *      and hands over with the buyer's code); both orders refunded in full after a dispute: each
 *      refund is its order's share of the charge, sent by B2C, and the refunds sum to the charge.
 *   3. A second two-seller checkout completes; its shipping is credited to the rider, who is paid
 *      in the weekly batch (FINANCE approves, B2C, the Result verified).
 *   4. Forged B2C Results (a wrong ConversationID, an unknown result URL, a failure contradicting
 *      the confirmed success) change nothing: no state, no posting, no second B2C.
 */
import { AdminUserId, OrderId } from "../../domain/ids.js"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { resolveDispute } from "../../application/fulfilment/disputes.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { insertPromotion, insertZone } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { balance, eventually, seedRider, selectAndApprove, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import { call, newBuyer, randomPhone, seedShop, sessionFor } from "./support.js"

const db = useTestDatabase()
let api: Platform
const RIDER = { id: "usr_rider_money_journey", phone: randomPhone(), name: "Achieng" }
const FINANCE: AdminActor = { id: AdminUserId.make("adm_finance_journey"), email: "finance-journey@amana.test", role: "FINANCE" }
const OPS: AdminActor = { id: AdminUserId.make("adm_ops_journey"), email: "ops-journey@amana.test", role: "PLATFORM_ADMIN" }
const FRIDAY = Date.UTC(2026, 10, 20, 9, 0)
const ONCE = "promo_journey_once"

type Shop = Awaited<ReturnType<typeof seedShop>> & { readonly token: string; readonly payoutPhone: string }
let shops: ReadonlyArray<Shop>

beforeAll(async () => {
  api = await startPlatform(db)
  const open = async (): Promise<Shop> => {
    const shop = await seedShop(db.sql)
    const payoutPhone = randomPhone()
    await db.sql`update stores set payout_method = 'B2C', payout_phone = ${payoutPhone} where id = ${shop.storeId}`
    return { ...shop, token: await sessionFor(db.sql, shop.seller.id), payoutPhone }
  }
  shops = [await open(), await open()]
  // Westlands has its own zone (KES 600 flat, no free-over), served by one rider.
  await insertZone(db.sql, {
    id: "zone_journey_westlands",
    name: "Westlands",
    covers: ["KE-047-westlands"],
    rates: [{ id: "rate_journey_flat", kind: "FLAT", amount: 600_00 }]
  })
  await seedRider(db.sql, RIDER.id, RIDER.phone, "zone_journey_westlands", RIDER.name)
  // KES 300 off, once per buyer, above the shops' 10% promotion.
  await insertPromotion(db.sql, {
    id: ONCE,
    name: "KES 300 off your first order",
    priority: 10,
    startsAt: new Date(Date.now() - 86_400_000),
    endsAt: new Date(Date.now() + 86_400_000 * 30),
    scope: { _tag: "EVERYTHING" },
    effect: { _tag: "AMOUNT_OFF", amount: { amount: 300_00, currency: "KES" } },
    perBuyerLimit: 1
  })
  for (const a of [FINANCE, OPS]) await db.sql`insert into admin_users (id, email, password_hash, role) values (${a.id}, ${a.email}, 'x', ${a.role})`
}, 60_000)
afterAll(async () => {
  await api?.close()
})

/** A dress from the first shop and a basket from the second, through the cart, checked out and paid by STK push. */
const buyFromBoth = async () => {
  const buyer = await newBuyer(db.sql)
  for (const item of [shops[0]!.dress, shops[1]!.basket])
    expect((await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId: item.variantId, quantity: 1 } })).status).toBe(201)
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: buyer.token,
    headers: { "idempotency-key": `money-${buyer.id}` },
    body: { destination: "KE-047-westlands" }
  })
  expect(placed.status, JSON.stringify(placed.body)).toBe(201)
  const checkoutId = placed.body.checkoutId as string
  const orders = placed.body.orders as Array<{ orderId: string; storeId: string; total: { amount: number } }>
  expect(orders).toHaveLength(2)
  const pay = await call(api, "POST", `/api/v1/checkouts/${checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
  expect(pay.status, JSON.stringify(pay.body)).toBe(202)
  expect(api.fake.push(pay.body.checkoutRequestId)).toMatchObject({ phone: buyer.phone, amount: placed.body.charge.amount / 100 })
  await api.fake.sendCallback(pay.body.checkoutRequestId)
  for (const o of orders) await waitForState(db.sql, o.orderId, "PAID")
  return { buyer, checkoutId, charge: placed.body.charge.amount as number, orders }
}

/** Seller accepts and dispatches; the rider picks up, travels and hands over with the code the buyer got. */
const deliver = async (buyerPhone: string, o: { orderId: string; storeId: string }) => {
  const seller = shops.find((s) => s.storeId === o.storeId)!
  expect((await call(api, "POST", `/api/v1/seller/orders/${o.orderId}/accept`, { token: seller.token })).body.state).toBe("ACCEPTED")
  const dispatched = await call(api, "POST", `/api/v1/seller/orders/${o.orderId}/dispatch`, { token: seller.token })
  expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200)
  expect(dispatched.body).toMatchObject({ carrier: "RIDER", riderName: RIDER.name })
  const message = await eventually(`handover code for ${o.orderId}`, async () => {
    const inbox = await call(api, "GET", `/dev/messages?to=${buyerPhone}&limit=100`)
    return (inbox.body.items as Array<{ template: string; params: Array<string> }>).find(
      (m) => m.template === "order_dispatched_with_code" && m.params[0] === o.orderId
    )
  })
  const rider = await sessionFor(db.sql, RIDER.id)
  const job = (status: Record<string, unknown>) => call(api, "POST", `/api/v1/rider/jobs/${dispatched.body.jobId}/status`, { token: rider, body: status })
  expect((await job({ status: "PICKED_UP" })).status).toBe(200)
  expect((await job({ status: "IN_TRANSIT" })).status).toBe(200)
  expect((await job({ status: "DELIVERED", handoverCode: message.params[3] })).body).toEqual({ orderId: o.orderId, status: "DELIVERED" })
}

const b2cFor = (ocid: string) => api.fake.b2cPayments.filter((b) => b.originatorConversationId === ocid)
const processed = (token: string, n: number) =>
  eventually(`${n} B2C callbacks processed`, async () => {
    const rows = await db.sql`select outcome from mpesa_callbacks where callback_token = ${token} and processed_at is not null order by id`
    return rows.length >= n ? rows.map((r) => String(r["outcome"])) : undefined
  })
const exceptionsOn = async (kind: string, entityId: string) =>
  Number((await db.sql`select count(*)::int as n from exceptions where kind = ${kind} and entity_id = ${entityId}`)[0]!["n"])
const ledgerSnapshot = async () =>
  (await db.sql`select account, account_ref, sum(amount)::bigint as b from ledger_entries group by account, account_ref order by account, account_ref`).map(
    (r) => `${r["account"]}:${r["account_ref"]}=${r["b"]}`
  )

describe("money journey over HTTP with the worker running (issue 10, done means)", () => {
  it("two-seller cart with a once-per-buyer promotion -> STK -> rider delivers both -> both refunded (refunds = charge) -> a rider paid by B2C -> forged B2C results change nothing", async () => {
    // 1. The limited promotion goes to one order only; the checkout succeeds.
    const first = await buyFromBoth()
    const burns =
      await db.sql`select promotion_id, order_id from incentive_burns where checkout_id = ${first.checkoutId} and incentive_kind = 'PROMOTION' order by promotion_id`
    expect(burns.map((b) => b["promotion_id"])).toEqual(["promo_api_10", ONCE])
    expect(new Set(burns.map((b) => b["order_id"])).size).toBe(2)
    // Orders are priced in seller-id order: the first takes KES 300 off, the other the shops' 10%.
    const [early, late] = [...first.orders].sort((a, b) => (a.storeId < b.storeId ? -1 : 1))
    expect(burns.find((b) => b["promotion_id"] === ONCE)!["order_id"]).toBe(early!.orderId)
    const base = (o: { storeId: string }) => (o.storeId === shops[0]!.storeId ? 2_500_00 : 1_200_00)
    expect(early!.total.amount).toBe(base(early!) - 300_00 + 600_00)
    expect(late!.total.amount).toBe(base(late!) - base(late!) / 10 + 600_00)
    expect(first.charge).toBe(early!.total.amount + late!.total.amount)

    // 2. Delivered by the rider, disputed, refunded in full by B2C: the refunds sum to the charge.
    for (const o of first.orders) await deliver(first.buyer.phone, o)
    for (const o of first.orders) {
      const disputed = await call(api, "POST", `/api/v1/orders/${o.orderId}/disputes`, {
        token: first.buyer.token,
        body: { description: "not what was pictured" }
      })
      expect(disputed.status, JSON.stringify(disputed.body)).toBe(201)
      expect(
        await api.runtime.runPromise(resolveDispute(OPS, { orderId: OrderId.make(o.orderId), outcome: "REFUND", note: "seller agrees: refund in full" }))
      ).toEqual({ orderId: o.orderId, state: "REFUNDED" })
    }
    const refunds = await eventually("both refunds confirmed", async () => {
      const rows =
        await db.sql`select order_id, amount, disbursed, phone, status, originator_conversation_id as ocid from refunds where order_id in ${db.sql(first.orders.map((o) => o.orderId))}`
      return rows.length === 2 && rows.every((r) => r["status"] === "SUCCEEDED") ? rows : undefined
    })
    expect(refunds.reduce((s, r) => s + Number(r["amount"]), 0)).toBe(first.charge)
    expect(refunds.reduce((s, r) => s + Number(r["disbursed"]), 0)).toBe(first.charge)
    for (const r of refunds) {
      expect(r["phone"]).toBe(first.buyer.phone)
      expect(b2cFor(String(r["ocid"])).map((b) => b.amount * 100)).toEqual([Number(r["disbursed"])])
    }
    expect(await balance(db.sql, "REFUNDS_PAYABLE", first.buyer.id)).toBe(0)
    for (const o of first.orders) expect(await balance(db.sql, "ESCROW", o.orderId)).toBe(0)
    // A refunded order earns its rider nothing.
    expect(await balance(db.sql, "SHIPPING_PAYABLE", RIDER.id)).toBe(0)

    // 3. A second checkout from both sellers completes: the rider earns 2 × KES 600 and is paid by B2C.
    const second = await buyFromBoth()
    for (const o of second.orders) await deliver(second.buyer.phone, o)
    for (const o of second.orders)
      expect((await call(api, "POST", `/api/v1/orders/${o.orderId}/confirm`, { token: second.buyer.token })).body.state).toBe("COMPLETED")
    expect(await balance(db.sql, "SHIPPING_PAYABLE", RIDER.id)).toBe(-1_200_00)
    const earnings = await call(api, "GET", "/api/v1/rider/earnings", { token: await sessionFor(db.sql, RIDER.id) })
    expect(earnings.body.balances).toEqual([
      { earned: { amount: 1_200_00, currency: "KES" }, paidOut: { amount: 0, currency: "KES" }, owed: { amount: 1_200_00, currency: "KES" } }
    ])

    // The rider's Result is held back so the forgeries can arrive first.
    api.fake.scriptB2C(RIDER.phone, { resultCode: 0, noResult: true })
    const batchId = await selectAndApprove(api, FINANCE, FRIDAY)
    const payout = await eventually("rider payout submitted", async () => {
      const [p] =
        await db.sql`select id, payee_kind, amount, status, originator_conversation_id as ocid, callback_token as token from payouts where batch_id = ${batchId} and payee_id = ${RIDER.id}`
      return p?.["status"] === "SUBMITTED" ? p : undefined
    })
    expect(payout).toMatchObject({ payee_kind: "RIDER", amount: 1_200_00 })
    const ocid = String(payout["ocid"])
    const token = String(payout["token"])
    const payoutId = String(payout["id"])
    // The sellers' payouts in the same batch settle by themselves (their Results are not held back).
    const sellers = await eventually("sellers paid", async () => {
      const rows = await db.sql`select payee_id, amount, status from payouts where batch_id = ${batchId} and payee_kind = 'SELLER' order by payee_id`
      return rows.length === 2 && rows.every((r) => r["status"] === "SUCCEEDED") ? rows : undefined
    })
    expect(sellers.map((r) => Number(r["amount"])).sort((a, b) => a - b)).toEqual([1_140_00, 2_375_00]) // base − 5% fee each
    const before = await ledgerSnapshot()

    // 4a. A failure naming a ConversationID Daraja never gave us, at the payout's own URL: forged, nothing changes.
    await api.fake.sendB2CResult(ocid, {
      resultCode: 1,
      resultDesc: "The balance is insufficient for the transaction.",
      conversationId: "AG_20261120_forged0000000001"
    })
    expect(await processed(token, 1)).toEqual(["FORGED"])
    expect(await exceptionsOn("B2C_RESULT_FORGED", payoutId)).toBe(1)
    // 4b. A result to a result URL we never handed out: unknown, nothing changes.
    const unknownToken = randomUUID().replaceAll("-", "")
    await api.fake.sendB2CResult(ocid, { resultCode: 1, url: `${api.url}/api/v1/payments/mpesa/b2c/result/dev-callback-secret/${unknownToken}` })
    expect(await processed(unknownToken, 1)).toEqual(["UNKNOWN"])
    expect((await db.sql`select status from payouts where id = ${payoutId}`)[0]!["status"]).toBe("SUBMITTED")
    expect(await ledgerSnapshot()).toEqual(before)

    // The genuine success settles it, once.
    await api.fake.sendB2CResult(ocid)
    expect(await processed(token, 2)).toEqual(["FORGED", "SUCCEEDED"])
    expect((await db.sql`select status from payouts where id = ${payoutId}`)[0]!["status"]).toBe("SUCCEEDED")
    expect(await balance(db.sql, "SHIPPING_PAYABLE", RIDER.id)).toBe(0)
    const settled = await ledgerSnapshot()

    // 4c. A failure with the right ids after the confirmed success: it contradicts, and changes nothing.
    await api.fake.sendB2CResult(ocid, { resultCode: 1, resultDesc: "The balance is insufficient for the transaction." })
    expect(await processed(token, 3)).toEqual(["FORGED", "SUCCEEDED", "CONTRADICTS"])
    expect(await exceptionsOn("B2C_RESULT_CONTRADICTS", payoutId)).toBe(1)
    expect((await db.sql`select status from payouts where id = ${payoutId}`)[0]!["status"]).toBe("SUCCEEDED")
    expect(await ledgerSnapshot()).toEqual(settled)
    expect(await db.sql`select 1 from ledger_transactions where idempotency_key = ${`PAYOUT:${payoutId}`}`).toHaveLength(1)
    expect(b2cFor(ocid)).toHaveLength(1)
    expect(b2cFor(ocid)[0]).toMatchObject({ phone: RIDER.phone, amount: 1_200 })

    // Every posting balanced; the buyer's money either went back (first checkout) or to the people who earned it.
    expect(await db.sql`select transaction_id from ledger_entries group by transaction_id having sum(amount) <> 0`).toEqual([])
    for (const o of second.orders) expect(await balance(db.sql, "ESCROW", o.orderId)).toBe(0)
  })
})
