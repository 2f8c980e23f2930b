/**
 * The weekly payout batch: on Friday (Nairobi) approved balances of at least KES 1,000 are selected
 * once; smaller balances carry over; a second run the same week changes nothing.
 */
import { Effect, Layer, Option } from "effect"
import { submitPayout } from "../../application/payouts-execution/execute.js"
import { DisbursementStoreLive } from "../../adapters/postgres/disbursement-store.js"
import { ExceptionQueueLive } from "../../adapters/postgres/exception-queue.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { insertStore, insertUser } from "../../adapters/postgres/seed.js"
import { PayoutId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { FRIDAY_NOON_NAIROBI, noDaraja, owing, selectBatchAt } from "./support.js"
import { runtimeFor } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const THURSDAY = FRIDAY_NOON_NAIROBI - 86_400_000

const owe = owing(db)

const at = selectBatchAt

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

  it("one batch per currency: a TZS balance never fails the KES batch, and without a B2C rail it waits in PAYOUT_MANUAL, still owed", async () => {
    await owe("SELLER_PAYABLE", "sto_small", 50_000_00, "TZS")
    await owe("SELLER_PAYABLE", "sto_big", 2_000_00) // KES again, next week
    const nextFriday = FRIDAY_NOON_NAIROBI + 7 * 86_400_000
    expect(Option.isSome(await runtime.runPromise(at(nextFriday)))).toBe(true)
    const batches =
      await db.sql`select b.currency, p.payee_id, p.currency as payout_currency, p.amount, p.id from payout_batches b join payouts p on p.batch_id = b.id where b.week_key = '2026-11-27' order by b.currency`
    expect(batches.map(({ id: _, ...b }) => b)).toEqual([
      { currency: "KES", payee_id: "sto_big", payout_currency: "KES", amount: 2_000_00 },
      { currency: "TZS", payee_id: "sto_small", payout_currency: "TZS", amount: 50_000_00 }
    ])
    const tzs = PayoutId.make(String(batches[1]!["id"]))
    await runtime.runPromise(submitPayout(tzs).pipe(Effect.provide(Layer.mergeAll(noDaraja, DisbursementStoreLive, ExceptionQueueLive))))
    const [p] = await db.sql`select status, result from payouts where id = ${tzs}`
    expect(p).toMatchObject({ status: "MANUAL_PENDING", result: { reason: "NO_B2C_RAIL" } })
    expect(await db.sql`select kind from exceptions where entity_id = ${tzs}`).toEqual([{ kind: "PAYOUT_MANUAL" }])
    // nothing posted: still owed in TZS
    expect(
      Number(
        (
          await db.sql`select -sum(amount)::bigint as owed from ledger_entries where account = 'SELLER_PAYABLE' and account_ref = 'sto_small' and currency = 'TZS'`
        )[0]!["owed"]
      )
    ).toBe(50_000_00)
  })
})
