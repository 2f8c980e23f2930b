/**
 * Signed merchant-webhook POSTs through the outbound guard (outbound.ts): https to public addresses
 * only, the checked address connected to, no redirects, 10 s, a bounded read of the answer.
 *
 * WEBHOOK_ALLOW_LOCAL_TARGETS=1 (development and tests only; refused when NODE_ENV=production)
 * also admits http and loopback targets, so a receiver on this machine can be used.
 */
import { createHmac } from "node:crypto"
import { Config, ConfigError, Effect, Either, Layer } from "effect"
import { WebhookSendFailed, WebhookTransport, WebhookUrlRefused } from "../../application/webhooks/webhook.port.js"
import { checkOutboundUrl, DEFAULT_TIMEOUT_MS, MAX_RESPONSE_BYTES, postOutbound } from "./outbound.js"
import type { OutboundPolicy } from "./outbound.js"

export const hmacHex = (secret: string, signed: string): string => createHmac("sha256", secret).update(signed).digest("hex")

export const makeWebhookTransport = (policy: OutboundPolicy) =>
  WebhookTransport.of({
    sign: (secret, signed) => Effect.sync(() => hmacHex(secret, signed)),
    post: (url, body, headers) =>
      Effect.flatMap(
        Effect.promise((signal) => postOutbound(url, body, { ...headers, "user-agent": "Amana-Webhooks/1" }, policy, signal)),
        (r) => ("status" in r ? Effect.succeed({ status: r.status }) : Effect.fail(new WebhookSendFailed({ detail: r.refused })))
      ),
    check: (url) =>
      Effect.flatMap(
        Effect.promise(() => checkOutboundUrl(url, policy)),
        (refused) => (refused === undefined ? Effect.void : Effect.fail(new WebhookUrlRefused({ reason: refused.replace(/^refused: /, "") })))
      )
  })

export const OutboundPolicyFromEnv: Config.Config<OutboundPolicy> = Config.all({
  allowLocal: Config.boolean("WEBHOOK_ALLOW_LOCAL_TARGETS").pipe(Config.withDefault(false)),
  production: Config.string("NODE_ENV").pipe(
    Config.map((e) => e === "production"),
    Config.withDefault(false)
  )
}).pipe(
  Config.mapOrFail(({ allowLocal, production }) =>
    allowLocal && production
      ? Either.left(ConfigError.InvalidData(["WEBHOOK_ALLOW_LOCAL_TARGETS"], "WEBHOOK_ALLOW_LOCAL_TARGETS is for development only: unset it in production"))
      : Either.right({ allowLocal, timeoutMs: DEFAULT_TIMEOUT_MS, maxResponseBytes: MAX_RESPONSE_BYTES })
  )
)

export const WebhookTransportLive: Layer.Layer<WebhookTransport, ConfigError.ConfigError> = Layer.effect(
  WebhookTransport,
  Effect.map(OutboundPolicyFromEnv, makeWebhookTransport)
)
