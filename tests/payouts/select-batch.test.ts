/**
 * The weekly payout batch: on Friday (Nairobi) approved balances of at least KES 1,000 are selected
 * once; smaller balances carry over; a second run the same week changes nothing.
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
const FRIDAY_NOON_NAIROBI = Date.UTC(2026, 10, 20, 9, 0)
const THURSDAY = FRIDAY_NOON_NAIROBI - 86_400_000

const owe = async (account: "SELLER_PAYABLE" | "AFFILIATE_PAYABLE", ref: string, cents: number) =>
  db.sql.begin(async (tx) => {
    const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:${account}:${ref}`}) returning id`
    await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values
      (${t!["id"]}, 'ESCROW', 'ord_seed', 'KES', ${cents}), (${t!["id"]}, ${account}, ${ref}, 'KES', ${-cents})`
  })

const at = (ms: number) => Effect.gen(function* () {
  yield* TestClock.setTime(ms)
  return yield* selectWeeklyPayoutBatch()
}).pipe(Effect.provide(TestContext.TestContext))

beforeAll(async () => {
  await insertUser(db.sql, { id: "usr_s1", phone: "254711200001", roles: ["SELLER_OWNER"] })
  await insertUser(db.sql, { id: "usr_s2", phone: "254711200002", roles: ["SELLER_OWNER"] })
  await insertUser(db.sql, { id: "usr_aff", phone: "254711200003", roles: ["AFFILIATE"] })
  await insertStore(db.sql, { id: "sto_big", ownerId: "usr_s1", name: "Big", payoutPhone: "254711200001" })
  await insertStore(db.sql, { id: "sto_small", ownerId: "usr_s2", name: "Small", payoutPhone: "254711200002" })
  await owe("SELLER_PAYABLE", "sto_big", 12_500_00)
  await owe("SELLER_PAYABLE", "sto_small", 999_99)
  await owe("AFFILIATE_PAYABLE", "usr_aff", 1_000_00)
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

describe("weekly payout batch", () => {
  it("does nothing on a Thursday", async () => {
    expect(Option.isNone(await runtime.runPromise(at(THURSDAY)))).toBe(true)
    expect((await db.sql`select count(*)::int as n from payout_batches`)[0]!["n"]).toBe(0)
  })

  it("on Friday selects balances of at least KES 1,000 exactly once, to each payee's payout destination", async () => {
    const created = await runtime.runPromise(at(FRIDAY_NOON_NAIROBI))
    expect(Option.getOrThrow(created).payouts).toBe(2)
    const payouts = await db.sql`select payee_kind, payee_id, method, destination, amount from payouts order by payee_id`
    expect(payouts).toEqual([
      { payee_kind: "SELLER", payee_id: "sto_big", method: "B2C", destination: "254711200001", amount: 12_500_00 },
      { payee_kind: "AFFILIATE", payee_id: "usr_aff", method: "B2C", destination: "254711200003", amount: 1_000_00 }
    ])
    const [batch] = await db.sql`select week_key, state from payout_batches`
    expect(batch).toEqual({ week_key: "2026-11-20", state: "DRAFT" })
    expect(Option.isNone(await runtime.runPromise(at(FRIDAY_NOON_NAIROBI + 3_600_000)))).toBe(true) // same week: nothing new
    expect((await db.sql`select count(*)::int as n from payouts`)[0]!["n"]).toBe(2)
    expect((await db.sql`select count(*)::int as n from outbox where event_type = 'PAYOUT_BATCH_SELECTED'`)[0]!["n"]).toBe(1)
  })
})
