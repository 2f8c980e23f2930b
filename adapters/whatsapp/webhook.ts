/**
 * Inbound webhook pieces, framework-free: the HTTP layer calls them with what it received.
 *
 *   GET  -> verifySubscription(query, verifyToken): Right(challenge) -> 200 text/plain challenge;
 *           Left -> 403.
 *   POST -> verifySignature(rawBody, header, appSecret) on the RAW bytes (before any JSON parsing;
 *           false -> 401, nothing stored), then parseWebhook(JSON.parse(rawBody)).
 *
 * Deduplication is the store's job: Meta retries a non-200 delivery for up to a day and does not
 * keep order, so the store keeps one row per (wamid, status) (insert ... on conflict do nothing;
 * only a newly inserted row has an effect), and a message's current status only moves forward by
 * `statusRank` (a late `delivered` after `read` changes nothing). Answer 200 once stored.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Config, Data, Either, ParseResult, Redacted, Schema } from "effect"
import { optionalSecret } from "../system/secrets.js"
import { EpochMillis } from "../../domain/ids.js"

type Secret = string | Redacted.Redacted<string>
const reveal = (secret: Secret) => (Redacted.isRedacted(secret) ? Redacted.value(secret) : secret)

// --- subscription (GET) ---

/** What the webhook receiver needs, also without WHATSAPP_TOKEN (statuses can arrive for messages sent earlier); None: not configured. */
export const WhatsAppWebhookConfig = Config.all({
  appSecret: optionalSecret("WHATSAPP_APP_SECRET"),
  verifyToken: optionalSecret("WHATSAPP_VERIFY_TOKEN")
})
export type WhatsAppWebhookConfig = Config.Config.Success<typeof WhatsAppWebhookConfig>

export class WebhookForbidden extends Data.TaggedError("WebhookForbidden")<{
  readonly reason: "wrong mode" | "wrong verify token" | "missing challenge"
}> {
  readonly code = "WHATSAPP.WEBHOOK_FORBIDDEN"
}

/** Query values as Express/URLSearchParams give them; repeated or nested values are refused. */
export type WebhookQuery = Readonly<Record<string, unknown>>

const equalSecrets = (a: string, b: string): boolean => {
  const left = Buffer.from(a, "utf8")
  const right = Buffer.from(b, "utf8")
  // timingSafeEqual throws on unequal lengths; the length itself is not the secret.
  return left.length === right.length && timingSafeEqual(left, right)
}

export const verifySubscription = (query: WebhookQuery, verifyToken: Secret): Either.Either<string, WebhookForbidden> => {
  const mode = query["hub.mode"]
  const token = query["hub.verify_token"]
  const challenge = query["hub.challenge"]
  if (mode !== "subscribe") return Either.left(new WebhookForbidden({ reason: "wrong mode" }))
  if (typeof token !== "string" || !equalSecrets(token, reveal(verifyToken))) return Either.left(new WebhookForbidden({ reason: "wrong verify token" }))
  if (typeof challenge !== "string" || challenge === "") return Either.left(new WebhookForbidden({ reason: "missing challenge" }))
  return Either.right(challenge)
}

// --- signature (POST) ---

/** `sha256=<hex HMAC-SHA256(app secret, raw body)>`, as Meta sends it. */
export const signatureOf = (rawBody: Buffer | string, appSecret: Secret): string =>
  `sha256=${createHmac("sha256", reveal(appSecret)).update(rawBody).digest("hex")}`

/** True only for a well-formed header whose HMAC matches the raw bytes; compared in constant time. */
export const verifySignature = (rawBody: Buffer, header: string | undefined, appSecret: Secret): boolean => {
  const match = header === undefined ? null : /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim())
  if (match === null) return false
  const given = Buffer.from(match[1] as string, "hex")
  const expected = createHmac("sha256", reveal(appSecret)).update(rawBody).digest()
  return given.length === expected.length && timingSafeEqual(given, expected)
}

// --- payload (POST) ---

export type DeliveryStatus = "sent" | "delivered" | "read" | "failed"

/** How far a message has got; a stored status only ever moves to a higher rank. `failed` is final. */
export const statusRank: { readonly [S in DeliveryStatus]: number } = { sent: 1, delivered: 2, read: 3, failed: 4 }

export interface StatusUpdate {
  readonly wamid: string
  readonly status: DeliveryStatus
  readonly timestamp: EpochMillis
  readonly recipientId: string
  readonly phoneNumberId: string
  readonly errors?: ReadonlyArray<{ readonly code: number; readonly title: string; readonly message?: string; readonly details?: string }>
}

