/**
 * An STK push that never left (eleventh session's known-left item, now fixed): Daraja's OAuth token
 * could not be had, or the connection to Daraja was refused. Nothing can have reached a phone, yet
 * such a push was kept PENDING like one whose reply was lost: the buyer was blocked from pushing again
 * for up to 180 s and told a prompt "may still reach your phone", and each such push became an
 * STK_PUSH_UNRECORDED exception for a person 15 minutes later (one per buyer during a Daraja outage).
 * Now it ends at once (FAILED, "no prompt was sent"), and the buyer may push again. A push whose
 * request did leave (the connection closed after it, a bare 503) stays PENDING: tests/payments/unhappy.test.ts.
 */
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { Effect, Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requestPayment } from "../../application/payments/request-payment.js"
import { PaymentGateway } from "../../application/ports/payment-gateway.js"
import { makeDarajaConfig } from "../../adapters/daraja/config.js"
import { makeDarajaGateway } from "../../adapters/daraja/client.js"
import { NodeHttpClientLive } from "../../adapters/http-client/node-client.js"
import { CheckoutId, UserId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, seedShop, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"
import { DARAJA_PATHS } from "../fakes/daraja-server.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  shop = await seedShop(db.sql)
  // a fresh platform: no OAuth token cached yet, so the first push asks for one
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

const checkout = () => checkoutOneBasket(api, db.sql, shop, "unreached")
type Checkout = Awaited<ReturnType<typeof checkout>>
const push = (c: Checkout) => call(api, "POST", `/api/v1/checkouts/${c.checkoutId}/payments`, { token: c.buyer.token, body: { phone: c.buyer.phone } })
const pushes = (c: Checkout) =>
  db.sql<Array<{ status: string; checkout_request_id: string | null; result_desc: string | null }>>`
    select status, checkout_request_id, result_desc from mpesa_stk_requests where checkout_id = ${c.checkoutId} order by requested_at, id`

/** A port on this machine nothing listens on (bound, then closed). */
const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

describe("an STK push that never left", () => {
  it("Daraja's OAuth unreachable: 503 saying no prompt was sent, the push FAILED at once, and the buyer may push again", async () => {
    const c = await checkout()
    const pushesBefore = api.fake.requestsTo(DARAJA_PATHS.stkPush).length
    api.fake.fault(DARAJA_PATHS.oauth, { kind: "status", status: 503, raw: "Service Unavailable" }, 1)
    const refused = await push(c)
    expect(refused.status).toBe(503)
    expect(refused.body.code).toBe("PAYMENT.GATEWAY_UNAVAILABLE")
    expect(refused.body.detail).toMatch(/no payment prompt was sent and nothing was charged/)
    expect(refused.body.detail).not.toContain("503") // the transport's words stay in the logs
    // the push never reached Daraja
    expect(api.fake.requestsTo(DARAJA_PATHS.stkPush).length).toBe(pushesBefore)
    expect(await pushes(c)).toEqual([{ status: "FAILED", checkout_request_id: null, result_desc: "M-Pesa could not be reached: no prompt was sent" }])
    const seen = await call(api, "GET", `/api/v1/checkouts/${c.checkoutId}`, { token: c.buyer.token })
    expect(seen.body.payment.status).toBe("FAILED")
    // not blocked for the prompt window: Daraja is back, the next push goes at once
    const again = await push(c)
    expect(again.status).toBe(202)
    expect((await pushes(c)).map((p) => p.status)).toEqual(["FAILED", "PENDING"])
  })

  it("a refused connection: the gateway says the push never left, and request-payment ends it", async () => {
    const c = await checkout()
    const unreachable = makeDarajaConfig({
      env: "sandbox",
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      consumerKey: "test-consumer-key",
      consumerSecret: "test-consumer-secret",
      requestTimeoutMs: 3000
    })
    const gateway = await Effect.runPromise(makeDarajaGateway(unreachable).pipe(Effect.provide(NodeHttpClientLive())))
    const outcome = await api.runtime.runPromise(
      Effect.either(
        requestPayment({
          checkoutId: CheckoutId.make(c.checkoutId),
          buyerId: UserId.make(c.buyer.id),
          phone: c.buyer.phone,
          callbackUrl: `${api.url}/api/v1/payments/mpesa/callback/dev-callback-secret`
        }).pipe(Effect.provide(Layer.succeed(PaymentGateway, gateway)))
      )
    )
    expect(outcome._tag).toBe("Left")
    const e = Option.getOrThrow(Option.fromNullable(outcome._tag === "Left" ? outcome.left : undefined))
    expect(e).toMatchObject({ _tag: "GatewayUnavailable", notSent: true })
    expect((await pushes(c)).map((p) => p.status)).toEqual(["FAILED"])
    expect((await push(c)).status).toBe(202)
  })

  it("a push whose request left and met a closed connection stays PENDING, blocking another (the prompt may be on the phone)", async () => {
    const c = await checkout()
    api.fake.fault(DARAJA_PATHS.stkPush, { kind: "close" }, 1)
    const lost = await push(c)
    expect(lost.status).toBe(503)
    expect(lost.body.detail).toMatch(/^M-Pesa did not answer/)
    expect(lost.body.detail).not.toContain("nothing was charged")
    expect((await pushes(c)).map((p) => p.status)).toEqual(["PENDING"])
    expect((await push(c)).status).toBe(409)
  })
})
