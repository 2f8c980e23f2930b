/**
 * The Daraja adapter against the fake Daraja server, over real HTTP. Time is pinned with TestClock
 * (it.effect) wherever timestamps or token expiry matter.
 */
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, TestClock } from "effect"
import type { StkPushRequest } from "../../application/ports/payment-gateway.js"
import * as Money from "../../domain/money.js"
import { Paths } from "../../adapters/daraja/client.js"
import { SANDBOX_PASSKEY } from "../../adapters/daraja/config.js"
import { nairobiTimestamp, stkPassword } from "../../adapters/daraja/protocol.js"
import { DARAJA_PATHS, envelope, startFakeDaraja } from "../fakes/daraja-server.js"
import type { FakeDaraja, ProcessingForm } from "../fakes/daraja-server.js"
import { SANDBOX_PHONE, gatewayAgainst } from "./support.js"

const DOCUMENTED_PASSWORD = "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMTYwMjE2MTY1NjI3"
/** 2016-02-16 16:56:27 in Nairobi is 13:56:27 UTC. */
const DOCUMENTED_INSTANT = Date.UTC(2016, 1, 16, 13, 56, 27)

const push = (overrides: Partial<StkPushRequest> = {}): StkPushRequest => ({
  phone: SANDBOX_PHONE,
  amount: Money.kes(150),
  accountReference: "AMANA-ORDER1",
  description: "Order payment",
  callbackUrl: "https://amana.example/mpesa/stk/s3cr3t",
  ...overrides
})

let fake: FakeDaraja
beforeEach(async () => {
  fake = await startFakeDaraja()
})
afterEach(async () => {
  await fake.close()
})

const pushBodies = () => fake.requestsTo(DARAJA_PATHS.stkPush).map((r) => r.body as Record<string, unknown>)

describe("STK password and timestamp", () => {
  it("the documented sandbox vector: 174379 + passkey + 20160216165627", () => {
    expect(stkPassword("174379", SANDBOX_PASSKEY, "20160216165627")).toBe(DOCUMENTED_PASSWORD)
  })

  it("timestamps are Nairobi wall time (UTC+3), crossing midnight and the year", () => {
    expect(nairobiTimestamp(DOCUMENTED_INSTANT)).toBe("20160216165627")
    expect(nairobiTimestamp(Date.UTC(2023, 11, 31, 21, 30, 0))).toBe("20240101003000")
    expect(nairobiTimestamp(Date.UTC(2024, 1, 28, 22, 0, 5))).toBe("20240229010005")
  })

  it.effect("a push at the pinned instant carries the documented Timestamp and Password, and the fake accepts it", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(DOCUMENTED_INSTANT)
      const gateway = yield* gatewayAgainst(fake)
      const accepted = yield* gateway.stkPush(push())
      expect(accepted.checkoutRequestId).toMatch(/^ws_CO_/)
      const [body] = pushBodies()
      expect(body?.["Timestamp"]).toBe("20160216165627")
      expect(body?.["Password"]).toBe(DOCUMENTED_PASSWORD)
    })
  )

  it.effect("a wrong passkey is refused by Daraja's password check: GatewayRejected 400.002.02", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake, { passkey: "not-the-passkey" })
      const error = yield* Effect.flip(gateway.stkPush(push()))
      expect(error).toMatchObject({ _tag: "GatewayRejected", errorCode: "400.002.02", httpStatus: 400 })
      expect(error._tag === "GatewayRejected" && error.errorMessage).toContain("Password")
    })
  )
})

