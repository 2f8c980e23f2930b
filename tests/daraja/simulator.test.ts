/** The M-Pesa simulator: outcome by phone ending, a real-format callback after the delay, a consistent query. */
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Layer } from "effect"
import { PaymentGateway } from "../../application/ports/payment-gateway.js"
import type { B2CRequest, StkPushRequest } from "../../application/ports/payment-gateway.js"
import * as Money from "../../domain/money.js"
import { decodeB2CResult, decodeStkCallback } from "../../adapters/daraja/callbacks.js"
import { MpesaSimulatorLive, simulatedStkOutcome } from "../../adapters/daraja/simulator.js"
import { DatabaseFromPool } from "../../adapters/postgres/database.js"
import { useTestDatabase } from "../support/test-database.js"
import { startReceiver } from "./support.js"
import type { Receiver } from "./support.js"
import { NodeHttpClientLive } from "../../adapters/http-client/node-client.js"

// long enough that "Pending at first" holds on a loaded machine (the push and the first query must both land inside it)
const DELAY_MS = 500
const db = useTestDatabase()
// Its memory is in the database (as the runtime role): a fresh layer is a fresh process on the same database.
const simulatorOn = () => MpesaSimulatorLive({ delayMs: DELAY_MS }).pipe(Layer.provide(Layer.merge(NodeHttpClientLive(), DatabaseFromPool(db.sql))))
const simulator = Layer.suspend(simulatorOn)

let receiver: Receiver
beforeEach(async () => {
  receiver = await startReceiver()
})
afterEach(async () => {
  await receiver.close()
})

const push = (phone: string): StkPushRequest => ({
  phone,
  amount: Money.kes(1_500),
  accountReference: "ORDER-77",
  description: "Order 77",
  callbackUrl: `${receiver.url}/mpesa/stk/secret`
})

const waitForCallbacks = (count: number) => Effect.promise(() => receiver.waitFor(count, 3_000))

describe("simulator phone table", () => {
  const table: ReadonlyArray<readonly [string, string, string]> = [
    ["254700000000", "1032", "CancelledByUser"],
    ["254700001037", "1037", "Failed"],
    ["254700000001", "1", "Failed"],
    ["254700002001", "2001", "Failed"],
    ["254700001019", "1019", "Failed"],
    ["254708374149", "0", "Paid"]
  ]
  for (const [phone, code, tag] of table) {
    it.live(`phone ${phone}: Pending at first, then a ${code} callback and a ${tag} query`, () =>
      Effect.gen(function* () {
        const gateway = yield* PaymentGateway
        const accepted = yield* gateway.stkPush(push(phone))
        const before = yield* gateway.stkQuery(accepted.checkoutRequestId)
        expect(before._tag).toBe("Pending")

        const [received] = yield* waitForCallbacks(1)
        expect(received?.path).toBe("/mpesa/stk/secret")
        const callback = Either.getOrThrow(decodeStkCallback(received?.body))
        expect(callback.checkoutRequestId).toBe(accepted.checkoutRequestId)
        expect(callback.merchantRequestId).toBe(accepted.merchantRequestId)
        expect(callback.resultCode).toBe(code)

        const after = yield* gateway.stkQuery(accepted.checkoutRequestId)
        expect(after._tag).toBe(tag)
        if (after._tag !== "Pending") expect(after.resultCode).toBe(code)
        if (code === "0") {
          expect(callback.amountWhole).toBe(1500)
          expect(callback.phone).toBe(phone)
          expect(callback.receipt).toMatch(/^[A-Z][A-Z0-9]{9}$/)
          expect(callback.transactionDate).toMatch(/^\d{14}$/)
        } else {
          expect(callback.receipt).toBeUndefined()
        }
      }).pipe(Effect.provide(simulator))
    )
  }

  it.live("phone ending 4999 never completes: no callback, the query stays Pending", () =>
    Effect.gen(function* () {
      const gateway = yield* PaymentGateway
      const accepted = yield* gateway.stkPush(push("254700004999"))
      yield* Effect.sleep(DELAY_MS * 3)
      expect(receiver.received).toHaveLength(0)
      const status = yield* gateway.stkQuery(accepted.checkoutRequestId)
      expect(status._tag).toBe("Pending")
    }).pipe(Effect.provide(simulator))
  )

  it("the table is the documented one", () => {
    expect(simulatedStkOutcome("254711110000").resultCode).toBe(1032)
    expect(simulatedStkOutcome("254711111037").resultCode).toBe(1037)
    expect(simulatedStkOutcome("254711110001").resultCode).toBe(1)
    expect(simulatedStkOutcome("254711112001").resultCode).toBe(2001)
    expect(simulatedStkOutcome("254711111019").resultCode).toBe(1019)
    expect(simulatedStkOutcome("254711114999").resultCode).toBeUndefined()
    expect(simulatedStkOutcome("254711112345").resultCode).toBe(0)
  })

  it.live("receipts are distinct across pushes", () =>
    Effect.gen(function* () {
      const gateway = yield* PaymentGateway
      yield* Effect.all([gateway.stkPush(push("254708374149")), gateway.stkPush(push("254712345678"))])
      const received = yield* waitForCallbacks(2)
      const receipts = received.map((r) => Either.getOrThrow(decodeStkCallback(r.body)).receipt)
      expect(new Set(receipts).size).toBe(2)
    }).pipe(Effect.provide(simulator))
  )

  it.live("refuses what Daraja would refuse: a non-whole amount", () =>
    Effect.gen(function* () {
      const gateway = yield* PaymentGateway
      const error = yield* Effect.flip(gateway.stkPush({ ...push("254708374149"), amount: Money.make(150_050, "KES") }))
      expect(error).toMatchObject({ _tag: "GatewayRejected", errorCode: "LOCAL.INVALID_AMOUNT" })
    }).pipe(Effect.provide(simulator))
  )

  it.live("an unknown CheckoutRequestID is rejected like Daraja does", () =>
    Effect.gen(function* () {
      const gateway = yield* PaymentGateway
      const error = yield* Effect.flip(gateway.stkQuery("ws_CO_unknown"))
      expect(error).toMatchObject({ _tag: "GatewayRejected", errorCode: "400.002.02" })
    }).pipe(Effect.provide(simulator))
  )
})

