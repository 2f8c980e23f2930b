/**
 * HTTP adapter configuration, from the environment, read once when the server starts:
 *   PUBLIC_BASE_URL        where Safaricom (or the simulator) reaches us; default http://127.0.0.1:PORT
 *   CART_TOKEN_SECRET      signs guest cart tokens (secrets.ts' rule; random per process in development)
 *   TRUST_PROXY            which reverse proxies may name the client (client-address.ts); off by default
 *   STOREFRONT_BASE_URL    where affiliate links (/r/:code) send visitors; unset: /r/:code answers JSON
 *   STORE_DOMAIN           stores are <slug>.<STORE_DOMAIN>: the catalogue is scoped to the store named by the Host
 * and, for the routes that check them, secrets their owners read: the M-Pesa callback secret (from
 * the runtime, daraja/b2c-callback-urls.ts), the WhatsApp and logistics-partner webhook secrets
 * (their webhook protocol modules).
 */
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import type { Redacted } from "effect"
import type { PlatformRuntime } from "../../composition/platform.js"
import { MpesaCallbackSecret, stkCallbackPath } from "../daraja/b2c-callback-urls.js"
import { PartnerWebhookConfigFromEnv } from "../logistics-partner/webhook.js"
import type { PartnerWebhookConfig } from "../logistics-partner/webhook.js"
import { requiredSecret } from "../system/secrets.js"
import { WhatsAppWebhookConfig } from "../whatsapp/webhook.js"
import { InstagramWebhookConfig } from "../instagram/webhook.js"
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
  /** absolute http(s) URL without a trailing slash, or undefined */
  readonly storefrontBaseUrl: string | undefined
  /** lower-case domain, e.g. "shops.amana.co.ke", or undefined */
  readonly storeDomain: string | undefined
}

/** Secrets the express-level webhook routes check (outside the described endpoints). */
export interface WebhookSecrets {
  readonly callbackSecret: Redacted.Redacted<string>
  readonly whatsapp: WhatsAppWebhookConfig
  readonly instagram: InstagramWebhookConfig
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
        storefrontBaseUrl: yield* Effect.try({ try: () => parseStorefrontBaseUrl(process.env["STOREFRONT_BASE_URL"]), catch: (e) => e }),
        storeDomain: yield* Effect.try({ try: () => parseStoreDomain(process.env["STORE_DOMAIN"]), catch: (e) => e }),
        webhooks: {
          callbackSecret,
          whatsapp: yield* WhatsAppWebhookConfig,
          instagram: yield* InstagramWebhookConfig,
          partner: yield* PartnerWebhookConfigFromEnv
        }
      }
    })
  )

export const callbackPath = stkCallbackPath

/** STOREFRONT_BASE_URL: an absolute http(s) URL with no query or fragment (paths we build are appended to it). */
export const parseStorefrontBaseUrl = (raw: string | undefined): string | undefined => {
  const v = (raw ?? "").trim()
  if (v === "") return undefined
  let url: URL
  try {
    url = new URL(v)
  } catch {
    throw new Error("STOREFRONT_BASE_URL is not an absolute URL")
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "")
    throw new Error("STOREFRONT_BASE_URL must be an http(s) URL without credentials, query or fragment")
  return url.toString().replace(/\/+$/, "")
}

/** STORE_DOMAIN: a DNS name (stores are <slug>.<STORE_DOMAIN>). */
export const parseStoreDomain = (raw: string | undefined): string | undefined => {
  const v = (raw ?? "")
    .trim()
    .toLowerCase()
    .replace(/^\.+|\.+$/g, "")
  if (v === "") return undefined
  if (!/^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(v))
    throw new Error("STORE_DOMAIN must be a domain name like shops.example.com")
  return v
}
