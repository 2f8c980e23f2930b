/**
 * M-Pesa payments when things go wrong, over HTTP with the fake Daraja: duplicate and forged
 * callbacks, amount mismatch, 1032 and 1037, a payment arriving after the checkout expired, Daraja
 * down, no callback at all, "still processing" answers, an unknown CheckoutRequestID. Money is never
 * lost track of: it is either on the orders (PAID + escrow postings) or in the exception queue.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expireUnpaidOrders } from "../../application/orders/transition-order.js"
import { dispatchEvent } from "../../adapters/postgres/worker.js"
import { handlers } from "../../composition/event-handlers.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, drainOutbox, seedShop, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"
import { DARAJA_PATHS, envelope } from "../fakes/daraja-server.js"
import { relayed } from "../support/outbox-relay.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  shop = await seedShop(db.sql)
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

/** A buyer with a fresh checkout for one basket (KES 1,330 charged). */
const checkout = () => checkoutOneBasket(api, db.sql, shop, "unhappy")

const pay = async (c: Awaited<ReturnType<typeof checkout>>) => {
  const res = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
  expect(res.status).toBe(202)
  return res.body.checkoutRequestId as string
}

const state = async (c: { buyer: { token: string }; checkoutId: string }) =>
  (await call(api, "GET", `/api/v1/checkouts/${c.checkoutId}`, { token: c.buyer.token })).body
const postings = async (checkoutId: string) =>
  (await db.sql`select kind from ledger_transactions where checkout_id = ${checkoutId} order by kind`).map((r) => r["kind"])
const exceptions = async (checkoutId: string) =>
  (await db.sql`select kind from exceptions where payload->>'checkoutId' = ${checkoutId} order by kind`).map((r) => r["kind"])

