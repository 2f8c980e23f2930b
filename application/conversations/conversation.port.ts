/**
 * Conversations: one customer on one channel with one store, its messages (each inbound stored
 * once, by the provider's message id) and its order draft. Which store an account speaks for is
 * `channel_accounts` (a WhatsApp phone number id, an Instagram account id -> a store).
 */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { IntakeContext } from "../../domain/intake.js"
import type { StoreId } from "../../domain/ids.js"
import type { Money } from "../../domain/money.js"
import type { ChannelName } from "../ports/channel.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export type ConversationMode = "AUTO" | "QUEUED" | "HUMAN"
export type DraftState = "OPEN" | "PROPOSED" | "CONFIRMED"

export interface DraftLine {
  readonly variantId: string
  readonly productId: string
  readonly title: string
  readonly quantity: number
}

export interface OrderDraft {
  readonly lines: ReadonlyArray<DraftLine>
  /** a location id of the geography tree */
  readonly destination?: string | undefined
  readonly destinationName?: string | undefined
  /** 2547XXXXXXXX: where the M-Pesa prompt goes (else the WhatsApp number itself) */
  readonly phone?: string | undefined
  /** what the parser was unsure of, for the person who takes over */
  readonly doubts: ReadonlyArray<string>
  readonly confidence: number
  /** the total the bot's summary asked for ("Reply YES to pay"): the YES consents to this amount only */
  readonly quoted?: Money | undefined
}

export interface Conversation {
  readonly id: string
  readonly channel: ChannelName
  readonly account: string
  readonly customer: string
  readonly storeId: StoreId
  readonly mode: ConversationMode
  readonly queuedAt: number | undefined
  readonly queueReason: string | undefined
  readonly failedParses: number
  readonly draft: OrderDraft | undefined
  readonly draftId: string | undefined
  readonly draftState: DraftState | undefined
  readonly checkoutId: string | undefined
  readonly lastInboundAt: number | undefined
  readonly createdAt: number
}

export interface ChatMessage {
  readonly id: string
  readonly conversationId: string
  readonly direction: "IN" | "OUT"
  readonly type: string
  readonly body: string | undefined
  readonly author: string | undefined
  readonly status: "RECEIVED" | "HANDLED" | "QUEUED" | "SENT" | "FAILED"
  readonly at: number
}

export interface QueuedConversation extends Conversation {
  readonly lastMessage: string | undefined
}

export class ConversationStore extends Context.Tag("amana/ConversationStore")<
  ConversationStore,
  {
    readonly storeForAccount: (channel: ChannelName, account: string) => Effect.Effect<Option.Option<StoreId>, StoreUnavailable>
    /** Routes the account's chats to the store (row-locked check first with storeForAccount). */
    readonly connectAccount: (channel: ChannelName, account: string, storeId: StoreId, at: number) => Effect.Effect<void, StoreUnavailable>
    /** true when the account was connected to this store and now is not */
    readonly disconnectAccount: (channel: ChannelName, account: string, storeId: StoreId) => Effect.Effect<boolean, StoreUnavailable>
    /** the conversation's id, created when new */
    readonly upsert: (c: {
      readonly newId: string
      readonly channel: ChannelName
      readonly account: string
      readonly customer: string
      readonly storeId: StoreId
      readonly at: number
    }) => Effect.Effect<string, StoreUnavailable>
    /** false when this provider message id was stored before (a redelivery) */
    readonly insertInbound: (m: {
      readonly id: string
      readonly conversationId: string
      readonly channel: ChannelName
      readonly providerMessageId: string
      readonly type: string
      readonly body: string | undefined
      readonly at: number
    }) => Effect.Effect<boolean, StoreUnavailable>
    readonly insertOutbound: (m: {
      readonly id: string
      readonly conversationId: string
      readonly channel: ChannelName
      readonly body: string
      readonly author: string
      readonly at: number
    }) => Effect.Effect<void, StoreUnavailable>
    readonly message: (id: string) => Effect.Effect<Option.Option<ChatMessage>, StoreUnavailable>
    /** locks the conversation row (for update) */
    readonly lock: (conversationId: string) => Effect.Effect<Option.Option<Conversation>, StoreUnavailable>
    readonly find: (conversationId: string) => Effect.Effect<Option.Option<Conversation>, StoreUnavailable>
    readonly save: (c: Conversation, at: number) => Effect.Effect<void, StoreUnavailable>
    readonly setMessageStatus: (
      id: string,
      status: ChatMessage["status"],
      at: number,
      extra?: { readonly providerMessageId?: string; readonly error?: string }
    ) => Effect.Effect<void, StoreUnavailable>
    /** the newest 500 messages, oldest first */
    readonly messages: (conversationId: string) => Effect.Effect<ReadonlyArray<ChatMessage>, StoreUnavailable>
    /** conversations waiting for or handled by people, oldest first; every store's when storeId is undefined */
    readonly queue: (storeId: StoreId | undefined) => Effect.Effect<ReadonlyArray<QueuedConversation>, StoreUnavailable>
    /** the store's verified products (with the seller's aliases) and the geography tree */
    /** The store's catalogue and the places for the parser, and the store's confidence threshold (0.50-0.99). */
    readonly intakeContext: (
      storeId: StoreId
    ) => Effect.Effect<IntakeContext & { readonly titles: ReadonlyMap<string, string>; readonly threshold: number }, StoreUnavailable>
    /** Row-locked: the store's current threshold. */
    readonly lockChatThreshold: (storeId: StoreId) => Effect.Effect<number, StoreUnavailable>
    readonly setChatThreshold: (storeId: StoreId, threshold: number) => Effect.Effect<void, StoreUnavailable>
    /** false when the store has no such product */
    readonly setAliases: (storeId: StoreId, productId: string, aliases: ReadonlyArray<string>) => Effect.Effect<boolean, StoreUnavailable>
  }
>() {}

/** Where Daraja posts the result of an STK push the conversation asks for. */
export class StkCallbackUrl extends Context.Tag("amana/StkCallbackUrl")<StkCallbackUrl, Effect.Effect<string>>() {}
