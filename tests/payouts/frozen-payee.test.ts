/**
 * A suspended or banned payee is paid nothing while so (docs/decisions.md, twelfth session): its
 * balance stays owed and is selected on the first Friday after it is reinstated. Sellers by their
 * store's KYC state; affiliates and riders by their account's status.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { insertStore, insertUser } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { runtimeFor } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"
import { FRIDAY_NOON_NAIROBI, owing, selectBatchAt } from "./support.js"

const db = useTestDatabase()
let runtime: WorldRuntime
const owe = owing(db)
const WEEK = 7 * 86_400_000

beforeAll(async () => {
  await insertUser(db.sql, { id: "usr_frozen_owner", phone: "254711300001", roles: ["SELLER_OWNER"] })
  await insertStore(db.sql, { id: "sto_frozen", ownerId: "usr_frozen_owner", name: "Frozen Duka", payoutPhone: "254711300001" })
  await insertUser(db.sql, { id: "usr_frozen_aff", phone: "254711300002" })
  await insertUser(db.sql, { id: "usr_fine_owner", phone: "254711300003", roles: ["SELLER_OWNER"] })
  await insertStore(db.sql, { id: "sto_fine", ownerId: "usr_fine_owner", name: "Fine Duka", payoutPhone: "254711300003" })
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

const selected = async () =>
  (await db.sql<Array<{ payee_id: string; amount: number }>>`select payee_id, amount::bigint::int as amount from payouts order by payee_id`).map(
    (r) => [r.payee_id, r.amount] as const
  )

describe("a suspended or banned payee's payout", () => {
  it("is not selected while suspended or banned, its balance owed; reinstated, the same balance is selected the next Friday", async () => {
    await owe("SELLER_PAYABLE", "sto_frozen", 50_000_00)
    await owe("AFFILIATE_PAYABLE", "usr_frozen_aff", 2_000_00)
    await owe("SELLER_PAYABLE", "sto_fine", 3_000_00)
    await db.sql`update stores set kyc_state = 'SUSPENDED', kyc_reason = 'documents under review' where id = 'sto_frozen'`
    await db.sql`update users set status = 'BANNED' where id = 'usr_frozen_aff'`

    await runtime.runPromise(selectBatchAt(FRIDAY_NOON_NAIROBI))
    expect(await selected()).toEqual([["sto_fine", 3_000_00]])

    await db.sql`update stores set kyc_state = 'VERIFIED', kyc_reason = null where id = 'sto_frozen'`
    await db.sql`update users set status = 'ACTIVE' where id = 'usr_frozen_aff'`
    await runtime.runPromise(selectBatchAt(FRIDAY_NOON_NAIROBI + WEEK))
    expect(await selected()).toEqual([
      ["sto_fine", 3_000_00],
      ["sto_frozen", 50_000_00],
      ["usr_frozen_aff", 2_000_00]
    ])
  })
})
