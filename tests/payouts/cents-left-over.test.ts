/**
 * A payout sends whole units and leaves the cents owed (payoutDisbursement). TZS and UGX have no
 * minimum payout, so whatever is positive was selected: the cents a TZS payout left behind became,
 * the next Friday, a payout of TZS 0.50 whose disbursement is TZS 0, handed to a person as "pay
 * TZS 0.00 by hand", and again every Friday after (thirteenth session's review). A balance smaller
 * than one whole unit is carried over, like any balance below its minimum.
 */
import { Effect, Either, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bootstrapFirstAdmin, createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { recordPayoutPaidByHand } from "../../application/admin/manual-payouts.js"
import { submitPayout } from "../../application/payouts-execution/execute.js"
import { DisbursementStoreLive } from "../../adapters/postgres/disbursement-store.js"
import { ExceptionQueueLive } from "../../adapters/postgres/exception-queue.js"
import { insertStore, insertUser } from "../../adapters/postgres/seed.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import type { AdminUserId } from "../../domain/ids.js"
import { PayoutId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { FRIDAY_NOON_NAIROBI, noDaraja, owing, selectBatchAt } from "./support.js"

const db = useTestDatabase()
let runtime: PlatformRuntime
let finance: AdminActor
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const go = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(effect as Effect.Effect<A, E, never>)
const WEEK = 7 * 86_400_000

beforeAll(async () => {
  runtime = makePlatformRuntime(db.sql)
  Either.getOrThrow(await go(Effect.either(bootstrapFirstAdmin({ email: "root@amana.test", password: "a-long-enough-password" }))))
  const [row] = await db.sql<Array<{ id: AdminUserId; email: string }>>`select id, email from admin_users`
  const admin: AdminActor = { id: row!.id, email: row!.email, role: "PLATFORM_ADMIN" }
  const created = await go(createAdminUser(admin, { email: "finance@amana.test", role: "FINANCE", password: "another-long-password" }))
  finance = { id: created.id, email: created.email, role: "FINANCE" }
  await insertUser(db.sql, { id: "usr_o_cents", phone: "254711500001", roles: ["SELLER_OWNER"] })
  await insertStore(db.sql, { id: "sto_cents", ownerId: "usr_o_cents", name: "Duka Senti", payoutPhone: "254711500001" })
})
afterAll(async () => {
  await runtime?.dispose()
})

const runWeek = async (friday: number) => {
  await go(selectBatchAt(friday))
  for (const p of await db.sql`select id from payouts where payee_id = 'sto_cents' and status = 'PENDING'`)
    await go(submitPayout(PayoutId.make(String(p["id"]))).pipe(Effect.provide(Layer.mergeAll(noDaraja, DisbursementStoreLive, ExceptionQueueLive))))
}

describe("the cents a payout leaves behind", () => {
  it("TZS 50,000.50 owed: TZS 50,000 paid by hand; the TZS 0.50 left is carried over, never a payout of TZS 0 handed to a person", async () => {
    await owing(db)("SELLER_PAYABLE", "sto_cents", 50_000_50, "TZS")
    await runWeek(FRIDAY_NOON_NAIROBI)
    const [first] = await db.sql`select id, status, amount from payouts where payee_id = 'sto_cents'`
    expect(first).toMatchObject({ status: "MANUAL_PENDING", amount: 50_000_50 })
    await go(recordPayoutPaidByHand(finance, { payoutId: PayoutId.make(String(first!["id"])), rail: "BANK", reference: "TZ-BANK-0042" }))
    // the whole shillings went out; TZS 0.50 is still owed
    const [owed] = await db.sql`select -sum(amount)::int as owed from ledger_entries where account = 'SELLER_PAYABLE' and account_ref = 'sto_cents'`
    expect(owed!["owed"]).toBe(50)

    for (const week of [1, 2]) await runWeek(FRIDAY_NOON_NAIROBI + week * WEEK)
    const payouts = await db.sql`select amount, status from payouts where payee_id = 'sto_cents' order by created_at`
    expect(payouts.map((p) => p["amount"])).toEqual([50_000_50])
    const manual = await db.sql`select e.payload->>'reason' as reason from exceptions e where e.kind = 'PAYOUT_MANUAL' and e.status = 'OPEN'`
    expect(manual.map((m) => m["reason"])).not.toContainEqual(expect.stringContaining("TZS 0.00"))
    expect(manual).toHaveLength(0)
  })
})
