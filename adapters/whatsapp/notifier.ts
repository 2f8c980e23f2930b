/**
 * Notifier over the WhatsApp Cloud API: template messages only (we never rely on the 24-hour
 * customer-service window), sent with @effect/platform's HttpClient.
 *
 * Exactly-once per dedupeKey, as far as we can make it: the SentMessageStore is asked before the
 * send and told the wamid after (see sent-message-store.ts for the remaining crash window). A
 * timeout is reported as RetryLater although Meta may have accepted the message: the Cloud API has
 * no idempotency key, so a rare duplicate is the price of not losing a message.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpClientResponse } from "@effect/platform"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import type { ConfigError } from "effect/ConfigError"
import { Notifier, NotifierRetryLater } from "../../application/ports/notifier.js"
import type { NotifierUndeliverable, OutboundMessage, SentMessage } from "../../application/ports/notifier.js"
import { validateOutbound } from "../../application/notifications/templates.js"
import { SentMessageStore } from "../../application/ports/sent-messages.js"
import { classifyFailure, messageIdOf, templateMessageBody } from "./cloud-api.js"
import { WhatsAppConfig } from "./config.js"

export interface WhatsAppSendConfig {
  readonly token: Redacted.Redacted<string>
  readonly phoneNumberId: string
  readonly baseUrl: string
}

const SEND_TIMEOUT = Duration.seconds(15)

export const makeWhatsAppNotifier = (config: WhatsAppSendConfig) =>
  Effect.gen(function* () {
    const store = yield* SentMessageStore
    const http = yield* HttpClient.HttpClient
    const url = `${config.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(config.phoneNumberId)}/messages`

    const readJson = (response: HttpClientResponse.HttpClientResponse) => response.json.pipe(Effect.orElseSucceed((): unknown => undefined))

    const post = (message: OutboundMessage) =>
      http
        .execute(
          HttpClientRequest.post(url).pipe(
            HttpClientRequest.bearerToken(Redacted.value(config.token)),
            HttpClientRequest.acceptJson,
            HttpClientRequest.bodyUnsafeJson(templateMessageBody(message))
          )
        )
        .pipe(
          Effect.timeoutFail({ duration: SEND_TIMEOUT, onTimeout: () => new NotifierRetryLater({ detail: "WhatsApp did not answer within 15s" }) }),
          Effect.catchTag("RequestError", (e) => Effect.fail(new NotifierRetryLater({ detail: `could not reach WhatsApp: ${e.message}` }))),
          Effect.catchTag("ResponseError", (e) => Effect.fail(new NotifierRetryLater({ detail: `WhatsApp reply unreadable: ${e.message}` }))),
          Effect.flatMap((response) =>
            Effect.flatMap(readJson(response), (body) =>
              response.status >= 200 && response.status < 300
                ? messageIdOf(body)
                : Effect.fail(classifyFailure(response.status, body, response.headers["retry-after"]))
            )
          )
        )

    const send = (message: OutboundMessage): Effect.Effect<SentMessage, NotifierRetryLater | NotifierUndeliverable> =>
      Effect.gen(function* () {
        yield* validateOutbound(message)
        const already = yield* store
          .find(message.dedupeKey)
          .pipe(Effect.mapError((e) => new NotifierRetryLater({ detail: `sent-message store unavailable, nothing sent: ${String(e.cause)}` })))
        if (Option.isSome(already)) return { providerMessageId: already.value, duplicate: true }
        const wamid = yield* post(message)
        // Sent is sent: failing here would make the outbox send it again, so a lost record is only logged.
        yield* store
          .record(message.dedupeKey, wamid, message)
          .pipe(
            Effect.catchAll((e) =>
              Effect.logWarning("WhatsApp message sent but not recorded; a retry may send it again", { dedupeKey: message.dedupeKey, wamid, cause: e.cause })
            )
          )
        return { providerMessageId: wamid, duplicate: false }
      }).pipe(Effect.withSpan("Notifier.send", { attributes: { channel: "whatsapp", template: message.template } }))

    return Notifier.of({ send })
  })

/** The WhatsApp Notifier from WHATSAPP_* config. Provide an HttpClient (the composition root gives adapters/http-client/node-client.ts) and a SentMessageStore. */
export const WhatsAppNotifierLive: Layer.Layer<Notifier, ConfigError, HttpClient.HttpClient | SentMessageStore> = Layer.effect(
  Notifier,
  Effect.flatMap(WhatsAppConfig, makeWhatsAppNotifier)
)
