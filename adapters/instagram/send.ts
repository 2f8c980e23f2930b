/**
 * The Instagram side of the Channel port: the Send API (shared/protocols/META.md),
 * `POST <base>/<IG account id>/messages` with `{"recipient":{"id":<IGSID>},"message":{"text":...}}`
 * and the account's access token. The reply names the message: `{"recipient_id","message_id"}`.
 * Errors come in Graph's envelope `{"error":{"message","type","code",...}}`: throttling (4, 613) and
 * 5xx are retried later; the rest (a closed 24-hour window: 10 / 2018278, an unknown recipient) are
 * undeliverable as sent.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Config, Duration, Effect, Option, Redacted, Schema } from "effect"
import { ChannelRetryLater, ChannelUndeliverable } from "../../application/ports/channel.js"
import type { OutboundChatMessage } from "../../application/ports/channel.js"

export const DEFAULT_INSTAGRAM_BASE_URL = "https://graph.facebook.com/v21.0"

export const InstagramSendConfig = Config.all({
  token: Config.redacted("INSTAGRAM_TOKEN"),
  baseUrl: Config.string("INSTAGRAM_BASE_URL").pipe(Config.withDefault(DEFAULT_INSTAGRAM_BASE_URL))
})
export type InstagramSendConfig = Config.Config.Success<typeof InstagramSendConfig>

const SendReply = Schema.Struct({ recipient_id: Schema.optional(Schema.String), message_id: Schema.NonEmptyString })
const GraphError = Schema.Struct({ error: Schema.Struct({ message: Schema.String, code: Schema.Number }) })
const RETRY_LATER_CODES: ReadonlySet<number> = new Set([1, 2, 4, 17, 32, 613])
const SEND_TIMEOUT = Duration.seconds(15)

export const sendMessageBody = (recipient: string, text: string) => ({ recipient: { id: recipient }, message: { text } })

export const classifyInstagramFailure = (status: number, body: unknown): ChannelRetryLater | ChannelUndeliverable => {
  const envelope = Schema.decodeUnknownOption(GraphError)(body)
  if (Option.isNone(envelope))
    return status === 429 || status >= 500
      ? new ChannelRetryLater({ detail: `Instagram answered HTTP ${status}` })
      : new ChannelUndeliverable({ detail: `Instagram answered HTTP ${status} without Graph's error envelope` })
  const { code, message } = envelope.value.error
  if (RETRY_LATER_CODES.has(code) || status === 429 || status >= 500)
    return new ChannelRetryLater({ detail: `Instagram rate limit or outage (${code}): ${message}` })
  return new ChannelUndeliverable({ detail: `Instagram refused the message (${code}): ${message}` })
}

export const makeInstagramChannel = (config: InstagramSendConfig) =>
  Effect.map(
    HttpClient.HttpClient,
    (http) => (message: OutboundChatMessage) =>
      http
        .execute(
          HttpClientRequest.post(`${config.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(message.account)}/messages`).pipe(
            HttpClientRequest.bearerToken(Redacted.value(config.token)),
            HttpClientRequest.acceptJson,
            HttpClientRequest.bodyUnsafeJson(sendMessageBody(message.customer, message.text))
          )
        )
        .pipe(
          Effect.timeoutFail({ duration: SEND_TIMEOUT, onTimeout: () => new ChannelRetryLater({ detail: "Instagram did not answer within 15s" }) }),
          Effect.catchTag("RequestError", (e) => Effect.fail(new ChannelRetryLater({ detail: `could not reach Instagram: ${e.message}` }))),
          Effect.catchTag("ResponseError", (e) => Effect.fail(new ChannelRetryLater({ detail: `Instagram reply unreadable: ${e.message}` }))),
          Effect.flatMap((response) =>
            Effect.flatMap(
              response.json.pipe(Effect.orElseSucceed((): unknown => undefined)),
              (body): Effect.Effect<{ providerMessageId: string }, ChannelRetryLater | ChannelUndeliverable> => {
                if (response.status < 200 || response.status >= 300) return Effect.fail(classifyInstagramFailure(response.status, body))
                return Option.match(Schema.decodeUnknownOption(SendReply)(body), {
                  onNone: () => Effect.fail(new ChannelUndeliverable({ detail: "bug: Instagram answered 2xx without message_id" })),
                  onSome: (reply) => Effect.succeed({ providerMessageId: reply.message_id })
                })
              }
            )
          ),
          Effect.withSpan("Channel.send", { attributes: { channel: "instagram" } })
        )
  )
