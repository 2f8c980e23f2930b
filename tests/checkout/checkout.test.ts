/**
 * The atomic checkout on real PostgreSQL: prices from the domain, stock reserved, incentives burned
 * within limits, loyalty redeemed, one order per seller with snapshot, timeline and outbox events —
 * all in one transaction, idempotent by key.
 */
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { insertDiscountCode, insertPromotion } from "../../adapters/postgres/seed.js"
import { sha256 } from "../../adapters/postgres/checkout-store.js"
import { canonicalJson } from "../../domain/snapshot.js"
import { VariantId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { attempt, checkoutCommand, newBuyer, runtimeFor, seedWorld } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"
import { relayed } from "../support/outbox-relay.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const DAY = 86_400_000

beforeAll(async () => {
  await seedWorld(db.sql)
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

describe("checkout (Postgres)", () => {
  it("a two-seller cart becomes one checkout, two orders with snapshots, timeline, reservations and outbox events", async () => {
    const buyer = await newBuyer(db.sql)
    const cmd = checkoutCommand(buyer, [
      { variantId: "var_dress", quantity: 2 },
      { variantId: "var_basket", quantity: 1 }
    ])
    const summary = await runtime.runPromise(placeCheckout(cmd))
    await relayed(runtime)
    // Dress: 2 × 2,500 = 5,000 (free shipping over 5,000); basket 1,200 + 300 flat.
    expect(summary.total).toEqual({ amount: 6_500_00, currency: "KES" })
    expect(summary.charge).toEqual({ amount: 6_500_00, currency: "KES" })
    expect(summary.orders.map((o) => [o.storeId, o.total.amount])).toEqual([
      ["sto_a", 5_000_00],
      ["sto_b", 1_500_00]
    ])
    const [orders, snapshots, timeline, reserved, events, jobs] = await Promise.all([
      db.sql`select id, state from orders where checkout_id = ${summary.checkoutId}`,
      db.sql`select s.snapshot, s.snapshot_hash from order_snapshots s join orders o on o.id = s.order_id where o.checkout_id = ${summary.checkoutId}`,
      db.sql`select to_state, actor_kind from order_timeline t join orders o on o.id = t.order_id where o.checkout_id = ${summary.checkoutId}`,
      db.sql`select variant_id, reserved from inventory where variant_id in ('var_dress', 'var_basket') order by variant_id`,
      db.sql`select event_type from outbox where payload->>'checkoutId' = ${summary.checkoutId} order by event_type`,
      db.sql`select count(distinct j.id)::int as n, count(*)::int as events from graphile_worker._private_jobs j join outbox o on (j.payload::jsonb)->'eventIds' ? o.id where o.payload->>'checkoutId' = ${summary.checkoutId}`
    ])
    expect(orders.map((o) => o["state"])).toEqual(["PENDING_PAYMENT", "PENDING_PAYMENT"])
    expect(snapshots).toHaveLength(2)
    for (const s of snapshots) expect(sha256(canonicalJson(s["snapshot"]))).toBe(s["snapshot_hash"])
    expect(timeline.every((t) => t["to_state"] === "PENDING_PAYMENT" && t["actor_kind"] === "BUYER")).toBe(true)
    expect(reserved.map((r) => r["reserved"])).toEqual([1, 2])
    expect(events.map((e) => e["event_type"])).toEqual(["CHECKOUT_CREATED", "ORDER_CREATED", "ORDER_CREATED"])
    expect(jobs[0]).toEqual({ n: 1, events: 3 }) // one job carries the transaction's three events
  })

  it("the same Idempotency-Key returns the same result and creates nothing new; another body with that key is refused", async () => {
    const buyer = await newBuyer(db.sql)
    const cmd = checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }])
    const first = await runtime.runPromise(placeCheckout(cmd))
    const again = await runtime.runPromise(placeCheckout({ ...cmd, items: [...cmd.items] }))
    expect(again).toEqual(first)
    const [{ n }] = (await db.sql`select count(*)::int as n from checkouts where buyer_id = ${buyer}`) as unknown as [{ n: number }]
    expect(n).toBe(1)
    const other = await attempt(runtime, placeCheckout({ ...cmd, items: [{ variantId: VariantId.make("var_basket"), quantity: 2 }] }))
    expect(Either.isLeft(other) && other.left._tag).toBe("IdempotencyKeyReused")
  })

  it("the same key sent twice at once (a double tap) creates one checkout and both get its result", async () => {
    const buyer = await newBuyer(db.sql)
    const cmd = checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }])
    const [a, b] = await Promise.all([runtime.runPromise(placeCheckout(cmd)), runtime.runPromise(placeCheckout(cmd))])
    expect(a).toEqual(b)
    const [{ n }] = (await db.sql`select count(*)::int as n from checkouts where buyer_id = ${buyer}`) as unknown as [{ n: number }]
    expect(n).toBe(1)
  })

  it("a failure anywhere leaves nothing behind: an unknown item, an out-of-stock line, an undeliverable destination", async () => {
    const buyer = await newBuyer(db.sql)
    const before =
      await db.sql`select (select count(*) from checkouts)::int as c, (select sum(reserved) from inventory)::int as r, (select count(*) from outbox)::int as o`
    const cases = [
      [checkoutCommand(buyer, [{ variantId: "var_nope", quantity: 1 }]), "UnknownItem"],
      [
        checkoutCommand(buyer, [
          { variantId: "var_basket", quantity: 1 },
          { variantId: "var_dress", quantity: 1_000 }
        ]),
        "OutOfStock"
      ],
      [checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }], { destination: "KE-001" }), "NotDeliverable"],
      [checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }], { discountCode: "NOSUCH" }), "UnknownDiscountCode"],
      [checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }], { loyaltyPoints: 10 }), "LoyaltyRedemptionInvalid"]
    ] as const
    for (const [cmd, tag] of cases) {
      const result = await attempt(runtime, placeCheckout(cmd))
      expect(Either.isLeft(result) && result.left._tag).toBe(tag)
    }
    const after =
      await db.sql`select (select count(*) from checkouts)::int as c, (select sum(reserved) from inventory)::int as r, (select count(*) from outbox)::int as o`
    expect(after).toEqual(before)
  })

  it("applies the best promotion, the code and loyalty, records every burn with its version, and attributes the affiliate", async () => {
    const buyer = await newBuyer(db.sql)
    const now = Date.now()
    await insertPromotion(db.sql, {
      id: "promo_ten",
      name: "10% off",
      priority: 1,
      startsAt: new Date(now - DAY),
      endsAt: new Date(now + DAY),
      scope: { _tag: "EVERYTHING" },
      effect: { _tag: "PERCENT_OFF", bps: 1_000 }
    })
    await insertDiscountCode(db.sql, {
      id: "code_fifty",
      code: "FIFTY",
      expiresAt: new Date(now + DAY),
      effect: { _tag: "AMOUNT_OFF", amount: { amount: 50_00, currency: "KES" } }
    })
    await db.sql`insert into loyalty_ledger (buyer_id, points, reason, note) values (${buyer}, 500, 'ADJUSTED', 'welcome')`
    const summary = await runtime.runPromise(
      placeCheckout(checkoutCommand(buyer, [{ variantId: "var_dress", quantity: 1 }], { discountCode: "fifty", loyaltyPoints: 100, affiliateCode: "akinyi" }))
    )
    // 2,500 − 250 (10%) − 50 (code) − 100 (points) = 2,100 + 300 shipping.
    expect(summary.total).toEqual({ amount: 2_400_00, currency: "KES" })
    const burns = await db.sql`select incentive_kind, version, amount from incentive_burns where checkout_id = ${summary.checkoutId} order by incentive_kind`
    expect(burns.map((b) => [b["incentive_kind"], b["version"], b["amount"]])).toEqual([
      ["DISCOUNT_CODE", 1, 50_00],
      ["PROMOTION", 1, 250_00]
    ])
    const [points] = await db.sql`select coalesce(sum(points), 0)::int as p from loyalty_ledger where buyer_id = ${buyer}`
    expect(points!["p"]).toBe(400)
    const [snap] = await db.sql`select s.snapshot from order_snapshots s join orders o on o.id = s.order_id where o.checkout_id = ${summary.checkoutId}`
    const snapshot = snap!["snapshot"] as { incentives: { promotion: { id: string; version: number } }; affiliate: { userId: string } }
    expect(snapshot.incentives.promotion).toMatchObject({ id: "promo_ten", version: 1 })
    expect(snapshot.affiliate.userId).toBe("usr_affiliate")
    await db.sql`update promotions set status = 'ENDED' where id = 'promo_ten'`
  })

  it("the snapshot cannot be changed or deleted, by anyone", async () => {
    const buyer = await newBuyer(db.sql)
    const s = await runtime.runPromise(placeCheckout(checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }])))
    const orderId = s.orders[0]!.orderId
    // the app's role may not (no UPDATE/DELETE grant); the owner is stopped by the trigger
    await expect(db.sql`update order_snapshots set snapshot = '{}' where order_id = ${orderId}`).rejects.toThrow(/permission denied/)
    await expect(db.sql`delete from order_snapshots where order_id = ${orderId}`).rejects.toThrow(/permission denied/)
    await expect(db.owner`update order_snapshots set snapshot = '{}' where order_id = ${orderId}`).rejects.toThrow(/append-only/)
    await expect(db.owner`delete from order_snapshots where order_id = ${orderId}`).rejects.toThrow(/append-only/)
  })

  it("a line whose last units another buyer takes while this checkout waits for the stock lock: OutOfStock names that line; nothing is kept", async () => {
    const buyer = await newBuyer(db.sql)
    const before = await db.sql`select count(*)::int as n from checkouts`
    const [stock] = await db.sql<{ on_hand: number; reserved: number }[]>`select on_hand, reserved from inventory where variant_id = 'var_dress'`
    // (the second of its lines in stock-lock order, so a refusal naming the first line would be caught)
    // The checkout reads stock available (its pre-check passes), then waits at its reservation (the
    // last statement, raised by the server when a line gets no stock: amana_refuse) while another
    // transaction takes every remaining unit and commits.
    const holder = await db.sql.reserve()
    try {
      await holder`begin`
      await holder`select * from inventory where variant_id = 'var_dress' for update`
      const placing = runtime.runPromise(
        Effect.either(
          placeCheckout(
            checkoutCommand(buyer, [
              { variantId: "var_dress", quantity: 1 },
              { variantId: "var_basket", quantity: 1 }
            ])
          )
        )
      )
      for (let i = 0; i < 100; i++) {
        const waiting = await db.sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`
        if (waiting[0]!["n"] === 1) break
        await new Promise((ok) => setTimeout(ok, 20))
      }
      await holder`update inventory set reserved = on_hand where variant_id = 'var_dress'`
      await holder`commit`
      const result = await placing
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "OutOfStock", variantId: "var_dress", requested: 1 })
    } finally {
      holder.release()
      await db.sql`update inventory set reserved = ${stock!.reserved} where variant_id = 'var_dress'`
    }
    const after = await db.sql`select count(*)::int as n from checkouts`
    expect(after[0]!["n"]).toBe(before[0]!["n"])
    const kept = await db.sql`select count(*)::int as n from inventory_reservations r join checkouts c on c.id = r.checkout_id where c.buyer_id = ${buyer}`
    expect(kept[0]!["n"]).toBe(0)
  })

  it("a checkout interrupted while waiting on a lock rolls back whole and its query is cancelled on the server", async () => {
    const buyer = await newBuyer(db.sql)
    const before = await db.sql`select count(*)::int as n from checkouts`
    // Another transaction holds the basket's stock row, so the checkout blocks at its reservation,
    // after it has already written the checkout and order rows in its own transaction.
    const holder = await db.sql.reserve()
    await holder`begin`
    await holder`select * from inventory where variant_id = 'var_basket' for update`
    const result = await runtime.runPromise(
      placeCheckout(checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }])).pipe(Effect.timeout("500 millis"), Effect.either)
    )
    expect(Either.isLeft(result) && result.left._tag).toBe("TimeoutException")
    const waiting = await db.sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`
    await holder`rollback`
    holder.release()
    expect(waiting[0]!["n"]).toBe(0)
    const after = await db.sql`select count(*)::int as n from checkouts`
    expect(after[0]!["n"]).toBe(before[0]!["n"])
  })
})
