/**
 * The order lifecycle after payment, reviewed as an attacker (twelfth session): defects found at the
 * seams between a delivered order, its dispute window, the weekly payout selection and FINANCE's
 * fraud rejection. The whole platform over HTTP with the worker running, as in journey.test.ts.
 */
import { AdminUserId, CommissionId } from "../../domain/ids.js"
import { PayoutId } from "../../domain/ids.js"
import type { ExceptionId, PayoutBatchId } from "../../domain/ids.js"
import { Effect, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rejectCommissionForFraud } from "../../application/admin/reject-commission.js"
import { refundException } from "../../application/admin/work-exceptions.js"
import { approvePayoutBatch } from "../../application/admin/approve-payout-batch.js"
import { recordPayoutPaidByHand } from "../../application/admin/manual-payouts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { completeAfterDisputeWindow } from "../../application/orders/transition-order.js"
import { selectWeeklyPayoutBatch } from "../../application/payouts/select-payout-batch.js"
import { insertUser } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, randomPhone, seedShop, sessionFor } from "../api/support.js"
import { balance, eventually, inboxMessage, seedRider, startPlatform, waitForState } from "./support.js"
import type { Platform } from "./support.js"

const db = useTestDatabase()
let api: Platform
const RIDER = { id: "usr_rider_review", phone: "254722000199", name: "Wanjiru" }
const FINANCE: AdminActor = { id: AdminUserId.make("adm_finance_review"), email: "finance-review@amana.test", role: "FINANCE" }
const FRIDAY = Date.UTC(2026, 10, 20, 9, 0) // Friday 12:00 Nairobi

beforeAll(async () => {
  api = await startPlatform(db)
  await seedShop(db.sql)
  await seedRider(db.sql, RIDER.id, RIDER.phone, "zone_nbi_api", RIDER.name)
  await db.sql`insert into admin_users (id, email, password_hash, role) values (${FINANCE.id}, ${FINANCE.email}, 'x', 'FINANCE')`
}, 60_000)
afterAll(async () => {
  await api?.close()
})

type Shop = Awaited<ReturnType<typeof seedShop>> & { readonly sellerToken: string }
const openShop = async (): Promise<Shop> => {
  const shop = await seedShop(db.sql)
  await db.sql`update stores set payout_method = 'B2C', payout_phone = ${randomPhone()} where id = ${shop.storeId}`
  return { ...shop, sellerToken: await sessionFor(db.sql, shop.seller.id) }
}

