/**
 * The seller's statement after FINANCE rejects an affiliate's commission for fraud (thirteenth
 * session's review). The commission goes back to the seller (COMMISSION_REVERSED on the ledger), so
 * the statement's per-order breakdown must say so: that order's commission is 0 and its net is base
 * minus the fee, and every order's net sums to what the ledger credited the store.
 */
import { AdminUserId, CommissionId } from "../../domain/ids.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rejectCommissionForFraud } from "../../application/admin/reject-commission.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { insertUser } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, randomPhone, seedShop, sessionFor } from "../api/support.js"
import { inboxMessage, seedRider, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
let api: Platform
const RIDER = { id: "usr_rider_statement", phone: "254722000299", name: "Achieng" }
const FINANCE: AdminActor = { id: AdminUserId.make("adm_finance_statement"), email: "finance-statement@amana.test", role: "FINANCE" }

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

/** Checkout over HTTP with the affiliate's code, paid, accepted, carried, handed over and confirmed: COMPLETED. */
const completed = async (shop: Shop, affiliateCode: string) => {
  const buyer = await newBuyer(db.sql)
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: buyer.token,
    headers: { "idempotency-key": `statement-${buyer.id}` },
    body: { destination: "KE-047-westlands", items: [{ variantId: shop.dress.variantId, quantity: 1 }], affiliateCode }
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
  const code = (await inboxMessage(api, buyer.phone, "order_dispatched_with_code")).params[3]!
  const jobId: string = dispatched.body.jobId
  const rider = await sessionFor(db.sql, String((await db.sql`select rider_user_id from deliveries where id = ${jobId}`)[0]?.["rider_user_id"]))
  for (const body of [{ status: "PICKED_UP" }, { status: "IN_TRANSIT" }, { status: "DELIVERED", handoverCode: code }]) {
    const r = await call(api, "POST", `/api/v1/rider/jobs/${jobId}/status`, { token: rider, body })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
  }
  expect((await call(api, "POST", `/api/v1/orders/${orderId}/confirm`, { token: buyer.token })).body.state).toBe("COMPLETED")
  return orderId
}

describe("the seller's statement after a commission is rejected for fraud", () => {
  it("the order's breakdown shows no commission and the net the seller was credited; the orders' nets sum to the store's ledger lines", async () => {
    const shop = await openShop()
    const affiliate = { id: `usr_aff_stmt_${shop.storeId}`, code: `STMT${shop.storeId.replace(/[^A-Za-z0-9]/g, "").slice(-10)}` }
    await insertUser(db.sql, { id: affiliate.id, phone: randomPhone(), roles: ["BUYER", "AFFILIATE"], affiliateCode: affiliate.code })
    const honest = await completed(shop, affiliate.code)
    const fraud = await completed(shop, affiliate.code)
    const [c] = await db.sql`select id from commissions where order_id = ${fraud}`
    await api.runtime.runPromise(rejectCommissionForFraud(FINANCE, { commissionId: CommissionId.make(String(c!["id"])), reason: "a ring of fake buyers" }))

    const statement = await call(api, "GET", "/api/v1/seller/statement", { token: shop.sellerToken })
    expect(statement.status, JSON.stringify(statement.body)).toBe(200)
    const byOrder = new Map<string, { base: { amount: number }; platformFee: { amount: number }; commission: { amount: number }; net: { amount: number } }>(
      statement.body.orders.map((o: { orderId: string }) => [o.orderId, o])
    )
    // KES 2,500 dress, 5% fee, 10% commission
    expect(byOrder.get(honest)).toMatchObject({
      base: { amount: 2_500_00 },
      platformFee: { amount: 125_00 },
      commission: { amount: 250_00 },
      net: { amount: 2_125_00 }
    })
    expect(byOrder.get(fraud)).toMatchObject({
      base: { amount: 2_500_00 },
      platformFee: { amount: 125_00 },
      commission: { amount: 0 },
      net: { amount: 2_375_00 },
      commissionReversed: true
    })
    // the breakdown agrees with the ledger lines, order by order and in total
    const credited = new Map<string, number>()
    for (const l of statement.body.lines as Array<{ orderId?: string; amount: { amount: number } }>)
      if (l.orderId !== undefined) credited.set(l.orderId, (credited.get(l.orderId) ?? 0) + l.amount.amount)
    for (const [orderId, o] of byOrder) expect(o.net.amount, orderId).toBe(credited.get(orderId))
    expect(statement.body.balance).toEqual({ amount: 2_125_00 + 2_375_00, currency: "KES" })
  })
})
