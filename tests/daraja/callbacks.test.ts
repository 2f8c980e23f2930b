/** Decoding what Safaricom POSTs to us, and the one ResultCode classification. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { Effect, Either, Schema } from "effect"
import * as Money from "../../domain/money.js"
import {
  StkCallbackFromWire,
  classifyResultCode,
  decodeB2CResult,
  decodeStkCallback,
  finalStkStatus,
  isStillProcessing
} from "../../adapters/daraja/callbacks.js"
import type { StkCallback } from "../../adapters/daraja/callbacks.js"
import { startFakeDaraja } from "../fakes/daraja-server.js"
import type { FakeDaraja } from "../fakes/daraja-server.js"
import { SANDBOX_PHONE, gatewayAgainst, startReceiver } from "./support.js"
import type { Receiver } from "./support.js"

/** The documented sample, as text: Amount is written 1.00. */
const DOCUMENTED_SAMPLE = `{"Body":{"stkCallback":{
  "MerchantRequestID":"29115-34620561-1",
  "CheckoutRequestID":"ws_CO_191220191020363925",
  "ResultCode":0,
  "ResultDesc":"The service request is processed successfully.",
  "CallbackMetadata":{"Item":[
    {"Name":"Amount","Value":1.00},
    {"Name":"MpesaReceiptNumber","Value":"NLJ7RT61SV"},
    {"Name":"TransactionDate","Value":20191219102115},
    {"Name":"PhoneNumber","Value":254708374149}]}}}}`

const decodeText = (text: string) => decodeStkCallback(JSON.parse(text))
const ok = <A, E>(e: Either.Either<A, E>): A => Either.getOrThrowWith(e, (err) => new Error(`expected Right, got ${String(err)}`))

describe("classifyResultCode: the one place a ResultCode gets its meaning", () => {
  const table: ReadonlyArray<readonly [string | number, string]> = [
    [0, "PAID"],
    ["0", "PAID"],
    [1032, "CANCELLED_BY_USER"],
    ["1031", "CANCELLED_BY_USER"],
    [1, "FAILED"],
    [17, "FAILED"],
    [1019, "FAILED"],
    [1025, "FAILED"],
    [9999, "FAILED"],
    [1037, "FAILED"],
    [2001, "FAILED"],
    ["SFC_IC0003", "FAILED"],
    ["", "FAILED"]
  ]
  it.each(table)("%s -> %s", (code, expected) => {
    expect(classifyResultCode(code)).toBe(expected)
  })

  it("4999 is 'still processing' (a query answer, not a final code)", () => {
    expect(isStillProcessing("4999")).toBe(true)
    expect(isStillProcessing(4999)).toBe(true)
    expect(isStillProcessing("0")).toBe(false)
  })

  it("finalStkStatus: the application's StkStatus for a final code (client, simulator and stored callbacks all read it here)", () => {
    expect(finalStkStatus("0", "ok")).toEqual({ _tag: "Paid", resultCode: "0", resultDesc: "ok" })
    expect(finalStkStatus("1032", "cancelled")._tag).toBe("CancelledByUser")
    expect(finalStkStatus("1031", "cancelled")._tag).toBe("CancelledByUser")
    expect(finalStkStatus("1037", "timeout")._tag).toBe("Failed")
    expect(finalStkStatus("SFC_IC0003", "?")._tag).toBe("Failed")
  })
})