describe("STK push request", () => {
  it.effect("sends whole shillings, PartyA = PhoneNumber = phone, PartyB = shortcode, truncated reference and description", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      yield* gateway.stkPush(push({ accountReference: "AMANA-ORDER-0001234", description: "Payment for order 1234" }))
      const [body] = pushBodies()
      expect(body).toMatchObject({
        BusinessShortCode: 174379,
        TransactionType: "CustomerPayBillOnline",
        Amount: 150,
        PartyA: 254708374149,
        PartyB: 174379,
        PhoneNumber: 254708374149,
        CallBackURL: "https://amana.example/mpesa/stk/s3cr3t",
        AccountReference: "AMANA-ORDER-",
        TransactionDesc: "Payment for o"
      })
      expect(fake.requestsTo(Paths.stkPush)[0]?.headers.authorization).toMatch(/^Bearer /)
    })
  )

  it.effect("BuyGoods sends the till as PartyB", () =>
    Effect.gen(function* () {
      yield* Effect.promise(() => fake.close())
      fake = yield* Effect.promise(() => startFakeDaraja({ tillNumber: "5551234" }))
      const gateway = yield* gatewayAgainst(fake, { transactionType: "CustomerBuyGoodsOnline", tillNumber: "5551234" })
      yield* gateway.stkPush(push())
      expect(pushBodies()[0]).toMatchObject({ TransactionType: "CustomerBuyGoodsOnline", PartyB: 5551234, BusinessShortCode: 174379 })
    })
  )

  it.effect("a non-whole amount is refused before anything is sent (KES 150.50)", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      const error = yield* Effect.flip(gateway.stkPush(push({ amount: Money.make(15_050, "KES") })))
      expect(error).toMatchObject({ _tag: "GatewayRejected", errorCode: "LOCAL.INVALID_AMOUNT", httpStatus: 0 })
      expect(fake.requests).toHaveLength(0)
    })
  )

  it.effect("amounts outside 1..250000 shillings and malformed phones are refused locally", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      const tooBig = yield* Effect.flip(gateway.stkPush(push({ amount: Money.kes(250_001) })))
      const zero = yield* Effect.flip(gateway.stkPush(push({ amount: Money.kes(0) })))
      const phone = yield* Effect.flip(gateway.stkPush(push({ phone: "0708374149" })))
      expect([tooBig, zero, phone].map((e) => (e._tag === "GatewayRejected" ? e.errorCode : e._tag))).toEqual([
        "LOCAL.INVALID_AMOUNT",
        "LOCAL.INVALID_AMOUNT",
        "LOCAL.INVALID_PHONE"
      ])
      expect(fake.requests).toHaveLength(0)
    })
  )
})

