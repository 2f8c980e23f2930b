/**
 * Money that arrives but cannot settle its checkout is held and given back, never charged twice
 * (issue 10 item 5). Over HTTP with the worker running, Daraja played by the fake server (STK and
 * B2C). A callback moves money only once Daraja's STK query confirms the push was paid; then:
 *   - a wrong Amount (below what was pushed), a payment after the checkout expired, a second payment
 *     of a paid checkout: the money is held (ledger: Dr M-Pesa clearing, Cr held payments), shown
 *     to the buyer (payment HELD, `heldMoney`), one exception, and sent back by B2C automatically;
 *   - a claimed Amount above what was pushed: held for a FINANCE decision (no B2C on an unsigned
 *     claim of money we never asked for); FINANCE returns it, audited;
 *   - while money is held, a new STK push for the checkout is 409 PAYMENT.MONEY_HELD.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expireUnpaidOrders } from "../../application/orders/transition-order.js"
import { returnHeldMoney } from "../../application/admin/held-money.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { hashPassword } from "../../backoffice/password.js"
import { AdminBrowser } from "../support/admin-browser.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, seedShop } from "../api/support.js"
import { balance, eventually, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import { AdminUserId, HeldPaymentId } from "../../domain/ids.js"

const db = useTestDatabase()
let api: Platform
let shop: Awaited<ReturnType<typeof seedShop>>
const FINANCE: AdminActor = { id: AdminUserId.make("adm_finance_held"), email: "finance-held@amana.test", role: "FINANCE" }
const FINANCE_PASSWORD = "held-money-finance-pw"

beforeAll(async () => {
  api = await startPlatform(db)
  shop = await seedShop(db.sql)
  await db.sql`insert into admin_users (id, email, password_hash, role) values (${FINANCE.id}, ${FINANCE.email}, ${await hashPassword(FINANCE_PASSWORD)}, 'FINANCE')`
}, 60_000)
afterAll(async () => {
  await api?.close()
})

const checkout = async () => {
  const c = await checkoutOneBasket(api, db.sql, shop, "held")
  expect(c.charge).toBe(1_330_00)
  return c
}
type Checkout = Awaited<ReturnType<typeof checkout>>

const push = (c: Checkout) => call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
const pay = async (c: Checkout) => {
  const res = await push(c)
  expect(res.status, JSON.stringify(res.body)).toBe(202)
  return res.body.checkoutRequestId as string
}
const view = async (c: Checkout) => (await call(api, "GET", `/api/v1/checkouts/${c.checkoutId}`, { token: c.buyer.token })).body
const held = (c: Checkout, status: string) =>
  eventually(`held money ${status}`, async () => {
    const rows = await db.sql`select id, amount, status, reason, return_policy, receipt from held_payments where checkout_id = ${c.checkoutId}`
    return rows.length === 1 && rows[0]!["status"] === status ? rows[0]! : undefined
  })
const exceptionKinds = async (c: Checkout) =>
  (await db.sql`select kind from exceptions where payload->>'checkoutId' = ${c.checkoutId} order by kind`).map((r) => String(r["kind"]))
const exceptionsOn = async (kind: string, entityId: string) =>
  Number((await db.sql`select count(*)::int as n from exceptions where kind = ${kind} and entity_id = ${entityId}`)[0]!["n"])
const b2cTo = (phone: string) => api.fake.b2cPayments.filter((b) => b.phone === phone)
/** Every posting balances, and the held money's own account ends where it should. */
const booksBalance = async () => expect(await db.sql`select transaction_id from ledger_entries group by transaction_id having sum(amount) <> 0`).toEqual([])

