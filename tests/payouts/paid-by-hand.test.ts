/**
 * A payout handed to a human (no B2C rail: TZS; or a Till store, B2B not wired) waits MANUAL_PENDING
 * until FINANCE records it paid by hand (the same settled posting a confirmed B2C payout gets, once;
 * the reference and who, audited; its PAYOUT_MANUAL exception resolved) or gives it back (owed again,
 * selected by a later batch). application/admin/manual-payouts.ts.
 */
import { Effect, Either, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bootstrapFirstAdmin, createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor, AdminRole } from "../../application/admin/admin-roles.js"
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
const actors = {} as Record<AdminRole, AdminActor>
const WEEK = 7 * 86_400_000

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const go = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(Effect.either(effect as Effect.Effect<A, E, never>))
const tag = (e: Either.Either<unknown, unknown>) => (Either.isLeft(e) ? (e.left as { _tag?: string })._tag : "Right")

const owing_ = owing(db)
const owe = (ref: string, cents: number, currency: string) => owing_("SELLER_PAYABLE", ref, cents, currency)
const owed = async (ref: string, currency: string) =>
  Number(
    (
      await db.sql`select coalesce(-sum(amount), 0)::bigint as owed from ledger_entries where account = 'SELLER_PAYABLE' and account_ref = ${ref} and currency = ${currency}`
    )[0]!["owed"]
  )

const runWeek = async (friday: number) => {
  await runtime.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(friday)
      return yield* selectWeeklyPayoutBatch()
    }).pipe(Effect.provide(TestContext.TestContext))
  )
  for (const p of await db.sql`select id from payouts where status = 'PENDING'`)
    await runtime.runPromise(submitPayout(PayoutId.make(String(p["id"]))).pipe(Effect.provide(noDaraja)))
}
const payoutOf = async (storeId: string) => {
  const rows = await db.sql`select id, status, amount, manual_reference, manual_by from payouts where payee_id = ${storeId} order by created_at`
  return rows
}

beforeAll(async () => {
  runtime = makePlatformRuntime(db.sql)
  Either.getOrThrow(await go(bootstrapFirstAdmin({ email: "root@amana.test", password: "a-long-enough-password" })))
  const [row] = await db.sql<Array<{ id: AdminUserId; email: string }>>`select id, email from admin_users`
  actors.PLATFORM_ADMIN = { id: row!.id, email: row!.email, role: "PLATFORM_ADMIN" }
  for (const role of ["CATALOG_REVIEWER", "FINANCE", "AUDITOR"] as const) {
    const created = Either.getOrThrow(
      await go(createAdminUser(actors.PLATFORM_ADMIN, { email: `${role.toLowerCase()}@amana.test`, role, password: "another-long-password" }))
    )
    actors[role] = { id: created.id, email: created.email, role }
  }
  await insertUser(db.sql, { id: "usr_o1", phone: "254711300001", roles: ["SELLER_OWNER"] })
  await insertStore(db.sql, { id: "sto_tz_paid", ownerId: "usr_o1", name: "Duka TZ", payoutPhone: "254711300001" })
  await insertStore(db.sql, { id: "sto_tz_back", ownerId: "usr_o1", name: "Duka TZ 2", payoutPhone: "254711300001" })
  await insertStore(db.sql, { id: "sto_till", ownerId: "usr_o1", name: "Till Shop", payoutPhone: "254711300001" })
  await db.sql`update stores set payout_method = 'TILL', payout_till_number = '123456' where id = 'sto_till'`
  await owe("sto_tz_paid", 50_000_00, "TZS")
  await owe("sto_tz_back", 60_000_00, "TZS")
  await owe("sto_till", 2_000_50, "KES")
  await runWeek(FRIDAY_NOON_NAIROBI)
})
afterAll(async () => {
  await runtime?.dispose()
})