describe("OAuth token", () => {
  it.effect("one token serves several pushes and queries (expires_in as a string)", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      const a = yield* gateway.stkPush(push())
      yield* gateway.stkPush(push())
      yield* gateway.stkPush(push())
      yield* gateway.stkQuery(a.checkoutRequestId)
      expect(fake.requestsTo(DARAJA_PATHS.oauth)).toHaveLength(1)
      const oauth = fake.requestsTo(DARAJA_PATHS.oauth)[0]
      expect(oauth?.query["grant_type"]).toBe("client_credentials")
      expect(oauth?.headers.authorization).toBe(`Basic ${Buffer.from("test-consumer-key:test-consumer-secret").toString("base64")}`)
    })
  )

  it.effect("expires_in as a number is accepted too", () =>
    Effect.gen(function* () {
      yield* Effect.promise(() => fake.close())
      fake = yield* Effect.promise(() => startFakeDaraja({ expiresInAs: "number" }))
      const gateway = yield* gatewayAgainst(fake)
      yield* gateway.stkPush(push())
      yield* gateway.stkPush(push())
      expect(fake.requestsTo(DARAJA_PATHS.oauth)).toHaveLength(1)
    })
  )

  it.effect("the token is refreshed 60 s before it expires, not before", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(DOCUMENTED_INSTANT)
      const gateway = yield* gatewayAgainst(fake)
      yield* gateway.stkPush(push())
      // 3599 s token: refresh due at 3539 s.
      yield* TestClock.adjust(Duration.seconds(3538))
      yield* gateway.stkPush(push())
      expect(fake.requestsTo(DARAJA_PATHS.oauth)).toHaveLength(1)
      yield* TestClock.adjust(Duration.seconds(1))
      yield* gateway.stkPush(push())
      expect(fake.requestsTo(DARAJA_PATHS.oauth)).toHaveLength(2)
      yield* gateway.stkPush(push())
      expect(fake.requestsTo(DARAJA_PATHS.oauth)).toHaveLength(2)
    })
  )

  it.effect("concurrent callers share one token request (a second request would invalidate the first token)", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      yield* Effect.all(
        Array.from({ length: 8 }, () => gateway.stkPush(push())),
        { concurrency: "unbounded" }
      )
      expect(fake.requestsTo(DARAJA_PATHS.oauth)).toHaveLength(1)
      expect(fake.requestsTo(DARAJA_PATHS.stkPush)).toHaveLength(8)
      expect(fake.pushes).toHaveLength(8)
    })
  )

  it.effect("404.001.03 Invalid Access Token: one refresh, one retry, success", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      yield* gateway.stkPush(push())
      fake.invalidateTokens()
      const accepted = yield* gateway.stkPush(push())
      expect(accepted.checkoutRequestId).toMatch(/^ws_CO_/)
      expect(fake.requestsTo(DARAJA_PATHS.oauth)).toHaveLength(2)
      expect(fake.requestsTo(DARAJA_PATHS.stkPush)).toHaveLength(3)
      expect(fake.pushes).toHaveLength(2)
    })
  )

  it.effect("concurrent 404.001.03 answers still cause only one refresh", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      yield* gateway.stkPush(push())
      fake.invalidateTokens()
      yield* Effect.all(
        Array.from({ length: 5 }, () => gateway.stkPush(push())),
        { concurrency: "unbounded" }
      )
      expect(fake.requestsTo(DARAJA_PATHS.oauth)).toHaveLength(2)
      expect(fake.pushes).toHaveLength(6)
    })
  )

  it.effect("a 404.001.03 that persists is retried once only, then GatewayRejected", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      fake.fault(DARAJA_PATHS.stkPush, { kind: "status", status: 404, body: envelope("404.001.03", "Invalid Access Token") }, 10)
      const error = yield* Effect.flip(gateway.stkPush(push()))
      expect(error).toMatchObject({ _tag: "GatewayRejected", errorCode: "404.001.03", httpStatus: 404 })
      expect(fake.requestsTo(DARAJA_PATHS.stkPush)).toHaveLength(2)
      expect(fake.requestsTo(DARAJA_PATHS.oauth)).toHaveLength(2)
    })
  )

  it.effect("bad consumer credentials: GatewayRejected 400.008.01", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake, { consumerSecret: "wrong" })
      const error = yield* Effect.flip(gateway.stkPush(push()))
      expect(error).toMatchObject({ _tag: "GatewayRejected", errorCode: "400.008.01", httpStatus: 400 })
      expect(fake.requestsTo(DARAJA_PATHS.stkPush)).toHaveLength(0)
    })
  )
})