describe("simulator B2C", () => {
  const payout = (overrides: Partial<B2CRequest> = {}): B2CRequest => ({
    originatorConversationId: "payout-1",
    phone: "254708374149",
    amount: Money.kes(1_000),
    remarks: "Weekly payout",
    resultUrl: `${receiver.url}/mpesa/b2c/result`,
    queueTimeoutUrl: `${receiver.url}/mpesa/b2c/timeout`,
    ...overrides
  })

  it.live("posts a success Result; a reused OriginatorConversationID is refused with 500.002.1001", () =>
    Effect.gen(function* () {
      const gateway = yield* PaymentGateway
      const accepted = yield* gateway.b2cPayment(payout())
      const duplicate = yield* Effect.flip(gateway.b2cPayment(payout()))
      expect(duplicate).toMatchObject({ _tag: "GatewayRejected", errorCode: "500.002.1001" })
      const [received] = yield* waitForCallbacks(1)
      expect(received?.path).toBe("/mpesa/b2c/result")
      const result = Either.getOrThrow(decodeB2CResult(received?.body))
      expect(result).toMatchObject({
        originatorConversationId: "payout-1",
        conversationId: accepted.conversationId,
        resultCode: "0",
        amountWhole: 1000
      })
      expect(result.completedAt).toMatch(/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/)
    }).pipe(Effect.provide(simulator))
  )

  it.live("a payout to a phone ending 2040 fails in the Result with 2040", () =>
    Effect.gen(function* () {
      const gateway = yield* PaymentGateway
      yield* gateway.b2cPayment(payout({ phone: "254700002040", originatorConversationId: "payout-2040" }))
      const [received] = yield* waitForCallbacks(1)
      expect(Either.getOrThrow(decodeB2CResult(received?.body)).resultCode).toBe("2040")
    }).pipe(Effect.provide(simulator))
  )
})

describe("simulator shared by processes (its memory is in PostgreSQL)", () => {
  const twoProcesses = <A, E>(f: (api: PaymentGateway["Type"], worker: PaymentGateway["Type"]) => Effect.Effect<A, E>) =>
    Effect.scoped(
      Effect.gen(function* () {
        const api = yield* Layer.build(simulatorOn())
        const worker = yield* Layer.build(simulatorOn())
        return yield* f(Context.get(api, PaymentGateway), Context.get(worker, PaymentGateway))
      })
    )

  it.live("a push taken by one process is queried by another: Pending, then the same outcome as its callback", () =>
    twoProcesses((api, worker) =>
      Effect.gen(function* () {
        const accepted = yield* api.stkPush(push("254700001037"))
        expect((yield* worker.stkQuery(accepted.checkoutRequestId))._tag).toBe("Pending")
        const [received] = yield* waitForCallbacks(1)
        expect(Either.getOrThrow(decodeStkCallback(received?.body)).checkoutRequestId).toBe(accepted.checkoutRequestId)
        expect(yield* worker.stkQuery(accepted.checkoutRequestId)).toMatchObject({ _tag: "Failed", resultCode: "1037" })
      })
    )
  )

  it.live("ids minted by two processes at once never collide", () =>
    twoProcesses((api, worker) =>
      Effect.gen(function* () {
        const accepted = yield* Effect.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? api : worker).stkPush(push("254700004999"))),
          { concurrency: "unbounded" }
        )
        expect(new Set(accepted.map((a) => a.checkoutRequestId)).size).toBe(10)
        expect(new Set(accepted.map((a) => a.merchantRequestId)).size).toBe(10)
      })
    )
  )

  it.live("a payout made by one process is a duplicate for another, and its Transaction Status query knows it", () =>
    twoProcesses((api, worker) =>
      Effect.gen(function* () {
        const request: B2CRequest = {
          originatorConversationId: "payout-shared",
          phone: "254708374149",
          amount: Money.kes(2_000),
          remarks: "Weekly payout",
          resultUrl: `${receiver.url}/mpesa/b2c/result`,
          queueTimeoutUrl: `${receiver.url}/mpesa/b2c/timeout`
        }
        yield* worker.b2cPayment(request)
        const duplicate = yield* Effect.flip(api.b2cPayment(request))
        expect(duplicate).toMatchObject({ _tag: "GatewayRejected", errorCode: "500.002.1001" })
        yield* api.b2cStatusQuery({
          originatorConversationId: "payout-shared",
          remarks: "status",
          resultUrl: `${receiver.url}/mpesa/b2c/status`,
          queueTimeoutUrl: `${receiver.url}/mpesa/b2c/timeout`
        })
        const received = yield* waitForCallbacks(2)
        const status = received.find((r) => r.path === "/mpesa/b2c/status")
        expect(JSON.stringify(status?.body)).toContain('"Completed"')
        expect(JSON.stringify(status?.body)).toContain('"Amount","Value":2000')
      })
    )
  )
})
