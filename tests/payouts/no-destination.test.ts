/**
 * A KYC-verified store can sell before its owner sets a payout destination. Its balance was selected
 * on Friday, but the batch's insert found no destination and wrote no payout: the batch and its
 * PAYOUT_BATCH_SELECTED event counted a payout that does not exist, nothing said the store was not
 * paid, and every Friday repeated it in silence (thirteenth session's review). Such a balance is
 * carried over, counted as such, and raised for a person to ask the owner for a destination.
 */
import { Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { insertStore, insertUser } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { FRIDAY_NOON_NAIROBI, owing, selectBatchAt } from "./support.js"
import { runtimeFor } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime

beforeAll(async () => {
  await insertUser(db.sql, { id: "usr_nd1", phone: "254711600001", roles: ["SELLER_OWNER"] })
  await insertUser(db.sql, { id: "usr_nd2", phone: "254711600002", roles: ["SELLER_OWNER"] })
  await insertStore(db.sql, { id: "sto_paid", ownerId: "usr_nd1", name: "Has a destination", payoutPhone: "254711600001" })
  await insertStore(db.sql, { id: "sto_nowhere", ownerId: "usr_nd2", name: "No destination yet" })
  await owing(db)("SELLER_PAYABLE", "sto_paid", 2_000_00)
  await owing(db)("SELLER_PAYABLE", "sto_nowhere", 5_000_00)
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

describe("a store owed money without a payout destination", () => {
  it("is carried over and counted so, raised once a week for a person; the batch counts only the payouts it holds", async () => {
    const created = Option.getOrThrow(await runtime.runPromise(selectBatchAt(FRIDAY_NOON_NAIROBI)))
    expect(created.payouts).toBe(1)
    expect(await db.sql`select payee_id from payouts`).toEqual([{ payee_id: "sto_paid" }])
    const [event] = await db.sql`select payload from outbox where event_type = 'PAYOUT_BATCH_SELECTED'`
    expect(event!["payload"]).toMatchObject({ payouts: 1, carriedOver: 1 })
    const raised = await db.sql`select kind, entity, entity_id, store_id, status from exceptions where kind = 'PAYOUT_NO_DESTINATION'`
    expect(raised).toEqual([{ kind: "PAYOUT_NO_DESTINATION", entity: "store", entity_id: "sto_nowhere", store_id: "sto_nowhere", status: "OPEN" }])
    // the balance is still owed, and selected as soon as there is somewhere to send it
    await db.sql`update stores set payout_method = 'B2C', payout_phone = '254711600002' where id = 'sto_nowhere'`
    await runtime.runPromise(selectBatchAt(FRIDAY_NOON_NAIROBI + 7 * 86_400_000))
    expect(await db.sql`select amount from payouts where payee_id = 'sto_nowhere'`).toEqual([{ amount: 5_000_00 }])
  })
})
