/**
 * Found by an attacker's review of 184db86 (eleventh session): a push whose reply was lost stays PENDING without a CheckoutRequestID and
 * is adopted by a callback only when it is the ONE unrecorded push matching phone + amount in the last
 * UNRECORDED_PUSH_MATCH_MS (180 s). The prompt window is 90 s, so a buyer whose first push's reply was
 * lost may push again after 90 s; if that reply is lost too (Daraja flaky: the very case of fix 3),
 * the buyer's payment of EITHER prompt matches two unrecorded pushes of the same checkout: it is
 * "nobody's" (UNKNOWN_REQUEST), neither settles the checkout nor is held, and the buyer is allowed to
 * push and pay again: a double charge. PRODUCT.md: money received that cannot settle is held, shown, sent back.
 * Now a push whose reply was lost blocks another for the whole match window (request-payment.ts), so
 * its callback has one candidate, and the money pays the checkout.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requestPayment } from "../../application/payments/request-payment.js"
import { GatewayUnavailable, PaymentGateway } from "../../application/ports/payment-gateway.js"
import { CheckoutId, UserId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, seedShop } from "../api/support.js"
import { startPlatform, waitForState } from "../fulfilment/support.js"
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

describe("two STK pushes whose replies were both lost", () => {
  it("a second push inside the match window is refused; the buyer pays the first prompt: the checkout is PAID, nothing held, no further push", async () => {
    const c = await checkoutOneBasket(api, db.sql, shop, "two-lost")
    const lossyPush = () =>
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
    const first = await lossyPush()
    expect(first._tag === "Left" && first.left._tag).toBe("GatewayUnavailable")
    // 100 s pass (past the 90 s prompt window, inside the 180 s match window): another push is refused,
    // so no second unrecorded push can make the first one's callback ambiguous
    await db.sql`update mpesa_stk_requests set requested_at = requested_at - interval '100 seconds' where checkout_id = ${c.checkoutId}`
    const second = await lossyPush()
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
