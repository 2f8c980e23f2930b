/**
 * A store whose payout destination changed less than 24 hours before the weekly selection is held:
 * carried over, paid the next week to the new destination. One that changed earlier is paid as usual.
 */
import { Effect, Option, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { selectWeeklyPayoutBatch } from "../../application/payouts/select-payout-batch.js"
import { insertStore, insertUser } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { runtimeFor } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const FRIDAY = Date.UTC(2026, 10, 20, 9, 0)
const HOUR = 3_600_000

const owe = async (ref: string, cents: number) =>
  db.sql.begin(async (tx) => {
    const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:hold:${ref}:${cents}`}) returning id`
    await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values
      (${t!["id"]}, 'ESCROW', 'ord_seed', 'KES', ${cents}), (${t!["id"]}, 'SELLER_PAYABLE', ${ref}, 'KES', ${-cents})`
  })

const at = (ms: number) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(ms)
    return yield* selectWeeklyPayoutBatch()
  }).pipe(Effect.provide(TestContext.TestContext))

beforeAll(async () => {
  for (const [store, phone, changedHoursBefore] of [
    ["sto_just_changed", "254711300001", 2],
    ["sto_changed_yesterday", "254711300002", 25],
    ["sto_never_changed", "254711300003", undefined]
  ] as const) {
    await insertUser(db.sql, { id: `usr_${store}`, phone, roles: ["SELLER_OWNER"] })
    await insertStore(db.sql, { id: store, ownerId: `usr_${store}`, name: store, payoutPhone: phone })
    if (changedHoursBefore !== undefined)
      await db.sql`update stores set payout_method_changed_at = ${new Date(FRIDAY - changedHoursBefore * HOUR)} where id = ${store}`
    await owe(store, 5_000_00)
  }
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

describe("payouts after a change of payout destination", () => {
  it("a store changed within 24 h is carried over to the next week; the others are paid", async () => {
    expect(Option.isSome(await runtime.runPromise(at(FRIDAY)))).toBe(true)
    expect((await db.sql`select payee_id from payouts order by payee_id`).map((r) => r["payee_id"])).toEqual(["sto_changed_yesterday", "sto_never_changed"])
    await runtime.runPromise(at(FRIDAY + 7 * 24 * HOUR))
    expect(await db.sql`select payee_id, amount from payouts p join payout_batches b on b.id = p.batch_id where b.week_key = '2026-11-27'`).toEqual([
      { payee_id: "sto_just_changed", amount: 5_000_00 }
    ])
  })
})