describe("M-Pesa unhappy paths", () => {
  it("the charge is the whole-shilling total: KES 1,330 for one basket", async () => {
    const c = await checkout()
    expect(c.charge).toBe(1_330_00)
  })

  it("a duplicate (replayed) callback has no second effect", async () => {
    const c = await checkout()
    const crid = await pay(c)
    await api.fake.sendCallback(crid)
    await api.fake.sendCallback(crid)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect((await state(c)).state).toBe("PAID")
    expect(await postings(c.checkoutId)).toEqual(["INCENTIVE_FUNDING", "PAYMENT_RECEIVED"])
    const outcomes = await db.sql`select outcome from mpesa_callbacks where checkout_request_id = ${crid} order by id`
    expect(outcomes.map((r) => r["outcome"])).toEqual(["PAID", "DUPLICATE"])
    const timeline = await db.sql`select count(*)::int as n from order_timeline where order_id = ${c.orderId} and to_state = 'PAID'`
    expect(timeline[0]!["n"]).toBe(1)
  })

  it("a push settled by its callback withdraws its backstop poll: the poll's job is gone and its event published, nobody runs it", async () => {
    const c = await checkout()
    const crid = await pay(c)
    const backstop = () => db.sql`
      select j.key is not null as queued, o.published_at is not null as published
        from outbox o left join graphile_worker.jobs j on j.key = 'stk-poll:' || (o.payload->>'stkRequestId')
       where o.event_type = 'PAYMENT_STK_REQUESTED' and o.payload->>'checkoutId' = ${c.checkoutId}`
    await relayed(api.runtime) // the poll's job handed to graphile-worker (adapters/postgres/outbox-relay.ts)
    expect(await backstop()).toEqual([{ queued: true, published: false }])
    await api.fake.sendCallback(crid)
    // the callback's event alone (drainOutbox would run the poll's first)
    const [callback] = await db.sql`select id from outbox where event_type = 'MPESA_CALLBACK_RECEIVED' and payload->>'checkoutRequestId' = ${crid}`
    await api.runtime.runPromise(dispatchEvent(handlers, String(callback!["id"]), 1, 8))
    expect((await state(c)).state).toBe("PAID")
    expect(await backstop()).toEqual([{ queued: false, published: true }])
    expect(
      await db.sql`select 1 from processed_events where handler = 'payments.poll-push' and event_id in (select id from outbox where payload->>'checkoutId' = ${c.checkoutId})`
    ).toEqual([])
  })

  it("a forged callback that the STK query contradicts is not trusted: the query's answer wins and a human is told", async () => {
    const c = await checkout()
    api.fake.scriptPhone(c.buyer.phone, { resultCode: 1032 })
    const crid = await pay(c)
    await api.fake.sendCallback(crid, { resultCode: 0, amount: 1_330, receipt: "FORGED0001" })
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const s = await state(c)
    expect(s.state).toBe("CANCELLED")
    expect(s.orders[0].state).toBe("CANCELLED_BY_USER")
    expect(await postings(c.checkoutId)).toEqual([])
    expect(await exceptions(c.checkoutId)).toEqual(["CALLBACK_CONTRADICTED"])
  })

  it("an amount that does not match: recorded against the push, orders stay unpaid, the money held (never shown PAID), exception raised", async () => {
    const c = await checkout()
    const crid = await pay(c)
    await api.fake.sendCallback(crid, { amount: 1 })
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const s = await state(c)
    expect(s.orders[0].state).toBe("PENDING_PAYMENT")
    expect(s.payment).toMatchObject({ status: "HELD" })
    expect(s.heldMoney).toEqual([expect.objectContaining({ amount: { amount: 1_00, currency: "KES" }, reason: "AMOUNT_MISMATCH" })])
    expect(await postings(c.checkoutId)).toEqual([])
    expect(await exceptions(c.checkoutId)).toEqual(["PAYMENT_AMOUNT_MISMATCH"])
    const row = await db.sql`select paid_amount from mpesa_stk_requests where checkout_request_id = ${crid}`
    expect(row[0]!["paid_amount"]).toBe(100)
  })

  it("1032: cancelled by the user -> CANCELLED_BY_USER, the stock hold released", async () => {
    const c = await checkout()
    api.fake.scriptPhone(c.buyer.phone, { resultCode: 1032 })
    const crid = await pay(c)
    await api.fake.sendCallback(crid)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const s = await state(c)
    expect(s.orders[0].state).toBe("CANCELLED_BY_USER")
    expect(s.payment).toMatchObject({ status: "CANCELLED", resultCode: "1032" })
    const held = await db.sql`select state from inventory_reservations where checkout_id = ${c.checkoutId}`
    expect(held.map((r) => r["state"])).toEqual(["RELEASED"])
  })

  it("1037: PAYMENT_FAILED with Daraja's description; the buyer may pay again inside the window", async () => {
    const c = await checkout()
    api.fake.scriptNextPush({ resultCode: 1037 })
    const crid = await pay(c)
    await api.fake.sendCallback(crid)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const failed = await state(c)
    expect(failed.orders[0].state).toBe("PAYMENT_FAILED")
    expect(failed.payment).toMatchObject({ status: "FAILED", resultCode: "1037", resultDesc: "DS timeout user cannot be reached" })
    const retry = await pay(c)
    await api.fake.sendCallback(retry)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const paid = await state(c)
    expect(paid.state).toBe("PAID")
    const timeline = await db.sql`select from_state, to_state, actor_kind from order_timeline where order_id = ${c.orderId} order by id`
    expect(timeline.map((t) => `${t["from_state"]}->${t["to_state"]}:${t["actor_kind"]}`)).toEqual([
      "null->PENDING_PAYMENT:BUYER",
      "PENDING_PAYMENT->PAYMENT_FAILED:SYSTEM",
      "PAYMENT_FAILED->PENDING_PAYMENT:BUYER",
      "PENDING_PAYMENT->PAID:SYSTEM"
    ])
  })

  it("a payment confirmed after the checkout expired goes to the exception queue; the money is recorded on the push and held", async () => {
    const c = await checkout()
    const crid = await pay(c)
    await db.sql`update checkouts set created_at = now() - interval '13 hours', expires_at = now() - interval '1 hour' where id = ${c.checkoutId}`
    await api.runtime.runPromise(expireUnpaidOrders())
    expect((await state(c)).orders[0].state).toBe("EXPIRED")
    await api.fake.sendCallback(crid)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const s = await state(c)
    expect(s.orders[0].state).toBe("EXPIRED")
    expect(s.payment.status).toBe("HELD")
    expect(s.heldMoney[0]).toMatchObject({ reason: "CHECKOUT_EXPIRED", amount: { amount: 1_330_00, currency: "KES" } })
    expect(s.payment.receipt).toBeDefined()
    expect(await postings(c.checkoutId)).toEqual([])
    expect(await exceptions(c.checkoutId)).toEqual(["LATE_PAYMENT"])
  })

  it("Daraja down: the push is answered 503 (never retried blindly) and stays pending (the prompt may be on the phone), a later push works once its callback can no longer be matched to it (180 s); a callback waits until Daraja answers queries again", async () => {
    const c = await checkout()
    // the push itself meets the 503 (a token that could not be had would mean it never left: tests/payments/unreached-daraja.test.ts)
    api.fake.fault(DARAJA_PATHS.stkPush, { kind: "status", status: 503, raw: "Service Unavailable" }, 1)
    const refused = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
    expect(refused.status).toBe(503)
    expect(refused.body.code).toBe("PAYMENT.GATEWAY_UNAVAILABLE")
    // A bare 503 says nothing about the push: it stays PENDING without an id, and blocks another push meanwhile.
    expect((await state(c)).payment.status).toBe("PENDING")
    const blocked = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
    expect(blocked.status).toBe(409)
    expect(blocked.body.code).toBe("PAYMENT.IN_PROGRESS")
    // Still refused past the prompt window: its callback may be matched to it for 180 s (two unrecorded
    // pushes would make that match ambiguous: tests/payments/lost-push-reply.test.ts).
    await db.sql`update mpesa_stk_requests set requested_at = now() - interval '2 minutes' where checkout_id = ${c.checkoutId} and checkout_request_id is null`
    expect((await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })).status).toBe(409)
    await db.sql`update mpesa_stk_requests set requested_at = now() - interval '4 minutes' where checkout_id = ${c.checkoutId} and checkout_request_id is null`
    const crid = await pay(c)
    api.fake.down({ kind: "status", status: 503, raw: "Service Unavailable" })
    await api.fake.sendCallback(crid)
    const stuck = await drainOutbox(api, db.sql, 2)
    expect(stuck.length).toBeGreaterThan(0)
    expect((await state(c)).state).toBe("PENDING_PAYMENT")
    api.fake.down(undefined)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect((await state(c)).state).toBe("PAID")
  })

  it("Daraja busy or refusing: 502 with our code (PAYMENT.GATEWAY_REJECTED), a sentence for a person, and Daraja's code in an extension member", async () => {
    const c = await checkout()
    api.fake.fault(DARAJA_PATHS.stkPush, { kind: "status", status: 500, body: envelope("500.003.02", "System is busy. Please try again in few minutes.") }, 1)
    const refused = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
    expect(refused.status).toBe(502)
    expect(refused.body).toMatchObject({ code: "PAYMENT.GATEWAY_REJECTED", gatewayCode: "500.003.02" })
    expect(refused.body.detail).toMatch(/^M-Pesa .* try again/)
    expect(refused.body.detail).not.toContain("500.003.02")
    // Unreachable: 503, our code, a sentence (not the tag, not the transport's text).
    api.fake.fault(DARAJA_PATHS.stkPush, { kind: "close" }, 1)
    const down = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
    expect(down.status).toBe(503)
    expect(down.body.code).toBe("PAYMENT.GATEWAY_UNAVAILABLE")
    expect(down.body.detail).toMatch(/^M-Pesa did not answer/)
    expect(down.body.detail).not.toContain("nothing was charged") // the prompt may have reached the phone
    expect(down.body.gatewayCode).toBeUndefined()
  })

  it("no callback at all: the worker's STK query settles the push (the receipt is filled in if the callback comes later)", async () => {
    const c = await checkout()
    api.fake.scriptNextPush({ resultCode: 0, processingQueries: 1, processingForm: "500.001.1001" })
    const crid = await pay(c)
    // first poll: "being processed" -> not final, retried later
    const pending = await drainOutbox(api, db.sql, 1)
    expect(pending.join()).toContain("PaymentStillPending")
    // second poll: Paid, but the callback may still come (to match amount and phone): wait
    expect((await drainOutbox(api, db.sql, 1)).join()).toContain("waiting for the callback")
    expect((await state(c)).state).toBe("PENDING_PAYMENT")
    // the grace period has passed: the query alone settles it
    await db.sql`update mpesa_stk_requests set requested_at = now() - interval '5 minutes' where checkout_request_id = ${crid}`
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const paid = await state(c)
    expect(paid.state).toBe("PAID")
    expect(paid.payment.receipt).toBeUndefined()
    await api.fake.sendCallback(crid)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect((await state(c)).payment.receipt).toMatch(/^T/)
    expect(await postings(c.checkoutId)).toEqual(["INCENTIVE_FUNDING", "PAYMENT_RECEIVED"])
  })

  it("Daraja's STK query is asked before any lock: while it is in flight, the push, the checkout and the callback rows are free", async () => {
    const c = await checkout()
    const crid = await pay(c)
    await api.fake.sendCallback(crid)
    const seen: Array<string> = []
    // While the worker waits for the query's answer, another session tries each row without waiting.
    api.fake.beforeAnswer(DARAJA_PATHS.stkQuery, async () => {
      const rows = {
        push: ["mpesa_stk_requests", "checkout_request_id", crid],
        checkout: ["checkouts", "id", c.checkoutId],
        callback: ["mpesa_callbacks", "checkout_request_id", crid],
        order: ["orders", "id", c.orderId]
      } as const
      for (const [what, [table, column, value]] of Object.entries(rows)) {
        const tried = db.sql.begin((tx) => tx`select 1 from ${tx(table)} where ${tx(column)} = ${value} for update nowait`)
        seen.push(
          await tried.then(
            () => `${what}: free`,
            (e: { code?: string }) => `${what}: ${e.code === "55P03" ? "locked" : String(e)}`
          )
        )
      }
    })
    try {
      expect(await drainOutbox(api, db.sql)).toEqual([])
    } finally {
      api.fake.beforeAnswer(DARAJA_PATHS.stkQuery, undefined)
    }
    // the callback's job and the push's poll each asked once
    expect(seen.length).toBeGreaterThanOrEqual(4)
    expect(seen.filter((s) => !s.endsWith("free"))).toEqual([])
    expect((await state(c)).state).toBe("PAID")
    expect(await postings(c.checkoutId)).toEqual(["INCENTIVE_FUNDING", "PAYMENT_RECEIVED"])
  })

  it("a callback for a CheckoutRequestID we never issued, or one we cannot read, goes to the exception queue", async () => {
    const secret = "dev-callback-secret"
    const unknown = {
      Body: {
        stkCallback: {
          MerchantRequestID: "1-2-3",
          CheckoutRequestID: "ws_CO_000000000000000",
          ResultCode: 0,
          ResultDesc: "ok",
          CallbackMetadata: { Item: [{ Name: "Amount", Value: 5 }] }
        }
      }
    }
    expect((await call(api, "POST", `/api/v1/payments/mpesa/callback/${secret}`, { body: unknown })).status).toBe(200)
    expect((await call(api, "POST", `/api/v1/payments/mpesa/callback/${secret}`, { raw: "<xml>not json</xml>" })).status).toBe(200)
    expect((await call(api, "POST", `/api/v1/payments/mpesa/callback/wrong-secret`, { body: unknown })).status).toBe(404)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const kinds = await db.sql`select kind from exceptions where kind in ('UNKNOWN_CHECKOUT_REQUEST', 'CALLBACK_UNDECODABLE') order by kind`
    expect(kinds.map((r) => r["kind"])).toEqual(["CALLBACK_UNDECODABLE", "UNKNOWN_CHECKOUT_REQUEST"])
  })

  it("a second push while the first prompt may still be on the phone is refused; 3 pushes per phone per hour", async () => {
    const c = await checkout()
    await pay(c)
    const again = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
    expect(again.status).toBe(409)
    expect(again.body.code).toBe("PAYMENT.IN_PROGRESS")
    // Three more checkouts for the same phone: the fourth push within the hour is 429.
    const statuses: Array<number> = []
    for (let i = 0; i < 3; i++) {
      const other = await checkout()
      const r = await call(api, "POST", `/api/v1/checkouts/${other.checkoutId}/payments`, { token: other.buyer.token, body: { phone: c.buyer.phone } })
      statuses.push(r.status)
      if (r.status === 429) expect(r.headers.get("retry-after")).toBeTruthy()
    }
    expect(statuses).toEqual([202, 202, 429])
  })
})
