/**
 * "A checkout without a code never fails because of a promotion" (docs/decisions.md, issue 10). A
 * limited promotion that runs out between the checkout's read and its burn is priced away and the
 * checkout tried again. It used to be tried again with the same promotion: when it ran out under the
 * checkout three times in a row (which takes uses released meanwhile, by unpaid orders expiring, in
 * a flash sale) the buyer got DISCOUNT_CODE.GLOBAL_LIMIT_REACHED naming the promotion's id, or the
 * code they typed, which had nothing to do with it.
 *
 * The test makes every burn of the promotion lose its race: a trigger (in this file's scratch
 * database only) skips any update that would raise its counter, exactly as the conditional update
 * finds no row when the last use was taken first; the counter read before still shows uses left.
 */
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { insertDiscountCode, insertPromotion } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutCommand, newBuyer, runtimeFor, seedWorld } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const DAY = 86_400_000

beforeAll(async () => {
  await seedWorld(db.sql)
  runtime = runtimeFor(db.sql)
  const now = Date.now()
  await insertPromotion(db.sql, {
    id: "promo_flash",
    name: "Flash sale: 10% off",
    priority: 5,
    startsAt: new Date(now - DAY),
    endsAt: new Date(now + DAY),
    scope: { _tag: "EVERYTHING" },
    effect: { _tag: "PERCENT_OFF", bps: 1_000 },
    globalLimit: 5
  })
  await insertDiscountCode(db.sql, {
    id: "code_fifty",
    code: "FIFTY",
    expiresAt: new Date(now + DAY),
    effect: { _tag: "AMOUNT_OFF", amount: { amount: 50_00, currency: "KES" } }
  })
  await db.owner.unsafe(`
    create function test_lose_every_burn() returns trigger language plpgsql as $$ begin return null; end $$;
    create trigger test_lose_every_burn before update on promotions
      for each row when (new.id = 'promo_flash' and new.uses > old.uses) execute function test_lose_every_burn();`)
})
afterAll(async () => {
  await runtime.dispose()
})

describe("a limited promotion that runs out under the checkout, attempt after attempt", () => {
  it("a checkout without a code is placed without the promotion, never refused for it", async () => {
    const buyer = await newBuyer(db.sql)
    const placed = await runtime.runPromise(Effect.either(placeCheckout(checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }]))))
    expect(Either.isRight(placed), JSON.stringify(placed)).toBe(true)
    // KES 1,200 at full price + KES 300 shipping
    expect(Either.getOrThrow(placed).total).toEqual({ amount: 1_500_00, currency: "KES" })
    const burns = await db.sql`select 1 from incentive_burns where checkout_id = ${Either.getOrThrow(placed).checkoutId}`
    expect(burns).toHaveLength(0)
  })

  it("a checkout with a code keeps its code; the promotion is not blamed on it", async () => {
    const buyer = await newBuyer(db.sql)
    const placed = await runtime.runPromise(
      Effect.either(placeCheckout(checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }], { discountCode: "FIFTY" })))
    )
    expect(Either.isRight(placed), JSON.stringify(placed)).toBe(true)
    // KES 1,200 − 50 + KES 300 shipping
    expect(Either.getOrThrow(placed).total).toEqual({ amount: 1_450_00, currency: "KES" })
  })
})