describe("a payout paid by hand", () => {
  it("handed over: MANUAL_PENDING (Till: B2B not wired; TZS: no rail), one open PAYOUT_MANUAL each, nothing posted", async () => {
    for (const s of ["sto_tz_paid", "sto_tz_back", "sto_till"]) expect((await payoutOf(s)).map((p) => p["status"])).toEqual(["MANUAL_PENDING"])
    const x =
      await db.sql`select e.status, p.payee_id from exceptions e join payouts p on p.id = e.entity_id where e.kind = 'PAYOUT_MANUAL' order by p.payee_id`
    expect(x.map((r) => [r["payee_id"], r["status"]])).toEqual([
      ["sto_till", "OPEN"],
      ["sto_tz_back", "OPEN"],
      ["sto_tz_paid", "OPEN"]
    ])
    expect(await owed("sto_tz_paid", "TZS")).toBe(50_000_00)
  })

  it("refused: to a role without payouts.approve, without a reference, on a payout that is not MANUAL_PENDING", async () => {
    const [p] = await payoutOf("sto_tz_paid")
    const payoutId = PayoutId.make(String(p!["id"]))
    expect(tag(await go(recordPayoutPaidByHand(actors.AUDITOR, { payoutId, rail: "BANK", reference: "R1" })))).toBe("AdminForbidden")
    expect(tag(await go(recordPayoutPaidByHand(actors.CATALOG_REVIEWER, { payoutId, rail: "BANK", reference: "R1" })))).toBe("AdminForbidden")
    expect(tag(await go(giveBackManualPayout(actors.AUDITOR, { payoutId, note: "n" })))).toBe("AdminForbidden")
    expect(tag(await go(recordPayoutPaidByHand(actors.FINANCE, { payoutId, rail: "BANK", reference: "   " })))).toBe("AdminInvalidInput")
    // how the money left must be said: the ledger credits that rail's clearing account
    for (const rail of ["", "CASH", "mpesa"])
      expect(tag(await go(recordPayoutPaidByHand(actors.FINANCE, { payoutId, rail, reference: "R1" })))).toBe("AdminInvalidInput")
    expect(tag(await go(recordPayoutPaidByHand(actors.FINANCE, { payoutId: PayoutId.make("pay_none"), rail: "BANK", reference: "R1" })))).toBe(
      "AdminRecordNotFound"
    )
    // a payout still PENDING (going by B2C) cannot be recorded paid by hand
    const [pending] = await db.sql`
      insert into payouts (batch_id, payee_kind, payee_id, method, destination, currency, amount)
      select batch_id, 'SELLER', 'sto_other', 'B2C', '254700000000', 'TZS', 1000 from payouts where id = ${payoutId} returning id`
    const refused = await go(recordPayoutPaidByHand(actors.FINANCE, { payoutId: PayoutId.make(String(pending!["id"])), rail: "BANK", reference: "R1" }))
    expect(tag(refused)).toBe("AdminIllegalChange")
    await db.sql`delete from payouts where id = ${pending!["id"]}`
    expect((await payoutOf("sto_tz_paid"))[0]!["status"]).toBe("MANUAL_PENDING")
    expect(await owed("sto_tz_paid", "TZS")).toBe(50_000_00)
  })

  it("FINANCE records it: SUCCEEDED with the reference and who, one balanced posting, the balance no longer owed, the exception resolved, audited", async () => {
    const [p] = await payoutOf("sto_tz_paid")
    const payoutId = PayoutId.make(String(p!["id"]))
    const done = await go(recordPayoutPaidByHand(actors.FINANCE, { payoutId, rail: "BANK", reference: "TZ-BANK-0042", note: "CRDB transfer" }))
    expect(Either.getOrThrow(done)).toMatchObject({ status: "SUCCEEDED", alreadyRecorded: false })
    expect((await payoutOf("sto_tz_paid"))[0]).toMatchObject({ status: "SUCCEEDED", manual_reference: "TZ-BANK-0042", manual_by: actors.FINANCE.id })
    expect(await owed("sto_tz_paid", "TZS")).toBe(0)
    const postings = await db.sql`
      select t.id, sum(e.amount)::bigint as net, count(*)::int as n from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
       where t.kind = 'PAYOUT' and t.idempotency_key like ${`%${payoutId}%`} group by t.id`
    expect(postings.map((r) => ({ net: Number(r["net"]), n: r["n"] }))).toEqual([{ net: 0, n: 2 }])
    // a bank transfer left the bank's account, not M-Pesa's: M-Pesa clearing still matches Safaricom's statement
    const legs = await db.sql`
      select e.account, e.account_ref, e.amount::bigint as amount from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
       where t.kind = 'PAYOUT' and t.idempotency_key like ${`%${payoutId}%`} order by e.amount`
    expect(legs.map((r) => [r["account"], r["account_ref"], Number(r["amount"])])).toEqual([
      ["BANK_CLEARING", null, -50_000_00],
      ["SELLER_PAYABLE", "sto_tz_paid", 50_000_00]
    ])
    const x = await db.sql`select status, resolved_by, note from exceptions where kind = 'PAYOUT_MANUAL' and entity_id = ${payoutId}`
    expect(x).toEqual([{ status: "RESOLVED", resolved_by: actors.FINANCE.id, note: expect.stringContaining("TZ-BANK-0042") }])
    const audit = await db.sql`select actor_id, actor_role, after, reason from audit_log where action = 'PAYOUT.PAID_BY_HAND' and entity_id = ${payoutId}`
    expect(audit).toEqual([
      { actor_id: actors.FINANCE.id, actor_role: "FINANCE", after: expect.objectContaining({ reference: "TZ-BANK-0042" }), reason: "CRDB transfer" }
    ])

    // twice: the same reference is a no-op (posts nothing more); another reference is refused
    expect(Either.getOrThrow(await go(recordPayoutPaidByHand(actors.FINANCE, { payoutId, rail: "BANK", reference: "TZ-BANK-0042" })))).toMatchObject({
      alreadyRecorded: true
    })
    expect(tag(await go(recordPayoutPaidByHand(actors.FINANCE, { payoutId, rail: "BANK", reference: "TZ-BANK-9999" })))).toBe("AdminIllegalChange")
    expect(tag(await go(giveBackManualPayout(actors.FINANCE, { payoutId, note: "oops" })))).toBe("AdminIllegalChange")
    expect(await owed("sto_tz_paid", "TZS")).toBe(0)
    expect((await db.sql`select count(*)::int as n from ledger_transactions where kind = 'PAYOUT' and idempotency_key like ${`%${payoutId}%`}`)[0]!["n"]).toBe(
      1
    )
    expect((await db.sql`select count(*)::int as n from audit_log where action = 'PAYOUT.PAID_BY_HAND'`)[0]!["n"]).toBe(1)
  })

  it("a Till store paid by hand: the whole shillings go out, the cents stay owed", async () => {
    const [p] = await payoutOf("sto_till")
    const payoutId = PayoutId.make(String(p!["id"]))
    Either.getOrThrow(await go(recordPayoutPaidByHand(actors.PLATFORM_ADMIN, { payoutId, rail: "MPESA", reference: "QK12ABC34D" })))
    expect(await owed("sto_till", "KES")).toBe(50)
    // sent from the platform's M-Pesa account by hand: M-Pesa clearing, as a B2C would be
    const legs = await db.sql`
      select e.account, e.amount::bigint as amount from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
       where t.kind = 'PAYOUT' and t.idempotency_key like ${`%${payoutId}%`} order by e.amount`
    expect(legs.map((r) => [r["account"], Number(r["amount"])])).toEqual([
      ["MPESA_CLEARING", -2_000_00],
      ["SELLER_PAYABLE", 2_000_00]
    ])
  })

  it("given back: FAILED, the exception resolved, and the balance is selected again next Friday; the paid ones are not", async () => {
    const [p] = await payoutOf("sto_tz_back")
    const payoutId = PayoutId.make(String(p!["id"]))
    expect(tag(await go(giveBackManualPayout(actors.FINANCE, { payoutId, note: " " })))).toBe("AdminInvalidInput")
    Either.getOrThrow(await go(giveBackManualPayout(actors.FINANCE, { payoutId, note: "the store's bank account was closed" })))
    expect((await payoutOf("sto_tz_back"))[0]!["status"]).toBe("FAILED")
    expect((await db.sql`select status from exceptions where kind = 'PAYOUT_MANUAL' and entity_id = ${payoutId}`)[0]!["status"]).toBe("RESOLVED")
    expect(await owed("sto_tz_back", "TZS")).toBe(60_000_00)

    await runWeek(FRIDAY_NOON_NAIROBI + WEEK)
    expect((await payoutOf("sto_tz_back")).map((r) => [r["status"], Number(r["amount"])])).toEqual([
      ["FAILED", 60_000_00],
      ["MANUAL_PENDING", 60_000_00]
    ])
    expect(await payoutOf("sto_tz_paid")).toHaveLength(1)
    expect(await payoutOf("sto_till")).toHaveLength(1)
  })
})
