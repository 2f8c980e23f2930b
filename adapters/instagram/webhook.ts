/**
 * Instagram Messaging webhooks (shared/protocols/META.md), framework-free: the HTTP layer checks the
 * GET handshake and the X-Hub-Signature-256 over the raw bytes with the WhatsApp module's functions
 * (the same Meta scheme, another app secret), then calls parseInstagramWebhook on the JSON.
 *
 * Echoes of our own sends (`is_echo`) and events without a message (reads, reactions) are skipped;
 * deduplication by `mid` is the store's job.
 */
import { Config, Either, Schema } from "effect"
import type { ParseResult } from "effect"
import type { InboundChatMessage } from "../../application/ports/channel.js"
import { optionalSecret } from "../system/secrets.js"

export const InstagramWebhookConfig = Config.all({
  appSecret: optionalSecret("INSTAGRAM_APP_SECRET"),
  verifyToken: optionalSecret("INSTAGRAM_VERIFY_TOKEN")
})
export type InstagramWebhookConfig = Config.Config.Success<typeof InstagramWebhookConfig>

const Messaging = Schema.Struct({
  sender: Schema.Struct({ id: Schema.NonEmptyString }),
  recipient: Schema.Struct({ id: Schema.NonEmptyString }),
  // epoch milliseconds a date (and the database) can hold: another is an odd item, not a failed batch
  timestamp: Schema.Number.pipe(Schema.between(0, 8_640_000_000_000_000)),
  message: Schema.optional(
    Schema.Struct({
      mid: Schema.NonEmptyString,
      text: Schema.optional(Schema.String),
      is_echo: Schema.optional(Schema.Boolean),
      attachments: Schema.optional(Schema.Array(Schema.Struct({ type: Schema.String })))
    })
  )
})

const Envelope = Schema.Struct({
  object: Schema.Literal("instagram"),
  entry: Schema.Array(Schema.Struct({ id: Schema.String, messaging: Schema.optional(Schema.Array(Schema.Unknown)) }))
})

export interface InstagramBatch {
  readonly messages: ReadonlyArray<InboundChatMessage>
  /** items we could not read: logged, still answered 200 (one odd item must not make Meta redeliver the batch) */
  readonly unrecognised: ReadonlyArray<unknown>
}

const decodeEnvelope = Schema.decodeUnknownEither(Envelope)
const decodeMessaging = Schema.decodeUnknownEither(Messaging)

/** Fails only when the body is not an Instagram webhook envelope at all. */
export const parseInstagramWebhook = (json: unknown): Either.Either<InstagramBatch, ParseResult.ParseError> =>
  Either.map(decodeEnvelope(json), (envelope) => {
    const messages: Array<InboundChatMessage> = []
    const unrecognised: Array<unknown> = []
    for (const raw of envelope.entry.flatMap((e) => e.messaging ?? [])) {
      const item = decodeMessaging(raw)
      if (Either.isLeft(item)) {
        unrecognised.push(raw)
        continue
      }
      const { sender, recipient, timestamp, message } = item.right
      if (message === undefined || message.is_echo === true) continue
      const text = message.text
      messages.push({
        channel: "INSTAGRAM",
        account: recipient.id,
        customer: sender.id,
        providerMessageId: message.mid,
        at: timestamp,
        type: text !== undefined ? "text" : (message.attachments?.[0]?.type ?? "unknown"),
        ...(text !== undefined && { text })
      })
    }
    return { messages, unrecognised }
  })
