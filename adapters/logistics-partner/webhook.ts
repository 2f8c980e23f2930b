/**
 * The partner's webhook signature (its wire protocol, shared by the HTTP adapter that receives the
 * status updates and the fake partner in tests).
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Config } from "effect"
import { optionalSecret } from "../system/secrets.js"

/** What the status-webhook receiver needs: the partner's name in its path and its signing secret (None: no partner). */
export const PartnerWebhookConfigFromEnv = Config.all({
  name: Config.string("LOGISTICS_PARTNER_NAME").pipe(Config.withDefault("partner")),
  secret: optionalSecret("LOGISTICS_PARTNER_WEBHOOK_SECRET")
})
export type PartnerWebhookConfig = Config.Config.Success<typeof PartnerWebhookConfigFromEnv>

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` */
export const partnerSignature = (secret: string, timestamp: string, rawBody: string | Buffer): string =>
  `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex")}`

/** Signature checked on the raw bytes in constant time; the timestamp must be within `toleranceMs` of now (replay). */
export const verifyPartnerSignature = (input: {
  readonly secret: string
  readonly rawBody: Buffer
  readonly timestamp: string | undefined
  readonly signature: string | undefined
  readonly now: number
  readonly toleranceMs?: number
}): string | undefined => {
  if (input.timestamp === undefined || !/^\d{1,12}$/.test(input.timestamp)) return "missing or malformed X-Partner-Timestamp"
  if (Math.abs(input.now - Number(input.timestamp) * 1000) > (input.toleranceMs ?? 5 * 60_000)) return "timestamp outside the 5-minute window"
  const match = input.signature === undefined ? null : /^sha256=([0-9a-f]{64})$/.exec(input.signature.trim())
  if (match === null) return "missing or malformed X-Partner-Signature"
  const expected = Buffer.from(partnerSignature(input.secret, input.timestamp, input.rawBody).slice("sha256=".length), "hex")
  const given = Buffer.from(match[1]!, "hex")
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : "signature mismatch"
}
