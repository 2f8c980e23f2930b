/**
 * B2C results are verified, never trusted (issue 10): over HTTP with the worker running and Daraja
 * played by the fake server, results for payouts and refunds are replayed, reordered and forged.
 * Whatever arrives, each payout and refund is sent once, settles once, and only Daraja's own word
 * (the ConversationID of its synchronous reply, or a Transaction Status query) moves it.
 */
import { AdminUserId } from "../../domain/ids.js"
import { Effect, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { approvePayoutBatch } from "../../application/admin/approve-payout-batch.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { sweepUnansweredB2C } from "../../application/payouts-execution/execute.js"
import { selectWeeklyPayoutBatch } from "../../application/payouts/select-payout-batch.js"
import { insertStore, insertUser } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, randomPhone, seedShop, sessionFor } from "../api/support.js"
import { balance, eventually, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
let api: Platform
const FINANCE: AdminActor = { id: AdminUserId.make("adm_finance_b2c"), email: "finance-b2c@amana.test", role: "FINANCE" }
const FRIDAY = Date.UTC(2026, 10, 20, 9, 0)

type Target = { readonly table: "payouts" | "refunds"; readonly id: string; readonly ocid: string; readonly token: string }

const owe = async (storeId: string, cents: number) =>
  db.sql.begin(async (tx) => {
    const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:${storeId}`}) returning id`
    await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values
      (${t!["id"]}, 'ESCROW', 'ord_seed', 'KES', ${cents}), (${t!["id"]}, 'SELLER_PAYABLE', ${storeId}, 'KES', ${-cents})`
  })

/** Sellers owed KES 1,500 each, paid in one approved batch; every B2C's Result held back (sent by the test). */
const sellers: Record<string, { storeId: string; phone: string }> = {}
const payout = async (name: string): Promise<Target> => {
  const { storeId } = sellers[name]!
  const [p] = await db.sql`select id, originator_conversation_id as ocid, callback_token as token from payouts where payee_id = ${storeId}`
  await eventually(`${name} submitted`, async () => (await db.sql`select status from payouts where id = ${p!["id"]}`)[0]?.["status"] === "SUBMITTED")
  return { table: "payouts", id: String(p!["id"]), ocid: String(p!["ocid"]), token: String(p!["token"]) }
}

const statusOf = async (t: Target) => String((await db.sql`select status from ${db.sql(t.table)} where id = ${t.id}`)[0]!["status"])
/** Waits until `n` callbacks carrying the token have been processed; their outcomes in order. */
const outcomes = (token: string, n: number) =>
  eventually(`${n} callbacks processed`, async () => {
    const rows = await db.sql`select outcome from mpesa_callbacks where callback_token = ${token} and processed_at is not null order by id`
    return rows.length >= n ? rows.map((r) => String(r["outcome"])) : undefined
  })
/**
 * The outcomes of a forged result and then the same genuine result twice, sent back to back: the
 * worker may run the two genuine ones at once, and whichever settles first is SUCCEEDED, the other
 * its DUPLICATE (their order by id is the order they arrived in, not the order they were settled in).
 */
const forgedThenTwice = async (token: string) => {
  const [first, ...rest] = await outcomes(token, 3)
  return [first, ...rest.sort()]
}
const statusQueryAbout = (t: Target, n = 1) =>
  eventually(`status query ${n} about ${t.id}`, async () => {
    const asked = api.fake.statusQueries.filter((q) => q.about?.originatorConversationId === t.ocid)
    const q = asked[n - 1]
    if (q === undefined) return undefined
    // our side has recorded the query's ConversationID
    const [row] = await db.sql`select callback_token from b2c_status_queries where conversation_id = ${q.conversationId}`
    return row ? { ...q, token: String(row["callback_token"]) } : undefined
  })
const exceptions = async (kind: string, entityId: string) =>
  Number((await db.sql`select count(*)::int as n from exceptions where kind = ${kind} and entity_id = ${entityId}`)[0]!["n"])
const postings = async (t: Target) =>
  Number((await db.sql`select count(*)::int as n from ledger_transactions where idempotency_key = ${`PAYOUT:${t.id}`}`)[0]!["n"])
const sentOnce = (t: Target) => expect(api.fake.b2cPayments.filter((b) => b.originatorConversationId === t.ocid)).toHaveLength(1)

beforeAll(async () => {
  api = await startPlatform(db)
  await seedShop(db.sql)
  await db.sql`insert into admin_users (id, email, password_hash, role) values (${FINANCE.id}, ${FINANCE.email}, 'x', 'FINANCE')`
  const scripts = {
    forgedThenGenuine: { resultCode: 0, noResult: true },
    reordered: { resultCode: 0, noResult: true },
    genuineFailure: { resultCode: 1, resultDesc: "The balance is insufficient for the transaction.", noResult: true },
    lost: { resultCode: 0, noResult: true },
    unconfirmable: { resultCode: 0, noResult: true, status: "not-found" as const }
  }
  for (const [name, script] of Object.entries(scripts)) {
    const phone = randomPhone()
    await insertUser(db.sql, { id: `usr_b2c_${name}`, phone, roles: ["SELLER_OWNER"] })
    await insertStore(db.sql, { id: `sto_b2c_${name}`, ownerId: `usr_b2c_${name}`, name, payoutPhone: phone })
    await owe(`sto_b2c_${name}`, 1_500_00)
    api.fake.scriptB2C(phone, script)
    sellers[name] = { storeId: `sto_b2c_${name}`, phone }
  }
  const created = await api.runtime.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(FRIDAY)
      return yield* selectWeeklyPayoutBatch()
    }).pipe(Effect.provide(TestContext.TestContext))
  )
  if (created._tag !== "Some") throw new Error("no batch")
  await api.runtime.runPromise(approvePayoutBatch(FINANCE, { batchId: created.value.batchId }))
}, 60_000)
afterAll(async () => {
  await api?.close()
})

describe("B2C results are verified, never trusted (payouts)", () => {
  it("a forged failing Result (ids Daraja never gave us) changes nothing; the genuine success settles once; a replay is a duplicate", async () => {
    const t = await payout("forgedThenGenuine")
    await api.fake.sendB2CResult(t.ocid, { resultCode: 1, conversationId: "AG_20191219_forged" })
    expect(await outcomes(t.token, 1)).toEqual(["FORGED"])
    expect(await statusOf(t)).toBe("SUBMITTED")
    expect(await exceptions("B2C_RESULT_FORGED", t.id)).toBe(1)
    expect(await exceptions("PAYOUT_FAILED", t.id)).toBe(0)

    await api.fake.sendB2CResult(t.ocid)
    await api.fake.sendB2CResult(t.ocid)
    expect(await forgedThenTwice(t.token)).toEqual(["FORGED", "DUPLICATE_SUCCEEDED", "SUCCEEDED"])
    expect(await statusOf(t)).toBe("SUCCEEDED")
    expect(await postings(t)).toBe(1)
    expect(await balance(db.sql, "SELLER_PAYABLE", sellers["forgedThenGenuine"]!.storeId)).toBe(0)
    sentOnce(t)
  })

  it("a failure naming the right ids is confirmed by Transaction Status first: Daraja says Completed, so it SUCCEEDS; later contrary results open an exception and change nothing", async () => {
    const t = await payout("reordered")
    // reordered: a failure claim arrives before the genuine success
    await api.fake.sendB2CResult(t.ocid, { resultCode: 2001 })
    expect(await outcomes(t.token, 1)).toEqual(["QUERYING_FAILED"])
    expect(await statusOf(t)).toBe("SUBMITTED")
    const query = await statusQueryAbout(t)
    expect(query.body).toMatchObject({
      CommandID: "TransactionStatusQuery",
      OriginatorConversationID: t.ocid,
      IdentifierType: "4",
      PartyA: 600996,
      Initiator: "amana_api"
    })
    expect(query.decryptedCredential).toBe("Amana-B2C-init!")
    expect(String(query.body["ResultURL"])).toContain(`/api/v1/payments/mpesa/b2c/status/result/dev-callback-secret/${query.token}`)
    // a forged status answer (wrong ConversationID) is ignored; the real one decides
    await api.fake.sendStatusResult(query.conversationId, { conversationId: "AG_forged", transactionStatus: "Failed" })
    expect(await outcomes(query.token, 1)).toEqual(["FORGED"])
    expect(await statusOf(t)).toBe("SUBMITTED")
    await api.fake.sendStatusResult(query.conversationId)
    expect(await outcomes(query.token, 2)).toEqual(["FORGED", "CONFIRMED_SUCCEEDED"])
    expect(await statusOf(t)).toBe("SUCCEEDED")
    // the genuine success, late: a duplicate; a failure claim again: contradicts the confirmed outcome
    await api.fake.sendB2CResult(t.ocid)
    await api.fake.sendB2CResult(t.ocid, { resultCode: 1 })
    expect(await outcomes(t.token, 3)).toEqual(["QUERYING_FAILED", "DUPLICATE_SUCCEEDED", "CONTRADICTS"])
    expect(await exceptions("B2C_RESULT_CONTRADICTS", t.id)).toBe(1)
    expect(await exceptions("PAYOUT_FAILED", t.id)).toBe(0)
    expect(await statusOf(t)).toBe("SUCCEEDED")
    expect(await postings(t)).toBe(1)
    expect(await balance(db.sql, "SELLER_PAYABLE", sellers["reordered"]!.storeId)).toBe(0)
    sentOnce(t)
  })

  it("a genuine failure, confirmed, returns the balance once; a success claimed afterwards contradicts it and pays nothing", async () => {
    const t = await payout("genuineFailure")
    await api.fake.sendB2CResult(t.ocid)
    expect(await outcomes(t.token, 1)).toEqual(["QUERYING_FAILED"])
    const query = await statusQueryAbout(t)
    await api.fake.sendStatusResult(query.conversationId)
    expect(await outcomes(query.token, 1)).toEqual(["CONFIRMED_FAILED"])
    expect(await statusOf(t)).toBe("FAILED")
    expect(await exceptions("PAYOUT_FAILED", t.id)).toBe(1)
    expect(await postings(t)).toBe(0)
    expect(await balance(db.sql, "SELLER_PAYABLE", sellers["genuineFailure"]!.storeId)).toBe(-1_500_00) // owed again
    await api.fake.sendB2CResult(t.ocid, { resultCode: 0 })
    await api.fake.sendStatusResult(query.conversationId) // a replayed status answer
    expect(await outcomes(t.token, 2)).toEqual(["QUERYING_FAILED", "CONTRADICTS"])
    expect(await outcomes(query.token, 2)).toEqual(["CONFIRMED_FAILED", "DUPLICATE"])
    expect(await statusOf(t)).toBe("FAILED")
    expect(await postings(t)).toBe(0)
    sentOnce(t)
  })

  it("no Result within the timeout: the sweeper asks Daraja, and its answer settles the payout", async () => {
    const t = await payout("lost")
    await db.sql`update payouts set submitted_at = now() - interval '20 minutes' where id = ${t.id}`
    expect(await api.runtime.runPromise(sweepUnansweredB2C(15 * 60_000))).toBeGreaterThanOrEqual(1)
    expect(await api.runtime.runPromise(sweepUnansweredB2C(15 * 60_000))).toBe(0) // a query is open: not asked twice
    const query = await statusQueryAbout(t)
    await api.fake.sendStatusResult(query.conversationId)
    expect(await outcomes(query.token, 1)).toEqual(["CONFIRMED_SUCCEEDED"])
    expect(await statusOf(t)).toBe("SUCCEEDED")
    expect(await postings(t)).toBe(1)
    expect(api.fake.statusQueries.filter((q) => q.about?.originatorConversationId === t.ocid)).toHaveLength(1)
    sentOnce(t)
  })

  it("a status query that cannot confirm leaves the payout SUBMITTED (held, never re-paid) and raises it for FINANCE", async () => {
    const t = await payout("unconfirmable")
    await api.fake.sendB2CResult(t.ocid, { resultCode: 1 })
    const query = await statusQueryAbout(t)
    await api.fake.sendStatusResult(query.conversationId)
    expect(await outcomes(query.token, 1)).toEqual(["INCONCLUSIVE"])
    expect(await statusOf(t)).toBe("SUBMITTED")
    expect(await exceptions("B2C_UNCONFIRMED", t.id)).toBe(1)
    expect(await postings(t)).toBe(0)
    sentOnce(t)
  })

  it("a Result to an unknown token is stored and raised, and touches nothing", async () => {
    const body = {
      Result: { ResultType: 0, ResultCode: 1, ResultDesc: "x", OriginatorConversationID: "amana-refund-x", ConversationID: "AG_x", TransactionID: "T0" }
    }
    const res = await call(api, "POST", "/api/v1/payments/mpesa/b2c/result/dev-callback-secret/not-a-token", { body })
    expect(res.status).toBe(200)
    expect(await outcomes("not-a-token", 1)).toEqual(["UNKNOWN"])
  })
})

describe("B2C results are verified, never trusted (refunds)", () => {
  it("a refund: forged failure, legacy-URL claims and replays change nothing; the buyer is paid back exactly once", async () => {
    const shop = await seedShop(db.sql)
    const buyer = await newBuyer(db.sql)
    api.fake.scriptB2C(buyer.phone, { resultCode: 0, noResult: true })
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `b2c-${buyer.id}` },
      body: { destination: "KE-047-westlands", items: [{ variantId: shop.dress.variantId, quantity: 1 }] }
    })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    const orderId: string = placed.body.orders[0].orderId
    const pay = await call(api, "POST", `/api/v1/checkouts/${placed.body.checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
    await api.fake.sendCallback(pay.body.checkoutRequestId)
    await waitForState(db.sql, orderId, "PAID")
    const rejected = await call(api, "POST", `/api/v1/seller/orders/${orderId}/reject`, {
      token: await sessionFor(db.sql, shop.seller.id),
      body: { reason: "out of stock" }
    })
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200)
    const t = await eventually("refund submitted", async () => {
      const [r] = await db.sql`select id, originator_conversation_id as ocid, callback_token as token, status from refunds where order_id = ${orderId}`
      return r?.["status"] === "SUBMITTED"
        ? ({ table: "refunds", id: String(r["id"]), ocid: String(r["ocid"]), token: String(r["token"]) } as Target)
        : undefined
    })

    await api.fake.sendB2CResult(t.ocid, { resultCode: 1, conversationId: "AG_guess" })
    expect(await outcomes(t.token, 1)).toEqual(["FORGED"])
    expect(await exceptions("REFUND_FAILED", t.id)).toBe(0)
    await api.fake.sendB2CResult(t.ocid)
    await api.fake.sendB2CResult(t.ocid)
    expect(await forgedThenTwice(t.token)).toEqual(["FORGED", "DUPLICATE_SUCCEEDED", "SUCCEEDED"])
    // the legacy shared-secret URL (no token): matched by OriginatorConversationID, never trusted
    const legacy = `${api.url}/api/v1/payments/mpesa/b2c/result/dev-callback-secret`
    await api.fake.sendB2CResult(t.ocid, { resultCode: 1, url: legacy })
    await eventually(
      "legacy claim processed",
      async () =>
        (
          await db.sql`select outcome from mpesa_callbacks where callback_token is null and originator_conversation_id = ${t.ocid} and processed_at is not null`
        )[0]?.["outcome"] === "CONTRADICTS"
    )
    expect(await statusOf(t)).toBe("SUCCEEDED")
    expect(await exceptions("REFUND_FAILED", t.id)).toBe(0)
    expect(await postings(t)).toBe(1)
    expect(await balance(db.sql, "REFUNDS_PAYABLE", buyer.id)).toBe(0)
    sentOnce(t)
  })
})
