/** Daraja configuration from the environment: defaults, required values, secrets kept redacted. */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Option, Redacted } from "effect"
import { PRODUCTION_BASE_URL, SANDBOX_BASE_URL, SANDBOX_PASSKEY, loadDarajaConfig, makeDarajaConfig } from "../../adapters/daraja/config.js"

const withEnv = (env: Record<string, string>) => loadDarajaConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("loadDarajaConfig", () => {
  it.effect("defaults to the simulator, which needs no credentials", () =>
    Effect.gen(function* () {
      const config = yield* withEnv({})
      expect(config.env).toBe("simulator")
      expect(config.shortcode).toBe("174379")
      expect(config.simulatorDelayMs).toBe(2000)
      expect(Option.isNone(config.b2c)).toBe(true)
    })
  )

  it.effect("sandbox needs the consumer key and secret", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(withEnv({ MPESA_ENV: "sandbox" }))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(exit)).toContain("DARAJA_CONSUMER_KEY")
    })
  )

  it.effect("sandbox defaults: sandbox host, shortcode 174379, the sandbox passkey, PayBill", () =>
    Effect.gen(function* () {
      const config = yield* withEnv({ MPESA_ENV: "sandbox", DARAJA_CONSUMER_KEY: "k", DARAJA_CONSUMER_SECRET: "s" })
      expect(config.baseUrl).toBe(SANDBOX_BASE_URL)
      expect(config.shortcode).toBe("174379")
      expect(Redacted.value(config.passkey)).toBe(SANDBOX_PASSKEY)
      expect(config.transactionType).toBe("CustomerPayBillOnline")
      expect(config.partyB).toBe("174379")
    })
  )

  it.effect("production needs its own shortcode and passkey, and uses the production host", () =>
    Effect.gen(function* () {
      const base = { MPESA_ENV: "production", DARAJA_CONSUMER_KEY: "k", DARAJA_CONSUMER_SECRET: "s" }
      const missing = yield* Effect.exit(withEnv(base))
      expect(String(missing)).toContain("DARAJA_SHORTCODE")
      const config = yield* withEnv({ ...base, DARAJA_SHORTCODE: "4001234", DARAJA_PASSKEY: "pk" })
      expect(config.baseUrl).toBe(PRODUCTION_BASE_URL)
      expect(config.shortcode).toBe("4001234")
    })
  )

  it.effect("DARAJA_BASE_URL overrides the host; BuyGoods uses the till as PartyB", () =>
    Effect.gen(function* () {
      const config = yield* withEnv({
        MPESA_ENV: "sandbox",
        DARAJA_CONSUMER_KEY: "k",
        DARAJA_CONSUMER_SECRET: "s",
        DARAJA_BASE_URL: "http://127.0.0.1:9999/",
        DARAJA_TRANSACTION_TYPE: "CustomerBuyGoodsOnline",
        DARAJA_TILL_NUMBER: "5551234"
      })
      expect(config.baseUrl).toBe("http://127.0.0.1:9999")
      expect(config.partyB).toBe("5551234")
    })
  )

  it.effect("B2C is all or nothing", () =>
    Effect.gen(function* () {
      const base = { MPESA_ENV: "sandbox", DARAJA_CONSUMER_KEY: "k", DARAJA_CONSUMER_SECRET: "s" }
      const partial = yield* Effect.exit(withEnv({ ...base, DARAJA_B2C_SHORTCODE: "600996" }))
      expect(Exit.isFailure(partial)).toBe(true)
      const full = yield* withEnv({
        ...base,
        DARAJA_B2C_SHORTCODE: "600996",
        DARAJA_INITIATOR_NAME: "testapi",
        DARAJA_INITIATOR_PASSWORD: "pw",
        DARAJA_CERTIFICATE_PEM: "-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----"
      })
      expect(Option.map(full.b2c, (b) => b.certificatePem)).toEqual(Option.some("-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----"))
    })
  )
})

describe("secrets", () => {
  it("consumer secret, passkey and initiator password print as <redacted>", () => {
    const config = makeDarajaConfig({
      consumerKey: "key-value-1",
      consumerSecret: "secret-value-2",
      passkey: "passkey-value-3",
      b2c: { shortcode: "600996", initiatorName: "api", initiatorPassword: "initiator-value-4", certificatePem: "pem" }
    })
    const printed = `${JSON.stringify(config)} ${String(config.consumerSecret)} ${String(config.passkey)}`
    for (const secret of ["key-value-1", "secret-value-2", "passkey-value-3", "initiator-value-4"]) expect(printed).not.toContain(secret)
    expect(Redacted.value(config.consumerSecret)).toBe("secret-value-2")
  })
})
