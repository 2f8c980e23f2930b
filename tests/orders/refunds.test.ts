/**
 * Refunding every order of a multi-seller checkout, on real PostgreSQL (issue 10 items 2 and 3):
 * the buyer gets back exactly the charge, never a shilling more; the points they redeemed come back
 * order by order, all of them; an affiliate's commission on a refunded order is REJECTED.
 */
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { transitionOrder } from "../../application/orders/transition-order.js"
import { payOrders } from "../../application/payments/pay-orders.js"
import { refundDisbursement } from "../../application/payouts-execution/disbursement.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import type { OrderId } from "../../domain/ids.js"
import { UserId } from "../../domain/ids.js"
import * as M from "../../domain/money.js"
import { insertDiscountCode } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { attempt, checkoutCommand, newBuyer, runtimeFor, seedWorld } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const SYSTEM = { kind: "SYSTEM" as const, id: "test" }

beforeAll(async () => {
  await seedWorld(db.sql)
  await insertDiscountCode(db.sql, {
    id: "code_cents",
    code: "CENTS",
    expiresAt: new Date(Date.now() + 86_400_000),
    effect: { _tag: "AMOUNT_OFF", amount: { amount: 10_35, currency: "KES" } }
  })
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

const seller = { kind: "SELLER" as const, id: UserId.make("usr_seller_a") }
const rider = { kind: "RIDER" as const, id: UserId.make("usr_rider") }

/** Paid, then carried, failed at the door, returned and refunded: every step through the use case. */
const refund = async (orderId: OrderId) => {
  for (const [to, actor] of [
    ["ACCEPTED", seller],
    ["DISPATCHED", seller],
    ["PICKED_UP", rider],
    ["IN_TRANSIT", rider],
    ["DELIVERY_FAILED", rider],
    ["RETURNED", seller],
    ["REFUNDED", SYSTEM]
  ] as const)
    Either.getOrThrow(await attempt(runtime, transitionOrder({ orderId, to, actor })))
}

describe("refunding every order of a two-seller checkout", () => {
  it("refunds sum to the charge, the redeemed point comes back with the order that took it, commissions are REJECTED", async () => {
    const buyer = await newBuyer(db.sql)
    await db.sql`insert into loyalty_ledger (buyer_id, points, reason, note) values (${buyer}, 5, 'ADJUSTED', 'welcome')`
    // Dress 2,500 (sto_a) and basket 1,200 (sto_b), KES 300 shipping each. The code's KES 10.35 splits 6.99 / 3.36
    // (2,500 : 1,200); the one point goes whole to the dress. Totals 2,792.01 + 1,496.64 = 4,288.65 -> charge KES 4,288,
    // shared 2,792 + 1,496 (the platform absorbs 0.01 and 0.64).
    const s = await runtime.runPromise(
      placeCheckout(
        checkoutCommand(
          buyer,
          [
            { variantId: "var_dress", quantity: 1 },
            { variantId: "var_basket", quantity: 1 }
          ],
          { discountCode: "CENTS", loyaltyPoints: 1, affiliateCode: "AKINYI" }
        )
      )
    )
    expect(s.charge).toEqual(M.kes(4_288))
    const orderIds = s.orders.map((o) => o.orderId)
    const snapshots =
      await db.sql`select o.id, s.snapshot from orders o join order_snapshots s on s.order_id = o.id where o.checkout_id = ${s.checkoutId} order by o.store_id`
    const shares = snapshots.map((r) => (r["snapshot"] as { totals: { buyerPays: M.Money } }).totals.buyerPays)
    const points = snapshots.map((r) => (r["snapshot"] as { incentives: { loyalty?: { points: number; value: M.Money } } }).incentives.loyalty)
    // Whole shillings per order, summing to the charge; the one point sits whole on one order.
    expect(shares).toEqual([M.kes(2_792), M.kes(1_496)])
    expect(points).toEqual([{ points: 1, value: M.kes(1) }, undefined])

    await runtime.runPromise(
      Effect.flatMap(UnitOfWork, (uow) =>
        uow.transaction(
          payOrders(
            { checkoutId: s.checkoutId, charge: s.charge, orderIds },
            { actor: SYSTEM, reason: "test payment", reference: "RKT0000001", stkRequestId: null, receipt: "RKT0000001" },
            Date.now()
          )
        )
      )
    )
    for (const id of [...orderIds].reverse()) await refund(id)

    const [owed] = await db.sql`select -sum(amount)::bigint as owed from ledger_entries where account = 'REFUNDS_PAYABLE' and account_ref = ${buyer}`
    expect(Number(owed!["owed"])).toBe(s.charge.amount)
    // What B2C sends for each refund (whole shillings up) adds up to what the buyer paid, not a shilling more.
    expect(M.sum(shares.map(refundDisbursement), "KES")).toEqual(s.charge)
    const [loyalty] =
      await db.sql`select sum(points)::int as balance, sum(points) filter (where reason = 'REDEMPTION_REVERSED')::int as returned from loyalty_ledger where buyer_id = ${buyer}`
    expect(loyalty).toEqual({ balance: 5, returned: 1 })
    const commissions = await db.sql`select state from commissions where order_id = any(${orderIds})`
    expect(commissions.map((c) => c["state"])).toEqual(["REJECTED", "REJECTED"])
  })
})
