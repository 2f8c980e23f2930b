/**
 * Handover codes from a server-side key (HANDOVER_CODE_SECRET; a fixed development key outside
 * production): code = 6 digits of HMAC(key, "code:" + orderId), stored as HMAC(key, "hash:" +
 * orderId + ":" + code). Nothing stored reveals a code without the key, and the notification
 * handler can re-derive the code to send it. Rotating the key changes the codes of orders in
 * flight: rotate when none is dispatched, or re-dispatch them.
 */
import { createHmac } from "node:crypto"
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { HandoverCodes } from "../../application/fulfilment/fulfilment.port.js"

export const CODE_DIGITS = 6

export const makeHandoverCodes = (key: string) => {
  const mac = (text: string) => createHmac("sha256", key).update(text).digest()
  const codeFor = (orderId: string) => String(mac(`code:${orderId}`).readUInt32BE(0) % 10 ** CODE_DIGITS).padStart(CODE_DIGITS, "0")
  const hashOf = (orderId: string, code: string) => mac(`hash:${orderId}:${code}`).toString("hex")
  return HandoverCodes.of({ codeFor: (orderId) => Effect.sync(() => codeFor(orderId)), hashOf: (orderId, code) => Effect.sync(() => hashOf(orderId, code)) })
}

export const HandoverCodesFromEnv = Layer.effect(
  HandoverCodes,
  Effect.gen(function* () {
    const secret = yield* Config.option(Config.redacted(Config.nonEmptyString("HANDOVER_CODE_SECRET")))
    const production = (yield* Config.string("NODE_ENV").pipe(Config.withDefault("development"))) === "production"
    if (Option.isNone(secret) && production) return yield* Effect.die(new Error("HANDOVER_CODE_SECRET must be set in production"))
    return makeHandoverCodes(Option.match(secret, { onNone: () => "amana-dev-handover-key", onSome: Redacted.value }))
  })
)
