/**
 * Found by an attacker's review of ad3eb65 (eleventh session), now refused by requiredText and
 * optionalText (application/admin/record-admin-action.ts): odd input on "paid by hand" / "give back"
 * must be refused as AdminInvalidInput (a 400), never reach Postgres (a NUL byte in text is a DB error: a 500) and never
 * be stored unbounded (every other admin note is bounded at 2,000 by requiredText).
 */
import { Effect, Either, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bootstrapFirstAdmin, createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { giveBackManualPayout, recordPayoutPaidByHand } from "../../application/admin/manual-payouts.js"
import { submitPayout } from "../../application/payouts-execution/execute.js"
import { selectWeeklyPayoutBatch } from "../../application/payouts/select-payout-batch.js"
import { insertStore, insertUser } from "../../adapters/postgres/seed.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import type { AdminUserId } from "../../domain/ids.js"
import { PayoutId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { FRIDAY_NOON_NAIROBI, noDaraja, owing } from "./support.js"

const db = useTestDatabase()
let runtime: PlatformRuntime
let finance: AdminActor
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const go = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(Effect.either(effect as Effect.Effect<A, E, never>))
const tag = (e: Either.Either<unknown, unknown>) => (Either.isLeft(e) ? (e.left as { _tag?: string })._tag : "Right")
let payoutId: PayoutId

beforeAll(async () => {
  runtime = makePlatformRuntime(db.sql)
  const root = Either.getOrThrow(await go(bootstrapFirstAdmin({ email: "root@amana.test", password: "a-long-enough-password" })))
  void root
  const [row] = await db.sql<Array<{ id: AdminUserId; email: string }>>`select id, email from admin_users`
  const admin: AdminActor = { id: row!.id, email: row!.email, role: "PLATFORM_ADMIN" }
  const created = Either.getOrThrow(await go(createAdminUser(admin, { email: "finance@amana.test", role: "FINANCE", password: "another-long-password" })))
  finance = { id: created.id, email: created.email, role: "FINANCE" }
  await insertUser(db.sql, { id: "usr_o1", phone: "254711300001", roles: ["SELLER_OWNER"] })
  await insertStore(db.sql, { id: "sto_tz", ownerId: "usr_o1", name: "Duka TZ", payoutPhone: "254711300001" })
  await owing(db)("SELLER_PAYABLE", "sto_tz", 50_000_00, "TZS")
  await runtime.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(FRIDAY_NOON_NAIROBI)
      return yield* selectWeeklyPayoutBatch()
    }).pipe(Effect.provide(TestContext.TestContext))
  )
  for (const p of await db.sql`select id from payouts where status = 'PENDING'`)
    await runtime.runPromise(submitPayout(PayoutId.make(String(p["id"]))).pipe(Effect.provide(noDaraja)))
  const [p] = await db.sql`select id, status from payouts where payee_id = 'sto_tz'`
  expect(p!["status"]).toBe("MANUAL_PENDING")
  payoutId = PayoutId.make(String(p!["id"]))
})
afterAll(async () => {
  await runtime?.dispose()
})

describe("paid by hand / give back: odd input is a 400, never a 500", () => {
  it("a reference with a NUL byte is refused as invalid input", async () => {
    const r = await go(recordPayoutPaidByHand(finance, { payoutId, rail: "BANK", reference: "QK1\u0000ABC" }))
    expect(tag(r)).toBe("AdminInvalidInput")
  })
  it("a note with a NUL byte is refused as invalid input", async () => {
    const r = await go(recordPayoutPaidByHand(finance, { payoutId, rail: "BANK", reference: "QK1ABC", note: "paid\u0000today" }))
    expect(tag(r)).toBe("AdminInvalidInput")
  })
  it("a give-back note with a NUL byte is refused as invalid input", async () => {
    const r = await go(giveBackManualPayout(finance, { payoutId, note: "not\u0000paid" }))
    expect(tag(r)).toBe("AdminInvalidInput")
  })
  it("a 1 MB note is refused (bounded like every other admin note), not stored", async () => {
    const r = await go(recordPayoutPaidByHand(finance, { payoutId, rail: "BANK", reference: "QK1HUGE", note: "x".repeat(1_000_000) }))
    expect(tag(r)).toBe("AdminInvalidInput")
    const [p] = await db.sql`select status from payouts where id = ${payoutId}`
    expect(p!["status"]).toBe("MANUAL_PENDING")
  })
})
