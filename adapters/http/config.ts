/**
 * HTTP adapter configuration, from the environment:
 *   PUBLIC_BASE_URL        where Safaricom (or the simulator) reaches us; default http://127.0.0.1:PORT
 *   MPESA_CALLBACK_SECRET  the unguessable path segment of the callback URL; required in production
 *   CART_TOKEN_SECRET      signs guest cart tokens; required in production
 *   TRUST_PROXY            which reverse proxies may name the client (client-address.ts); off by default
 */
import { randomBytes } from "node:crypto"
import { parseTrustProxy } from "./client-address.js"
import type { TrustProxy } from "./client-address.js"

export interface HttpConfig {
  readonly production: boolean
  /** mutable: startHttp fills it in once the port is known (port 0 in tests) */
  publicBaseUrl: string
  readonly callbackSecret: string
  readonly cartTokenSecret: string
  readonly trustProxy: TrustProxy
}

const required = (name: string, production: boolean, dev: () => string): string => {
  const v = process.env[name]
  if (v !== undefined && v.trim() !== "") return v.trim()
  if (production) throw new Error(`${name} must be set in production`)
  return dev()
}

export const httpConfigFromEnv = (options: { readonly port: number; readonly production: boolean; readonly publicBaseUrl?: string | undefined }): HttpConfig => ({
  production: options.production,
  publicBaseUrl: (options.publicBaseUrl ?? process.env["PUBLIC_BASE_URL"] ?? `http://127.0.0.1:${options.port}`).replace(/\/+$/, ""),
  // Outside production a fixed callback secret keeps the URL stable across restarts of `npm start`.
  callbackSecret: required("MPESA_CALLBACK_SECRET", options.production, () => "dev-callback-secret"),
  cartTokenSecret: required("CART_TOKEN_SECRET", options.production, () => randomBytes(32).toString("hex")),
  trustProxy: parseTrustProxy(process.env["TRUST_PROXY"])
})

export const callbackPath = (secret: string) => `/api/v1/payments/mpesa/callback/${encodeURIComponent(secret)}`
