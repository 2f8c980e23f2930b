/**
 * Usage counters are kept only while an incentive has a limit; a new version that introduces a
 * limit recounts the uses so far, so "a limit of 4" still means 4 in all.
 */
import { Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createPromotion, revisePromotion } from "../../application/admin/manage-incentives.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import type { PromotionRule } from "../../application/admin/admin.port.js"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { useTestDatabase } from "../support/test-database.js"
import { attempt, checkoutCommand, newBuyer, runtimeFor, seedWorld } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const admin: AdminActor = { id: "adm_limits", email: "limits@amana.test", role: "PLATFORM_ADMIN" }
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
})
