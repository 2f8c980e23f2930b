/**
 * Handover codes from a server-side key (HANDOVER_CODE_SECRET, held to secrets.ts' rule; a fixed
 * development key outside a world-facing deployment): code = 6 digits of HMAC(key, "code:" + orderId), stored as HMAC(key, "hash:" +
 * orderId + ":" + code). Nothing stored reveals a code without the key, and the notification
 * handler can re-derive the code to send it. Rotating the key changes the codes of orders in
 * flight: rotate when none is dispatched, or re-dispatch them.
 */
import { createHmac } from "node:crypto"
import { Effect, Layer, Redacted } from "effect"
import { HandoverCodes } from "../../application/fulfilment/fulfilment.port.js"
import { requiredSecret } from "./secrets.js"

export const CODE_DIGITS = 6

export const makeHandoverCodes = (key: string) => {
  const mac = (text: string) => createHmac("sha256", key).update(text).digest()
  const codeFor = (orderId: string) => String(mac(`code:${orderId}`).readUInt32BE(0) % 10 ** CODE_DIGITS).padStart(CODE_DIGITS, "0")
  const hashOf = (orderId: string, code: string) => mac(`hash:${orderId}:${code}`).toString("hex")
  return HandoverCodes.of({ codeFor: (orderId) => Effect.sync(() => codeFor(orderId)), hashOf: (orderId, code) => Effect.sync(() => hashOf(orderId, code)) })
}

export const HandoverCodeSecretConfig = requiredSecret("HANDOVER_CODE_SECRET", () => "amana-dev-handover-key")

export const HandoverCodesFromEnv = Layer.effect(
  HandoverCodes,
  Effect.map(HandoverCodeSecretConfig, (secret) => makeHandoverCodes(Redacted.value(secret)))
)
