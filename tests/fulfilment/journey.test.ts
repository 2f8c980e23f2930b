/**
 * Fulfilment and money out, end to end over HTTP with the worker running: checkout -> M-Pesa ->
 * accept -> dispatch (handover code to the buyer by WhatsApp/dev inbox) -> picked up -> in transit
 * -> delivered with the code -> dispute window passes -> COMPLETED -> weekly batch -> approved ->
 * B2C -> Result -> SUCCEEDED, every account balanced and the seller paid exactly base − fee −
 * commission whatever incentives the buyer had. Then the unhappy paths.
 */
import { AdminUserId, CommissionId, OrderId, UserId } from "../../domain/ids.js"
import { createHmac } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rejectCommissionForFraud } from "../../application/admin/reject-commission.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { assignRiderByHand } from "../../application/fulfilment/dispatch-order.js"
import { resolveDispute } from "../../application/fulfilment/disputes.js"
import { checkSlaBreaches } from "../../application/fulfilment/sla.js"
import { completeAfterDisputeWindow } from "../../application/orders/transition-order.js"
import { selectWeeklyPayoutBatch } from "../../application/payouts/select-payout-batch.js"
import { deliverWebhook } from "../../application/webhooks/merchant-webhooks.js"
import { insertUser } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, randomPhone, seedShop, sessionFor } from "../api/support.js"
import {
  balance,
  eventually,
  inboxMessage,
  orderState,
  seedRider,
  selectAndApprove as selectAndApproveAs,
  startPlatform,
  waitForState,
  WA_APP_SECRET,
  WA_VERIFY_TOKEN,
  INITIATOR_PASSWORD
} from "./support.js"
import type { Platform } from "./support.js"

const db = useTestDatabase()
let api: Platform
const RIDER = { id: "usr_rider_otieno", phone: "254722000111", name: "Otieno" }
const FINANCE: AdminActor = { id: AdminUserId.make("adm_finance"), email: "finance@amana.test", role: "FINANCE" }
const FRIDAY = Date.UTC(2026, 10, 20, 9, 0) // Friday 12:00 Nairobi

beforeAll(async () => {
  api = await startPlatform(db)
  await seedShop(db.sql) // the zone, promotion and code every shop below shares
  await seedRider(db.sql, RIDER.id, RIDER.phone, "zone_nbi_api", RIDER.name)
  await db.sql`insert into zone_slas (zone_id, dispatch_within_minutes, deliver_within_minutes, compensation_points) values ('zone_nbi_api', 120, 240, 50)`
  await db.sql`insert into admin_users (id, email, password_hash, role) values (${FINANCE.id}, ${FINANCE.email}, 'x', 'FINANCE')`
}, 60_000)
afterAll(async () => {
  await api?.close()
})

type Shop = Awaited<ReturnType<typeof seedShop>> & { readonly sellerToken: string; readonly payoutPhone: string }
const openShop = async (): Promise<Shop> => {
  const shop = await seedShop(db.sql)
  const payoutPhone = randomPhone()
  await db.sql`update stores set payout_method = 'B2C', payout_phone = ${payoutPhone} where id = ${shop.storeId}`
  return { ...shop, sellerToken: await sessionFor(db.sql, shop.seller.id), payoutPhone }
}

