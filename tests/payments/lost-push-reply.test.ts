/**
 * Found by an attacker's review (eleventh session), now fixed: an STK push whose REPLY is lost
 * (Daraja accepted it, the phone shows the prompt, but our HTTP call timed out or the connection dropped: GatewayUnavailable). adapters/daraja/client.ts
 * says of exactly this case "the caller decides (query, never re-push blindly)"; request-payment.ts
 * instead marks the push FAILED (requestRefused) and tells the buyer "no payment prompt was sent
 * and nothing was charged". So:
 *   - the buyer may push again at once (the prompt window only blocks a PENDING push), and
 *   - when the buyer answers the first prompt, its callback names a CheckoutRequestID we never
 *     recorded; the only push it could match is FAILED, so it is UNKNOWN_CHECKOUT_REQUEST: the money
 *     is neither settled nor held, not shown to the buyer, not returned, and a second push is allowed.
 * PRODUCT.md: money that arrives but cannot settle an order is held, shown to the buyer and sent back;
 * the buyer is never asked to pay again while it is held.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requestPayment } from "../../application/payments/request-payment.js"
import { GatewayUnavailable, PaymentGateway } from "../../application/ports/payment-gateway.js"
import { CheckoutId, UserId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, seedShop } from "../api/support.js"
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
/** A push Daraja accepts (the fake records it, the phone shows the prompt) whose reply never reaches us. */
const lossyPush = (c: Checkout) =>
  api.runtime.runPromise(
    Effect.either(
      Effect.flatMap(
        Effect.gen(function* () {
          const live = yield* PaymentGateway
          return {
            ...live,
            stkPush: (r: Parameters<typeof live.stkPush>[0]) =>
              Effect.flatMap(live.stkPush(r), () => Effect.fail(new GatewayUnavailable({ detail: "stk push: no answer within 3000 ms" })))
          }
        }),
        (gateway) =>
          requestPayment({
            checkoutId: CheckoutId.make(c.checkoutId),
            buyerId: UserId.make(c.buyer.id),
            phone: c.buyer.phone,
            callbackUrl: `${api.url}/api/v1/payments/mpesa/callback/dev-callback-secret`
          }).pipe(Effect.provideService(PaymentGateway, gateway))
      )
    )
  )

describe("an STK push whose reply was lost", () => {
  it("the buyer pays the prompt that did reach the phone: the money settles the checkout or is held (shown, no second push), never just an unknown callback", async () => {
    const c = await checkoutOneBasket(api, db.sql, shop, "lost-reply")
    const pushed = await lossyPush(c)
    expect(pushed._tag).toBe("Left") // the buyer was told nothing was sent
    const prompt = api.fake.pushes.find((p) => p.phone === c.buyer.phone)!
    expect(prompt).toBeDefined() // ...but the phone has the prompt

    // The buyer answers it: M-Pesa takes KES 1,330 and Daraja calls back (its STK query agrees: paid).
    await api.fake.sendCallback(prompt.checkoutRequestId)
    const outcome = await eventually("callback processed", async () => {
      const [r] = await db.sql`select outcome from mpesa_callbacks where checkout_request_id = ${prompt.checkoutRequestId} and processed_at is not null`
      return r === undefined ? undefined : String(r["outcome"])
    })
    const view = (await call(api, "GET", `/api/v1/checkouts/${c.checkoutId}`, { token: c.buyer.token })).body
    const held = await db.sql`select amount from held_payments where checkout_id = ${c.checkoutId}`
    const paid = view.orders[0].state === "PAID"
    // Either the payment settled the checkout, or the money is held for it (and shown)...
    expect.soft({ outcome, paid, held: held.length }).not.toMatchObject({ paid: false, held: 0 })
    // ...and in neither case is the buyer asked to pay a second time.
    const again = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
    expect.soft(again.status, JSON.stringify(again.body)).toBe(409)
  }, 60_000)

  // Found by a second attacker's review (eleventh session): after the 90 s prompt window a second push
  // whose reply was lost too left two unrecorded pushes matching the callback (same phone and amount
  // within 180 s): it was nobody's, nothing paid or held, and once both were given up the buyer could
  // pay again. A push whose reply was lost now blocks another for the whole match window.
  it("a second push inside the match window is refused; the buyer pays the first prompt: the checkout is PAID, nothing held, no further push", async () => {
    const c = await checkoutOneBasket(api, db.sql, shop, "two-lost")
    const first = await lossyPush(c)
    expect(first._tag === "Left" && first.left._tag).toBe("GatewayUnavailable")
    // 100 s pass (past the 90 s prompt window, inside the 180 s match window): another push is refused,
    // so no second unrecorded push can make the first one's callback ambiguous
    await db.sql`update mpesa_stk_requests set requested_at = requested_at - interval '100 seconds' where checkout_id = ${c.checkoutId}`
    const second = await lossyPush(c)
    expect(second._tag === "Left" && second.left._tag).toBe("PaymentInProgress")
    const overHttp = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
    expect(overHttp.status, JSON.stringify(overHttp.body)).toBe(409)
    const prompts = api.fake.pushes.filter((p) => p.phone === c.buyer.phone)
    expect(prompts.length).toBe(1)
    const rows = await db.sql`select status, checkout_request_id from mpesa_stk_requests where checkout_id = ${c.checkoutId}`
    expect(rows.map((r) => [r["status"], r["checkout_request_id"]])).toEqual([["PENDING", null]])

    // The buyer pays the prompt (still on the phone); Daraja calls back, its STK query agrees: paid, and adopted.
    await api.fake.sendCallback(prompts[0]!.checkoutRequestId)
    await waitForState(db.sql, c.orderId, "PAID")
    const view = (await call(api, "GET", `/api/v1/checkouts/${c.checkoutId}`, { token: c.buyer.token })).body
    expect({ state: view.state, order: view.orders[0].state }).toEqual({ state: "PAID", order: "PAID" })
    expect(await db.sql`select 1 from held_payments where checkout_id = ${c.checkoutId}`).toHaveLength(0)
    // and nothing can be pushed again for it
    const again = await call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
    expect(again.status, JSON.stringify(again.body)).toBe(409)
  }, 60_000)
})
