/**
 * HTTP adapter configuration, from the environment, read once when the server starts:
 *   PUBLIC_BASE_URL        where Safaricom (or the simulator) reaches us; default http://127.0.0.1:PORT
 *   CART_TOKEN_SECRET      signs guest cart tokens (secrets.ts' rule; random per process in development)
 *   TRUST_PROXY            which reverse proxies may name the client (client-address.ts); off by default
 * and, for the routes that check them, secrets their owners read: the M-Pesa callback secret (from
 * the runtime, daraja/b2c-callback-urls.ts), the WhatsApp and logistics-partner webhook secrets
 * (their webhook protocol modules).
 */
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import type { Redacted } from "effect"
import type { PlatformRuntime } from "../../composition/platform.js"
import { MpesaCallbackSecret } from "../daraja/b2c-callback-urls.js"
import { PartnerWebhookConfigFromEnv } from "../logistics-partner/webhook.js"
import type { PartnerWebhookConfig } from "../logistics-partner/webhook.js"
import { requiredSecret } from "../system/secrets.js"
import { WhatsAppWebhookConfig } from "../whatsapp/webhook.js"
import { parseTrustProxy } from "./client-address.js"
import type { TrustProxy } from "./client-address.js"

export const CartTokenSecretConfig = requiredSecret("CART_TOKEN_SECRET", () => randomBytes(32).toString("hex"))

export interface HttpConfig {
  readonly production: boolean
  /** mutable: startHttp fills it in once the port is known (port 0 in tests) */
  publicBaseUrl: string
  readonly callbackSecret: Redacted.Redacted<string>
  readonly cartTokenSecret: Redacted.Redacted<string>
  readonly trustProxy: TrustProxy
}

/** Secrets the express-level webhook routes check (outside the described endpoints). */
export interface WebhookSecrets {
  readonly callbackSecret: Redacted.Redacted<string>
  readonly whatsapp: WhatsAppWebhookConfig
  readonly partner: PartnerWebhookConfig
}

export type LoadedHttpConfig = HttpConfig & { readonly webhooks: WebhookSecrets }

/** Reads the configuration once; a missing, empty or weak secret fails here, naming its variable. */
export const loadHttpConfig = (
  runtime: PlatformRuntime,
  options: { readonly port: number; readonly production: boolean; readonly publicBaseUrl?: string | undefined }
): Promise<LoadedHttpConfig> =>
  runtime.runPromise(
    Effect.gen(function* () {
      const callbackSecret = yield* MpesaCallbackSecret
      return {
        production: options.production,
        publicBaseUrl: (options.publicBaseUrl ?? process.env["PUBLIC_BASE_URL"] ?? `http://127.0.0.1:${options.port}`).replace(/\/+$/, ""),
        callbackSecret,
        cartTokenSecret: yield* CartTokenSecretConfig,
        trustProxy: yield* Effect.try({ try: () => parseTrustProxy(process.env["TRUST_PROXY"]), catch: (e) => e }),
        webhooks: { callbackSecret, whatsapp: yield* WhatsAppWebhookConfig, partner: yield* PartnerWebhookConfigFromEnv }
      }
    })
  )

export const callbackPath = (secret: string) => `/api/v1/payments/mpesa/callback/${encodeURIComponent(secret)}`