describe("money that cannot settle its checkout is held, shown, and returned", () => {
  it("a wrong Amount (confirmed paid by the STK query): held, shown to the buyer (not PAID), one exception, no second push, returned by B2C; then the buyer may pay again", async () => {
    const c = await checkout()
    const crid = await pay(c)
    await api.fake.sendCallback(crid, { amount: 1 })
    const h = await held(c, "RETURNED")
    expect(h).toMatchObject({ amount: 1_00, reason: "AMOUNT_MISMATCH", return_policy: "AUTOMATIC" })
    expect(h["receipt"]).toMatch(/^T/)

    // Exactly the money received went back, once, to the phone that was asked, by B2C.
    expect(b2cTo(c.buyer.phone).map((b) => b.amount)).toEqual([1])
    const [refund] = await db.sql`select status, amount, disbursed, order_id from refunds where held_payment_id = ${h["id"]}`
    expect(refund).toMatchObject({ status: "SUCCEEDED", amount: 1_00, disbursed: 1_00, order_id: null })
    // Ledger: Dr clearing / Cr held on arrival, the reverse on return; held ends at zero.
    expect(await balance(db.sql, "HELD_PAYMENTS", String(h["id"]))).toBe(0)
    const kinds =
      await db.sql`select t.kind, sum(e.amount) filter (where e.account = 'HELD_PAYMENTS')::bigint as held from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
      where t.idempotency_key in (${`PAYMENT_HELD:${h["id"]}`}, ${`PAYOUT:${(await db.sql`select id from refunds where held_payment_id = ${h["id"]}`)[0]!["id"]}`}) group by t.kind order by t.kind`
    expect(kinds.map((r) => [r["kind"], Number(r["held"])])).toEqual([
      ["PAYMENT_HELD", -1_00],
      ["PAYOUT", 1_00]
    ])
    await booksBalance()

    const s = await view(c)
    expect(s.orders[0].state).toBe("PENDING_PAYMENT")
    expect(s.payment.status).toBe("RETURNED")
    expect(s.heldMoney).toEqual([expect.objectContaining({ amount: { amount: 1_00, currency: "KES" }, reason: "AMOUNT_MISMATCH", status: "RETURNED" })])
    expect(await exceptionKinds(c)).toEqual(["PAYMENT_AMOUNT_MISMATCH"])
    // Returned: nothing is held any more, so the buyer may pay the checkout properly.
    const again = await pay(c)
    await api.fake.sendCallback(again)
    await waitForState(db.sql, c.orderId, "PAID")
  })

  it("while the money is held (its return not yet confirmed) the checkout shows HELD and a new STK push is 409 PAYMENT.MONEY_HELD", async () => {
    const c = await checkout()
    // The return's B2C Result never comes: the money stays held (RETURNING) until Daraja answers.
    api.fake.scriptB2C(c.buyer.phone, { resultCode: 0, noResult: true })
    const crid = await pay(c)
    await api.fake.sendCallback(crid, { amount: 1_000 })
    await held(c, "RETURNING")
    const s = await view(c)
    expect(s.payment.status).toBe("HELD")
    expect(s.orders.map((o: { state: string }) => o.state)).toEqual(["PENDING_PAYMENT"])
    expect(s.heldMoney).toEqual([expect.objectContaining({ amount: { amount: 1_000_00, currency: "KES" }, reason: "AMOUNT_MISMATCH", status: "RETURNING" })])
    expect(s.heldMoney[0].detail).toMatch(/KES 1,000\.00/)
    const refused = await push(c)
    expect(refused.status).toBe(409)
    expect(refused.headers.get("content-type")).toContain("application/problem+json")
    expect(refused.body).toMatchObject({ code: "PAYMENT.MONEY_HELD" })
    expect(refused.body.detail).toMatch(/KES 1,000\.00/)
    expect(api.fake.pushes.filter((p) => p.phone === c.buyer.phone)).toHaveLength(1)
    // A replayed callback holds nothing twice and sends nothing twice.
    await api.fake.sendCallback(crid, { amount: 1_000 })
    await eventually(
      "replay processed",
      async () => (await db.sql`select count(*)::int as n from mpesa_callbacks where checkout_request_id = ${crid} and processed_at is not null`)[0]!["n"] === 2
    )
    expect(await db.sql`select id from held_payments where checkout_id = ${c.checkoutId}`).toHaveLength(1)
    expect(b2cTo(c.buyer.phone)).toHaveLength(1)
    expect(await exceptionKinds(c)).toEqual(["PAYMENT_AMOUNT_MISMATCH"])
    await booksBalance()
  })

  it("a payment confirmed after the checkout expired: held (CHECKOUT_EXPIRED), LATE_PAYMENT once, returned in full by B2C; no push is accepted", async () => {
    const c = await checkout()
    const crid = await pay(c)
    await db.sql`update checkouts set created_at = now() - interval '13 hours', expires_at = now() - interval '1 hour' where id = ${c.checkoutId}`
    await api.runtime.runPromise(expireUnpaidOrders())
    await waitForState(db.sql, c.orderId, "EXPIRED")
    await api.fake.sendCallback(crid)
    const h = await held(c, "RETURNED")
    expect(h).toMatchObject({ amount: 1_330_00, reason: "CHECKOUT_EXPIRED", return_policy: "AUTOMATIC" })
    expect(b2cTo(c.buyer.phone).map((b) => b.amount)).toEqual([1_330])
    expect(await balance(db.sql, "HELD_PAYMENTS", String(h["id"]))).toBe(0)
    expect(await exceptionKinds(c)).toEqual(["LATE_PAYMENT"])
    const [e] = await db.sql`select payload from exceptions where kind = 'LATE_PAYMENT' and payload->>'checkoutId' = ${c.checkoutId}`
    expect(e!["payload"]).toMatchObject({ heldPaymentId: h["id"], held: "KES 1,330.00" })
    const s = await view(c)
    expect(s.orders[0].state).toBe("EXPIRED")
    expect(s.heldMoney[0]).toMatchObject({ reason: "CHECKOUT_EXPIRED", status: "RETURNED" })
    expect((await push(c)).status).toBe(409)
    await booksBalance()
  })

  it("a payment confirmed after the checkout was cancelled (an older push completes after a newer one was cancelled): held (CHECKOUT_CANCELLED), LATE_PAYMENT once, returned by B2C", async () => {
    const c = await checkout()
    // The first prompt stays unanswered ("still processing") past the prompt window, so the buyer pushes again and cancels that one.
    api.fake.scriptNextPush({ resultCode: 0, processingQueries: 1_000_000 })
    const older = await pay(c)
    await db.sql`update mpesa_stk_requests set requested_at = now() - interval '2 minutes' where checkout_request_id = ${older}`
    api.fake.scriptNextPush({ resultCode: 1032 })
    const newer = await pay(c)
    await api.fake.sendCallback(newer)
    await waitForState(db.sql, c.orderId, "CANCELLED_BY_USER")
    // Then the older prompt is paid after all, and Daraja's STK query confirms it.
    api.fake.push(older).queries = 1_000_000
    await api.fake.sendCallback(older)
    const h = await held(c, "RETURNED")
    expect(h).toMatchObject({ amount: 1_330_00, reason: "CHECKOUT_CANCELLED", return_policy: "AUTOMATIC" })
    expect(b2cTo(c.buyer.phone).map((b) => b.amount)).toEqual([1_330])
    expect(await exceptionKinds(c)).toEqual(["LATE_PAYMENT"])
    const s = await view(c)
    expect(s.orders[0].state).toBe("CANCELLED_BY_USER")
    expect(s.heldMoney).toEqual([
      expect.objectContaining({
        paymentId: (await db.sql`select id from mpesa_stk_requests where checkout_request_id = ${older}`)[0]!["id"],
        reason: "CHECKOUT_CANCELLED",
        status: "RETURNED"
      })
    ])
    await booksBalance()
  })

  it("a return Daraja confirms FAILED leaves the money held (RETURN_FAILED, no push, an exception); FINANCE sends it again and it is returned once", async () => {
    const c = await checkout()
    api.fake.scriptB2C(c.buyer.phone, { resultCode: 2040, resultDesc: "Credit Party customer type can't be supported by the service." })
    const crid = await pay(c)
    await api.fake.sendCallback(crid, { amount: 700 })
    const h = await held(c, "RETURN_FAILED")
    const [failed] = await db.sql`select id, status, result from refunds where held_payment_id = ${h["id"]}`
    expect(failed).toMatchObject({ status: "FAILED", result: { confirmedBy: "TransactionStatus" } })
    expect(await exceptionsOn("REFUND_FAILED", String(failed!["id"]))).toBe(1)
    expect(await balance(db.sql, "HELD_PAYMENTS", String(h["id"]))).toBe(-700_00)
    expect((await view(c)).heldMoney[0]).toMatchObject({ status: "RETURN_FAILED" })
    expect((await push(c)).body.code).toBe("PAYMENT.MONEY_HELD")

    api.fake.scriptB2C(c.buyer.phone, { resultCode: 0 })
    expect(
      await api.runtime.runPromise(returnHeldMoney(FINANCE, { heldPaymentId: HeldPaymentId.make(String(h["id"])), note: "buyer's line fixed; send again" }))
    ).toEqual({
      heldPaymentId: h["id"],
      status: "RETURNING"
    })
    await held(c, "RETURNED")
    const attempts = await db.sql`select status, amount from refunds where held_payment_id = ${h["id"]} order by created_at, id`
    expect(attempts.map((r) => [r["status"], Number(r["amount"])])).toEqual([
      ["FAILED", 700_00],
      ["SUCCEEDED", 700_00]
    ])
    expect(b2cTo(c.buyer.phone).map((b) => b.amount)).toEqual([700, 700])
    expect(await balance(db.sql, "HELD_PAYMENTS", String(h["id"]))).toBe(0)
    expect(await db.sql`select 1 from ledger_entries where account = 'HELD_PAYMENTS' and account_ref = ${h["id"]} and amount > 0`).toHaveLength(1)
    await booksBalance()
  })

  it("a claimed Amount above what was pushed waits for FINANCE (no B2C on an unsigned claim); FINANCE returns it from the back-office, audited, by the same B2C path", async () => {
    const c = await checkout()
    const crid = await pay(c)
    await api.fake.sendCallback(crid, { amount: 5_000 })
    const h = await held(c, "HELD")
    expect(h).toMatchObject({ amount: 5_000_00, reason: "AMOUNT_MISMATCH", return_policy: "FINANCE" })
    expect(b2cTo(c.buyer.phone)).toHaveLength(0)
    expect((await push(c)).body.code).toBe("PAYMENT.MONEY_HELD")
    expect((await view(c)).heldMoney[0]).toMatchObject({ status: "HELD" })

    // An AUDITOR may look, not decide; a decision needs a note.
    const auditor = await api.runtime.runPromise(
      Effect.either(
        returnHeldMoney(
          { id: AdminUserId.make("adm_auditor_held"), email: "auditor@amana.test", role: "AUDITOR" },
          { heldPaymentId: HeldPaymentId.make(String(h["id"])), note: "x" }
        )
      )
    )
    expect(auditor._tag === "Left" && auditor.left._tag).toBe("AdminForbidden")
    const noNote = await api.runtime.runPromise(Effect.either(returnHeldMoney(FINANCE, { heldPaymentId: HeldPaymentId.make(String(h["id"])), note: "  " })))
    expect(noNote._tag === "Left" && noNote.left._tag).toBe("AdminInvalidInput")
    // FINANCE, logged in to the back-office, sees it in Held payments and returns it there.
    const finance = await new AdminBrowser(api.url).login({ email: FINANCE.email, password: FINANCE_PASSWORD })
    await finance.page("/admin/resources/held_payments")
    const listed = await finance.send("GET", `/admin/api/resources/held_payments/actions/list?filters.checkout_id=${c.checkoutId}`)
    expect(listed.status, listed.text.slice(0, 300)).toBe(200)
    const records = listed.json.records as Array<{ id: string; params: Record<string, unknown> }>
    expect(records.map((r) => [r.id, r.params["amount_text"], r.params["status"], r.params["return_policy"]])).toEqual([
      [h["id"], "KES 5,000.00", "HELD", "FINANCE"]
    ])
    const note = "statement shows KES 5,000 received from the buyer"
    const done = await finance.send("POST", `/admin/api/resources/held_payments/records/${String(h["id"])}/returnByB2C`, { json: { note } })
    expect(done.status, done.text.slice(0, 300)).toBe(200)
    expect(await db.sql`select status from held_payments where id = ${h["id"]}`).toEqual([{ status: "RETURNING" }])
    await held(c, "RETURNED")
    expect(b2cTo(c.buyer.phone).map((b) => b.amount)).toEqual([5_000])
    // Decided once: a second return is refused, nothing sent twice.
    const twice = await api.runtime.runPromise(Effect.either(returnHeldMoney(FINANCE, { heldPaymentId: HeldPaymentId.make(String(h["id"])), note: "again" })))
    expect(twice._tag === "Left" && twice.left._tag).toBe("AdminIllegalChange")
    expect(await db.sql`select decided_by from held_payments where id = ${h["id"]}`).toEqual([{ decided_by: FINANCE.id }])
    const [audit] = await db.sql`select action, actor_id, reason from audit_log where entity_id = ${h["id"]}`
    expect(audit).toMatchObject({ action: "HELD_MONEY.RETURN", actor_id: FINANCE.id, reason: note })
    await booksBalance()
  })
})
