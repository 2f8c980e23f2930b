/**
 * A late failure of an OLDER push must not decide a checkout that a NEWER push is
 * paying (or has paid). The buyer may push again once the prompt window (90 s) has passed while
 * the first push is still PENDING on our side; Daraja's 1037/1032 for the first push can arrive
 * after that (late callback, or the worker's STK query finally answering).
 *
 * reconcile.ts `settle`, non-Paid branch: it moves every PENDING_PAYMENT order of the checkout to
 * PAYMENT_FAILED and sets the checkout PAYMENT_FAILED without asking whether this push is still the
 * checkout's live one, and without looking at the orders' states for the checkout's own state.
 * Found by an attacker's review (eleventh session). Now a push the buyer replaced settles only its own
 * row (PaymentStore.pushedSince, read under the checkout's lock); a failure changes the checkout only
 * when orders were waiting for it; money from an earlier prompt paid after the last one failed pays
 * the checkout inside its payment window (the retry the buyer may make by a new push).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, seedShop } from "../api/support.js"
import { DARAJA_PATHS, envelope } from "../fakes/daraja-server.js"
import { eventually, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
let api: Platform
let shop: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  api = await startPlatform(db)
  shop = await seedShop(db.sql)
}, 60_000)
afterAll(async () => {
  await api?.close()
})

type Checkout = Awaited<ReturnType<typeof checkoutOneBasket>>
const pay = async (c: Checkout) => {
  const res = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
  expect(res.status, JSON.stringify(res.body)).toBe(202)
  return res.body.checkoutRequestId as string
}
const pushStatus = (crid: string) =>
  eventually(`push ${crid} settled`, async () => {
    const s = (await db.sql`select status from mpesa_stk_requests where checkout_request_id = ${crid}`)[0]?.["status"]
    return s !== undefined && s !== "PENDING" ? String(s) : undefined
  })
/** The first push stays "still processing" past the prompt window; the buyer pushes again. */
const twoPushes = async (c: Checkout, olderResult: number) => {
  api.fake.scriptNextPush({ resultCode: olderResult, processingQueries: 1_000_000 })
  const older = await pay(c)
  await db.sql`update mpesa_stk_requests set requested_at = now() - interval '2 minutes' where checkout_request_id = ${older}`
  api.fake.scriptNextPush({ resultCode: 0 })
  const newer = await pay(c)
  return { older, newer }
}
const heldFor = async (c: Checkout) => (await db.sql`select reason from held_payments where checkout_id = ${c.checkoutId}`).map((r) => String(r["reason"]))
const checkoutState = async (c: Checkout) => String((await db.sql`select state from checkouts where id = ${c.checkoutId}`)[0]!["state"])

describe("a late failure of an older push does not undo the newer push", () => {
  it("older push's 1037 arrives while the newer prompt is on the phone; the buyer then pays the newer push: the order is PAID, no money held", async () => {
    const c = await checkoutOneBasket(api, db.sql, shop, "stale-a")
    const { older, newer } = await twoPushes(c, 1037)
    // Daraja's final word on the older push: timed out.
    api.fake.push(older).queries = 1_000_000
    await api.fake.sendCallback(older)
    expect(await pushStatus(older)).toBe("FAILED")
    // The buyer answers the newer prompt (the one they were asked to answer): paid, as asked.
    await api.fake.sendCallback(newer)
    expect(await pushStatus(newer)).toBe("PAID")
    const view = (await call(api, "GET", `/api/v1/checkouts/${c.checkoutId}`, { token: c.buyer.token })).body
    expect({ order: view.orders[0].state, held: await heldFor(c) }).toEqual({ order: "PAID", held: [] })
  }, 60_000)

  it("the newer push is paid first; the older push's 1037 arrives after: the checkout stays PAID", async () => {
    const c = await checkoutOneBasket(api, db.sql, shop, "stale-b")
    const { older, newer } = await twoPushes(c, 1037)
    await api.fake.sendCallback(newer)
    await waitForState(db.sql, c.orderId, "PAID")
    expect(await checkoutState(c)).toBe("PAID")
    api.fake.push(older).queries = 1_000_000
    await api.fake.sendCallback(older)
    expect(await pushStatus(older)).toBe("FAILED")
    // the orders are PAID; the checkout must say so too
    expect.soft(await checkoutState(c)).toBe("PAID")
    const view = (await call(api, "GET", `/api/v1/checkouts/${c.checkoutId}`, { token: c.buyer.token })).body
    expect({ state: view.state, order: view.orders[0].state }).toEqual({ state: "PAID", order: "PAID" })
  }, 60_000)

  it("the newer push fails (1037) first; then the older prompt is paid after all (Daraja confirms): the checkout, still inside its payment window, is PAID", async () => {
    const c = await checkoutOneBasket(api, db.sql, shop, "stale-c")
    api.fake.scriptNextPush({ resultCode: 0, processingQueries: 1_000_000 })
    const older = await pay(c)
    await db.sql`update mpesa_stk_requests set requested_at = now() - interval '2 minutes' where checkout_request_id = ${older}`
    api.fake.scriptNextPush({ resultCode: 1037 })
    const newer = await pay(c)
    await api.fake.sendCallback(newer)
    await waitForState(db.sql, c.orderId, "PAYMENT_FAILED")
    api.fake.push(older).queries = 1_000_000
    await api.fake.sendCallback(older)
    expect(await pushStatus(older)).toBe("PAID")
    // PAYMENT_FAILED -> PENDING_PAYMENT is a retry the product allows inside the window: money for this checkout, as asked, pays it.
    const view = (await call(api, "GET", `/api/v1/checkouts/${c.checkoutId}`, { token: c.buyer.token })).body
    expect({ order: view.orders[0].state, held: await heldFor(c) }).toEqual({ order: "PAID", held: [] })
  }, 60_000)

  it("a later push Daraja refused never reached a phone: the earlier push's failure still fails the checkout", async () => {
    const c = await checkoutOneBasket(api, db.sql, shop, "stale-d")
    api.fake.scriptNextPush({ resultCode: 1037, processingQueries: 1_000_000 })
    const older = await pay(c)
    await db.sql`update mpesa_stk_requests set requested_at = now() - interval '2 minutes' where checkout_request_id = ${older}`
    api.fake.fault(DARAJA_PATHS.stkPush, { kind: "status", status: 500, body: envelope("500.003.02", "System is busy. Please try again in few minutes.") }, 1)
    const refused = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
    expect(refused.status).toBe(502)
    api.fake.push(older).queries = 1_000_000
    await api.fake.sendCallback(older)
    expect(await pushStatus(older)).toBe("FAILED")
    await waitForState(db.sql, c.orderId, "PAYMENT_FAILED")
    expect(await checkoutState(c)).toBe("PAYMENT_FAILED")
  }, 60_000)
})