export interface InboundMessage {
  readonly wamid: string
  readonly from: string
  readonly timestamp: EpochMillis
  readonly phoneNumberId: string
  /** "text", "image", "button", "interactive", ...: only text carries `text`. */
  readonly type: string
  readonly text?: string
}

export interface WebhookBatch {
  readonly statuses: ReadonlyArray<StatusUpdate>
  readonly messages: ReadonlyArray<InboundMessage>
  /** Items we could not read (a new status value, a changed shape): log them, still answer 200. */
  readonly unrecognised: ReadonlyArray<unknown>
}

/** "1717171717" (unix seconds, as Meta sends them) <-> epoch milliseconds. */
const UnixSeconds = Schema.transformOrFail(Schema.String, Schema.Number, {
  strict: true,
  decode: (s, _o, ast) =>
    /^\d{1,12}$/.test(s) ? ParseResult.succeed(Number(s) * 1_000) : ParseResult.fail(new ParseResult.Type(ast, s, "expected unix seconds")),
  encode: (ms) => ParseResult.succeed(String(Math.floor(ms / 1_000)))
})

const StatusItem = Schema.Struct({
  id: Schema.NonEmptyString,
  status: Schema.Literal("sent", "delivered", "read", "failed"),
  timestamp: UnixSeconds,
  recipient_id: Schema.String,
  errors: Schema.optional(
    Schema.Array(
      Schema.Struct({
        code: Schema.Number,
        title: Schema.String,
        message: Schema.optional(Schema.String),
        error_data: Schema.optional(Schema.Struct({ details: Schema.optional(Schema.String) }))
      })
    )
  )
})

const MessageItem = Schema.Struct({
  id: Schema.NonEmptyString,
  from: Schema.String,
  timestamp: UnixSeconds,
  type: Schema.String,
  text: Schema.optional(Schema.Struct({ body: Schema.String }))
})

const MessagesValue = Schema.Struct({
  metadata: Schema.Struct({ phone_number_id: Schema.String, display_phone_number: Schema.optional(Schema.String) }),
  statuses: Schema.optional(Schema.Array(Schema.Unknown)),
  messages: Schema.optional(Schema.Array(Schema.Unknown))
})

const Envelope = Schema.Struct({
  object: Schema.Literal("whatsapp_business_account"),
  entry: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      changes: Schema.Array(Schema.Struct({ field: Schema.String, value: Schema.Unknown }))
    })
  )
})

const decodeEnvelope = Schema.decodeUnknownEither(Envelope)
const decodeValue = Schema.decodeUnknownEither(MessagesValue)
const decodeStatus = Schema.decodeUnknownEither(StatusItem)
const decodeMessage = Schema.decodeUnknownEither(MessageItem)

/**
 * Reads a webhook POST body. Fails only when it is not a WhatsApp Business Account envelope at
 * all; individual items that do not decode are returned in `unrecognised`, so one odd item never
 * makes Meta redeliver the whole batch for a day.
 */
export const parseWebhook = (json: unknown): Either.Either<WebhookBatch, ParseResult.ParseError> =>
  Either.map(decodeEnvelope(json), (envelope) => {
    const statuses: Array<StatusUpdate> = []
    const messages: Array<InboundMessage> = []
    const unrecognised: Array<unknown> = []
    for (const change of envelope.entry.flatMap((e) => e.changes)) {
      if (change.field !== "messages") continue
      const value = decodeValue(change.value)
      if (Either.isLeft(value)) {
        unrecognised.push(change.value)
        continue
      }
      const phoneNumberId = value.right.metadata.phone_number_id
      for (const raw of value.right.statuses ?? []) {
        const item = decodeStatus(raw)
        if (Either.isLeft(item)) {
          unrecognised.push(raw)
          continue
        }
        const s = item.right
        statuses.push({
          wamid: s.id,
          status: s.status,
          timestamp: EpochMillis.make(s.timestamp),
          recipientId: s.recipient_id,
          phoneNumberId,
          ...(s.errors === undefined
            ? {}
            : {
                errors: s.errors.map((e) => ({
                  code: e.code,
                  title: e.title,
                  ...(e.message === undefined ? {} : { message: e.message }),
                  ...(e.error_data?.details === undefined ? {} : { details: e.error_data.details })
                }))
              })
        })
      }
      for (const raw of value.right.messages ?? []) {
        const item = decodeMessage(raw)
        if (Either.isLeft(item)) {
          unrecognised.push(raw)
          continue
        }
        const m = item.right
        messages.push({
          wamid: m.id,
          from: m.from,
          timestamp: EpochMillis.make(m.timestamp),
          phoneNumberId,
          type: m.type,
          ...(m.type === "text" && m.text !== undefined ? { text: m.text.body } : {})
        })
      }
    }
    return { statuses, messages, unrecognised }
  })
