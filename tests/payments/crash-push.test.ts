/**
 * A crash between the STK push and its commit does not lose the payment (issue 10.6). The process
 * asking for the push is SIGKILLed right after Daraja accepted it (tests/support/crash-payment.ts):
 * the push row exists, PENDING, without its CheckoutRequestID, and no poll was queued. The buyer
 * pays; the callback names an id we never stored; it is matched to that push by phone, amount and
 * time, confirmed by Daraja's STK query, and settles the checkout as usual. A callback naming an id
 * Daraja does not know is not adopted; a push no callback claims is given up by the sweeper.
 */
import { spawn } from "node:child_process"
import { resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sweepUnrecordedPushes } from "../../application/payments/reconcile.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, drainOutbox, seedShop, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

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

/** Starting a second process with the whole platform takes a while on a busy machine. */
const CHILD_TIMEOUT_MS = 180_000
/** A buyer with a fresh checkout for one basket (KES 1,330 charged). */
const checkout = () => checkoutOneBasket(api, db.sql, shop, "crash")

/** Ask for the push in another process that dies the moment Daraja has accepted it. */
const pushAndDie = (c: Awaited<ReturnType<typeof checkout>>) =>
  new Promise<{ signal: NodeJS.Signals | null; out: string }>((done) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        resolve(import.meta.dirname, "../support/crash-payment.ts"),
        db.url,
        c.checkoutId,
        c.buyer.id,
        c.buyer.phone,
        `${api.url}/api/v1/payments/mpesa/callback/dev-callback-secret`
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: process.env }
    )
    let out = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    child.stderr.on("data", (d: Buffer) => (out += d.toString()))
    child.once("exit", (_code, signal) => done({ signal, out }))
  })

const view = async (c: Awaited<ReturnType<typeof checkout>>) => (await call(api, "GET", `/api/v1/checkouts/${c.checkoutId}`, { token: c.buyer.token })).body
const exceptions = async (kind: string) =>
  (await db.sql`select payload from exceptions where kind = ${kind}`).map((r) => r["payload"] as Record<string, unknown>)

describe("a crash between the STK push and its commit", () => {
  it(
    "SIGKILL right after Daraja accepted the push: the buyer pays, the callback finds the push by phone, amount and time, Daraja confirms, the checkout is PAID",
    async () => {
      const c = await checkout()
      const died = await pushAndDie(c)
      expect(died.signal, died.out).toBe("SIGKILL")
      const push = api.fake.pushes.find((p) => p.phone === c.buyer.phone)!
      expect(push).toBeDefined()
      const row = await db.sql`select status, checkout_request_id from mpesa_stk_requests where checkout_id = ${c.checkoutId}`
      expect(row).toEqual([{ status: "PENDING", checkout_request_id: null }])
      expect(await db.sql`select 1 from outbox where event_type = 'PAYMENT_STK_REQUESTED' and payload->>'checkoutId' = ${c.checkoutId}`).toHaveLength(0)

      await api.fake.sendCallback(push.checkoutRequestId)
      expect(await drainOutbox(api, db.sql)).toEqual([])
      const paid = await view(c)
      expect(paid).toMatchObject({ state: "PAID", orders: [{ state: "PAID" }], payment: { status: "PAID" } })
      expect(paid.payment.receipt).toMatch(/^T/)
      const recorded = await db.sql`select checkout_request_id from mpesa_stk_requests where checkout_id = ${c.checkoutId}`
      expect(recorded[0]!["checkout_request_id"]).toBe(push.checkoutRequestId)
      const ledger = await db.sql`select kind from ledger_transactions where checkout_id = ${c.checkoutId} order by kind`
      expect(ledger.map((r) => r["kind"])).toEqual(["INCENTIVE_FUNDING", "PAYMENT_RECEIVED"])
      expect((await exceptions("UNKNOWN_CHECKOUT_REQUEST")).filter((p) => (p["callback"] as { phone?: string })?.phone === c.buyer.phone)).toEqual([])
    },
    CHILD_TIMEOUT_MS
  )

  it(
    "a callback naming an id Daraja never gave us is not adopted, even when phone and amount match an unrecorded push; the sweeper gives that push up and tells a human",
    async () => {
      const c = await checkout()
      expect((await pushAndDie(c)).signal).toBe("SIGKILL")
      const real = api.fake.pushes.find((p) => p.phone === c.buyer.phone)!
      const forged = {
        Body: {
          stkCallback: {
            MerchantRequestID: "1-2-3",
            CheckoutRequestID: "ws_CO_FORGED0000000001",
            ResultCode: 0,
            ResultDesc: "ok",
            CallbackMetadata: {
              Item: [
                { Name: "Amount", Value: real.amount },
                { Name: "MpesaReceiptNumber", Value: "FORGED0001" },
                { Name: "PhoneNumber", Value: Number(c.buyer.phone) }
              ]
            }
          }
        }
      }
      expect((await call(api, "POST", "/api/v1/payments/mpesa/callback/dev-callback-secret", { body: forged })).status).toBe(200)
      expect(await drainOutbox(api, db.sql)).toEqual([])
      expect((await view(c)).state).toBe("PENDING_PAYMENT")
      expect((await exceptions("UNKNOWN_CHECKOUT_REQUEST")).map((p) => (p["callback"] as { checkoutRequestId: string }).checkoutRequestId)).toContain(
        "ws_CO_FORGED0000000001"
      )

      // No genuine callback ever comes: after the give-up time the sweeper settles the push FAILED.
      expect(await api.runtime.runPromise(sweepUnrecordedPushes())).toBe(0)
      await db.sql`update mpesa_stk_requests set requested_at = now() - interval '20 minutes' where checkout_id = ${c.checkoutId}`
      expect(await api.runtime.runPromise(sweepUnrecordedPushes())).toBe(1)
      expect((await view(c)).payment.status).toBe("FAILED")
      expect((await exceptions("STK_PUSH_UNRECORDED")).map((p) => p["checkoutId"])).toContain(c.checkoutId)
      // and the buyer can pay again
      const again = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
      expect(again.status).toBe(202)
    },
    CHILD_TIMEOUT_MS
  )
})
