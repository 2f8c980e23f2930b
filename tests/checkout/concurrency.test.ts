/**
 * Limits hold under concurrency, on real PostgreSQL with real parallel connections: a limit of N
 * means N, however many buyers race for it.
 */
import { UserId } from "../../domain/ids.js"
import { Effect, Either, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { makePool } from "../../adapters/postgres/database.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { insertDiscountCode, insertProduct, insertPromotion, insertUser, insertVariant } from "../../adapters/postgres/seed.js"
import { persistenceLayer } from "../../composition/platform.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutCommand, phoneFor, seedWorld } from "../support/world.js"

const db = useTestDatabase()
const BUYERS = 200
let pool: Sql
let runtime: ReturnType<typeof makeRuntime>
const makeRuntime = (sql: Sql) => ManagedRuntime.make(persistenceLayer(sql))
const DAY = 86_400_000

beforeAll(async () => {
  await seedWorld(db.sql)
  for (let i = 0; i < BUYERS; i++) await insertUser(db.sql, { id: `usr_racer_${i}`, phone: phoneFor(500 + i) })
  pool = makePool(db.url, { max: 40 })
  runtime = makeRuntime(pool)
})
afterAll(async () => {
  await runtime.dispose()
  await pool.end({ timeout: 5 })
})

const race = (commands: ReadonlyArray<Parameters<typeof placeCheckout>[0]>) =>
  runtime.runPromise(Effect.forEach(commands, (c) => Effect.either(placeCheckout(c)), { concurrency: "unbounded" }))

describe("checkout under concurrency", () => {
  it("200 buyers racing for the last 10 units and a promotion limited to 5 uses: exactly 10 sold, exactly 5 burns", async () => {
    await insertProduct(db.sql, { id: "prd_last", storeId: "sto_a", title: "Last kiondo", price: 1_000_00 })
    await insertVariant(db.sql, { id: "var_last", productId: "prd_last", sku: "LAST-1", weightGrams: 300, storeId: "sto_a", onHand: 10 })
    await insertPromotion(db.sql, {
      id: "promo_first_five",
      name: "KES 100 off for the first five",
      priority: 9,
      startsAt: new Date(Date.now() - DAY),
      endsAt: new Date(Date.now() + DAY),
      scope: { _tag: "PRODUCTS", productIds: ["prd_last"] as never },
      effect: { _tag: "AMOUNT_OFF", amount: { amount: 100_00, currency: "KES" } },
      globalLimit: 5
    })
    const results = await race(
      Array.from({ length: BUYERS }, (_, i) => checkoutCommand(UserId.make(`usr_racer_${i}`), [{ variantId: "var_last", quantity: 1 }]))
    )
    const won = results.filter(Either.isRight)
    const lost = results.filter(Either.isLeft)
    expect(won).toHaveLength(10)
    expect(new Set(lost.map((l) => l.left._tag))).toEqual(new Set(["OutOfStock"]))
    const [inv] = await db.sql`select on_hand, reserved from inventory where variant_id = 'var_last'`
    expect(inv).toEqual({ on_hand: 10, reserved: 10 })
    const [burns] = await db.sql`select count(*)::int as n from incentive_burns where promotion_id = 'promo_first_five' and state = 'ACTIVE'`
    const [head] = await db.sql`select uses from promotions where id = 'promo_first_five'`
    expect(burns!["n"]).toBe(5)
    expect(head!["uses"]).toBe(5)
    // Those who got the promotion paid KES 100 less; the other five paid full price.
    const totals = won.map((w) => w.right.total.amount - 300_00).sort((a, b) => a - b)
    expect(totals).toEqual([...Array(5).fill(900_00), ...Array(5).fill(1_000_00)])
  })

  it("200 buyers racing with a code limited to 5 uses for 2 units each of 10: exactly 5 checkouts, 10 units sold, 5 burns", async () => {
    await insertProduct(db.sql, { id: "prd_pair", storeId: "sto_b", title: "Pair of sandals", price: 1_500_00 })
    await insertVariant(db.sql, { id: "var_pair", productId: "prd_pair", sku: "PAIR-1", weightGrams: 600, storeId: "sto_b", onHand: 10 })
    await insertDiscountCode(db.sql, {
      id: "code_five",
      code: "FIRSTFIVE",
      expiresAt: new Date(Date.now() + DAY),
      effect: { _tag: "PERCENT_OFF", bps: 500 },
      globalLimit: 5
    })
    const results = await race(
      Array.from({ length: BUYERS }, (_, i) =>
        checkoutCommand(UserId.make(`usr_racer_${i}`), [{ variantId: "var_pair", quantity: 2 }], { discountCode: "FIRSTFIVE" })
      )
    )
    const won = results.filter(Either.isRight)
    expect(won).toHaveLength(5)
    const reasons = new Set(results.filter(Either.isLeft).map((l) => l.left._tag))
    expect([...reasons].every((r) => r === "DiscountCodeNotApplicable" || r === "OutOfStock")).toBe(true)
    const [inv] = await db.sql`select reserved from inventory where variant_id = 'var_pair'`
    expect(inv!["reserved"]).toBe(10)
    const [burns] = await db.sql`select count(*)::int as n from incentive_burns where discount_code_id = 'code_five'`
    expect(burns!["n"]).toBe(5)
    const [head] = await db.sql`select uses from discount_codes where id = 'code_five'`
    expect(head!["uses"]).toBe(5)
  })
})