/** Checkout over HTTP and pay by STK push; Daraja's callback is confirmed by the worker. */
const buyAndPay = async (shop: Shop, extra: Record<string, unknown> = {}) => {
  const buyer = await newBuyer(db.sql)
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: buyer.token,
    headers: { "idempotency-key": `ful-${buyer.id}` },
    body: { destination: "KE-047-westlands", items: [{ variantId: shop.dress.variantId, quantity: 1 }], ...extra }
  })
  expect(placed.status, JSON.stringify(placed.body)).toBe(201)
  const orderId: string = placed.body.orders[0].orderId
  const pay = await call(api, "POST", `/api/v1/checkouts/${placed.body.checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
  expect(pay.status, JSON.stringify(pay.body)).toBe(202)
  await api.fake.sendCallback(pay.body.checkoutRequestId)
  await waitForState(db.sql, orderId, "PAID")
  return { buyer, orderId, checkoutId: placed.body.checkoutId as string, total: placed.body.total.amount as number }
}

const newAffiliate = async (shop: Shop) => {
  const affiliate = { id: `usr_aff_${shop.storeId}`, code: `AFF${shop.storeId.replace(/[^A-Za-z0-9]/g, "").slice(-12)}` }
  await insertUser(db.sql, { id: affiliate.id, phone: randomPhone(), roles: ["BUYER", "AFFILIATE"], affiliateCode: affiliate.code })
  return affiliate
}

const riderToken = () => sessionFor(db.sql, RIDER.id)
/** As the rider the pool assigned the job to (by load, then score). */
const assigneeToken = async (jobId: string) =>
  sessionFor(db.sql, String((await db.sql`select rider_user_id from deliveries where id = ${jobId}`)[0]?.["rider_user_id"]))
const jobStatus = async (jobId: string, body: Record<string, unknown>, token?: string) =>
  call(api, "POST", `/api/v1/rider/jobs/${jobId}/status`, { token: token ?? (await assigneeToken(jobId)), body })

/** Paid -> accepted -> dispatched (code read from the buyer's inbox) -> picked up -> in transit. */
const onTheRoad = async (shop: Shop, extra: Record<string, unknown> = {}) => {
  const paid = await buyAndPay(shop, extra)
  expect((await call(api, "POST", `/api/v1/seller/orders/${paid.orderId}/accept`, { token: shop.sellerToken })).body.state).toBe("ACCEPTED")
  const dispatched = await call(api, "POST", `/api/v1/seller/orders/${paid.orderId}/dispatch`, { token: shop.sellerToken })
  expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200)
  const message = await inboxMessage(api, paid.buyer.phone, "order_dispatched_with_code")
  const code = message.params[3]!
  const jobId: string = dispatched.body.jobId
  if (dispatched.body.carrier === "RIDER") {
    expect((await jobStatus(jobId, { status: "PICKED_UP" })).status).toBe(200)
    expect((await jobStatus(jobId, { status: "IN_TRANSIT" })).status).toBe(200)
  }
  return { ...paid, jobId, code, dispatched: dispatched.body, message }
}

const delivered = async (shop: Shop, extra: Record<string, unknown> = {}) => {
  const o = await onTheRoad(shop, extra)
  const done = await jobStatus(o.jobId, { status: "DELIVERED", handoverCode: o.code, location: { lat: -1.2676, lng: 36.8108 } })
  expect(done.status, JSON.stringify(done.body)).toBe(200)
  return o
}

const passDisputeWindow = async (orderId: string) => {
  await db.sql`update orders set delivered_at = now() - interval '73 hours', dispute_deadline = now() - interval '1 hour' where id = ${orderId}`
  return api.runtime.runPromise(completeAfterDisputeWindow())
}

const selectAndApprove = (friday: number) => selectAndApproveAs(api, FINANCE, friday)

describe("fulfilment journey over HTTP with the worker running", () => {
  it("checkout with promotion, code and affiliate -> ... -> COMPLETED -> weekly B2C payout: seller paid exactly base − fee − commission; every account balanced", async () => {
    const shop = await openShop()
    const affiliate = await newAffiliate(shop)
    const o = await onTheRoad(shop, { discountCode: "KARIBU", affiliateCode: affiliate.code })
    // 2,500 − 10% promotion (250) − KARIBU (200) + 250 shipping = 2,300 asked of the buyer.
    expect(o.total).toBe(2_300_00)
    expect(o.dispatched).toMatchObject({ carrier: "RIDER", riderName: RIDER.name, riderPhone: RIDER.phone })
    expect(o.message.text).toContain(`rider ${RIDER.name}`)
    expect(o.code).toMatch(/^\d{6}$/)
    // The code is never stored: the order keeps a keyed hash only.
    const [stored] = await db.sql`select handover_code_hash from orders where id = ${o.orderId}`
    expect(stored!["handover_code_hash"]).toMatch(/^[0-9a-f]{64}$/)
    expect(stored!["handover_code_hash"]).not.toContain(o.code)

    const jobs = await call(api, "GET", "/api/v1/rider/jobs", { token: await riderToken() })
    expect(jobs.body.items.find((j: { jobId: string }) => j.jobId === o.jobId)).toMatchObject({
      orderId: o.orderId,
      status: "IN_TRANSIT",
      destination: { id: "KE-047-westlands" },
      buyerPhone: o.buyer.phone
    })
    const handed = await jobStatus(o.jobId, { status: "DELIVERED", handoverCode: o.code, photoUrl: "https://img.example/pod.jpg" })
    expect(handed.body).toEqual({ orderId: o.orderId, status: "DELIVERED" })
    expect(await orderState(db.sql, o.orderId)).toBe("DELIVERED")
    await inboxMessage(api, o.buyer.phone, "order_delivered")

    // Nothing moves before the dispute window passes; then the SYSTEM completes and escrow is released.
    expect(await api.runtime.runPromise(completeAfterDisputeWindow())).toBe(0)
    expect(await passDisputeWindow(o.orderId)).toBe(1)
    expect(await orderState(db.sql, o.orderId)).toBe("COMPLETED")
    // base 2,500: fee 5% = 125, affiliate 10% = 250 -> seller 2,125, whatever the buyer's incentives.
    expect(await balance(db.sql, "SELLER_PAYABLE", shop.storeId)).toBe(-2_125_00)
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(-250_00)
    // the rider who carried it earns its shipping (not a pool)
    expect(await balance(db.sql, "SHIPPING_PAYABLE", RIDER.id)).toBe(-250_00)
    expect(await balance(db.sql, "SHIPPING_PAYABLE", "logistics_pool")).toBe(0)

    // Friday: the batch selects the seller (the affiliate's KES 250 carries over); FINANCE approves; B2C goes out.
    const batchId = await selectAndApprove(FRIDAY)
    const payout = await eventually("payout succeeded", async () => {
      const [p] =
        await db.sql`select status, amount, disbursed, originator_conversation_id, mpesa_receipt_number from payouts where batch_id = ${batchId} and payee_id = ${shop.storeId}`
      return p?.["status"] === "SUCCEEDED" ? p : undefined
    })
    expect(payout).toMatchObject({ amount: 2_125_00, disbursed: 2_125_00 })
    const b2c = api.fake.b2cPayments.find((b) => b.originatorConversationId === payout["originator_conversation_id"])!
    expect(b2c).toMatchObject({ phone: shop.payoutPhone, amount: 2_125, decryptedCredential: INITIATOR_PASSWORD })
    // each payout its own unguessable result URL
    const [token] = await db.sql`select callback_token from payouts where batch_id = ${batchId} and payee_id = ${shop.storeId}`
    expect(token!["callback_token"]).toMatch(/^[0-9a-f]{32}$/)
    expect(b2c.body["ResultURL"]).toBe(`${api.url}/api/v1/payments/mpesa/b2c/result/dev-callback-secret/${token!["callback_token"]}`)
    await eventually("batch completed", async () => (await db.sql`select state from payout_batches where id = ${batchId}`)[0]?.["state"] === "COMPLETED")

    // Every posting balances; the order's money ended where the rules say.
    expect(await db.sql`select transaction_id from ledger_entries group by transaction_id having sum(amount) <> 0`).toEqual([])
    expect(await balance(db.sql, "ESCROW", o.orderId)).toBe(0)
    expect(await balance(db.sql, "SELLER_PAYABLE", shop.storeId)).toBe(0)
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(-250_00)
    const [kinds] = await db.sql`
      select count(*) filter (where t.kind = 'PAYOUT')::int as payouts from ledger_transactions t where t.idempotency_key = ${`PAYOUT:${(await db.sql`select id from payouts where batch_id = ${batchId} and payee_id = ${shop.storeId}`)[0]!["id"]}`}`
    expect(kinds!["payouts"]).toBe(1)
    const timeline = await db.sql`select to_state from order_timeline where order_id = ${o.orderId} order by id`
    expect(timeline.map((t) => t["to_state"])).toEqual([
      "PENDING_PAYMENT",
      "PAID",
      "ACCEPTED",
      "DISPATCHED",
      "PICKED_UP",
      "IN_TRANSIT",
      "DELIVERED",
      "COMPLETED"
    ])
    // The buyer was told at each step, each message once.
    const inbox = await call(api, "GET", `/dev/messages?to=${o.buyer.phone}&limit=100`)
    const templates = (inbox.body.items as Array<{ template: string }>).map((m) => m.template)
    for (const t of ["order_placed", "order_paid", "order_accepted", "order_dispatched_with_code", "order_delivered", "order_completed"])
      expect(
        templates.filter((x) => x === t),
        t
      ).toHaveLength(1)
    const scorecard = await call(api, "GET", "/api/v1/rider/scorecard", { token: await riderToken() })
    expect(scorecard.body).toMatchObject({ riderUserId: RIDER.id, delivered: 1, onTime: 1, failedAttempts: 0, disputes: 0 })
  })

  it("a wrong handover code is refused and counted; five lock the job and raise an exception", async () => {
    const o = await onTheRoad(await openShop())
    const wrong = o.code === "000000" ? "111111" : "000000"
    for (let left = 4; left >= 0; left--) {
      const r = await jobStatus(o.jobId, { status: "DELIVERED", handoverCode: wrong })
      expect(r.status).toBe(422)
      expect(r.body).toMatchObject({ code: "ORDER.WRONG_HANDOVER_CODE" })
      expect(r.body.detail).toContain(left > 0 ? `${left} attempt(s) left` : "locked")
    }
    const locked = await jobStatus(o.jobId, { status: "DELIVERED", handoverCode: o.code })
    expect(locked.status).toBe(423)
    expect(await orderState(db.sql, o.orderId)).toBe("IN_TRANSIT")
    expect(await db.sql`select kind from exceptions where kind = 'HANDOVER_CODE_LOCKED' and entity_id = ${o.orderId}`).toHaveLength(1)
    // Someone else's rider cannot touch the job.
    await seedRider(db.sql, "usr_rider_other", "254722000222", "zone_nbi_api", "Wanjiku")
    expect((await jobStatus(o.jobId, { status: "PICKED_UP" }, await sessionFor(db.sql, "usr_rider_other"))).status).toBe(404)
    // A buyer is not a rider.
    expect((await call(api, "GET", "/api/v1/rider/jobs", { token: o.buyer.token })).status).toBe(403)
  })

  it("a failed attempt, the parcel returned, the buyer refunded by B2C exactly what they paid (ledger-correct); the affiliate's commission ends REJECTED", async () => {
    const shop = await openShop()
    const affiliate = await newAffiliate(shop)
    const o = await onTheRoad(shop, { affiliateCode: affiliate.code })
    expect(await db.sql`select state from commissions where order_id = ${o.orderId}`).toEqual([{ state: "PENDING" }])
    const failed = await jobStatus(o.jobId, { status: "FAILED_ATTEMPT", reason: "buyer not reachable at the gate" })
    expect(failed.body).toEqual({ orderId: o.orderId, status: "FAILED" })
    expect(await orderState(db.sql, o.orderId)).toBe("DELIVERY_FAILED")
    const shopToken = (await db.sql`select s.owner_user_id from orders o join stores s on s.id = o.store_id where o.id = ${o.orderId}`)[0]![
      "owner_user_id"
    ] as string
    const returned = await call(api, "POST", `/api/v1/seller/orders/${o.orderId}/return`, {
      token: await sessionFor(db.sql, shopToken),
      body: { reason: "parcel back at the shop" }
    })
    expect(returned.body).toEqual({ orderId: o.orderId, state: "RETURNED" })
    await waitForState(db.sql, o.orderId, "REFUNDED")
    const refund = await eventually("refund succeeded", async () => {
      const [r] = await db.sql`select id, status, amount, disbursed, phone from refunds where order_id = ${o.orderId}`
      return r?.["status"] === "SUCCEEDED" ? r : undefined
    })
    expect(refund).toMatchObject({ amount: o.total, disbursed: o.total, phone: o.buyer.phone })
    expect(api.fake.b2cPayments.find((b) => b.originatorConversationId === `amana-refund-${String(refund["id"])}`)).toMatchObject({
      phone: o.buyer.phone,
      amount: o.total / 100
    })
    expect(await balance(db.sql, "ESCROW", o.orderId)).toBe(0)
    expect(await balance(db.sql, "REFUNDS_PAYABLE", o.buyer.id)).toBe(0)
    await inboxMessage(api, o.buyer.phone, "order_refunded")
    expect((await db.sql`select status from deliveries where order_id = ${o.orderId}`)[0]!["status"]).toBe("RETURNED")
    expect(await db.sql`select state, reason from commissions where order_id = ${o.orderId}`).toEqual([{ state: "REJECTED", reason: "ORDER_REFUNDED" }])
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(0)
  })

  it("commission rejected for fraud: FINANCE rejects an APPROVED commission with a reason (audited); it leaves the payout batch and goes back to the seller", async () => {
    const shop = await openShop()
    const affiliate = await newAffiliate(shop)
    const o = await delivered(shop, { affiliateCode: affiliate.code })
    expect((await call(api, "POST", `/api/v1/orders/${o.orderId}/confirm`, { token: o.buyer.token })).body.state).toBe("COMPLETED")
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(-250_00)
    const sellerBefore = await balance(db.sql, "SELLER_PAYABLE", shop.storeId)
    // earlier commissions bring the affiliate into this week's batch
    await db.sql.begin(async (tx) => {
      const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:aff:${affiliate.id}`}) returning id`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values (${t!["id"]}, 'ESCROW', 'ord_seed', 'KES', 90000), (${t!["id"]}, 'AFFILIATE_PAYABLE', ${affiliate.id}, 'KES', -90000)`
    })
    const created = await api.runtime.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(FRIDAY + 21 * 86_400_000)
        return yield* selectWeeklyPayoutBatch()
      }).pipe(Effect.provide(TestContext.TestContext))
    )
    const batchId = created._tag === "Some" ? created.value.batchId : ""
    expect(await db.sql`select amount from payouts where batch_id = ${batchId} and payee_id = ${affiliate.id}`).toEqual([{ amount: 1_150_00 }])
    const [c] = await db.sql`select id from commissions where order_id = ${o.orderId}`
    const commissionId = CommissionId.make(String(c!["id"]))
    const auditor: AdminActor = { id: AdminUserId.make("adm_auditor_fraud"), email: "auditor-fraud@amana.test", role: "AUDITOR" }
    const refused = await api.runtime.runPromise(Effect.either(rejectCommissionForFraud(auditor, { commissionId, reason: "x" })))
    expect(refused._tag === "Left" && refused.left._tag).toBe("AdminForbidden")
    const blank = await api.runtime.runPromise(Effect.either(rejectCommissionForFraud(FINANCE, { commissionId, reason: "  " })))
    expect(blank._tag === "Left" && blank.left._tag).toBe("AdminInvalidInput")

    expect(await api.runtime.runPromise(rejectCommissionForFraud(FINANCE, { commissionId, reason: "self-referral ring: same device as the buyer" }))).toEqual({
      commissionId,
      state: "REJECTED"
    })
    expect(await db.sql`select state, reason from commissions where id = ${commissionId}`).toEqual([
      { state: "REJECTED", reason: "FRAUD: self-referral ring: same device as the buyer" }
    ])
    // KES 1,150 − 250 = 900 is below the minimum: the payout leaves the batch, the balance carries over
    expect(await db.sql`select 1 from payouts where batch_id = ${batchId} and payee_id = ${affiliate.id}`).toHaveLength(0)
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(-900_00)
    expect(await balance(db.sql, "SELLER_PAYABLE", shop.storeId)).toBe(sellerBefore - 250_00)
    expect(await db.sql`select transaction_id from ledger_entries group by transaction_id having sum(amount) <> 0`).toEqual([])
    expect(await db.sql`select action, actor_id, reason from audit_log where entity_id = ${commissionId}`).toEqual([
      { action: "COMMISSION.REJECT_FRAUD", actor_id: FINANCE.id, reason: "self-referral ring: same device as the buyer" }
    ])
    const again = await api.runtime.runPromise(Effect.either(rejectCommissionForFraud(FINANCE, { commissionId, reason: "again" })))
    expect(again._tag === "Left" && again.left._tag).toBe("AdminIllegalChange")
  })

  it("a dispute freezes escrow until an admin resolves it: released to the seller, or refunded to the buyer", async () => {
    const shop = await openShop()
    const kept = await delivered(shop)
    const refunded = await delivered(shop)
    for (const o of [kept, refunded]) {
      const disputed = await call(api, "POST", `/api/v1/orders/${o.orderId}/disputes`, {
        token: o.buyer.token,
        body: { description: "the dress is the wrong colour" }
      })
      expect(disputed.status, JSON.stringify(disputed.body)).toBe(201)
      // The window passing changes nothing: a disputed order is frozen.
      await passDisputeWindow(o.orderId)
      expect(await orderState(db.sql, o.orderId)).toBe("DISPUTED")
      expect(await balance(db.sql, "ESCROW", o.orderId)).toBe(-2_750_00) // base 2,500 + shipping 250 (2,500 paid + 250 promotion)
    }
    const admin: AdminActor = { id: AdminUserId.make("adm_ops"), email: "ops@amana.test", role: "PLATFORM_ADMIN" }
    await db.sql`insert into admin_users (id, email, password_hash, role) values (${admin.id}, ${admin.email}, 'x', 'PLATFORM_ADMIN') on conflict do nothing`
    expect(
      await api.runtime.runPromise(resolveDispute(admin, { orderId: OrderId.make(kept.orderId), outcome: "RELEASE", note: "photo shows the ordered colour" }))
    ).toEqual({ orderId: kept.orderId, state: "COMPLETED" })
    expect(
      await api.runtime.runPromise(resolveDispute(admin, { orderId: OrderId.make(refunded.orderId), outcome: "REFUND", note: "wrong item sent" }))
    ).toEqual({ orderId: refunded.orderId, state: "REFUNDED" })
    expect(await balance(db.sql, "ESCROW", kept.orderId)).toBe(0)
    expect(await balance(db.sql, "SELLER_PAYABLE", shop.storeId)).toBe(-2_375_00) // 2,500 − 125 fee, no affiliate
    await eventually(
      "dispute refund",
      async () => (await db.sql`select status from refunds where order_id = ${refunded.orderId}`)[0]?.["status"] === "SUCCEEDED"
    )
    expect(await balance(db.sql, "REFUNDS_PAYABLE", refunded.buyer.id)).toBe(0)
    const disputes =
      await db.sql`select order_id, status, resolved_by from disputes where order_id in ${db.sql([kept.orderId, refunded.orderId])} order by status`
    expect(disputes.map((d) => d["status"]).sort()).toEqual(["REFUNDED", "RELEASED_TO_SELLER"])
    expect(await db.sql`select action from audit_log where action like 'DISPUTE.%' order by seq`).toEqual([
      { action: "DISPUTE.RELEASE" },
      { action: "DISPUTE.REFUND" }
    ])
    // An order that is not disputed cannot be "resolved".
    const again = await api.runtime.runPromise(Effect.either(resolveDispute(admin, { orderId: OrderId.make(kept.orderId), outcome: "REFUND", note: "x" })))
    expect(again._tag === "Left" && again.left._tag).toBe("DisputeNotOpen")
  })

  it("a B2C payout that fails returns the balance (no ledger posting) and opens an exception", async () => {
    const shop = await openShop()
    api.fake.scriptB2C(shop.payoutPhone, { resultCode: 2040, resultDesc: "Credit Party customer type can't be supported by the service." })
    const o = await delivered(shop)
    expect((await call(api, "POST", `/api/v1/orders/${o.orderId}/confirm`, { token: o.buyer.token })).body.state).toBe("COMPLETED")
    const batchId = await selectAndApprove(FRIDAY + 7 * 86_400_000)
    const payout = await eventually("payout failed", async () => {
      const [p] = await db.sql`select id, status, result from payouts where batch_id = ${batchId} and payee_id = ${shop.storeId}`
      return p?.["status"] === "FAILED" ? p : undefined
    })
    expect(payout["result"]).toMatchObject({ confirmedBy: "TransactionStatus", transactionStatus: "Failed" }) // the 2040 Result, confirmed by a status query
    expect(await db.sql`select 1 from ledger_transactions where idempotency_key = ${`PAYOUT:${payout["id"]}`}`).toHaveLength(0)
    expect(await balance(db.sql, "SELLER_PAYABLE", shop.storeId)).toBe(-2_375_00) // owed again, picked up by next week's batch
    expect(await db.sql`select kind from exceptions where kind = 'PAYOUT_FAILED' and entity_id = ${payout["id"]}`).toHaveLength(1)
  })

  it("riders are paid: the rider who delivered is credited the shipping on completion, sees it at /rider/earnings, and is paid by B2C in the weekly batch", async () => {
    const o = await delivered(await openShop())
    const riderId = String((await db.sql`select rider_user_id from deliveries where id = ${o.jobId}`)[0]!["rider_user_id"])
    const token = await sessionFor(db.sql, riderId)
    const before = await balance(db.sql, "SHIPPING_PAYABLE", riderId)
    expect((await call(api, "POST", `/api/v1/orders/${o.orderId}/confirm`, { token: o.buyer.token })).body.state).toBe("COMPLETED")
    expect(await balance(db.sql, "SHIPPING_PAYABLE", riderId)).toBe(before - 250_00)
    const earnings = await call(api, "GET", "/api/v1/rider/earnings", { token })
    expect(earnings.status, JSON.stringify(earnings.body)).toBe(200)
    expect(earnings.body.deliveries).toContainEqual({ orderId: o.orderId, shipping: { amount: 250_00, currency: "KES" }, creditedAt: expect.any(Number) })
    expect(earnings.body.balances).toEqual([
      {
        earned: { amount: -(before - 250_00), currency: "KES" },
        paidOut: { amount: 0, currency: "KES" },
        owed: { amount: -(before - 250_00), currency: "KES" }
      }
    ])
    // earlier weeks' deliveries bring the rider over KES 1,000
    await db.sql.begin(async (tx) => {
      const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:rider:${riderId}`}) returning id`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values (${t!["id"]}, 'ESCROW', 'ord_seed', 'KES', 100000), (${t!["id"]}, 'SHIPPING_PAYABLE', ${riderId}, 'KES', -100000)`
    })
    const owed = -(await balance(db.sql, "SHIPPING_PAYABLE", riderId))
    const batchId = await selectAndApprove(FRIDAY + 14 * 86_400_000)
    const payout = await eventually("rider payout succeeded", async () => {
      const [p] =
        await db.sql`select id, payee_kind, method, destination, amount, status, originator_conversation_id from payouts where batch_id = ${batchId} and payee_id = ${riderId}`
      return p?.["status"] === "SUCCEEDED" ? p : undefined
    })
    const riderPhone = String((await db.sql`select phone from users where id = ${riderId}`)[0]!["phone"])
    expect(payout).toMatchObject({ payee_kind: "RIDER", method: "B2C", destination: riderPhone, amount: owed })
    expect(api.fake.b2cPayments.filter((b) => b.originatorConversationId === payout["originator_conversation_id"])).toMatchObject([
      { phone: riderPhone, amount: Math.floor(owed / 100) }
    ])
    expect(await balance(db.sql, "SHIPPING_PAYABLE", riderId)).toBe(0 - (owed % 100))
    const after = await call(api, "GET", "/api/v1/rider/earnings", { token })
    expect(after.body.payouts).toContainEqual({
      payoutId: payout["id"],
      amount: { amount: owed, currency: "KES" },
      status: "SUCCEEDED",
      createdAt: expect.any(Number)
    })
  })

  it("SLA: a late dispatch raises an exception and gives the buyer platform-funded loyalty points, once; an admin assigns a rider by hand", async () => {
    const shop = await openShop()
    const paid = await buyAndPay(shop)
    await call(api, "POST", `/api/v1/seller/orders/${paid.orderId}/accept`, { token: shop.sellerToken })
    await eventually(
      "dispatch timer",
      async () => (await db.sql`select 1 from sla_timers where order_id = ${paid.orderId} and kind = 'DISPATCH' and status = 'OPEN'`).length === 1
    )
    await db.sql`update sla_timers set started_at = now() - interval '3 hours', due_at = now() - interval '1 hour' where order_id = ${paid.orderId}`
    expect(await api.runtime.runPromise(checkSlaBreaches())).toBe(1)
    expect(await api.runtime.runPromise(checkSlaBreaches())).toBe(0)
    expect(await db.sql`select kind from exceptions where kind = 'SLA_BREACH' and entity_id = ${paid.orderId}`).toHaveLength(1)
    expect(await db.sql`select points, reason from loyalty_ledger where buyer_id = ${paid.buyer.id} and order_id = ${paid.orderId}`).toEqual([
      { points: 50, reason: "ADJUSTED" }
    ])
    // Operations step in: an admin assigns a rider by hand (audited); the dispatch timer is closed.
    const ops: AdminActor = { id: AdminUserId.make("adm_ops2"), email: "ops2@amana.test", role: "PLATFORM_ADMIN" }
    await db.sql`insert into admin_users (id, email, password_hash, role) values (${ops.id}, ${ops.email}, 'x', 'PLATFORM_ADMIN')`
    const byHand = await api.runtime.runPromise(
      assignRiderByHand(ops, { orderId: OrderId.make(paid.orderId), riderUserId: UserId.make(RIDER.id), note: "late: sending Otieno" })
    )
    expect(byHand.assignment).toMatchObject({ carrier: "RIDER", riderUserId: RIDER.id })
    expect(await orderState(db.sql, paid.orderId)).toBe("DISPATCHED")
    expect(await db.sql`select action, entity_id from audit_log where action = 'ORDER.ASSIGN_RIDER'`).toEqual([
      { action: "ORDER.ASSIGN_RIDER", entity_id: paid.orderId }
    ])
    const forbidden = await api.runtime.runPromise(
      Effect.either(assignRiderByHand({ ...ops, role: "AUDITOR" }, { orderId: OrderId.make(paid.orderId), riderUserId: UserId.make(RIDER.id), note: "x" }))
    )
    expect(forbidden._tag === "Left" && forbidden.left._tag).toBe("AdminForbidden")
  })

  it("a logistics partner takes the job when no rider is free, and its signed status webhook drives the order (redeliveries and forgeries have no effect)", async () => {
    await db.sql`update riders set status = 'INACTIVE'`
    try {
      const o = await onTheRoad(await openShop())
      expect(o.dispatched).toMatchObject({ carrier: "PARTNER", riderName: "Baraka (SwiftBoda)" })
      const ref = api.partner.deliveries.at(-1)!.id
      expect(api.partner.deliveries.at(-1)!.reference).toBe(o.jobId)
      expect((await api.partner.sendStatus(ref, "PICKED_UP", {}, { forge: true })).status).toBe(401)
      expect((await api.partner.sendStatus(ref, "PICKED_UP", {}, { ageSeconds: 600 })).status).toBe(401)
      expect(await orderState(db.sql, o.orderId)).toBe("DISPATCHED")
      expect((await api.partner.sendStatus(ref, "PICKED_UP", { eventId: "ev-1" })).status).toBe(200)
      expect((await api.partner.sendStatus(ref, "PICKED_UP", { eventId: "ev-1" })).status).toBe(200)
      expect((await api.partner.sendStatus(ref, "IN_TRANSIT")).status).toBe(200)
      expect((await api.partner.sendStatus(ref, "DELIVERED", { handoverCode: o.code })).body).toEqual({ orderId: o.orderId, status: "DELIVERED" })
      expect(await orderState(db.sql, o.orderId)).toBe("DELIVERED")
      expect((await db.sql`select count(*)::int as n from order_timeline where order_id = ${o.orderId} and to_state = 'PICKED_UP'`)[0]!["n"]).toBe(1)
      // the partner carried it, so the partner's account earns its shipping on completion
      expect(await passDisputeWindow(o.orderId)).toBe(1)
      expect(await balance(db.sql, "SHIPPING_PAYABLE", "partner:swiftboda")).toBe(-250_00)
    } finally {
      await db.sql`update riders set status = 'ACTIVE'`
    }
  })
})

describe("webhooks", () => {
  const sign = (body: string, secret = WA_APP_SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`
  const statusBody = (wamid: string, status: string) =>
    JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "WABA",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { phone_number_id: "PNID" },
                statuses: [
                  {
                    id: wamid,
                    status,
                    timestamp: "1790000000",
                    recipient_id: "254708374149",
                    ...(status === "failed" && { errors: [{ code: 131026, title: "Message undeliverable" }] })
                  }
                ]
              }
            }
          ]
        }
      ]
    })

  it("WhatsApp: the GET handshake echoes the challenge only for our verify token", async () => {
    const ok = await fetch(`${api.url}/api/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${WA_VERIFY_TOKEN}&hub.challenge=1158201444`)
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe("1158201444")
    expect((await fetch(`${api.url}/api/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`)).status).toBe(403)
  })

  it("WhatsApp: a duplicated status webhook is recorded once; a failed status opens one exception; a forged signature is refused", async () => {
    const body = statusBody("wamid.DUP1", "failed")
    const post = (b: string, signature: string) => call(api, "POST", "/api/v1/webhooks/whatsapp", { raw: b, headers: { "x-hub-signature-256": signature } })
    // a status is no chat message: nothing is threaded into a conversation
    expect((await post(body, sign(body))).body).toEqual({ recorded: 1, received: 1, conversations: { stored: 0, duplicates: 0, unrouted: 0 } })
    expect((await post(body, sign(body))).body).toEqual({ recorded: 0, received: 1, conversations: { stored: 0, duplicates: 0, unrouted: 0 } })
    expect(await db.sql`select status from whatsapp_statuses where wamid = 'wamid.DUP1'`).toEqual([{ status: "failed" }])
    expect(await db.sql`select kind from exceptions where kind = 'NOTIFICATION_FAILED' and entity_id = 'wamid.DUP1'`).toHaveLength(1)
    const forged = statusBody("wamid.FORGED", "read")
    const refused = await post(forged, sign(forged, "not-the-app-secret"))
    expect(refused.status).toBe(401)
    expect(refused.body.code).toBe("WHATSAPP.SIGNATURE_INVALID")
    // signed body, tampered bytes
    expect((await post(forged.replace("read", "sent"), sign(forged))).status).toBe(401)
    expect(await db.sql`select 1 from whatsapp_statuses where wamid = 'wamid.FORGED'`).toHaveLength(0)
  })

  it("merchant webhooks: ORDER_CREATED and ORDER_PAID are POSTed signed with a timestamp, retried after a failure, and logged for the seller", async () => {
    const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = []
    let failNext = 1
    const receiver = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") })
        res.writeHead(failNext-- > 0 ? 500 : 204)
        res.end()
      })
    })
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r))
    try {
      const shop = await openShop()
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/amana`
      const registered = await call(api, "PUT", "/api/v1/seller/webhook", { token: shop.sellerToken, body: { url: hook } })
      expect(registered.status).toBe(200)
      const secret: string = registered.body.secret
      const { orderId } = await buyAndPay(shop)
      const log = await eventually("two deliveries attempted", async () => {
        const r = await call(api, "GET", "/api/v1/seller/webhook", { token: shop.sellerToken })
        return r.body.deliveries.length === 2 && r.body.deliveries.every((d: { attempts: number }) => d.attempts >= 1) ? r.body : undefined
      })
      expect(log.url).toBe(hook)
      // The first attempt got a 500: it waits for its retry (30 s), then is delivered.
      const retrying = log.deliveries.find((d: { status: string }) => d.status === "PENDING")
      expect(retrying).toMatchObject({ attempts: 1, lastStatusClass: "5xx", lastError: "HTTP 5xx" })
      expect(retrying.nextAttemptAt).toBeGreaterThan(Date.now() + 20_000)
      expect(await api.runtime.runPromise(deliverWebhook(retrying.id))).toBe("DELIVERED")
      const after = await call(api, "GET", "/api/v1/seller/webhook", { token: shop.sellerToken })
      expect(after.body.deliveries.map((d: { status: string }) => d.status)).toEqual(["DELIVERED", "DELIVERED"])
      // Every request verifies: HMAC-SHA256(secret, "<timestamp>.<raw body>"), fresh timestamp.
      for (const r of received) {
        const ts = String(r.headers["x-amana-timestamp"])
        expect(r.headers["x-amana-signature"]).toBe(`sha256=${createHmac("sha256", secret).update(`${ts}.${r.body}`).digest("hex")}`)
        expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(60)
      }
      const types = received.map((r) => JSON.parse(r.body) as { type: string; data: { orderId: string; buyerId?: string } })
      expect(new Set(types.map((t) => t.type))).toEqual(new Set(["ORDER_CREATED", "ORDER_PAID"]))
      expect(types.every((t) => t.data.orderId === orderId && t.data.buyerId === undefined)).toBe(true)
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()))
    }
  })

  it("Daraja B2C: a Result for an unknown OriginatorConversationID is stored and raised, never dropped; a wrong path secret is 404", async () => {
    const body = {
      Result: { ResultType: 0, ResultCode: 0, ResultDesc: "ok", OriginatorConversationID: "nobody-knows-me", ConversationID: "AG_1", TransactionID: "SXX1" }
    }
    expect((await call(api, "POST", "/api/v1/payments/mpesa/b2c/result/wrong-secret", { body })).status).toBe(404)
    const ok = await call(api, "POST", "/api/v1/payments/mpesa/b2c/result/dev-callback-secret", { body })
    expect(ok.body).toEqual({ ResultCode: 0, ResultDesc: "Accepted" })
    await eventually("unknown result exception", async () => (await db.sql`select 1 from exceptions where kind = 'B2C_RESULT_UNKNOWN'`).length === 1)
    expect(await db.sql`select kind, processed_at is not null as processed from mpesa_callbacks where originator_conversation_id = 'nobody-knows-me'`).toEqual([
      { kind: "B2C_RESULT", processed: true }
    ])
  })
})
