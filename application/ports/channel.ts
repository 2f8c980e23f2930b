/**
 * Channel: where buyers chat with a store (WhatsApp, Instagram). Inbound messages arrive by the
 * providers' webhooks (the HTTP adapter decodes them into InboundChatMessage); replies leave through
 * `send`, called only by the outbox handler that delivers a queued reply. Free text is allowed only
 * within the provider's customer-service window (24 hours after the customer's last message), which
 * a reply to an inbound message always is.
 */
import { Context, Data } from "effect"
import type { Effect } from "effect"

export type ChannelName = "WHATSAPP" | "INSTAGRAM"

export interface InboundChatMessage {
  readonly channel: ChannelName
  /** the business account written to: a WhatsApp phone number id, an Instagram account id */
  readonly account: string
  /** the customer: a phone (WhatsApp, 2547...) or an Instagram-scoped id */
  readonly customer: string
  /** the provider's message id (wamid, mid): a message is stored once per id */
  readonly providerMessageId: string
  readonly at: number
  /** "text", "image", "audio", ...: only text is parsed */
  readonly type: string
  readonly text?: string | undefined
}

export interface OutboundChatMessage {
  readonly channel: ChannelName
  readonly account: string
  readonly customer: string
  readonly text: string
  /** the stored reply's id: a retried handler never sends the same reply twice */
  readonly dedupeKey: string
}

export class ChannelRetryLater extends Data.TaggedError("ChannelRetryLater")<{ readonly detail: string }> {
  readonly code = "CHANNEL.RETRY_LATER"
}
export class ChannelUndeliverable extends Data.TaggedError("ChannelUndeliverable")<{ readonly detail: string }> {
  readonly code = "CHANNEL.UNDELIVERABLE"
}

export class Channels extends Context.Tag("amana/Channels")<
  Channels,
  {
    readonly send: (message: OutboundChatMessage) => Effect.Effect<{ readonly providerMessageId: string }, ChannelRetryLater | ChannelUndeliverable>
  }
>() {}
