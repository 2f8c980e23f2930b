/**
 * The Cloud API's send protocol as data (shared/protocols/WHATSAPP.md): the request body, the 200
 * reply, the error envelope, and what each error means for us. Pure: no I/O here.
 */
import { Either, Option, Schema } from "effect"
import type { OutboundMessage } from "../../application/ports/notifier.js"
import { NotifierRetryLater, NotifierUndeliverable } from "../../application/ports/notifier.js"
import { TEMPLATE_LANGUAGE } from "../../application/notifications/templates.js"

/** `POST <base>/<phone number id>/messages` body for a template message. */
export const templateMessageBody = (message: OutboundMessage) => ({
  messaging_product: "whatsapp",
  recipient_type: "individual",
  to: message.to,
  type: "template",
  template: {
    name: message.template,
    language: { code: TEMPLATE_LANGUAGE },
    components: [{ type: "body", parameters: message.params.map((text) => ({ type: "text", text })) }]
  }
})

export const SendReply = Schema.Struct({
  messaging_product: Schema.Literal("whatsapp"),
  contacts: Schema.optional(Schema.Array(Schema.Struct({ input: Schema.String, wa_id: Schema.String }))),
  messages: Schema.NonEmptyArray(Schema.Struct({ id: Schema.NonEmptyString }))
})

export const ErrorEnvelope = Schema.Struct({
  error: Schema.Struct({
    message: Schema.String,
    type: Schema.optional(Schema.String),
    code: Schema.Number,
    error_subcode: Schema.optional(Schema.Number),
    error_data: Schema.optional(Schema.Struct({ messaging_product: Schema.optional(Schema.String), details: Schema.optional(Schema.String) })),
    fbtrace_id: Schema.optional(Schema.String)
  })
})

/** Codes that say "not now": throttling and Meta-side outages. */
const RETRY_LATER_CODES: ReadonlySet<number> = new Set([
  1, // API unknown (transient)
  2, // API service (temporary downtime)
  4, // application request limit
  80007, // WhatsApp Business Account rate limit
  130429, // throughput rate limit
  131000, // something went wrong
  131016, // service unavailable
  131056, // too many messages to the same recipient
  133004 // server temporarily unavailable
])
/** Codes that mean our request was malformed: a bug to fix, not a condition to retry. */
const BAD_REQUEST_CODES: ReadonlySet<number> = new Set([100, 131008, 131009])

const parseRetryAfter = (header: string | undefined): number | undefined => {
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined
  return Number(header.trim()) * 1_000
}

/**
 * What a non-2xx reply means for the caller. Decided on the error `code` (the HTTP status only
 * when the body is not the documented envelope): NotifierRetryLater means the outbox retries;
 * NotifierUndeliverable means do not retry this channel (the caller falls back to SMS or opens an
 * exception).
 */
export const classifyFailure = (httpStatus: number, body: unknown, retryAfterHeader?: string): NotifierRetryLater | NotifierUndeliverable => {
  const retryAfterMs = parseRetryAfter(retryAfterHeader)
  const retryLater = (detail: string) => new NotifierRetryLater(retryAfterMs === undefined ? { detail } : { detail, retryAfterMs })
  const envelope = Schema.decodeUnknownOption(ErrorEnvelope)(body)
  if (Option.isNone(envelope)) {
    if (httpStatus === 429 || httpStatus >= 500) return retryLater(`WhatsApp answered HTTP ${httpStatus}`)
    return new NotifierUndeliverable({ detail: `WhatsApp answered HTTP ${httpStatus} without the documented error envelope` })
  }
  const { code, message, error_data } = envelope.value.error
  const said = `${message}${error_data?.details !== undefined ? ` — ${error_data.details}` : ""}`
  const providerCode = String(code)
  if (RETRY_LATER_CODES.has(code) || httpStatus === 429) return retryLater(`WhatsApp rate limit or outage (${code}): ${said}`)
  if (code === 131026) {
    return new NotifierUndeliverable({
      providerCode,
      detail: `WhatsApp cannot deliver to this number (131026: not on WhatsApp, old app, or has not accepted the terms): ${said}`
    })
  }
  if (code === 131047) {
    return new NotifierUndeliverable({
      providerCode,
      detail: `WhatsApp refused with 131047 (24-hour window closed), but we only send templates: check the template is approved: ${said}`
    })
  }
  if (BAD_REQUEST_CODES.has(code)) {
    return new NotifierUndeliverable({ providerCode, detail: `bug: WhatsApp refused our request as invalid (${code}); fix the request or template: ${said}` })
  }
  if (httpStatus >= 500) return retryLater(`WhatsApp answered HTTP ${httpStatus} (${code}): ${said}`)
  return new NotifierUndeliverable({ providerCode, detail: `WhatsApp refused the message (${code}): ${said}` })
}

/** The wamid from a 200 reply, or why there is none. */
export const messageIdOf = (body: unknown): Either.Either<string, NotifierUndeliverable> =>
  Either.mapBoth(Schema.decodeUnknownEither(SendReply)(body), {
    onLeft: () => new NotifierUndeliverable({ detail: "bug: WhatsApp answered 2xx without the documented messages[0].id" }),
    onRight: (reply) => reply.messages[0].id
  })
