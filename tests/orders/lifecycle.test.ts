/**
 * Order transitions with their consequences in the same transaction, on real PostgreSQL: expiry
 * releases stock, burns and loyalty; payment confirms stock and fills escrow; completion releases
 * escrow by the ledger rules; a refund returns exactly what the buyer paid.
 */
import { Effect, Either, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { applyTransition, expireUnpaidOrders, transitionOrder } from "../../application/orders/transition-order.js"
import { OrderStore } from "../../application/orders/order.port.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import type { CheckoutId, OrderId } from "../../domain/ids.js"
import { UserId } from "../../domain/ids.js"
import { orderMoneyFromSnapshot, paymentPostings } from "../../domain/ledger.js"
import { insertDiscountCode, insertPromotion } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { attempt, checkoutCommand, newBuyer, runtimeFor, seedWorld } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const DAY = 86_400_000
const SYSTEM = { kind: "SYSTEM" as const, id: "test" }

beforeAll(async () => {
  await seedWorld(db.sql)
  const now = Date.now()
  await insertPromotion(db.sql, {
    id: "promo_life",
    name: "KES 200 off dresses",
    startsAt: new Date(now - DAY),
    endsAt: new Date(now + DAY),
    scope: { _tag: "PRODUCTS", productIds: ["prd_dress"] as never },
    effect: { _tag: "AMOUNT_OFF", amount: { amount: 200_00, currency: "KES" } },
    globalLimit: 1_000
  })
  await insertDiscountCode(db.sql, {
    id: "code_life",
    code: "LIFE",
    expiresAt: new Date(now + DAY),
    effect: { _tag: "AMOUNT_OFF", amount: { amount: 10_50, currency: "KES" } },
    globalLimit: 1_000,
    perBuyerLimit: 5
  })
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

/** What the payment use case does once Daraja confirms: every order PAID and the charge into escrow, in one transaction. */
const pay = (checkoutId: CheckoutId, orderIds: ReadonlyArray<OrderId>, charge: { amount: number; currency: "KES" }) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* OrderStore
        const orders = []
        for (const id of orderIds) {
          const order = Option.getOrThrow(yield* store.lock(id))
          orders.push(order)
          yield* applyTransition(order, { orderId: id, to: "PAID", actor: SYSTEM }, Date.now())
        }
        yield* store.post(
          paymentPostings(
            checkoutId,
            "RKTQDM7W6S",
            charge,
            orders.map((o) => orderMoneyFromSnapshot(o.snapshot))
          ),
          Date.now()
        )
      })
    )
  })

const balance = async (account: string, ref: string | null) => {
  const [row] =
    await db.sql`select coalesce(sum(amount), 0)::bigint as b from ledger_entries where account = ${account} and account_ref is not distinct from ${ref}`
  return Number(row!["b"])
}

