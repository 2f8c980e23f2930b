/**
 * Daraja configuration. Read from the environment with Effect Config (`loadDarajaConfig`), or built
 * directly with `makeDarajaConfig` (tests point it at the fake server). Secrets are Redacted: they
 * print as "<redacted>" and are unwrapped only where a request is signed.
 *
 * Environment:
 *   MPESA_ENV                 simulator (default) | sandbox | production
 *   DARAJA_BASE_URL           overrides the host (sandbox https://sandbox.safaricom.co.ke,
 *                             production https://api.safaricom.co.ke)
 *   DARAJA_CONSUMER_KEY       required unless simulator
 *   DARAJA_CONSUMER_SECRET    required unless simulator
 *   DARAJA_SHORTCODE          default 174379 (sandbox); required in production
 *   DARAJA_PASSKEY            default the sandbox passkey; required in production
 *   DARAJA_TRANSACTION_TYPE   CustomerPayBillOnline (default) | CustomerBuyGoodsOnline
 *   DARAJA_TILL_NUMBER        PartyB for CustomerBuyGoodsOnline (default: the shortcode)
 *   DARAJA_B2C_SHORTCODE, DARAJA_INITIATOR_NAME, DARAJA_INITIATOR_PASSWORD,
 *   DARAJA_CERTIFICATE_PEM or DARAJA_CERTIFICATE_PATH   B2C payouts (all or none)
 *   DARAJA_TIMEOUT_MS         per HTTP request, default 30000
 *   MPESA_SIMULATOR_DELAY_MS  simulator callback delay, default 2000
 */
import { readFileSync } from "node:fs"
import { Config, ConfigError, Effect, Option, Redacted } from "effect"

export type MpesaEnv = "simulator" | "sandbox" | "production"
export type TransactionType = "CustomerPayBillOnline" | "CustomerBuyGoodsOnline"

export const SANDBOX_BASE_URL = "https://sandbox.safaricom.co.ke"
export const PRODUCTION_BASE_URL = "https://api.safaricom.co.ke"
export const SANDBOX_SHORTCODE = "174379"
/** Safaricom's published sandbox passkey: public, but still handled as a secret so the code path is one. */
export const SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"

export interface B2CConfig {
  readonly shortcode: string
  readonly initiatorName: string
  readonly initiatorPassword: Redacted.Redacted<string>
  /** Safaricom's certificate for the environment, or a PEM public key (tests). */
  readonly certificatePem: string
}

export interface DarajaConfig {
  readonly env: MpesaEnv
  /** No trailing slash. */
  readonly baseUrl: string
  readonly consumerKey: Redacted.Redacted<string>
  readonly consumerSecret: Redacted.Redacted<string>
  readonly shortcode: string
  readonly passkey: Redacted.Redacted<string>
  readonly transactionType: TransactionType
  /** PartyB of a push: the shortcode for PayBill, the till for BuyGoods. */
  readonly partyB: string
  readonly b2c: Option.Option<B2CConfig>
  readonly requestTimeoutMs: number
  /** Refresh the OAuth token this long before Daraja says it expires. */
  readonly tokenRefreshMarginMs: number
  readonly simulatorDelayMs: number
}

type Secret = string | Redacted.Redacted<string>

export interface DarajaConfigInput {
  readonly env?: MpesaEnv
  readonly baseUrl?: string
  readonly consumerKey: Secret
  readonly consumerSecret: Secret
  readonly shortcode?: string
  readonly passkey?: Secret
  readonly transactionType?: TransactionType
  readonly tillNumber?: string
  readonly b2c?: {
    readonly shortcode: string
    readonly initiatorName: string
    readonly initiatorPassword: Secret
    readonly certificatePem: string
  }
  readonly requestTimeoutMs?: number
  readonly tokenRefreshMarginMs?: number
  readonly simulatorDelayMs?: number
}

const redact = (s: Secret): Redacted.Redacted<string> => (Redacted.isRedacted(s) ? s : Redacted.make(s))

export const defaultBaseUrl = (env: MpesaEnv): string => (env === "production" ? PRODUCTION_BASE_URL : SANDBOX_BASE_URL)

/** Plain constructor: defaults are the sandbox's (shortcode 174379, its passkey, PayBill). */
export const makeDarajaConfig = (input: DarajaConfigInput): DarajaConfig => {
  const env = input.env ?? "sandbox"
  const shortcode = input.shortcode ?? SANDBOX_SHORTCODE
  const transactionType = input.transactionType ?? "CustomerPayBillOnline"
  return {
    env,
    baseUrl: (input.baseUrl ?? defaultBaseUrl(env)).replace(/\/+$/, ""),
    consumerKey: redact(input.consumerKey),
    consumerSecret: redact(input.consumerSecret),
    shortcode,
    passkey: redact(input.passkey ?? SANDBOX_PASSKEY),
    transactionType,
    partyB: transactionType === "CustomerBuyGoodsOnline" ? (input.tillNumber ?? shortcode) : shortcode,
    b2c: Option.fromNullable(input.b2c).pipe(
      Option.map((b) => ({
        shortcode: b.shortcode,
        initiatorName: b.initiatorName,
        initiatorPassword: redact(b.initiatorPassword),
        certificatePem: b.certificatePem
      }))
    ),
    requestTimeoutMs: input.requestTimeoutMs ?? 30_000,
    tokenRefreshMarginMs: input.tokenRefreshMarginMs ?? 60_000,
    simulatorDelayMs: input.simulatorDelayMs ?? 2_000
  }
}

