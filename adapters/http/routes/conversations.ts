/** /api/v1/seller/conversations: the store's chat takeover queue (issue 14): read, reply, fix the draft, confirm, release; and the chat names of a product. */
import { Effect, Schema } from "effect"
import {
  editDraft,
  releaseConversation,
  setProductAliases,
  staffConfirm,
  staffReply,
  storeQueue,
  viewConversation
} from "../../../application/conversations/conversations.js"
import type { Conversation } from "../../../application/conversations/conversation.port.js"
import { chatSettings, setChatSettings } from "../../../application/conversations/chat-settings.js"
import { endpoint, me } from "../endpoint.js"
import { IdParam, Instant, Money, Phone, ProductIdParam, WireLocationId, WireVariantId } from "../wire.js"

const ChatSettings = Schema.Struct({
  confidenceThreshold: Schema.Number.pipe(Schema.between(0.5, 0.99)).annotations({ description: "0.50 to 0.99" })
}).annotations({ identifier: "ChatSettings" })

const Draft = Schema.Struct({
  lines: Schema.Array(Schema.Struct({ variantId: Schema.String, productId: Schema.String, title: Schema.String, quantity: Schema.Int })),
  destination: Schema.optional(Schema.String),
  destinationName: Schema.optional(Schema.String),
  phone: Schema.optional(Schema.String),
  doubts: Schema.Array(Schema.String),
  confidence: Schema.Number
}).annotations({ identifier: "OrderDraft" })

const ConversationView = Schema.Struct({
  id: Schema.String,
  channel: Schema.Literal("WHATSAPP", "INSTAGRAM"),
  customer: Schema.String,
  storeId: Schema.String,
  mode: Schema.Literal("AUTO", "QUEUED", "HUMAN").annotations({
    description: "AUTO: the machine answers; QUEUED: waiting for a person; HUMAN: a person replied (automation paused until released)"
  }),
  queuedAt: Schema.optional(Instant),
  queueReason: Schema.optional(Schema.String),
  waitingSeconds: Schema.Int.annotations({ description: "since the conversation was queued (0 when it is not)" }),
  draft: Schema.optional(Draft),
  draftState: Schema.optional(Schema.Literal("OPEN", "PROPOSED", "CONFIRMED")),
  checkoutId: Schema.optional(Schema.String),
  lastMessage: Schema.optional(Schema.String)
}).annotations({ identifier: "Conversation" })

const ChatMessage = Schema.Struct({
  id: Schema.String,
  direction: Schema.Literal("IN", "OUT"),
  type: Schema.String,
  body: Schema.optional(Schema.String),
  author: Schema.optional(Schema.String),
  status: Schema.String,
  at: Instant
})

const view = (c: Conversation & { readonly waitingSeconds: number; readonly lastMessage?: string | undefined }) => ({
  id: c.id,
  channel: c.channel,
  customer: c.customer,
  storeId: c.storeId as string,
  mode: c.mode,
  queuedAt: c.queuedAt,
  queueReason: c.queueReason,
  waitingSeconds: c.waitingSeconds,
  draft: c.draft,
  draftState: c.draftState,
  checkoutId: c.checkoutId,
  lastMessage: c.lastMessage
})

const Text = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(4_096))

