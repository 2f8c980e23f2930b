/**
 * Where Daraja POSTs B2C Results and queue timeouts: PUBLIC_BASE_URL (default http://127.0.0.1:PORT)
 * plus MPESA_CALLBACK_SECRET in the path (the same unguessable segment as the STK callback). Read at
 * each request, so a process that learns its public address late (tests on port 0) still gets it right.
 */
import { Effect, Layer } from "effect"
import { B2CCallbackUrls } from "../../application/payouts-execution/disbursement.port.js"

export const b2cResultPath = (secret: string) => `/api/v1/payments/mpesa/b2c/result/${encodeURIComponent(secret)}`
export const b2cTimeoutPath = (secret: string) => `/api/v1/payments/mpesa/b2c/timeout/${encodeURIComponent(secret)}`

export const callbackSecretFromEnv = (): string => {
  const v = process.env["MPESA_CALLBACK_SECRET"]?.trim()
  if (v) return v
  if (process.env["NODE_ENV"] === "production") throw new Error("MPESA_CALLBACK_SECRET must be set in production")
  return "dev-callback-secret"
}

export const B2CCallbackUrlsFromEnv = Layer.succeed(
  B2CCallbackUrls,
  B2CCallbackUrls.of({
    urls: Effect.sync(() => {
      const base = (process.env["PUBLIC_BASE_URL"] ?? `http://127.0.0.1:${process.env["PORT"] ?? 3000}`).replace(/\/+$/, "")
      const secret = callbackSecretFromEnv()
      return { resultUrl: `${base}${b2cResultPath(secret)}`, timeoutUrl: `${base}${b2cTimeoutPath(secret)}` }
    })
  })
)
