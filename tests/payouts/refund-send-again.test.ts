/**
 * FINANCE sends again an order's refund Daraja confirmed FAILED (application/admin/refunds.ts,
 * db/migrations/0085): a new attempt for the same order and amount, with its own
 * OriginatorConversationID; never two in flight (a second click sends nothing), a result about the
 * old attempt cannot settle the new one, the refund's settlement is posted once, the books balance,
 * and the REFUND_FAILED exception is resolved.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sendRefundAgain } from "../../application/admin/refunds.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { hashPassword } from "../../backoffice/password.js"
import { requestRefund } from "../../application/payouts-execution/execute.js"
import { AdminUserId, OrderId, RefundId } from "../../domain/ids.js"
import { AdminBrowser } from "../support/admin-browser.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, seedShop, sessionFor } from "../api/support.js"
import { balance, eventually, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
let api: Platform
let shop: Awaited<ReturnType<typeof seedShop>>
const FINANCE: AdminActor = { id: AdminUserId.make("adm_finance_refund"), email: "finance-refund@amana.test", role: "FINANCE" }
const FINANCE_PASSWORD = "refund-again-finance-pw"

beforeAll(async () => {
  api = await startPlatform(db)
  shop = await seedShop(db.sql)
  await db.sql`insert into admin_users (id, email, password_hash, role) values (${FINANCE.id}, ${FINANCE.email}, ${await hashPassword(FINANCE_PASSWORD)}, 'FINANCE')`
}, 60_000)
afterAll(async () => {
  await api?.close()
})

const booksBalance = async () => expect(await db.sql`select transaction_id from ledger_entries group by transaction_id having sum(amount) <> 0`).toEqual([])
const attempts = (orderId: string) =>
  db.sql`select id, status, amount, originator_conversation_id as ocid from refunds where order_id = ${orderId} order by created_at, id`
const again = (refundId: string, note: string) => api.runtime.runPromise(Effect.either(sendRefundAgain(FINANCE, { refundId: RefundId.make(refundId), note })))

/** A paid order the seller rejects; its refund's B2C Daraja confirms FAILED (2040: the buyer's line cannot receive). */
const refundFailed = async (tag: string) => {
  const c = await checkoutOneBasket(api, db.sql, shop, tag)
  const pay = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
  expect(pay.status).toBe(202)
  await api.fake.sendCallback(pay.body.checkoutRequestId)
  await waitForState(db.sql, c.orderId, "PAID")
  api.fake.scriptB2C(c.buyer.phone, { resultCode: 2040, resultDesc: "Credit Party customer type can't be supported by the service." })
  const seller = await sessionFor(db.sql, shop.seller.id)
  expect((await call(api, "POST", `/api/v1/seller/orders/${c.orderId}/reject`, { token: seller, body: { reason: "out of stock" } })).status).toBe(200)
  await eventually("refund FAILED", async () => (await attempts(c.orderId))[0]?.["status"] === "FAILED", 30_000)
  return c
}

