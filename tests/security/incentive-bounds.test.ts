/**
 * Issue 11 item 5, the back-office side: amounts an admin types into a promotion or a discount code
 * (an amount off, a cap on a percent, a minimum subtotal) are bounded like a seller's price
 * (Money.MAX_ENTERED_MINOR, KES 1,000,000.00), on create and on revise, with a sentence naming the
 * limit. Before, an amount off of KES 999,999,999,999.99 was stored as a live rule.
 */
import { AdminUserId } from "../../domain/ids.js"
import { Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createDiscountCode, createPromotion, reviseDiscountCode, revisePromotion } from "../../application/admin/manage-incentives.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import type { DiscountCodeRule, PromotionRule } from "../../application/admin/admin.port.js"
import type { IncentiveEffect } from "../../domain/incentives.js"
import { MAX_ENTERED_MINOR } from "../../domain/money.js"
import { useTestDatabase } from "../support/test-database.js"
import { attempt, runtimeFor, seedWorld } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const admin: AdminActor = { id: AdminUserId.make("adm_bounds"), email: "bounds@amana.test", role: "PLATFORM_ADMIN" }
const DAY = 86_400_000
const MAX = MAX_ENTERED_MINOR.KES
const kes = (amount: number) => ({ amount, currency: "KES" as const })

beforeAll(async () => {
  await seedWorld(db.sql)
  await db.sql`insert into admin_users (id, email, password_hash, role) values (${admin.id}, ${admin.email}, 'x', 'PLATFORM_ADMIN')`
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

const promotion = (over: Partial<PromotionRule> = {}): PromotionRule => ({
  priority: 1,
  startsAt: Date.now() - DAY,
  endsAt: Date.now() + DAY,
  scope: { _tag: "EVERYTHING" },
  effect: { _tag: "AMOUNT_OFF", amount: kes(50_00) },
  currency: "KES",
  globalLimit: null,
  perBuyerLimit: null,
  ...over
})
const code = (over: Partial<DiscountCodeRule> = {}): DiscountCodeRule => ({
  startsAt: null,
  expiresAt: Date.now() + DAY,
  currency: "KES",
  minSubtotal: 0,
  effect: { _tag: "AMOUNT_OFF", amount: kes(50_00) },
  globalLimit: null,
  perBuyerLimit: null,
  ...over
})

const refusal = (r: Either.Either<unknown, unknown>) =>
  Either.isLeft(r) ? { tag: (r.left as { _tag?: string })._tag, message: (r.left as { message?: string }).message } : { tag: "Right", message: "" }

const tooBig: ReadonlyArray<readonly [string, IncentiveEffect | undefined, number | undefined]> = [
  ["the amount off", { _tag: "AMOUNT_OFF", amount: kes(MAX + 1) }, undefined],
  ["the amount off", { _tag: "AMOUNT_OFF", amount: kes(Number.MAX_SAFE_INTEGER) }, undefined],
  ["the cap", { _tag: "PERCENT_OFF", bps: 1_000, cap: kes(MAX + 1) }, undefined],
  ["the minimum subtotal", undefined, MAX + 1]
]

describe("incentive amounts are bounded like prices", () => {
  it("a promotion whose amount off, cap or minimum subtotal is above KES 1,000,000.00 is refused on create and on revise, naming the limit", async () => {
    const ok = Either.getOrThrow(
      await attempt(
        runtime,
        createPromotion(admin, { name: "At the limit", rule: promotion({ effect: { _tag: "AMOUNT_OFF", amount: kes(MAX) }, minSubtotal: kes(MAX) }) })
      )
    )
    for (const [what, effect, minSubtotal] of tooBig) {
      const rule = promotion({ ...(effect && { effect }), ...(minSubtotal !== undefined && { minSubtotal: kes(minSubtotal) }) })
      for (const r of [
        await attempt(runtime, createPromotion(admin, { name: "Too generous", rule })),
        await attempt(runtime, revisePromotion(admin, { promotionId: ok.promotionId, rule }))
      ]) {
        expect(refusal(r)).toEqual({ tag: "AdminInvalidInput", message: `${what} must be between 0 and KES 1,000,000.00` })
      }
    }
    const [row] = await db.sql`select count(*)::int as n from promotions where name = 'Too generous'`
    expect(row!["n"]).toBe(0)
    const [head] = await db.sql`select current_version from promotions where id = ${ok.promotionId}`
    expect(head!["current_version"]).toBe(1)
  })

  it("a discount code whose amount off, cap or minimum subtotal is above the limit is refused on create and on revise", async () => {
    const ok = Either.getOrThrow(
      await attempt(
        runtime,
        createDiscountCode(admin, { code: "ATLIMIT", rule: code({ effect: { _tag: "PERCENT_OFF", bps: 500, cap: kes(MAX) }, minSubtotal: MAX }) })
      )
    )
    for (const [what, effect, minSubtotal] of tooBig) {
      const rule = code({ ...(effect && { effect }), ...(minSubtotal !== undefined && { minSubtotal }) })
      for (const r of [
        await attempt(runtime, createDiscountCode(admin, { code: "TOOMUCH", rule })),
        await attempt(runtime, reviseDiscountCode(admin, { discountCodeId: ok.discountCodeId, rule }))
      ]) {
        expect(refusal(r)).toEqual({ tag: "AdminInvalidInput", message: `${what} must be between 0 and KES 1,000,000.00` })
      }
    }
    const [row] = await db.sql`select count(*)::int as n from discount_codes where code = 'TOOMUCH'`
    expect(row!["n"]).toBe(0)
  })
})
