/**
 * Checkouts M-Pesa cannot be asked to pay (issue 10 item 4): a zero charge is paid at once by the
 * platform's funding, with no STK push; a charge above Daraja's STK maximum is refused before
 * anything is reserved or burned.
 */
import { Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { insertDiscountCode, insertProduct, insertPromotion, insertVariant } from "../../adapters/postgres/seed.js"
import { call, sessionFor, startApi } from "../api/support.js"
import { useTestDatabase } from "../support/test-database.js"
import { attempt, checkoutCommand, newBuyer, runtimeFor, seedWorld } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const DAY = 86_400_000

beforeAll(async () => {
  await seedWorld(db.sql)
  runtime = runtimeFor(db.sql)
  const now = Date.now()
  // Baskets free (100% off) and a code that waives shipping: a basket costs the buyer nothing.
  await insertPromotion(db.sql, {
    id: "promo_free_basket",
    name: "Free basket",
    priority: 5,
    startsAt: new Date(now - DAY),
    endsAt: new Date(now + DAY),
    scope: { _tag: "PRODUCTS", productIds: ["prd_basket"] } as never,
    effect: { _tag: "PERCENT_OFF", bps: 10_000 },
    globalLimit: 10
  })
  await insertDiscountCode(db.sql, { id: "code_shipfree", code: "SHIPFREE", expiresAt: new Date(now + DAY), effect: { _tag: "FREE_SHIPPING" } })
})
afterAll(async () => {
  await runtime.dispose()
})

describe("checkouts M-Pesa cannot be asked to pay", () => {
  it("a zero charge is PAID at once by the platform's funding: no STK push, escrow holds base + shipping, the ledger balances", async () => {
    const buyer = await newBuyer(db.sql)
    const summary = Either.getOrThrow(
      await attempt(runtime, placeCheckout(checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }], { discountCode: "SHIPFREE" })))
    )
    expect(summary.charge).toEqual({ amount: 0, currency: "KES" })
    expect(summary.state).toBe("PAID")
    expect(summary.orders.map((o) => o.state)).toEqual(["PAID"])
    const orderId = summary.orders[0]!.orderId
    const [checkout, orders, pushes, entries, byTransaction, escrow, events, reservations] = await Promise.all([
      db.sql`select state from checkouts where id = ${summary.checkoutId}`,
      db.sql`select state from orders where checkout_id = ${summary.checkoutId}`,
      db.sql`select count(*)::int as n from mpesa_stk_requests where checkout_id = ${summary.checkoutId}`,
      db.sql`select e.account, sum(e.amount)::bigint as amount from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
              where t.checkout_id = ${summary.checkoutId} group by e.account order by e.account`,
      db.sql`select t.kind, sum(e.amount)::bigint as total from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
              where t.checkout_id = ${summary.checkoutId} group by t.id, t.kind`,
      db.sql`select coalesce(sum(amount), 0)::bigint as held from ledger_entries where account = 'ESCROW' and account_ref = ${orderId}`,
      db.sql`select event_type from outbox where aggregate_id in (${summary.checkoutId}, ${orderId}) order by event_type`,
      db.sql`select state from inventory_reservations where checkout_id = ${summary.checkoutId}`
    ])
    expect(checkout[0]!["state"]).toBe("PAID")
    expect(orders.map((o) => o["state"])).toEqual(["PAID"])
    expect(pushes[0]!["n"]).toBe(0)
    // No money from M-Pesa: the platform funds the whole 1,200 basket and the 300 shipping into escrow.
    expect(entries.map((e) => [e["account"], Number(e["amount"])])).toEqual([
      ["ESCROW", -1_500_00],
      ["PLATFORM_INCENTIVE_EXPENSE", 1_500_00]
    ])
    expect(byTransaction.length).toBeGreaterThan(0)
    for (const t of byTransaction) expect(Number(t["total"])).toBe(0)
    expect(Number(escrow[0]!["held"])).toBe(-1_500_00)
    expect(events.map((e) => e["event_type"])).toEqual(["CHECKOUT_CREATED", "CHECKOUT_PAID", "ORDER_CREATED", "ORDER_PAID"])
    expect(reservations.map((r) => r["state"])).toEqual(["CONFIRMED"])
  })

  it("a charge above KES 250,000 is refused with CHECKOUT.CHARGE_ABOVE_MPESA_LIMIT before anything is reserved", async () => {
    const buyer = await newBuyer(db.sql)
    const [before] = await db.sql`select sum(reserved)::int as reserved from inventory`
    // 100 dresses at 2,500 = 250,000 (shipped free over 5,000) and a free basket with 300 shipping: KES 250,300.
    const result = await attempt(
      runtime,
      placeCheckout(
        checkoutCommand(buyer, [
          { variantId: "var_dress", quantity: 100 },
          { variantId: "var_basket", quantity: 1 }
        ])
      )
    )
    expect(Either.isLeft(result) && result.left._tag).toBe("ChargeAboveMpesaLimit")
    expect(Either.isLeft(result) && (result.left as { code?: string }).code).toBe("CHECKOUT.CHARGE_ABOVE_MPESA_LIMIT")
    const [after] = await db.sql`select sum(reserved)::int as reserved from inventory`
    expect(after!["reserved"]).toBe(before!["reserved"])
    const [checkouts] = await db.sql`select count(*)::int as n from checkouts where buyer_id = ${buyer}`
    expect(checkouts!["n"]).toBe(0)
  })

  it("over HTTP the refusal is a problem+json with the stable code and a sentence for a person", async () => {
    await insertProduct(db.sql, { id: "prd_tractor", storeId: "sto_a", title: "Walking tractor", price: 300_000_00 })
    await insertVariant(db.sql, { id: "var_tractor", productId: "prd_tractor", sku: "TRACTOR-1", weightGrams: 400, storeId: "sto_a", onHand: 2 })
    const buyer = await newBuyer(db.sql)
    const api = await startApi(db.sql)
    try {
      const reply = await call(api, "POST", "/api/v1/checkouts", {
        token: await sessionFor(db.sql, buyer),
        headers: { "idempotency-key": "idem-tractor-1" },
        body: { destination: "KE-047-westlands", items: [{ variantId: "var_tractor", quantity: 1 }] }
      })
      expect(reply.status).toBe(422)
      expect(reply.headers.get("content-type")).toContain("application/problem+json")
      expect(reply.body).toMatchObject({ status: 422, code: "CHECKOUT.CHARGE_ABOVE_MPESA_LIMIT" })
      expect(reply.body.detail).toContain("KES 250,000.00")
    } finally {
      await api.close()
    }
  })
})