describe("FINANCE sends a FAILED order refund again", () => {
  it("one new attempt, none while it is in flight, settled and posted once, the exception resolved", async () => {
    const c = await refundFailed("refund-again")
    const [failed] = await attempts(c.orderId)
    const failedId = String(failed!["id"])
    expect(failed!["ocid"]).toBe(`amana-refund-${failedId}`)
    const exception = await eventually("REFUND_FAILED exception", async () => {
      const [x] = await db.sql`select id, status from exceptions where kind = 'REFUND_FAILED' and entity = 'refund' and entity_id = ${failedId}`
      return x
    })
    expect(exception["status"]).toBe("OPEN")
    expect(await balance(db.sql, "REFUNDS_PAYABLE", c.buyer.id)).toBe(-c.charge)

    // An AUDITOR may look, not decide; a decision needs a note.
    const auditor = await api.runtime.runPromise(
      Effect.either(
        sendRefundAgain(
          { id: AdminUserId.make("adm_auditor_refund"), email: "auditor-refund@amana.test", role: "AUDITOR" },
          { refundId: RefundId.make(failedId), note: "x" }
        )
      )
    )
    expect(auditor._tag === "Left" && auditor.left._tag).toBe("AdminForbidden")
    const noNote = await again(failedId, "  ")
    expect(noNote._tag === "Left" && noNote.left._tag).toBe("AdminInvalidInput")

    // The line is fixed; the new attempt is accepted by Daraja but its Result has not come yet: in flight.
    api.fake.scriptB2C(c.buyer.phone, { resultCode: 0, noResult: true })
    const finance = await new AdminBrowser(api.url).login({ email: FINANCE.email, password: FINANCE_PASSWORD })
    await finance.page("/admin/resources/refunds")
    const listed = await finance.send("GET", `/admin/api/resources/refunds/actions/list?filters.order_id=${c.orderId}`)
    expect(listed.status, listed.text.slice(0, 300)).toBe(200)
    const records = listed.json.records as Array<{ id: string; params: Record<string, unknown> }>
    expect(records.map((r) => [r.id, r.params["status"]])).toEqual([[failedId, "FAILED"]])
    const note = "buyer's line now takes M-Pesa; send again"
    const done = await finance.send("POST", `/admin/api/resources/refunds/records/${failedId}/sendAgain`, { json: { note } })
    expect(done.status, done.text.slice(0, 300)).toBe(200)
    await eventually("the new attempt SUBMITTED", async () => (await attempts(c.orderId))[1]?.["status"] === "SUBMITTED", 30_000)

    // A second click (and two at once) while it is in flight: refused, nothing created, nothing sent.
    const twice = await Promise.all([again(failedId, "again"), again(failedId, "and again")])
    for (const t of twice) {
      expect(t._tag).toBe("Left")
      if (t._tag === "Left") expect(t.left._tag).toBe("AdminInvalidInput")
    }
    const inFlight = await attempts(c.orderId)
    expect(inFlight.map((r) => [r["status"], Number(r["amount"])])).toEqual([
      ["FAILED", c.charge],
      ["SUBMITTED", c.charge]
    ])
    const newId = String(inFlight[1]!["id"])
    const newOcid = String(inFlight[1]!["ocid"])
    expect(newOcid).toBe(`amana-refund-${newId}`)
    const b2cTo = () => api.fake.b2cPayments.filter((b) => b.phone === c.buyer.phone)
    expect(b2cTo().map((b) => [b.originatorConversationId, b.amount])).toEqual([
      [`amana-refund-${failedId}`, c.charge / 100],
      [newOcid, c.charge / 100]
    ])
    // The outbox replaying the order's refund changes nothing either.
    await api.runtime.runPromise(requestRefund(OrderId.make(c.orderId)))
    expect(await attempts(c.orderId)).toHaveLength(2)

    // The exception is resolved, audited.
    expect((await db.sql`select status from exceptions where id = ${exception["id"]}`)[0]).toEqual({ status: "RESOLVED" })
    const [audit] = await db.sql`select action, actor_id, reason from audit_log where entity = 'refund' and entity_id = ${failedId}`
    expect(audit).toMatchObject({ action: "REFUND.SEND_AGAIN", actor_id: FINANCE.id, reason: note })

    // A success claimed for the old attempt cannot settle the new one (nor the old).
    await api.fake.sendB2CResult(`amana-refund-${failedId}`, { resultCode: 0 })
    await eventually("contradiction raised", async () => {
      const rows = await db.sql`select 1 from exceptions where kind = 'B2C_RESULT_CONTRADICTS' and entity_id = ${failedId}`
      return rows.length > 0
    })
    expect((await attempts(c.orderId)).map((r) => r["status"])).toEqual(["FAILED", "SUBMITTED"])

    // The genuine Result of the new attempt: SUCCEEDED, the settlement posted once, the books balance.
    await api.fake.sendB2CResult(newOcid)
    await eventually("the new attempt SUCCEEDED", async () => (await attempts(c.orderId))[1]?.["status"] === "SUCCEEDED", 30_000)
    await api.fake.sendB2CResult(newOcid)
    await eventually("the duplicate handled", async () => {
      const rows = await db.sql`select 1 from mpesa_callbacks where originator_conversation_id = ${newOcid} and outcome = 'DUPLICATE_SUCCEEDED'`
      return rows.length > 0
    })
    expect(await balance(db.sql, "REFUNDS_PAYABLE", c.buyer.id)).toBe(0)
    expect(await db.sql`select 1 from ledger_entries where account = 'REFUNDS_PAYABLE' and account_ref = ${c.buyer.id} and amount > 0`).toHaveLength(1)
    expect(await db.sql`select 1 from ledger_transactions where idempotency_key like ${"%" + failedId + "%"}`).toHaveLength(0)
    expect(await db.sql`select 1 from ledger_transactions where idempotency_key like ${"%" + newId + "%"}`).toHaveLength(1)
    await booksBalance()

    // Paid: nothing can be sent again.
    const afterPaid = await again(failedId, "once more")
    expect(afterPaid._tag === "Left" && afterPaid.left._tag).toBe("AdminInvalidInput")
    const paidAgain = await again(newId, "once more")
    expect(paidAgain._tag === "Left" && paidAgain.left._tag).toBe("AdminIllegalChange")
    expect(await attempts(c.orderId)).toHaveLength(2)
    expect(b2cTo()).toHaveLength(2)
  }, 90_000)

  // Found by an attacker's review (eleventh session): refunds.order_id was UNIQUE and the attempt's
  // OriginatorConversationID was `amana-refund-<orderId>`, so after a confirmed FAILED no refund
  // could ever be made again for the order, and the buyer's money stayed in refunds payable.
  it("after a confirmed FAILED, the order's refund use case (the outbox replaying it) makes one new attempt, never a second", async () => {
    const c = await refundFailed("refund-stuck")
    expect(await balance(db.sql, "REFUNDS_PAYABLE", c.buyer.id)).toBe(-c.charge)
    api.fake.scriptB2C(c.buyer.phone, { resultCode: 0 })
    await api.runtime.runPromise(requestRefund(OrderId.make(c.orderId)))
    await api.runtime.runPromise(requestRefund(OrderId.make(c.orderId)))
    const live = await db.sql`select id, status from refunds where order_id = ${c.orderId} and status <> 'FAILED'`
    expect(live, "one live attempt for the order").toHaveLength(1)
  }, 60_000)
})