describe("STK callback decoding", () => {
  it("the documented sample", () => {
    expect(ok(decodeText(DOCUMENTED_SAMPLE))).toEqual<StkCallback>({
      merchantRequestId: "29115-34620561-1",
      checkoutRequestId: "ws_CO_191220191020363925",
      resultCode: "0",
      resultDesc: "The service request is processed successfully.",
      amountWhole: 1,
      receipt: "NLJ7RT61SV",
      phone: "254708374149",
      transactionDate: "20191219102115"
    })
  })

  it("Items are read by name: reordered, with an extra Item that has no Value (Balance)", () => {
    const body = {
      Body: {
        stkCallback: {
          MerchantRequestID: "m1",
          CheckoutRequestID: "ws_CO_1",
          ResultCode: 0,
          ResultDesc: "ok",
          CallbackMetadata: {
            Item: [
              { Name: "PhoneNumber", Value: 254712345678 },
              { Name: "Balance" },
              { Name: "TransactionDate", Value: 20240101003000 },
              { Name: "MpesaReceiptNumber", Value: "SAB1CD2EF3" },
              { Name: "Amount", Value: 1500 }
            ]
          }
        }
      }
    }
    expect(ok(decodeStkCallback(body))).toMatchObject({
      amountWhole: 1500,
      receipt: "SAB1CD2EF3",
      phone: "254712345678",
      transactionDate: "20240101003000"
    })
  })

  it('Amount as 1, 1.00 and "1.00" all decode to 1 whole shilling', () => {
    for (const amount of ["1", "1.00", '"1.00"']) {
      const text = DOCUMENTED_SAMPLE.replace('"Value":1.00', `"Value":${amount}`)
      expect(ok(decodeText(text)).amountWhole).toBe(1)
    }
  })

  it("a fractional amount is refused, never rounded", () => {
    const text = DOCUMENTED_SAMPLE.replace('"Value":1.00', '"Value":1.50')
    const result = decodeText(text)
    expect(Either.isLeft(result)).toBe(true)
    expect(Either.isLeft(result) && result.left.detail).toContain("whole")
  })

  it("an Item without a Value leaves that field absent", () => {
    const text = DOCUMENTED_SAMPLE.replace('{"Name":"MpesaReceiptNumber","Value":"NLJ7RT61SV"}', '{"Name":"MpesaReceiptNumber"}')
    const cb = ok(decodeText(text))
    expect(cb.receipt).toBeUndefined()
    expect("receipt" in cb).toBe(false)
    expect(cb.amountWhole).toBe(1)
  })

  it("a failure carries no metadata: 1032 cancelled", () => {
    const body = {
      Body: {
        stkCallback: {
          MerchantRequestID: "29115-34620561-1",
          CheckoutRequestID: "ws_CO_191220191020363925",
          ResultCode: 1032,
          ResultDesc: "Request cancelled by user"
        }
      }
    }
    const cb = ok(decodeStkCallback(body))
    expect(cb).toEqual({
      merchantRequestId: "29115-34620561-1",
      checkoutRequestId: "ws_CO_191220191020363925",
      resultCode: "1032",
      resultDesc: "Request cancelled by user"
    })
    expect(classifyResultCode(cb.resultCode)).toBe("CANCELLED_BY_USER")
  })

  it('a non-numeric string ResultCode ("SFC_IC0003") is kept as is and classified FAILED', () => {
    const body = {
      Body: { stkCallback: { MerchantRequestID: "m", CheckoutRequestID: "c", ResultCode: "SFC_IC0003", ResultDesc: "Operator does not exist" } }
    }
    const cb = ok(decodeStkCallback(body))
    expect(cb.resultCode).toBe("SFC_IC0003")
    expect(classifyResultCode(cb.resultCode)).toBe("FAILED")
  })

  it('a string numeric ResultCode "0" is the same as 0', () => {
    const cb = ok(decodeText(DOCUMENTED_SAMPLE.replace('"ResultCode":0', '"ResultCode":"0"')))
    expect(cb.resultCode).toBe("0")
  })

  it("a body that is not an STK callback is a decode error naming the problem", () => {
    const missing = decodeStkCallback({ Body: { stkCallback: { MerchantRequestID: "m", ResultCode: 0, ResultDesc: "x" } } })
    expect(Either.isLeft(missing) && missing.left.detail).toContain("CheckoutRequestID")
    expect(Either.isLeft(decodeStkCallback("not json"))).toBe(true)
    expect(Either.isLeft(decodeStkCallback(null))).toBe(true)
  })

  it("the exported Schema decodes the same way (for HttpServerRequest.schemaBodyJson)", () => {
    const cb = Schema.decodeUnknownSync(StkCallbackFromWire)(JSON.parse(DOCUMENTED_SAMPLE))
    expect(cb.receipt).toBe("NLJ7RT61SV")
  })
})

describe("callbacks delivered over HTTP by the fake Daraja decode", () => {
  let fake: FakeDaraja
  let receiver: Receiver
  beforeEach(async () => {
    fake = await startFakeDaraja()
    receiver = await startReceiver()
  })
  afterEach(async () => {
    await fake.close()
    await receiver.close()
  })

  it("a scripted success callback, POSTed automatically after the push", async () => {
    fake.scriptPhone(SANDBOX_PHONE, { resultCode: 0, receipt: "NLJ7RT61SV", callbackAfterMs: 20 })
    const accepted = await Effect.runPromise(
      Effect.flatMap(gatewayAgainst(fake), (g) =>
        g.stkPush({
          phone: SANDBOX_PHONE,
          amount: Money.kes(250),
          accountReference: "ORDER-1",
          description: "Order 1",
          callbackUrl: `${receiver.url}/mpesa/stk/secret-path`
        })
      )
    )
    const [received] = await receiver.waitFor(1)
    expect(received?.path).toBe("/mpesa/stk/secret-path")
    expect(received?.raw).toContain('"Value":250.00')
    expect(ok(decodeStkCallback(received?.body))).toMatchObject({
      checkoutRequestId: accepted.checkoutRequestId,
      merchantRequestId: accepted.merchantRequestId,
      resultCode: "0",
      amountWhole: 250,
      receipt: "NLJ7RT61SV",
      phone: SANDBOX_PHONE
    })
    await vi.waitFor(() => expect(fake.callbacks[0]?.status).toBe(200))
  })
})