describe("STK push is never retried", () => {
  it.effect("a bare 503 on a push is GatewayUnavailable after exactly one request", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      fake.fault(DARAJA_PATHS.stkPush, { kind: "status", status: 503, raw: "<html>Service Unavailable</html>" }, 5)
      const error = yield* Effect.flip(gateway.stkPush(push()))
      expect(error._tag === "GatewayUnavailable" && error.notSent).not.toBe(true)
      expect(fake.requestsTo(DARAJA_PATHS.stkPush)).toHaveLength(1)
    })
  )

  it.effect("a connection closed mid-push is GatewayUnavailable after exactly one request", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      fake.fault(DARAJA_PATHS.stkPush, { kind: "close" }, 5)
      const error = yield* Effect.flip(gateway.stkPush(push()))
      // the request left: the prompt may be on the phone
      expect(error._tag === "GatewayUnavailable" && error.notSent).not.toBe(true)
      expect(fake.requestsTo(DARAJA_PATHS.stkPush)).toHaveLength(1)
    })
  )

  it.live("a push that times out is GatewayUnavailable after exactly one request", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake, { requestTimeoutMs: 300 })
      fake.fault(DARAJA_PATHS.stkPush, { kind: "hang" }, 5)
      const error = yield* Effect.flip(gateway.stkPush(push()))
      expect(error).toMatchObject({ _tag: "GatewayUnavailable" })
      expect(error._tag === "GatewayUnavailable" && error.notSent).not.toBe(true)
      expect(error._tag === "GatewayUnavailable" && error.detail).toContain("300 ms")
      expect(fake.requestsTo(DARAJA_PATHS.stkPush)).toHaveLength(1)
    })
  )

  const envelopes: ReadonlyArray<readonly [string, string, number]> = [
    ["500.001.1001", "Unable to lock subscriber, a transaction is already in process for the current subscriber", 500],
    ["500.003.02", "System is busy. Please try again in few minutes.", 500],
    ["500.003.03", "Quota Violation", 500],
    ["400.002.02", "Bad Request - Invalid PhoneNumber", 400]
  ]
  for (const [code, message, status] of envelopes) {
    it.effect(`error envelope ${code} on a push is GatewayRejected with that code, not retried`, () =>
      Effect.gen(function* () {
        const gateway = yield* gatewayAgainst(fake)
        fake.fault(DARAJA_PATHS.stkPush, { kind: "status", status, body: envelope(code, message) }, 5)
        const error = yield* Effect.flip(gateway.stkPush(push()))
        expect(error).toMatchObject({ _tag: "GatewayRejected", errorCode: code, errorMessage: message, httpStatus: status })
        expect(fake.requestsTo(DARAJA_PATHS.stkPush)).toHaveLength(1)
      })
    )
  }

  it.effect("an unparseable 200 answer to a push is GatewayUnavailable (the outcome is unknown)", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      fake.fault(DARAJA_PATHS.stkPush, { kind: "status", status: 200, raw: "<html>ok?</html>" })
      const error = yield* Effect.flip(gateway.stkPush(push()))
      expect(error._tag).toBe("GatewayUnavailable")
    })
  )
})

describe("Daraja down", () => {
  it.effect("connections closed everywhere: GatewayUnavailable for push and query", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      const accepted = yield* gateway.stkPush(push())
      fake.down({ kind: "close" })
      const e1 = yield* Effect.flip(gateway.stkPush(push()))
      const e2 = yield* Effect.flip(gateway.stkQuery(accepted.checkoutRequestId))
      expect([e1._tag, e2._tag]).toEqual(["GatewayUnavailable", "GatewayUnavailable"])
      // the token was cached: the push left before its connection closed
      expect(e1._tag === "GatewayUnavailable" && e1.notSent).not.toBe(true)
    })
  )

  it.effect("503 everywhere: the token request fails as GatewayUnavailable", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      fake.down({ kind: "status", status: 503, raw: "Service Unavailable" })
      const e = yield* Effect.flip(gateway.stkPush(push()))
      expect(e._tag).toBe("GatewayUnavailable")
      // no token, so the push itself never left
      expect(e).toMatchObject({ notSent: true })
      expect(fake.requestsTo(DARAJA_PATHS.stkPush)).toHaveLength(0)
    })
  )

  it.effect("a server that is not there at all: GatewayUnavailable", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      yield* Effect.promise(() => fake.close())
      const e = yield* Effect.flip(gateway.stkPush(push()))
      expect(e._tag).toBe("GatewayUnavailable")
      expect(e).toMatchObject({ notSent: true }) // the connection was refused
      fake = yield* Effect.promise(() => startFakeDaraja())
    })
  )
})

