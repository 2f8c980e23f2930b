/** B2C payouts against the fake Daraja: SecurityCredential, request shape, dedup, Result callbacks. */
import { execFileSync } from "node:child_process"
import { generateKeyPairSync } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import type { B2CRequest } from "../../application/ports/payment-gateway.js"
import * as Money from "../../domain/money.js"
import { decodeB2CResult } from "../../adapters/daraja/callbacks.js"
import { securityCredential } from "../../adapters/daraja/protocol.js"
import { DARAJA_PATHS, decryptPkcs1v15, startFakeDaraja } from "../fakes/daraja-server.js"
import type { FakeDaraja } from "../fakes/daraja-server.js"
import { gatewayAgainst, startReceiver } from "./support.js"
import type { Receiver } from "./support.js"

const INITIATOR = "testapi"
const INITIATOR_PASSWORD = "Safaricom999!*!"
const B2C_SHORTCODE = "600996"

const { publicKey, privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

const b2cConfig = (certificatePem: string, initiatorPassword = INITIATOR_PASSWORD) => ({
  b2c: { shortcode: B2C_SHORTCODE, initiatorName: INITIATOR, initiatorPassword, certificatePem }
})

let fake: FakeDaraja
let receiver: Receiver
beforeEach(async () => {
  fake = await startFakeDaraja({
    b2c: { shortcode: B2C_SHORTCODE, initiatorName: INITIATOR, initiatorPassword: INITIATOR_PASSWORD, privateKeyPem: privateKey },
    b2cResultAfterMs: 10
  })
  receiver = await startReceiver()
})
afterEach(async () => {
  await fake.close()
  await receiver.close()
})

const payout = (overrides: Partial<B2CRequest> = {}): B2CRequest => ({
  originatorConversationId: "payout-2024-w01-seller-42",
  phone: "254708374149",
  amount: Money.kes(1_250),
  remarks: "Amana weekly payout",
  resultUrl: `${receiver.url}/mpesa/b2c/result/secret`,
  queueTimeoutUrl: `${receiver.url}/mpesa/b2c/timeout/secret`,
  ...overrides
})

describe("SecurityCredential", () => {
  it("is the initiator password RSA-encrypted with PKCS#1 v1.5 padding, base64", () => {
    const credential = securityCredential(INITIATOR_PASSWORD, publicKey)
    expect(Buffer.from(credential, "base64")).toHaveLength(256)
    expect(decryptPkcs1v15(privateKey, credential)).toBe(INITIATOR_PASSWORD)
  })

  it.skipIf(!hasOpenssl)("accepts an X.509 certificate, as Safaricom ships it", () => {
    const dir = mkdtempSync(join(tmpdir(), "amana-daraja-cert-"))
    try {
      const keyFile = join(dir, "key.pem")
      const certFile = join(dir, "cert.pem")
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=test"], {
        stdio: "ignore"
      })
      const credential = securityCredential(INITIATOR_PASSWORD, readFileSync(certFile, "utf8"))
      expect(decryptPkcs1v15(readFileSync(keyFile, "utf8"), credential)).toBe(INITIATOR_PASSWORD)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("B2C payment request", () => {
  it.effect("sends the documented fields; the fake decrypts the credential back to the password", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake, b2cConfig(publicKey))
      const accepted = yield* gateway.b2cPayment(payout())
      expect(accepted.originatorConversationId).toBe("payout-2024-w01-seller-42")
      expect(accepted.conversationId).toMatch(/^AG_/)

      const [request] = fake.requestsTo(DARAJA_PATHS.b2c)
      const body = request?.body as Record<string, unknown>
      expect(body).toMatchObject({
        OriginatorConversationID: "payout-2024-w01-seller-42",
        InitiatorName: INITIATOR,
        CommandID: "BusinessPayment",
        Amount: 1250,
        PartyA: 600996,
        PartyB: 254708374149,
        Remarks: "Amana weekly payout",
        QueueTimeOutURL: `${receiver.url}/mpesa/b2c/timeout/secret`,
        ResultURL: `${receiver.url}/mpesa/b2c/result/secret`
      })
      expect(decryptPkcs1v15(privateKey, String(body["SecurityCredential"]))).toBe(INITIATOR_PASSWORD)
      expect(body["SecurityCredential"]).not.toContain(INITIATOR_PASSWORD)
      expect(fake.b2cPayments[0]?.decryptedCredential).toBe(INITIATOR_PASSWORD)
    })
  )

  it.effect("the Result POSTed to the ResultURL decodes to a B2CResult", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake, b2cConfig(publicKey))
      const accepted = yield* gateway.b2cPayment(payout())
      const [received] = yield* Effect.promise(() => receiver.waitFor(1))
      expect(received?.path).toBe("/mpesa/b2c/result/secret")
      const result = Either.getOrThrow(decodeB2CResult(received?.body))
      expect(result).toMatchObject({
        originatorConversationId: accepted.originatorConversationId,
        conversationId: accepted.conversationId,
        resultCode: "0",
        amountWhole: 1250,
        completedAt: "19.12.2019 11:45:50"
      })
      expect(result.receipt).toBe(result.transactionId)
    })
  )

  it.effect("a wrong initiator password is accepted synchronously and fails in the Result with 2001", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake, b2cConfig(publicKey, "wrong-password"))
      yield* gateway.b2cPayment(payout())
      const [received] = yield* Effect.promise(() => receiver.waitFor(1))
      const result = Either.getOrThrow(decodeB2CResult(received?.body))
      expect(result.resultCode).toBe("2001")
      expect(result.amountWhole).toBeUndefined()
    })
  )

  it.effect("a reused OriginatorConversationID is GatewayRejected 500.002.1001, and nothing is sent twice", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake, b2cConfig(publicKey))
      yield* gateway.b2cPayment(payout())
      const error = yield* Effect.flip(gateway.b2cPayment(payout()))
      expect(error).toMatchObject({ _tag: "GatewayRejected", errorCode: "500.002.1001", httpStatus: 500 })
      expect(fake.b2cPayments).toHaveLength(1)
      expect(fake.requestsTo(DARAJA_PATHS.b2c)).toHaveLength(2)
    })
  )

  it.effect("a timed-out or refused-connection payout is GatewayUnavailable, sent once", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake, b2cConfig(publicKey))
      fake.fault(DARAJA_PATHS.b2c, { kind: "close" }, 5)
      const error = yield* Effect.flip(gateway.b2cPayment(payout()))
      expect(error._tag).toBe("GatewayUnavailable")
      expect(fake.requestsTo(DARAJA_PATHS.b2c)).toHaveLength(1)
    })
  )

  it.effect("refused locally: B2C not configured, remarks shorter than 2 characters, non-whole amount", () =>
    Effect.gen(function* () {
      const unconfigured = yield* gatewayAgainst(fake)
      const configured = yield* gatewayAgainst(fake, b2cConfig(publicKey))
      const codes = yield* Effect.all([
        Effect.flip(unconfigured.b2cPayment(payout())),
        Effect.flip(configured.b2cPayment(payout({ remarks: "x" }))),
        Effect.flip(configured.b2cPayment(payout({ amount: Money.make(100_050, "KES") })))
      ])
      expect(codes.map((e) => (e._tag === "GatewayRejected" ? e.errorCode : e._tag))).toEqual([
        "LOCAL.B2C_NOT_CONFIGURED",
        "LOCAL.INVALID_REMARKS",
        "LOCAL.INVALID_AMOUNT"
      ])
      expect(fake.requestsTo(DARAJA_PATHS.b2c)).toHaveLength(0)
    })
  )

  it.effect("remarks longer than 100 characters are truncated to 100", () =>
    Effect.gen(function* () {
      const gateway = yield* gatewayAgainst(fake, b2cConfig(publicKey))
      yield* gateway.b2cPayment(payout({ remarks: "r".repeat(150) }))
      const body = fake.requestsTo(DARAJA_PATHS.b2c)[0]?.body as Record<string, unknown>
      expect(body["Remarks"]).toBe("r".repeat(100))
    })
  )
})