/** Checkout over HTTP, paid by STK push, accepted, dispatched, carried and handed over with the buyer's code. */
const delivered = async (shop: Shop, extra: Record<string, unknown> = {}) => {
  const buyer = await newBuyer(db.sql)
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: buyer.token,
    headers: { "idempotency-key": `review-${buyer.id}` },
    body: { destination: "KE-047-westlands", items: [{ variantId: shop.dress.variantId, quantity: 1 }], ...extra }
  })
  expect(placed.status, JSON.stringify(placed.body)).toBe(201)
  const orderId: string = placed.body.orders[0].orderId
  const pay = await call(api, "POST", `/api/v1/checkouts/${placed.body.checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
  expect(pay.status, JSON.stringify(pay.body)).toBe(202)
  await api.fake.sendCallback(pay.body.checkoutRequestId)
  await waitForState(db.sql, orderId, "PAID")
  expect((await call(api, "POST", `/api/v1/seller/orders/${orderId}/accept`, { token: shop.sellerToken })).body.state).toBe("ACCEPTED")
  const dispatched = await call(api, "POST", `/api/v1/seller/orders/${orderId}/dispatch`, { token: shop.sellerToken })
  expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200)
  expect(dispatched.body.carrier).toBe("RIDER")
  const code = (await inboxMessage(api, buyer.phone, "order_dispatched_with_code")).params[3]!
  const jobId: string = dispatched.body.jobId
  const rider = await sessionFor(db.sql, String((await db.sql`select rider_user_id from deliveries where id = ${jobId}`)[0]?.["rider_user_id"]))
  for (const body of [{ status: "PICKED_UP" }, { status: "IN_TRANSIT" }, { status: "DELIVERED", handoverCode: code }]) {
    const r = await call(api, "POST", `/api/v1/rider/jobs/${jobId}/status`, { token: rider, body })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
  }
  return { buyer, orderId }
}

describe("the order lifecycle after payment (twelfth session's review)", () => {
  it("a buyer cannot dispute once the dispute window has passed, even before the completion cron has run (the seller's money is not frozen late)", async () => {
    const shop = await openShop()
    const o = await delivered(shop)
    // delivered 73 hours ago: the 72-hour window closed an hour ago; the cron (every 5 minutes) has not run yet
    await db.sql`update orders set delivered_at = now() - interval '73 hours', dispute_deadline = now() - interval '1 hour' where id = ${o.orderId}`
    const late = await call(api, "POST", `/api/v1/orders/${o.orderId}/disputes`, {
      token: o.buyer.token,
      body: { description: "it was torn", attachments: ["https://example.com/photo.jpg"] }
    })
    expect(late.status, JSON.stringify(late.body)).toBe(409)
    expect(late.body.code).toBe("ORDER.DISPUTE_WINDOW_CLOSED")
    expect(await db.sql`select state from orders where id = ${o.orderId}`).toEqual([{ state: "DELIVERED" }])
    expect(await db.sql`select 1 from disputes where order_id = ${o.orderId}`).toHaveLength(0)
    // the SYSTEM completes it as the window promised, and escrow is released to the seller
    expect(await api.runtime.runPromise(completeAfterDisputeWindow())).toBeGreaterThanOrEqual(1)
    expect(await db.sql`select state from orders where id = ${o.orderId}`).toEqual([{ state: "COMPLETED" }])
    expect(await balance(db.sql, "ESCROW", o.orderId)).toBe(0)

    // inside the window a dispute is still accepted
    const inTime = await delivered(shop)
    await db.sql`update orders set delivered_at = now() - interval '71 hours', dispute_deadline = now() + interval '1 hour' where id = ${inTime.orderId}`
    const ok = await call(api, "POST", `/api/v1/orders/${inTime.orderId}/disputes`, { token: inTime.buyer.token, body: { description: "it was torn" } })
    expect(ok.status, JSON.stringify(ok.body)).toBe(201)
    expect(ok.body.state).toBe("DISPUTED")
  })

  it("refunding a disputed order from the exception queue settles its dispute too (the dispute is not left OPEN under a REFUNDED order)", async () => {
    const shop = await openShop()
    const o = await delivered(shop)
    const opened = await call(api, "POST", `/api/v1/orders/${o.orderId}/disputes`, { token: o.buyer.token, body: { description: "wrong colour" } })
    expect(opened.status, JSON.stringify(opened.body)).toBe(201)
    // an exception about the order (here: a notification that could not reach the buyer)
    const [x] = await db.sql<Array<{ id: ExceptionId }>>`
      insert into exceptions (kind, entity, entity_id) values ('NOTIFICATION_UNDELIVERABLE', 'order', ${o.orderId}) returning id`
    const done = await api.runtime.runPromise(refundException(FINANCE, { exceptionId: x!.id, note: "refunded while looking at the dispute" }))
    expect(done.orderState).toBe("REFUNDED")
    expect(await db.sql`select state from orders where id = ${o.orderId}`).toEqual([{ state: "REFUNDED" }])
    expect(await db.sql`select status, resolution, resolved_by from disputes where order_id = ${o.orderId}`).toEqual([
      { status: "REFUNDED", resolution: "refunded while looking at the dispute", resolved_by: FINANCE.id }
    ])
  })

  it("the weekly selection racing FINANCE's fraud rejection never pays the rejected commission: the payout carries only what the affiliate is owed", async () => {
    const shop = await openShop()
    const affiliate = { id: `usr_aff_race_${shop.storeId}`, code: `RACE${shop.storeId.replace(/[^A-Za-z0-9]/g, "").slice(-10)}` }
    await insertUser(db.sql, { id: affiliate.id, phone: randomPhone(), roles: ["BUYER", "AFFILIATE"], affiliateCode: affiliate.code })
    const o = await delivered(shop, { affiliateCode: affiliate.code })
    expect((await call(api, "POST", `/api/v1/orders/${o.orderId}/confirm`, { token: o.buyer.token })).body.state).toBe("COMPLETED")
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(-250_00)
    // earlier commissions bring the affiliate into this week's batch: KES 1,150 owed
    await db.sql.begin(async (tx) => {
      const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:race:${affiliate.id}`}) returning id`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values (${t!["id"]}, 'ESCROW', 'ord_seed_race', 'KES', 90000), (${t!["id"]}, 'AFFILIATE_PAYABLE', ${affiliate.id}, 'KES', -90000)`
    })
    const [c] = await db.sql`select id from commissions where order_id = ${o.orderId}`
    const commissionId = CommissionId.make(String(c!["id"]))

    // The selection has read the balances and is about to write its batch (held here by a lock on
    // payout_batches, as a slow statement or a busy database would hold it) when FINANCE rejects.
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    let holding: () => void = () => undefined
    const held = new Promise<void>((r) => (holding = r))
    const blocker = db.owner.begin(async (tx) => {
      await tx`lock table payout_batches in share mode`
      holding()
      await gate
    })
    await held
    const selecting = api.runtime.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(FRIDAY)
        return yield* selectWeeklyPayoutBatch()
      }).pipe(Effect.provide(TestContext.TestContext))
    )
    await eventually("the selection waiting to write its batch", async () => {
      const rows = await db.owner`
        select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%insert into payout_batches%'`
      return rows.length > 0
    })
    let rejected = false
    const rejecting = api.runtime.runPromise(rejectCommissionForFraud(FINANCE, { commissionId, reason: "self-referral ring" })).finally(() => (rejected = true))
    // give the rejection time to finish (it did, before the fix) or to wait for the selection
    const until = Date.now() + 1_500
    while (!rejected && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    release()
    await blocker
    const created = await selecting
    expect(await rejecting).toEqual({ commissionId, state: "REJECTED" })
    expect(created._tag).toBe("Some")

    // KES 1,150 − 250 = 900 is owed, below the minimum: no payout for the affiliate this week
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(-900_00)
    expect(await db.sql`select amount from payouts where payee_kind = 'AFFILIATE' and payee_id = ${affiliate.id}`).toEqual([])
    expect(await db.sql`select transaction_id from ledger_entries group by transaction_id having sum(amount) <> 0`).toEqual([])
  })

  it("an affiliate's payout in one currency marks only that currency's commissions PAID: a KES commission still owed stays APPROVED (and can still be rejected for fraud) when a TZS payout is paid", async () => {
    const shop = await openShop()
    const affiliate = { id: `usr_aff_two_${shop.storeId}`, code: `TWO${shop.storeId.replace(/[^A-Za-z0-9]/g, "").slice(-10)}` }
    await insertUser(db.sql, { id: affiliate.id, phone: randomPhone(), roles: ["BUYER", "AFFILIATE"], affiliateCode: affiliate.code })
    const o = await delivered(shop, { affiliateCode: affiliate.code })
    expect((await call(api, "POST", `/api/v1/orders/${o.orderId}/confirm`, { token: o.buyer.token })).body.state).toBe("COMPLETED")
    const [c] = await db.sql`select id, state, currency from commissions where order_id = ${o.orderId}`
    expect(c).toMatchObject({ state: "APPROVED", currency: "KES" })
    // the same affiliate is also owed TZS 50,000 (commissions on Tanzanian sales)
    await db.sql.begin(async (tx) => {
      const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:tzs:${affiliate.id}`}) returning id`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values (${t!["id"]}, 'ESCROW', 'ord_seed_tzs', 'TZS', 5000000), (${t!["id"]}, 'AFFILIATE_PAYABLE', ${affiliate.id}, 'TZS', -5000000)`
    })
    // Friday: KES 250 is below the minimum and carries over; the TZS balance is paid (by hand: no TZS rail)
    const friday = FRIDAY + 14 * 86_400_000
    await api.runtime.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(friday)
        return yield* selectWeeklyPayoutBatch()
      }).pipe(Effect.provide(TestContext.TestContext))
    )
    const [tzs] = await db.sql`select p.id, p.batch_id from payouts p where p.payee_kind = 'AFFILIATE' and p.payee_id = ${affiliate.id} and p.currency = 'TZS'`
    expect(await db.sql`select 1 from payouts where payee_kind = 'AFFILIATE' and payee_id = ${affiliate.id} and currency = 'KES'`).toHaveLength(0)
    await api.runtime.runPromise(approvePayoutBatch(FINANCE, { batchId: tzs!["batch_id"] as PayoutBatchId, note: "weekly run" }))
    await eventually(
      "the TZS payout handed to a person",
      async () => (await db.sql`select status from payouts where id = ${tzs!["id"]}`)[0]?.["status"] === "MANUAL_PENDING"
    )
    await api.runtime.runPromise(recordPayoutPaidByHand(FINANCE, { payoutId: PayoutId.make(String(tzs!["id"])), rail: "BANK", reference: "TZ-BANK-0001" }))
    // the TZS balance is settled; the KES 250 is still owed
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(-250_00)

    // the KES commission's money is still owed: it is not PAID, and FINANCE can still reject it
    expect(await db.sql`select state, payout_id from commissions where id = ${c!["id"]}`).toEqual([{ state: "APPROVED", payout_id: null }])
    const commissionId = CommissionId.make(String(c!["id"]))
    expect(await api.runtime.runPromise(rejectCommissionForFraud(FINANCE, { commissionId, reason: "self-referral" }))).toEqual({
      commissionId,
      state: "REJECTED"
    })
  })

  it("a store paid in TZS reads its statement (before: a 500, the KES-only sum refusing the TZS lines)", async () => {
    const shop = await openShop()
    await db.sql.begin(async (tx) => {
      const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:tzs:${shop.storeId}`}) returning id`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values (${t!["id"]}, 'ESCROW', 'ord_seed_tzs_store', 'TZS', 4500000), (${t!["id"]}, 'SELLER_PAYABLE', ${shop.storeId}, 'TZS', -4500000)`
    })
    const statement = await call(api, "GET", "/api/v1/seller/statement", { token: shop.sellerToken })
    expect(statement.status, JSON.stringify(statement.body)).toBe(200)
    expect(statement.body.balance).toEqual({ amount: 45_000_00, currency: "TZS" })
    expect(statement.body.balances).toEqual([{ amount: 45_000_00, currency: "TZS" }])
    expect(statement.body.lines).toHaveLength(1)

    // a store owed in two currencies: one balance each (and `balance` is the KES one)
    await db.sql.begin(async (tx) => {
      const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:kes:${shop.storeId}`}) returning id`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values (${t!["id"]}, 'ESCROW', 'ord_seed_kes_store', 'KES', 12000), (${t!["id"]}, 'SELLER_PAYABLE', ${shop.storeId}, 'KES', -12000)`
    })
    const both = await call(api, "GET", "/api/v1/seller/statement", { token: shop.sellerToken })
    expect(both.status, JSON.stringify(both.body)).toBe(200)
    expect(both.body.balances).toEqual([
      { amount: 120_00, currency: "KES" },
      { amount: 45_000_00, currency: "TZS" }
    ])
    expect(both.body.balance).toEqual({ amount: 120_00, currency: "KES" })
  })

  it("a commission approved while the weekly selection runs is not marked PAID by a payout that did not carry it", async () => {
    const shop = await openShop()
    const affiliate = { id: `usr_aff_late_${shop.storeId}`, code: `LATE${shop.storeId.replace(/[^A-Za-z0-9]/g, "").slice(-10)}` }
    await insertUser(db.sql, { id: affiliate.id, phone: randomPhone(), roles: ["BUYER", "AFFILIATE"], affiliateCode: affiliate.code })
    // an earlier commission (approved well before the selection: the payout carries it)
    const earlier = await delivered(shop, { affiliateCode: affiliate.code })
    expect((await call(api, "POST", `/api/v1/orders/${earlier.orderId}/confirm`, { token: earlier.buyer.token })).body.state).toBe("COMPLETED")
    const o = await delivered(shop, { affiliateCode: affiliate.code })
    // and older earnings: KES 1,000 more owed
    await db.sql.begin(async (tx) => {
      const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:late:${affiliate.id}`}) returning id`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values (${t!["id"]}, 'ESCROW', 'ord_seed_late', 'KES', 100000), (${t!["id"]}, 'AFFILIATE_PAYABLE', ${affiliate.id}, 'KES', -100000)`
    })

    // The buyer confirms receipt just before the Friday selection starts, and that transaction commits
    // just after the selection read the balances (held here at its last statement by a lock).
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    let holding: () => void = () => undefined
    const held = new Promise<void>((r) => (holding = r))
    const blocker = db.owner.begin(async (tx) => {
      await tx`lock table loyalty_ledger in share mode`
      holding()
      await gate
    })
    await held
    const confirming = call(api, "POST", `/api/v1/orders/${o.orderId}/confirm`, { token: o.buyer.token })
    await eventually("the confirmation waiting to commit", async () => {
      const rows = await db.owner`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%insert into loyalty_ledger%'`
      return rows.length > 0
    })
    const friday = FRIDAY + 28 * 86_400_000
    const created = await api.runtime.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(friday)
        return yield* selectWeeklyPayoutBatch()
      }).pipe(Effect.provide(TestContext.TestContext))
    )
    release()
    await blocker
    expect((await confirming).body.state).toBe("COMPLETED")
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(-1_500_00)

    // the payout carries the KES 1,250 the selection saw (and the earlier commission), not the KES 250 approved meanwhile
    const batchId = created._tag === "Some" ? created.value.batchId : ("" as PayoutBatchId)
    const [payout] = await db.sql`select id, amount from payouts where batch_id = ${batchId} and payee_kind = 'AFFILIATE' and payee_id = ${affiliate.id}`
    expect(payout!["amount"]).toBe(1_250_00)
    await api.runtime.runPromise(approvePayoutBatch(FINANCE, { batchId, note: "weekly run" }))
    await eventually(
      "the affiliate's payout paid",
      async () => (await db.sql`select status from payouts where id = ${payout!["id"]}`)[0]?.["status"] === "SUCCEEDED"
    )
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(-250_00)
    // the earlier commission is PAID by this payout
    expect(await db.sql`select state, payout_id from commissions where order_id = ${earlier.orderId}`).toEqual([{ state: "PAID", payout_id: payout!["id"] }])
    // the late one's money is still owed: the commission is not PAID, and FINANCE can still reject it for fraud
    const [c] = await db.sql`select id, state, payout_id from commissions where order_id = ${o.orderId}`
    expect(c).toMatchObject({ state: "APPROVED", payout_id: null })
    const commissionId = CommissionId.make(String(c!["id"]))
    expect(await api.runtime.runPromise(rejectCommissionForFraud(FINANCE, { commissionId, reason: "self-referral" }))).toEqual({
      commissionId,
      state: "REJECTED"
    })
    expect(await balance(db.sql, "AFFILIATE_PAYABLE", affiliate.id)).toBe(0)
  })
})
