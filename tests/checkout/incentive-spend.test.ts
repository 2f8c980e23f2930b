/**
 * What each incentive records as spent on a checkout (its burns' amounts: the back-office's
 * "platform spend" per promotion and per code) adds up to what the platform actually funds: the
 * merchandise discounts of promotion and code and the shipping waived. A shipping fee waived by an
 * order's free-shipping promotion is that promotion's spend; a free-shipping code on the same
 * checkout waived nothing more on that order and must not count it again.
 */
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { insertDiscountCode, insertPromotion } from "../../adapters/postgres/seed.js"
import { StoreId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutCommand, newBuyer, runtimeFor, seedWorld } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

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

describe("incentive spend per checkout", () => {
  it("a free-shipping promotion on one order and a free-shipping code: each fee waived is spent once, and the burns sum to the platform's funding", async () => {
    const now = Date.now()
    await insertPromotion(db.sql, {
      id: "promo_ship_a",
      name: "Free delivery from Store A",
      priority: 1,
      startsAt: new Date(now - DAY),
      endsAt: new Date(now + DAY),
      scope: { _tag: "SELLER", storeIds: [StoreId.make("sto_a")] },
      effect: { _tag: "FREE_SHIPPING" }
    })
    await insertDiscountCode(db.sql, { id: "code_ship", code: "SHIPFREE", expiresAt: new Date(now + DAY), effect: { _tag: "FREE_SHIPPING" } })
    const buyer = await newBuyer(db.sql)
    const summary = await runtime.runPromise(
      placeCheckout(
        checkoutCommand(
          buyer,
          [
            { variantId: "var_dress", quantity: 1 },
            { variantId: "var_basket", quantity: 1 }
          ],
          { discountCode: "SHIPFREE" }
        )
      )
    )
    // 2,500 + 1,200 of goods; both KES 300 fees waived (A's by the promotion, B's by the code)
    expect(summary.total).toEqual({ amount: 3_700_00, currency: "KES" })
    const burns = await db.sql<Array<{ incentive_kind: string; amount: string }>>`
      select incentive_kind, amount::text from incentive_burns where checkout_id = ${summary.checkoutId} order by incentive_kind`
    expect(burns.map((b) => [b.incentive_kind, Number(b.amount)])).toEqual([
      ["DISCOUNT_CODE", 300_00],
      ["PROMOTION", 300_00]
    ])
    const [c] = await db.sql<Array<{ discount_total: string }>>`select discount_total::text from checkouts where id = ${summary.checkoutId}`
    expect(burns.reduce((s, b) => s + Number(b.amount), 0)).toBe(Number(c!.discount_total))
  })
})

describe("a discount code as the buyer typed it", () => {
  it("is applied at checkout as the cart preview applies it: spaces around it and its case do not matter", async () => {
    const now = Date.now()
    await insertDiscountCode(db.sql, {
      id: "code_karibu",
      code: "KARIBU",
      expiresAt: new Date(now + DAY),
      effect: { _tag: "AMOUNT_OFF", amount: { amount: 200_00, currency: "KES" } }
    })
    const buyer = await newBuyer(db.sql)
    const typed = await runtime.runPromise(
      Effect.either(placeCheckout(checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }], { discountCode: " karibu " })))
    )
    expect(Either.isRight(typed), JSON.stringify(typed)).toBe(true)
    // KES 1,200 − 200 + KES 300 shipping
    expect(Either.getOrThrow(typed).total).toEqual({ amount: 1_300_00, currency: "KES" })
  })
})