describe("B2C Result decoding", () => {
  const SUCCESS = {
    Result: {
      ResultType: 0,
      ResultCode: 0,
      ResultDesc: "The service request is processed successfully.",
      OriginatorConversationID: "payout-2024-w01-seller-42",
      ConversationID: "AG_20191219_00005797af5d7d75f652",
      TransactionID: "NLJ41HAY6Q",
      ResultParameters: {
        ResultParameter: [
          { Key: "TransactionAmount", Value: 10 },
          { Key: "TransactionReceipt", Value: "NLJ41HAY6Q" },
          { Key: "B2CRecipientIsRegisteredCustomer", Value: "Y" },
          { Key: "B2CChargesPaidAccountAvailableFunds", Value: -4510.0 },
          { Key: "ReceiverPartyPublicName", Value: "254708374149 - John Doe" },
          { Key: "TransactionCompletedDateTime", Value: "19.12.2019 11:45:50" },
          { Key: "B2CUtilityAccountAvailableFunds", Value: 10116.0 },
          { Key: "B2CWorkingAccountAvailableFunds", Value: 900000.0 }
        ]
      },
      ReferenceData: { ReferenceItem: { Key: "QueueTimeoutURL", Value: "https://internalsandbox.safaricom.co.ke/mpesa/b2cresults/v1/submit" } }
    }
  }

  it("a success, parameters read by Key", () => {
    expect(ok(decodeB2CResult(SUCCESS))).toEqual({
      originatorConversationId: "payout-2024-w01-seller-42",
      conversationId: "AG_20191219_00005797af5d7d75f652",
      resultCode: "0",
      succeeded: true,
      resultDesc: "The service request is processed successfully.",
      transactionId: "NLJ41HAY6Q",
      amountWhole: 10,
      receipt: "NLJ41HAY6Q",
      completedAt: "19.12.2019 11:45:50"
    })
  })

  it("a single ResultParameter as an object rather than an array", () => {
    const body = {
      Result: { ...SUCCESS.Result, ResultParameters: { ResultParameter: { Key: "TransactionAmount", Value: "1500.00" } } }
    }
    expect(ok(decodeB2CResult(body))).toMatchObject({ amountWhole: 1500 })
  })

  it("a failure without ResultParameters (2001 initiator invalid)", () => {
    const body = {
      Result: {
        ResultType: 0,
        ResultCode: 2001,
        ResultDesc: "The initiator information is invalid.",
        OriginatorConversationID: "payout-1",
        ConversationID: "AG_1",
        TransactionID: "NLJ0000000",
        ReferenceData: { ReferenceItem: { Key: "QueueTimeoutURL", Value: "https://x" } }
      }
    }
    expect(ok(decodeB2CResult(body))).toEqual({
      originatorConversationId: "payout-1",
      conversationId: "AG_1",
      resultCode: "2001",
      succeeded: false,
      resultDesc: "The initiator information is invalid.",
      transactionId: "NLJ0000000"
    })
  })

  it("a Transaction Status result: the query succeeded (ResultCode 0) and the payment it asked about is completed, or not", () => {
    const status = (transactionStatus: string, code = 0) => ({
      Result: {
        ...SUCCESS.Result,
        ResultCode: code,
        ResultParameters: {
          ResultParameter: [
            { Key: "TransactionStatus", Value: transactionStatus },
            { Key: "Amount", Value: 10 }
          ]
        }
      }
    })
    expect(ok(decodeB2CResult(status("Completed")))).toMatchObject({ succeeded: true, completed: true, transactionStatus: "Completed" })
    expect(ok(decodeB2CResult(status(" completed ")))).toMatchObject({ completed: true })
    expect(ok(decodeB2CResult(status("Failed")))).toMatchObject({ succeeded: true, completed: false })
    expect(ok(decodeB2CResult(status("Completed", 1)))).toMatchObject({ succeeded: false, completed: true })
    expect(ok(decodeB2CResult(SUCCESS))).not.toHaveProperty("completed")
  })
})
