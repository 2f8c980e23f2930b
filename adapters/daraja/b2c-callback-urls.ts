/**
 * MPESA_CALLBACK_SECRET, the unguessable path segment of every URL Safaricom posts to (the STK
 * callback, the B2C Result and queue-timeout callbacks): read once per process here, into the
 * runtime (MpesaCallbackSecret); the HTTP routes and the B2C callback URLs take it from there.
 * Outside a world-facing deployment it defaults to a fixed development value, so `npm start`'s
 * URLs survive restarts.
 *
 * Where Daraja POSTs B2C Results and queue timeouts: PUBLIC_BASE_URL (default http://127.0.0.1:PORT)
 * plus the secret in the path, plus the request's own unguessable token (one per payout, refund or
 * Transaction Status query). The base is read at each request, so a process that learns its public
 * address late (tests on port 0) still gets it right.
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { B2CCallbackUrls } from "../../application/payouts-execution/disbursement.port.js"
import { requiredSecret } from "../system/secrets.js"

export const MpesaCallbackSecretConfig = requiredSecret("MPESA_CALLBACK_SECRET", () => "dev-callback-secret")

export class MpesaCallbackSecret extends Context.Tag("amana/MpesaCallbackSecret")<MpesaCallbackSecret, Redacted.Redacted<string>>() {}

export const MpesaCallbackSecretFromEnv = Layer.effect(MpesaCallbackSecret, MpesaCallbackSecretConfig)

/** Where Daraja posts STK push results (served by the HTTP routes; asked for by checkout and by chats' pushes from the worker). */
export const stkCallbackPath = (secret: string) => `/api/v1/payments/mpesa/callback/${encodeURIComponent(secret)}`

/** `token` undefined: the legacy shared-secret URL (results to it are never acted on without a status query). */
export const b2cResultPath = (secret: string, token?: string) =>
  `/api/v1/payments/mpesa/b2c/result/${encodeURIComponent(secret)}${token === undefined ? "" : `/${encodeURIComponent(token)}`}`
export const b2cTimeoutPath = (secret: string, token?: string) =>
  `/api/v1/payments/mpesa/b2c/timeout/${encodeURIComponent(secret)}${token === undefined ? "" : `/${encodeURIComponent(token)}`}`
export const b2cStatusResultPath = (secret: string, token: string) =>
  `/api/v1/payments/mpesa/b2c/status/result/${encodeURIComponent(secret)}/${encodeURIComponent(token)}`
export const b2cStatusTimeoutPath = (secret: string, token: string) =>
  `/api/v1/payments/mpesa/b2c/status/timeout/${encodeURIComponent(secret)}/${encodeURIComponent(token)}`

export const B2CCallbackUrlsFromEnv = Layer.effect(
  B2CCallbackUrls,
  Effect.map(MpesaCallbackSecret, (redacted) =>
    B2CCallbackUrls.of({
      urlsFor: (purpose, token) =>
        Effect.sync(() => {
          const base = (process.env["PUBLIC_BASE_URL"] ?? `http://127.0.0.1:${process.env["PORT"] ?? 3000}`).replace(/\/+$/, "")
          const secret = Redacted.value(redacted)
          return purpose === "B2C"
            ? { resultUrl: `${base}${b2cResultPath(secret, token)}`, timeoutUrl: `${base}${b2cTimeoutPath(secret, token)}` }
            : { resultUrl: `${base}${b2cStatusResultPath(secret, token)}`, timeoutUrl: `${base}${b2cStatusTimeoutPath(secret, token)}` }
        })
    })
  )
)
