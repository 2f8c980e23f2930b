/**
 * The WhatsApp side of the Channel port: a free-text reply (`"type":"text"`) from the business
 * number the customer wrote to, over the Cloud API (shared/protocols/WHATSAPP.md). Replies go out
 * only in answer to an inbound message, so inside the 24-hour window; a 131047 still means the
 * window closed (a human answered days later) and the reply is undeliverable as free text.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Redacted } from "effect"
import { ChannelRetryLater, ChannelUndeliverable } from "../../application/ports/channel.js"
import type { OutboundChatMessage } from "../../application/ports/channel.js"
import { classifyFailure, messageIdOf } from "./cloud-api.js"

export interface WhatsAppChannelConfig {
  readonly token: Redacted.Redacted<string>
  readonly baseUrl: string
}

const SEND_TIMEOUT = Duration.seconds(15)

export const textMessageBody = (to: string, text: string) => ({
  messaging_product: "whatsapp",
  recipient_type: "individual",
  to,
  type: "text",
  text: { body: text }
})

export const makeWhatsAppChannel = (config: WhatsAppChannelConfig) =>
  Effect.map(HttpClient.HttpClient, (http) => (message: OutboundChatMessage) => {
    const url = `${config.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(message.account)}/messages`
    return http
      .execute(
        HttpClientRequest.post(url).pipe(
          HttpClientRequest.bearerToken(Redacted.value(config.token)),
          HttpClientRequest.acceptJson,
          HttpClientRequest.bodyUnsafeJson(textMessageBody(message.customer, message.text))
        )
      )
      .pipe(
        Effect.timeoutFail({ duration: SEND_TIMEOUT, onTimeout: () => new ChannelRetryLater({ detail: "WhatsApp did not answer within 15s" }) }),
        Effect.catchTag("RequestError", (e) => Effect.fail(new ChannelRetryLater({ detail: `could not reach WhatsApp: ${e.message}` }))),
        Effect.catchTag("ResponseError", (e) => Effect.fail(new ChannelRetryLater({ detail: `WhatsApp reply unreadable: ${e.message}` }))),
        Effect.flatMap((response) =>
          Effect.flatMap(
            response.json.pipe(Effect.orElseSucceed((): unknown => undefined)),
            (body): Effect.Effect<{ providerMessageId: string }, ChannelRetryLater | ChannelUndeliverable> => {
              if (response.status >= 200 && response.status < 300)
                return Effect.mapBoth(messageIdOf(body), {
                  onFailure: (e) => new ChannelUndeliverable({ detail: e.detail }),
                  onSuccess: (providerMessageId) => ({ providerMessageId })
                })
              const failure = classifyFailure(response.status, body, response.headers["retry-after"])
              return Effect.fail(
                failure._tag === "NotifierRetryLater" ? new ChannelRetryLater({ detail: failure.detail }) : new ChannelUndeliverable({ detail: failure.detail })
              )
            }
          )
        ),
        Effect.withSpan("Channel.send", { attributes: { channel: "whatsapp" } })
      )
  })
