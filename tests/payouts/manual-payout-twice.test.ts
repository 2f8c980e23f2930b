/**
 * Found by an attacker's review (eleventh session), now fixed: a payout that must be paid by hand (no B2C rail: TZS/UGX; or a Till/Paybill store,
 * B2B not wired) is FAILED with a PAYOUT_MANUAL exception telling a human to "pay it by hand; the
 * balance stays owed until then". Nothing records that it was paid by hand (resolving the exception
 * posts nothing), and the failed payout no longer counts as in flight (payout-store.ts
 * payableBalances subtracts only PENDING/SUBMITTED): so next Friday the SAME balance is selected
 * again and a second PAYOUT_MANUAL asks a human to pay the same money again. "Nothing is ever paid
 * twice" (PRODUCT.md) then rests on a person noticing.
 */
import { Effect, Layer } from "effect"
import { submitPayout } from "../../application/payouts-execution/execute.js"
import { DisbursementStoreLive } from "../../adapters/postgres/disbursement-store.js"
import { ExceptionQueueLive } from "../../adapters/postgres/exception-queue.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { insertStore, insertUser } from "../../adapters/postgres/seed.js"
import { PayoutId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { FRIDAY_NOON_NAIROBI, noDaraja, owing, selectBatchAt } from "./support.js"
import { runtimeFor } from "../support/world.js"
import { readOperationalGauges } from "../../adapters/postgres/operational-readings.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime

const owe = owing(db)

const at = selectBatchAt

beforeAll(async () => {
  await insertUser(db.sql, { id: "usr_s2", phone: "254711200002", roles: ["SELLER_OWNER"] })
  await insertStore(db.sql, { id: "sto_tz", ownerId: "usr_s2", name: "Duka TZ", payoutPhone: "254711200002" })
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

describe("a payout handed to a human is not handed over again", () => {
  it("week 1: TZS 50,000 owed -> PAYOUT_MANUAL; week 2 (nothing new earned): no second instruction to pay the same TZS 50,000", async () => {
    await owe("SELLER_PAYABLE", "sto_tz", 50_000_00, "TZS")
    const deps = Layer.mergeAll(noDaraja, DisbursementStoreLive, ExceptionQueueLive)
    const manualInstructions = async () =>
      db.sql`select e.payload->>'reason' as reason from exceptions e join payouts p on p.id = e.entity_id where e.kind = 'PAYOUT_MANUAL' and p.payee_id = 'sto_tz'`
    const runWeek = async (friday: number) => {
      await runtime.runPromise(at(friday))
      for (const p of await db.sql`select id from payouts where payee_id = 'sto_tz' and status = 'PENDING'`)
        await runtime.runPromise(submitPayout(PayoutId.make(String(p["id"]))).pipe(Effect.provide(deps)))
    }
    await runWeek(FRIDAY_NOON_NAIROBI)
    expect(await manualInstructions()).toHaveLength(1)
    // (The first instruction may be open or resolved with a note: neither records a payment; here it is still open.)

    await runWeek(FRIDAY_NOON_NAIROBI + 7 * 86_400_000)
    const payouts = await db.sql`select amount, status from payouts where payee_id = 'sto_tz' order by created_at`
    // The same TZS 50,000 must not be selected and handed to a human a second time.
    expect({ payouts: payouts.length, instructions: (await manualInstructions()).length }).toEqual({ payouts: 1, instructions: 1 })
    // and an operator sees it among the payouts in flight (amana_payouts_in_flight{status="MANUAL_PENDING"})
    const gauges = await runtime.runPromise(readOperationalGauges)
    expect(gauges.payoutsInFlight).toContainEqual({ status: "MANUAL_PENDING", count: 1 })
  })
})
