/**
 * Usage counters are kept only while an incentive has a limit; a new version that introduces a
 * limit recounts the uses so far, so "a limit of 4" still means 4 in all.
 */
import { AdminUserId } from "../../domain/ids.js"
import { Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  changeDiscountCodeStatus,
  changePromotionStatus,
  createDiscountCode,
  createPromotion,
  reviseDiscountCode,
  revisePromotion
} from "../../application/admin/manage-incentives.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import type { DiscountCodeRule, PromotionRule } from "../../application/admin/admin.port.js"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { useTestDatabase } from "../support/test-database.js"
import { attempt, checkoutCommand, newBuyer, runtimeFor, seedWorld } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const admin: AdminActor = { id: AdminUserId.make("adm_limits"), email: "limits@amana.test", role: "PLATFORM_ADMIN" }
const DAY = 86_400_000

beforeAll(async () => {
  await seedWorld(db.sql)
  await db.sql`insert into admin_users (id, email, password_hash, role) values (${admin.id}, ${admin.email}, 'x', 'PLATFORM_ADMIN')`
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

describe("incentive limits introduced later", () => {
  it("an unlimited promotion used 3 times, then limited to 4, gives exactly one more use", async () => {
    const rule: PromotionRule = {
      priority: 3,
      startsAt: Date.now() - DAY,
      endsAt: Date.now() + DAY,
      scope: { _tag: "PRODUCTS", productIds: ["prd_basket"] as never },
      effect: { _tag: "AMOUNT_OFF", amount: { amount: 50_00, currency: "KES" } },
      currency: "KES",
      globalLimit: null,
      perBuyerLimit: null
    }
    const { promotionId } = await runtime.runPromise(createPromotion(admin, { name: "KES 50 off baskets", rule }))
    const buy = async () => {
      const buyer = await newBuyer(db.sql)
      const r = await attempt(runtime, placeCheckout(checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }])))
      return Either.getOrThrow(r).total.amount
    }
    // Unlimited: no counter is kept on the hot path.
    for (let i = 0; i < 3; i++) expect(await buy()).toBe(1_200_00 - 50_00 + 300_00)
    const [before] = await db.sql`select uses from promotions where id = ${promotionId}`
    expect(before!["uses"]).toBe(0)

    await runtime.runPromise(revisePromotion(admin, { promotionId, rule: { ...rule, globalLimit: 4 }, reason: "budget" }))
    const [after] = await db.sql`select uses, current_version from promotions where id = ${promotionId}`
    expect(after).toEqual({ uses: 3, current_version: 2 })

    expect(await buy()).toBe(1_200_00 - 50_00 + 300_00) // the 4th use
    expect(await buy()).toBe(1_200_00 + 300_00) // the limit holds: full price
    const [burns] = await db.sql`select count(*)::int as n from incentive_burns where promotion_id = ${promotionId} and state = 'ACTIVE'`
    expect(burns!["n"]).toBe(4)
  })

  it("a discount code revised to a per-buyer limit of 1 counts the buyer's earlier use; pause, resume and end are audited with their events", async () => {
    const rule: DiscountCodeRule = {
      startsAt: null,
      expiresAt: Date.now() + DAY,
      currency: "KES",
      minSubtotal: 0,
      effect: { _tag: "AMOUNT_OFF", amount: { amount: 20_00, currency: "KES" } },
      globalLimit: null,
      perBuyerLimit: null
    }
    const { discountCodeId } = await runtime.runPromise(createDiscountCode(admin, { code: "REPEAT", rule }))
    const buyer = await newBuyer(db.sql)
    const buy = () => attempt(runtime, placeCheckout(checkoutCommand(buyer, [{ variantId: "var_basket", quantity: 1 }], { discountCode: "REPEAT" })))
    expect(Either.isRight(await buy())).toBe(true)
    await runtime.runPromise(reviseDiscountCode(admin, { discountCodeId, rule: { ...rule, perBuyerLimit: 1 } }))
    const second = await buy()
    expect(Either.isLeft(second) && second.left._tag).toBe("DiscountCodeNotApplicable")

    await runtime.runPromise(changeDiscountCodeStatus(admin, { discountCodeId, change: "PAUSE", reason: "fraud check" }))
    const pauseTwice = await attempt(runtime, changeDiscountCodeStatus(admin, { discountCodeId, change: "PAUSE" }))
    expect(Either.isLeft(pauseTwice) && pauseTwice.left._tag).toBe("AdminIllegalChange")
    await runtime.runPromise(changeDiscountCodeStatus(admin, { discountCodeId, change: "END" }))
    const audit = await db.sql`select action, reason from audit_log where entity = 'discount_code' and entity_id = ${discountCodeId} order by seq`
    expect(audit.map((a) => a["action"])).toEqual(["DISCOUNT_CODE.CREATE", "DISCOUNT_CODE.REVISE", "DISCOUNT_CODE.PAUSE", "DISCOUNT_CODE.END"])
    const events = await db.sql`select event_type, payload->>'discountCodeId' as id from outbox where aggregate_id = ${discountCodeId} order by seq`
    expect(events.map((e) => e["event_type"])).toEqual(["DISCOUNT_CODE_CREATED", "DISCOUNT_CODE_REVISED", "DISCOUNT_CODE_PAUSED", "DISCOUNT_CODE_ENDED"])
    expect(events.every((e) => e["id"] === discountCodeId)).toBe(true)
  })

  it("a promotion limited to 1 use per buyer on a two-seller cart goes to one order; the checkout never fails and burns once", async () => {
    const rule: PromotionRule = {
      priority: 9,
      startsAt: Date.now() - DAY,
      endsAt: Date.now() + DAY,
      scope: { _tag: "EVERYTHING" },
      effect: { _tag: "AMOUNT_OFF", amount: { amount: 100_00, currency: "KES" } },
      currency: "KES",
      globalLimit: 2,
      perBuyerLimit: 1
    }
    const { promotionId } = await runtime.runPromise(createPromotion(admin, { name: "KES 100 off, once", rule }))
    const twoSellers = [
      { variantId: "var_dress", quantity: 1 },
      { variantId: "var_basket", quantity: 1 }
    ]
    const buyer = await newBuyer(db.sql)
    const first = Either.getOrThrow(await attempt(runtime, placeCheckout(checkoutCommand(buyer, twoSellers))))
    // sto_a's dress takes the promotion (orders are priced in seller order); sto_b's basket pays full price.
    expect(first.orders.map((o) => o.total.amount)).toEqual([2_500_00 - 100_00 + 300_00, 1_200_00 + 300_00])
    // The same buyer again: the promotion is used up for them, the checkout still goes through without it.
    const again = Either.getOrThrow(await attempt(runtime, placeCheckout(checkoutCommand(buyer, twoSellers))))
    expect(again.total.amount).toBe(2_500_00 + 1_200_00 + 600_00)
    // Another buyer takes the last global use; a third pays full price.
    const other = Either.getOrThrow(await attempt(runtime, placeCheckout(checkoutCommand(await newBuyer(db.sql), twoSellers))))
    expect(other.total.amount).toBe(2_500_00 + 1_200_00 + 600_00 - 100_00)
    const third = Either.getOrThrow(await attempt(runtime, placeCheckout(checkoutCommand(await newBuyer(db.sql), twoSellers))))
    expect(third.total.amount).toBe(2_500_00 + 1_200_00 + 600_00)
    const [burns] = await db.sql`select count(*)::int as n from incentive_burns where promotion_id = ${promotionId} and state = 'ACTIVE'`
    expect(burns!["n"]).toBe(2)
    const [counter] = await db.sql`select uses from promotions where id = ${promotionId}`
    expect(counter!["uses"]).toBe(2)
    await runtime.runPromise(changePromotionStatus(admin, { promotionId, change: "END", reason: "test over" }))
  })
})