export const conversationRoutes = [
  endpoint({
    method: "get",
    path: "/api/v1/seller/conversations",
    tag: "Seller",
    summary: "The store's chat takeover queue: conversations waiting for a person or held by one, oldest first, with the wait time",
    auth: "required",
    response: Schema.Struct({ items: Schema.Array(ConversationView) }),
    errors: [401, 403],
    handler: ({ ctx }) => Effect.map(storeQueue(me(ctx).user.id), (items) => ({ items: items.map(view) }))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/seller/conversations/:id",
    tag: "Seller",
    summary: "A conversation with its messages and order draft",
    auth: "required",
    params: IdParam,
    response: Schema.extend(ConversationView, Schema.Struct({ messages: Schema.Array(ChatMessage) })),
    errors: [400, 401, 403, 404],
    handler: ({ params, ctx }) =>
      Effect.map(viewConversation(me(ctx).user.id, params.id), (c) => ({
        ...view(c),
        messages: c.messages.map((m) => ({ id: m.id, direction: m.direction, type: m.type, body: m.body, author: m.author, status: m.status, at: m.at }))
      }))
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/conversations/:id/messages",
    tag: "Seller",
    summary: "Reply to the buyer as the store: sent through the chat's channel; automation pauses for this conversation until released",
    auth: "required",
    params: IdParam,
    body: Schema.Struct({ text: Text }),
    status: 202,
    response: Schema.Struct({ messageId: Schema.String }),
    errors: [400, 401, 403, 404, 409],
    handler: ({ params, body, ctx }) => staffReply(me(ctx).user.id, params.id, body.text)
  }),
  endpoint({
    method: "put",
    path: "/api/v1/seller/conversations/:id/draft",
    tag: "Seller",
    summary: "Replace the order draft: the store's verified variants, the delivery place, optionally the phone the M-Pesa prompt goes to",
    description: "A new draft (confirming it creates a new checkout). Without `phone` the draft keeps the phone it had, else the WhatsApp number.",
    auth: "required",
    params: IdParam,
    body: Schema.Struct({
      lines: Schema.Array(Schema.Struct({ variantId: WireVariantId, quantity: Schema.Int.pipe(Schema.between(1, 99)) })).pipe(
        Schema.minItems(1),
        Schema.maxItems(50)
      ),
      destination: WireLocationId,
      phone: Schema.optional(Phone)
    }),
    response: ConversationView,
    errors: [400, 401, 403, 404, 422],
    handler: ({ params, body, ctx }) => Effect.map(editDraft(me(ctx).user.id, params.id, body), (c) => view({ ...c, waitingSeconds: 0 }))
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/conversations/:id/confirm",
    tag: "Seller",
    summary: "Confirm the draft for the buyer: the checkout is created (once per draft) and the M-Pesa prompt sent to the chat's phone",
    auth: "required",
    params: IdParam,
    status: 201,
    response: Schema.Struct({ checkoutId: Schema.String, state: Schema.String, total: Money, charge: Money, payerPhone: Schema.String }),
    errors: [400, 401, 403, 404, 409, 422, 429, 503],
    handler: ({ params, ctx }) =>
      Effect.map(staffConfirm(me(ctx).user.id, params.id), (s) => ({
        checkoutId: s.checkoutId as string,
        state: s.state,
        total: s.total,
        charge: s.charge,
        payerPhone: s.payerPhone
      }))
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/conversations/:id/release",
    tag: "Seller",
    summary: "Hand the conversation back to the machine (it leaves the queue)",
    auth: "required",
    params: IdParam,
    response: ConversationView,
    errors: [400, 401, 403, 404],
    handler: ({ params, ctx }) => Effect.map(releaseConversation(me(ctx).user.id, params.id), (c) => view({ ...c, waitingSeconds: 0 }))
  }),
  endpoint({
    method: "put",
    path: "/api/v1/seller/products/:id/aliases",
    tag: "Seller",
    summary: 'Set the names buyers use for a product in chats ("shuka", "akala"): the chat parser matches them like the title',
    description: "Replaces the list; names are trimmed and lower-cased, duplicates dropped.",
    auth: "required",
    params: ProductIdParam,
    body: Schema.Struct({ aliases: Schema.Array(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(60))).pipe(Schema.maxItems(20)) }),
    response: Schema.Struct({ productId: Schema.String, aliases: Schema.Array(Schema.String) }),
    errors: [400, 401, 403, 404],
    handler: ({ params, body, ctx }) => setProductAliases(me(ctx).user.id, params.id, body.aliases)
  }),
  endpoint({
    method: "get",
    path: "/api/v1/seller/store/chat-settings",
    tag: "Seller",
    summary: "How far the chat bot may act alone: the confidence a parsed chat order needs to be put to the buyer without a person",
    auth: "required",
    response: ChatSettings,
    errors: [401, 403],
    handler: ({ ctx }) => chatSettings(me(ctx).user.id)
  }),
  endpoint({
    method: "put",
    path: "/api/v1/seller/store/chat-settings",
    tag: "Seller",
    summary: "Set the chat bot's confidence threshold (OWNER only)",
    description:
      '0.50 to 0.99 (two decimals; default 0.80). At or above it a parsed chat order gets the priced summary and "reply YES to pay"; below it the conversation goes to the takeover queue.',
    auth: "required",
    body: ChatSettings,
    response: ChatSettings,
    errors: [400, 401, 403],
    handler: ({ body, ctx }) => setChatSettings(me(ctx).user.id, body.confidenceThreshold)
  })
]