const optionalString = (name: string) => Config.option(Config.nonEmptyString(name))
const optionalSecret = (name: string) => Config.option(Config.redacted(Config.nonEmptyString(name)))

/** Required outside the simulator (the simulator talks to no one). */
const requiredUnlessSimulator = <A>(env: MpesaEnv, name: string, value: Option.Option<A>, simulatorValue: A) =>
  Option.match(value, {
    onSome: Effect.succeed,
    onNone: () =>
      env === "simulator" ? Effect.succeed(simulatorValue) : Effect.fail(ConfigError.MissingData([name], `${name} is required when MPESA_ENV=${env}`))
  })

const requiredInProduction = <A>(env: MpesaEnv, name: string, value: Option.Option<A>, sandboxValue: A) =>
  Option.match(value, {
    onSome: Effect.succeed,
    onNone: () =>
      env === "production" ? Effect.fail(ConfigError.MissingData([name], `${name} is required when MPESA_ENV=production`)) : Effect.succeed(sandboxValue)
  })

const readCertificate = (pem: Option.Option<string>, path: Option.Option<string>) =>
  Option.match(pem, {
    onSome: (p) => Effect.succeed(Option.some(p.replace(/\\n/g, "\n"))),
    onNone: () =>
      Option.match(path, {
        onNone: () => Effect.succeed(Option.none<string>()),
        onSome: (file) =>
          Effect.try({
            try: () => Option.some(readFileSync(file, "utf8")),
            catch: (e) => ConfigError.InvalidData(["DARAJA_CERTIFICATE_PATH"], `cannot read ${file}: ${String(e)}`)
          })
      })
  })

/** The Daraja configuration from the environment (see the module comment for the variables). */
export const loadDarajaConfig: Effect.Effect<DarajaConfig, ConfigError.ConfigError> = Effect.gen(function* () {
  const env = yield* Config.literal("simulator", "sandbox", "production")("MPESA_ENV").pipe(Config.withDefault("simulator"))
  const consumerKey = yield* requiredUnlessSimulator(env, "DARAJA_CONSUMER_KEY", yield* optionalSecret("DARAJA_CONSUMER_KEY"), Redacted.make("simulator"))
  const consumerSecret = yield* requiredUnlessSimulator(
    env,
    "DARAJA_CONSUMER_SECRET",
    yield* optionalSecret("DARAJA_CONSUMER_SECRET"),
    Redacted.make("simulator")
  )
  const shortcode = yield* requiredInProduction(env, "DARAJA_SHORTCODE", yield* optionalString("DARAJA_SHORTCODE"), SANDBOX_SHORTCODE)
  const passkey = yield* requiredInProduction(env, "DARAJA_PASSKEY", yield* optionalSecret("DARAJA_PASSKEY"), Redacted.make(SANDBOX_PASSKEY))
  const transactionType = yield* Config.literal(
    "CustomerPayBillOnline",
    "CustomerBuyGoodsOnline"
  )("DARAJA_TRANSACTION_TYPE").pipe(Config.withDefault("CustomerPayBillOnline" as const))
  const tillNumber = yield* optionalString("DARAJA_TILL_NUMBER")
  const baseUrl = yield* optionalString("DARAJA_BASE_URL")

  const b2cShortcode = yield* optionalString("DARAJA_B2C_SHORTCODE")
  const initiatorName = yield* optionalString("DARAJA_INITIATOR_NAME")
  const initiatorPassword = yield* optionalSecret("DARAJA_INITIATOR_PASSWORD")
  const certificatePem = yield* readCertificate(yield* optionalString("DARAJA_CERTIFICATE_PEM"), yield* optionalString("DARAJA_CERTIFICATE_PATH"))
  const b2cParts: ReadonlyArray<Option.Option<unknown>> = [b2cShortcode, initiatorName, initiatorPassword, certificatePem]
  const b2cSet = b2cParts.filter((p) => Option.isSome(p)).length
  if (b2cSet !== 0 && b2cSet !== b2cParts.length) {
    return yield* Effect.fail(
      ConfigError.MissingData(
        ["DARAJA_B2C_SHORTCODE"],
        "B2C needs all of DARAJA_B2C_SHORTCODE, DARAJA_INITIATOR_NAME, DARAJA_INITIATOR_PASSWORD and DARAJA_CERTIFICATE_PEM/_PATH"
      )
    )
  }

  const requestTimeoutMs = yield* Config.integer("DARAJA_TIMEOUT_MS").pipe(Config.withDefault(30_000))
  const simulatorDelayMs = yield* Config.integer("MPESA_SIMULATOR_DELAY_MS").pipe(Config.withDefault(2_000))

  const b2c = Option.all({ shortcode: b2cShortcode, initiatorName, initiatorPassword, certificatePem })
  return makeDarajaConfig({
    env,
    ...(Option.isSome(baseUrl) ? { baseUrl: baseUrl.value } : {}),
    consumerKey,
    consumerSecret,
    shortcode,
    passkey,
    transactionType,
    ...(Option.isSome(tillNumber) ? { tillNumber: tillNumber.value } : {}),
    ...(Option.isSome(b2c) ? { b2c: b2c.value } : {}),
    requestTimeoutMs,
    simulatorDelayMs
  })
})