describe("order lifecycle (Postgres)", () => {
  it("an unpaid order expires after 12 hours: stock, promotion and code burns, and loyalty points are all released", async () => {
    const buyer = await newBuyer(db.sql)
    await db.sql`insert into loyalty_ledger (buyer_id, points, reason, note) values (${buyer}, 300, 'ADJUSTED', 'welcome')`
    const [stockBefore] = await db.sql`select reserved from inventory where variant_id = 'var_dress'`
    const s = await runtime.runPromise(
      placeCheckout(
        checkoutCommand(
          buyer,
          [
            { variantId: "var_dress", quantity: 1 },
            { variantId: "var_basket", quantity: 1 }
          ],
          { discountCode: "LIFE", loyaltyPoints: 300 }
        )
      )
    )
    const [uses] =
      await db.sql`select (select uses from promotions where id = 'promo_life') as p, (select uses from discount_codes where id = 'code_life') as c`
    // Not yet: the window is open.
    expect(await runtime.runPromise(expireUnpaidOrders())).toBe(0)
    await db.sql`update checkouts set created_at = created_at - interval '13 hours', expires_at = expires_at - interval '13 hours' where id = ${s.checkoutId}`
    expect(await runtime.runPromise(expireUnpaidOrders())).toBe(2)
    expect(await runtime.runPromise(expireUnpaidOrders())).toBe(0) // a re-run finds nothing
    const states = await db.sql`select state from orders where checkout_id = ${s.checkoutId}`
    expect(states.map((r) => r["state"])).toEqual(["EXPIRED", "EXPIRED"])
    const [stockAfter] = await db.sql`select reserved from inventory where variant_id = 'var_dress'`
    expect(stockAfter!["reserved"]).toBe(stockBefore!["reserved"])
    const burns = await db.sql`select state from incentive_burns where checkout_id = ${s.checkoutId}`
    expect(burns.map((b) => b["state"])).toEqual(["RELEASED", "RELEASED"])
    const [usesAfter] =
      await db.sql`select (select uses from promotions where id = 'promo_life') as p, (select uses from discount_codes where id = 'code_life') as c`
    expect(Number(uses!["p"])).toBeGreaterThan(0)
    expect(usesAfter).toEqual({ p: Number(uses!["p"]) - 1, c: Number(uses!["c"]) - 1 })
    const [buyerUses] = await db.sql`select uses from incentive_buyer_uses where buyer_id = ${buyer} and incentive_id = 'code_life'`
    expect(buyerUses!["uses"]).toBe(0)
    const [points] = await db.sql`select sum(points)::int as p from loyalty_ledger where buyer_id = ${buyer}`
    expect(points!["p"]).toBe(300)
    const events =
      await db.sql`select event_type from outbox where aggregate_id in (select id from orders where checkout_id = ${s.checkoutId}) and event_type = 'ORDER_EXPIRED'`
    expect(events).toHaveLength(2)
  })

  it("paid -> accepted -> ... -> completed: stock leaves, escrow fills then empties to seller, affiliate, shipping and fee", async () => {
    const buyer = await newBuyer(db.sql)
    const s = await runtime.runPromise(
      placeCheckout(checkoutCommand(buyer, [{ variantId: "var_dress", quantity: 1 }], { discountCode: "LIFE", affiliateCode: "AKINYI" }))
    )
    // 2,500 − 200 (promotion) − 10.50 (code) + 300 shipping = 2,589.50 -> M-Pesa KES 2,589, 50 cents absorbed.
    expect(s.total.amount).toBe(2_589_50)
    expect(s.charge.amount).toBe(2_589_00)
    const orderId = s.orders[0]!.orderId
    const [onHand] = await db.sql`select on_hand from inventory where variant_id = 'var_dress'`
    await runtime.runPromise(pay(s.checkoutId, [orderId], { amount: 2_589_00, currency: "KES" }))
    const [onHandPaid] = await db.sql`select on_hand, reserved from inventory where variant_id = 'var_dress'`
    expect(onHandPaid!["on_hand"]).toBe(Number(onHand!["on_hand"]) - 1)
    expect(await balance("ESCROW", orderId)).toBe(-2_800_00) // base 2,500 + shipping 300
    expect(await balance("MPESA_CLEARING", null)).toBeGreaterThanOrEqual(2_589_00)

    await db.sql`update orders set handover_code_hash = '482913' where id = ${orderId}`
    const seller = { kind: "SELLER" as const, id: UserId.make("usr_seller_a") }
    const rider = { kind: "RIDER" as const, id: UserId.make("usr_rider") }
    for (const [to, actor] of [
      ["ACCEPTED", seller],
      ["DISPATCHED", seller],
      ["PICKED_UP", rider],
      ["IN_TRANSIT", rider]
    ] as const)
      await runtime.runPromise(transitionOrder({ orderId, to, actor }))
    const wrong = await attempt(runtime, transitionOrder({ orderId, to: "DELIVERED", actor: rider, proof: { handoverCode: "000000" } }))
    expect(Either.isLeft(wrong) && wrong.left._tag).toBe("WrongHandoverCode")
    await runtime.runPromise(transitionOrder({ orderId, to: "DELIVERED", actor: rider, proof: { handoverCode: "482913" } }))
    await runtime.runPromise(transitionOrder({ orderId, to: "COMPLETED", actor: { kind: "BUYER", id: UserId.make(buyer) } }))

    expect(await balance("ESCROW", orderId)).toBe(0)
    // Seller: 2,500 − 5% fee (125) − 10% commission (250) = 2,125, whatever the buyer's discounts.
    const [sellerCredit] =
      await db.sql`select -sum(amount)::bigint as b from ledger_entries e join ledger_transactions t on t.id = e.transaction_id where t.order_id = ${orderId} and account = 'SELLER_PAYABLE'`
    expect(Number(sellerCredit!["b"])).toBe(2_125_00)
    const [commission] = await db.sql`select state, amount from commissions where order_id = ${orderId}`
    expect(commission).toEqual({ state: "APPROVED", amount: 250_00 })
    const [earned] = await db.sql`select points from loyalty_ledger where order_id = ${orderId} and reason = 'EARNED'`
    expect(earned!["points"]).toBe(22) // 2,289.50 of goods paid -> 22 points
    const timeline = await db.sql`select to_state from order_timeline where order_id = ${orderId} order by id`
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
    // An illegal move names both states and changes nothing.
    const illegal = await attempt(runtime, transitionOrder({ orderId, to: "PAID", actor: SYSTEM }))
    expect(Either.isLeft(illegal) && illegal.left.message).toMatch(/COMPLETED.*PAID/)
  })

  it("a seller rejecting a paid order refunds exactly what the buyer paid and returns the units to stock", async () => {
    const buyer = await newBuyer(db.sql)
    const s = await runtime.runPromise(placeCheckout(checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 2 }])))
    const orderId = s.orders[0]!.orderId
    const [before] = await db.sql`select on_hand from inventory where variant_id = 'var_basket'`
    await runtime.runPromise(pay(s.checkoutId, [orderId], s.charge as { amount: number; currency: "KES" }))
    await runtime.runPromise(transitionOrder({ orderId, to: "CANCELLED", actor: { kind: "SELLER", id: UserId.make("usr_seller_b") }, reason: "out of colour" }))
    expect(await balance("ESCROW", orderId)).toBe(0)
    expect(await balance("REFUNDS_PAYABLE", buyer)).toBe(-s.charge.amount)
    const [after] = await db.sql`select on_hand from inventory where variant_id = 'var_basket'`
    expect(after!["on_hand"]).toBe(before!["on_hand"])
  })

  it("the ledger refuses an unbalanced posting and any edit of history", async () => {
    await expect(
      db.sql.begin(async (tx) => {
        const [t] = await tx`insert into ledger_transactions (kind) values ('TEST') returning id`
        await tx`insert into ledger_entries (transaction_id, account, currency, amount) values (${t!["id"]}, 'MPESA_CLEARING', 'KES', 100), (${t!["id"]}, 'PLATFORM_FEE_REVENUE', 'KES', -99)`
      })
    ).rejects.toThrow(/unbalanced/)
    // the runtime role may not even try (permission denied); the trigger stops the owner too
    await expect(db.sql`update ledger_entries set amount = amount + 1`).rejects.toThrow(/permission denied/)
    await expect(db.owner`update ledger_entries set amount = amount + 1`).rejects.toThrow(/append-only/)
  })
})
