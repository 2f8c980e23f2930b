/**
 * Found by an attacker's review (eleventh session), now fixed: an STK push whose REPLY is lost (Daraja accepted it, the phone shows the prompt, but
 * our HTTP call timed out or the connection dropped: GatewayUnavailable). adapters/daraja/client.ts
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
import { eventually, startPlatform } from "../fulfilment/support.js"
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

describe("an STK push whose reply was lost", () => {
  it("the buyer pays the prompt that did reach the phone: the money settles the checkout or is held (shown, no second push), never just an unknown callback", async () => {
    const c = await checkoutOneBasket(api, db.sql, shop, "lost-reply")
    // Daraja accepts the push (the fake records it, the phone shows the prompt); the reply never reaches us.
    const lossy = Effect.gen(function* () {
      const live = yield* PaymentGateway
      return {
        ...live,
        stkPush: (r: Parameters<typeof live.stkPush>[0]) =>
          Effect.flatMap(live.stkPush(r), () => Effect.fail(new GatewayUnavailable({ detail: "stk push: no answer within 3000 ms" })))
      }
    })
    const pushed = await api.runtime.runPromise(
      Effect.either(
        Effect.flatMap(lossy, (gateway) =>
          requestPayment({
            checkoutId: CheckoutId.make(c.checkoutId),
            buyerId: UserId.make(c.buyer.id),
            phone: c.buyer.phone,
            callbackUrl: `${api.url}/api/v1/payments/mpesa/callback/dev-callback-secret`
          }).pipe(Effect.provideService(PaymentGateway, gateway))
        )
      )
    )
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
})
