/**
 * The optional notes of an affiliate's approval and of a payout batch's approval follow the rules of
 * every other admin note (requiredText/optionalText: at most 2,000 characters, no control
 * characters): refused as AdminInvalidInput (a 400), never a database error (a 5xx) and never stored
 * unbounded in the hash-chained audit log (thirteenth session's review).
 */
import { Effect, Either, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { applyAsAffiliate, decideAffiliateApplication } from "../../application/affiliates/affiliates.js"
import { bootstrapFirstAdmin, createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { approvePayoutBatch } from "../../application/admin/approve-payout-batch.js"
import { selectWeeklyPayoutBatch } from "../../application/payouts/select-payout-batch.js"
import { insertStore, insertUser } from "../../adapters/postgres/seed.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import type { AdminUserId, PayoutBatchId } from "../../domain/ids.js"
import { UserId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { FRIDAY_NOON_NAIROBI, owing } from "../payouts/support.js"

const db = useTestDatabase()
let runtime: PlatformRuntime
let admin: AdminActor
let finance: AdminActor
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const go = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(Effect.either(effect as Effect.Effect<A, E, never>))
const tag = (e: Either.Either<unknown, unknown>) => (Either.isLeft(e) ? (e.left as { _tag?: string })._tag : "Right")
let n = 0
const application = async () => {
  const userId = UserId.make(`usr_applicant_${++n}`)
  await insertUser(db.sql, { id: userId, phone: `25471140000${n}`, roles: ["BUYER"] })
  return Either.getOrThrow(await go(applyAsAffiliate(userId, { pitch: "I run a WhatsApp group in Eldoret" }))).applicationId
}

beforeAll(async () => {
  runtime = makePlatformRuntime(db.sql)
  Either.getOrThrow(await go(bootstrapFirstAdmin({ email: "root@amana.test", password: "a-long-enough-password" })))
  const [row] = await db.sql<Array<{ id: AdminUserId; email: string }>>`select id, email from admin_users`
  admin = { id: row!.id, email: row!.email, role: "PLATFORM_ADMIN" }
  const created = Either.getOrThrow(await go(createAdminUser(admin, { email: "finance@amana.test", role: "FINANCE", password: "another-long-password" })))
  finance = { id: created.id, email: created.email, role: "FINANCE" }
})
afterAll(async () => {
  await runtime?.dispose()
})

describe("an affiliate approval's optional note", () => {
  it("too long (3,000 characters) is refused as invalid input, not a database error; the application stays PENDING", async () => {
    const applicationId = await application()
    const r = await go(decideAffiliateApplication(admin, { applicationId, decision: "APPROVE", reason: "x".repeat(3_000) }))
    expect(tag(r)).toBe("AdminInvalidInput")
    expect(await db.sql`select state from affiliate_applications where id = ${applicationId}`).toEqual([{ state: "PENDING" }])
  })
  it("with a control character is refused as invalid input", async () => {
    const applicationId = await application()
    const r = await go(decideAffiliateApplication(admin, { applicationId, decision: "APPROVE", reason: "welcome\u0007" }))
    expect(tag(r)).toBe("AdminInvalidInput")
  })
  it("a plain note is kept; a blank one is none", async () => {
    const a = await application()
    expect(tag(await go(decideAffiliateApplication(admin, { applicationId: a, decision: "APPROVE", reason: "  strong pitch  " })))).toBe("Right")
    expect(await db.sql`select reason from affiliate_applications where id = ${a}`).toEqual([{ reason: "strong pitch" }])
    const b = await application()
    expect(tag(await go(decideAffiliateApplication(admin, { applicationId: b, decision: "APPROVE", reason: "   " })))).toBe("Right")
    expect(await db.sql`select reason from affiliate_applications where id = ${b}`).toEqual([{ reason: null }])
  })
})

describe("a payout batch approval's optional note", () => {
  it("too long, or with a control character, is refused as invalid input and the batch stays DRAFT; a plain note approves it", async () => {
    await insertUser(db.sql, { id: "usr_o_notes", phone: "254711400999", roles: ["SELLER_OWNER"] })
    await insertStore(db.sql, { id: "sto_notes", ownerId: "usr_o_notes", name: "Duka Notes", payoutPhone: "254711400999" })
    await owing(db)("SELLER_PAYABLE", "sto_notes", 5_000_00)
    await runtime.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(FRIDAY_NOON_NAIROBI)
        return yield* selectWeeklyPayoutBatch()
      }).pipe(Effect.provide(TestContext.TestContext))
    )
    const [batch] = await db.sql<Array<{ id: PayoutBatchId }>>`select id from payout_batches where state = 'DRAFT'`
    const batchId = batch!.id
    expect(tag(await go(approvePayoutBatch(finance, { batchId, note: "y".repeat(100_000) })))).toBe("AdminInvalidInput")
    expect(tag(await go(approvePayoutBatch(finance, { batchId, note: "weekly\u001b[2Jrun" })))).toBe("AdminInvalidInput")
    expect(await db.sql`select state from payout_batches where id = ${batchId}`).toEqual([{ state: "DRAFT" }])
    expect(tag(await go(approvePayoutBatch(finance, { batchId, note: "weekly run" })))).toBe("Right")
  })
})