describe("STK query", () => {
  const finals: ReadonlyArray<readonly [number | string, string]> = [
    [0, "Paid"],
    [1032, "CancelledByUser"],
    [1031, "CancelledByUser"],
    [1, "Failed"],
    [17, "Failed"],
    [1019, "Failed"],
    [1025, "Failed"],
    [9999, "Failed"],
    [1037, "Failed"],
    [2001, "Failed"],
    ["SFC_IC0003", "Failed"]
  ]
  for (const [code, tag] of finals) {
    it.effect(`ResultCode ${code} -> ${tag}, with Daraja's description kept`, () =>
      Effect.gen(function* () {
        const gateway = yield* gatewayAgainst(fake)
        fake.scriptNextPush({ resultCode: code, resultDesc: `description of ${code}` })
        const { checkoutRequestId } = yield* gateway.stkPush(push())
        const status = yield* gateway.stkQuery(checkoutRequestId)
        expect(status).toEqual({ _tag: tag, resultCode: String(code), resultDesc: `description of ${code}` })
        const [body] = fake.requestsTo(DARAJA_PATHS.stkQuery).map((r) => r.body as Record<string, unknown>)
        expect(body).toMatchObject({ BusinessShortCode: 174379, CheckoutRequestID: checkoutRequestId })
      })
    )
  }

  const forms: ReadonlyArray<ProcessingForm> = ["4999", "500.001.1001", "transient500"]
  for (const form of forms) {
    it.effect(`"still processing" as ${form} is Pending, never Failed, until the final answer`, () =>
      Effect.gen(function* () {
        const gateway = yield* gatewayAgainst(fake)
        fake.scriptNextPush({ resultCode: 0, processingQueries: 2, processingForm: form })
        const { checkoutRequestId } = yield* gateway.stkPush(push())
        const first = yield* gateway.stkQuery(checkoutRequestId)
        const second = yield* gateway.stkQuery(checkoutRequestId)
        const third = yield* gateway.stkQuery(checkoutRequestId)
        expect([first._tag, second._tag, third._tag]).toEqual(["Pending", "Pending", "Paid"])
      })
    )
  }

  it.effect("an unknown CheckoutRequestID is GatewayRejected 400.002.02", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      const error = yield* Effect.flip(gateway.stkQuery("ws_CO_000000000000000000"))
      expect(error).toMatchObject({ _tag: "GatewayRejected", errorCode: "400.002.02" })
    })
  )

  it.effect("a 503 on a query is GatewayUnavailable (says nothing about the payment)", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      const { checkoutRequestId } = yield* gateway.stkPush(push())
      fake.fault(DARAJA_PATHS.stkQuery, { kind: "status", status: 503, raw: "Service Unavailable" })
      const error = yield* Effect.flip(gateway.stkQuery(checkoutRequestId))
      expect(error._tag).toBe("GatewayUnavailable")
    })
  )

  it.effect("the query is what counts: a forged success callback does not change the query's answer", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake)
      fake.scriptNextPush({ resultCode: 1032 })
      const accepted = yield* gateway.stkPush(push({ callbackUrl: "http://127.0.0.1:9/unreachable" }))
      const delivery = yield* Effect.promise(() => fake.sendCallback(accepted.checkoutRequestId, { resultCode: 0, receipt: "FORGED0001" }))
      expect(delivery.body).toContain('"ResultCode":0')
      expect(delivery.body).toContain("FORGED0001")
      const status = yield* gateway.stkQuery(accepted.checkoutRequestId)
      expect(status._tag).toBe("CancelledByUser")
    })
  )
})

describe("secrets", () => {
  it.effect("errors and config print no secret", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake, { consumerSecret: "super-secret-value" })
      const error = yield* Effect.either(gateway.stkPush(push()))
      expect(Either.isLeft(error)).toBe(true)
      expect(JSON.stringify(error)).not.toContain("super-secret-value")
      expect(String(error)).not.toContain("super-secret-value")
    })
  )
})
