/**
 * After a product sells out, its buyers are refused by one read without a transaction (a flash
 * sale's 900 losers of 1,000: bench:flash), and that shortcut never changes an answer: a winner's
 * retry still gets its checkout, a unit back in stock still sells, and a race after a restock still
 * sells exactly what is there.
 */
import { Effect, Either, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { makePool } from "../../adapters/postgres/database.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { insertProduct, insertVariant } from "../../adapters/postgres/seed.js"
import { persistenceLayer } from "../../composition/platform.js"
import { statementRecorder } from "../support/statement-recorder.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutCommand, newBuyer, seedWorld } from "../support/world.js"

const db = useTestDatabase()
const recorder = statementRecorder()
let pool: Sql
let runtime: ManagedRuntime.ManagedRuntime<Effect.Effect.Context<ReturnType<typeof placeCheckout>>, unknown>

beforeAll(async () => {
  await seedWorld(db.sql)
  pool = makePool(db.url, { max: 20, onStatement: recorder.onStatement })
  runtime = ManagedRuntime.make(persistenceLayer(pool))
})
afterAll(async () => {
  await runtime.dispose()
  await pool.end({ timeout: 5 })
})

const place = (cmd: Parameters<typeof placeCheckout>[0]) => runtime.runPromise(Effect.either(placeCheckout(cmd)))

/** A product with `units` in stock, and `units` buyers who bought one each. */
const soldOut = async (id: string, units: number) => {
  await insertProduct(db.sql, { id: `prd_${id}`, storeId: "sto_a", title: `Sold out ${id}`, price: 500_00 })
  await insertVariant(db.sql, { id: `var_${id}`, productId: `prd_${id}`, sku: `${id.toUpperCase()}-1`, weightGrams: 200, storeId: "sto_a", onHand: units })
  const winners = []
  for (let i = 0; i < units; i++) {
    const cmd = checkoutCommand(await newBuyer(db.sql), [{ variantId: `var_${id}`, quantity: 1 }])
    const placed = await place(cmd)
    expect(Either.isRight(placed)).toBe(true)
    winners.push({ cmd, checkoutId: Either.getOrThrow(placed).checkoutId })
  }
  // the first buyer refused goes the whole way (BEGIN, the checkout's reads, ROLLBACK)
  const first = await place(checkoutCommand(await newBuyer(db.sql), [{ variantId: `var_${id}`, quantity: 1 }]))
  expect(Either.isLeft(first) && first.left._tag).toBe("OutOfStock")
  return winners
}

describe("a sold-out product's buyers", () => {
  it("are refused OUT_OF_STOCK by one statement, without a transaction (no BEGIN, no promotions or shipping read)", async () => {
    await soldOut("gone", 2)
    const buyer = await newBuyer(db.sql)
    const { result, statements } = await recorder.counted(() => place(checkoutCommand(buyer, [{ variantId: "var_gone", quantity: 1 }])))
    expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "OutOfStock", variantId: "var_gone", requested: 1, available: 0 })
    expect(statements, statements.join("\n")).toHaveLength(1)
    expect(statements.some((s) => /^(begin|rollback)/i.test(s))).toBe(false)
  })

  it("still get the checkout they placed when they retry with its key after the sell-out", async () => {
    const [winner] = await soldOut("retry", 1)
    const again = await place(winner!.cmd)
    expect(Either.isRight(again) && again.right.checkoutId).toBe(winner!.checkoutId)
    // and a key used for another request is still refused as such, not as out of stock
    const other = await place({ ...winner!.cmd, payerPhone: "254711000111" })
    expect(Either.isLeft(other) && other.left._tag).toBe("IdempotencyKeyReused")
  })

  it("buy a unit that comes back in stock after the sell-out: the sighting is never the answer", async () => {
    await soldOut("back", 1)
    await db.sql`update inventory set on_hand = on_hand + 1 where variant_id = 'var_back'`
    const placed = await place(checkoutCommand(await newBuyer(db.sql), [{ variantId: "var_back", quantity: 1 }]))
    expect(Either.isRight(placed)).toBe(true)
    const [inv] = await db.sql`select on_hand, reserved from inventory where variant_id = 'var_back'`
    expect(inv).toEqual({ on_hand: 2, reserved: 2 })
  })

  it("40 buyers racing for 5 units restocked after a sell-out: exactly 5 sold, every other answer OUT_OF_STOCK", async () => {
    await soldOut("again", 3)
    await db.sql`update inventory set on_hand = on_hand + 5 where variant_id = 'var_again'`
    const buyers = await Promise.all(Array.from({ length: 40 }, () => newBuyer(db.sql)))
    const results = await runtime.runPromise(
      Effect.forEach(buyers, (b) => Effect.either(placeCheckout(checkoutCommand(b, [{ variantId: "var_again", quantity: 1 }]))), { concurrency: "unbounded" })
    )
    expect(results.filter(Either.isRight)).toHaveLength(5)
    expect(new Set(results.filter(Either.isLeft).map((l) => l.left._tag))).toEqual(new Set(["OutOfStock"]))
    const [inv] = await db.sql`select on_hand, reserved from inventory where variant_id = 'var_again'`
    expect(inv).toEqual({ on_hand: 8, reserved: 8 })
  })
})
