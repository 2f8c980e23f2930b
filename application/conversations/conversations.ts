/**
 * From chat to order (issue 14). The webhook stores each inbound message once and appends
 * CONVERSATION_MESSAGE_RECEIVED; the worker's `handleInbound` reads it with the rule-based parser
 * (domain/intake.ts) against the store's catalogue and the geography tree, keeps the draft on the
 * conversation and answers through the outbox (CONVERSATION_REPLY_QUEUED, sent by `sendReply`).
 *
 *   confident ORDER        -> a priced summary, "reply YES to pay" (draft PROPOSED)
 *   YES to a proposed one  -> the checkout (placeCheckout, Idempotency-Key `chat:<draft id>`), then
 *                             CONVERSATION_PAYMENT_REQUESTED, whose handler sends the STK push
 *   unsure ORDER, "agent"/"mtu", a second message we cannot read
 *                          -> the takeover queue (mode QUEUED): the store's staff answer, edit the
 *                             draft and confirm; their reply pauses automation (mode HUMAN) until
 *                             they release the conversation.
 * Every inbound message is answered, except while a person has the conversation.
 */
import { Clock, Effect, Either, Option } from "effect"
import { parseMessage } from "../../domain/intake.js"
import type { IntakeContext, ParsedMessage } from "../../domain/intake.js"
import { CheckoutId, EpochMillis, LocationId, UserId, VariantId } from "../../domain/ids.js"
import type { ProductId, StoreId } from "../../domain/ids.js"
import * as M from "../../domain/money.js"
import { priceCheckout } from "../../domain/pricing.js"
import { quoteShipping } from "../../domain/shipping.js"
import { AccountNotActive } from "../auth/auth.errors.js"
import { AuthStore } from "../auth/auth.port.js"
import { CheckoutStore, checkoutLine } from "../checkout/checkout.port.js"
import { cancelCheckout } from "../checkout/cancel-checkout.js"
import { defaultCheckoutSettings, placeCheckout } from "../checkout/place-checkout.js"
import { requestPayment } from "../payments/request-payment.js"
import type { InboundChatMessage } from "../ports/channel.js"
import { Channels } from "../ports/channel.js"
import { Ids } from "../ports/ids.js"
import { Outbox } from "../ports/outbox.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { sellerStore } from "../seller/seller.js"
import { SellerProductNotFound } from "../seller/seller.errors.js"
import { ChannelGone, ConversationNotFound, DraftIncomplete, DraftVariantUnknown } from "./conversation.errors.js"
import { ConversationStore, StkCallbackUrl } from "./conversation.port.js"
import type { Conversation, OrderDraft } from "./conversation.port.js"

/** Unreadable messages in a row before a person takes over. */
export const MAX_FAILED_PARSES = 2

export const TEXTS = {
  help: 'Karibu! Tell us what you would like, how many, and where to deliver (e.g. "nataka kitenge dress 2 delivery Sarit Centre"). Reply AGENT for a person.',
  queued: "Asante! A person from the shop will reply shortly. / Mtu wa duka atakujibu hivi punde.",
  declined: "Sawa, the order is cancelled. Write anytime to order again.",
  stopped: "Sawa, we will not message you again unless you write to us.",
  noDraft: "There is no order waiting for a YES. Tell us what you would like to order.",
  repriced: "The price has changed since our last message. / Bei imebadilika.",
  declineOnPhone:
    "The M-Pesa prompt for this order may still be on your phone: press Cancel there to cancel the order, or reply NO again in 2 minutes. / Bonyeza Cancel kwenye ombi la M-Pesa."
}

type Ctx = IntakeContext & { readonly titles: ReadonlyMap<string, string> }

const now = Effect.map(Clock.currentTimeMillis, EpochMillis.make)

const appendEvent = (type: string, conversationId: string, payload: Readonly<Record<string, unknown>>) =>
  Effect.flatMap(Outbox, (o) => o.append([{ type, aggregateType: "CONVERSATION", aggregateId: conversationId, payload }]))

/** Stores a reply (author BOT or a staff user id) and queues it for the channel. */
const queueReply = (c: Conversation, text: string, author: string) =>
  Effect.gen(function* () {
    const store = yield* ConversationStore
    const id = yield* Effect.flatMap(Ids, (ids) => ids.next("cmo"))
    yield* store.insertOutbound({ id, conversationId: c.id, channel: c.channel, body: text, author, at: yield* now })
    yield* appendEvent("CONVERSATION_REPLY_QUEUED", c.id, { messageId: id, conversationId: c.id })
    return id
  })

const toQueue = (c: Conversation, reason: string, at: number): Conversation =>
  c.mode === "AUTO" ? { ...c, mode: "QUEUED", queuedAt: at, queueReason: reason } : c

/**
 * Does the account the conversation came in on still serve its store? An admin may move an account
 * to another store (disconnect, connect): the store it left must not go on speaking through it.
 */
const accountServes = (c: Conversation) =>
  Effect.map(
    Effect.flatMap(ConversationStore, (s) => s.storeForAccount(c.channel, c.account)),
    (storeId) => Option.isSome(storeId) && storeId.value === c.storeId
  )

/** Refuses (ChannelGone) a staff action that would speak to the buyer through an account the store no longer holds. */
const ensureAccountServes = (c: Conversation) =>
  Effect.flatMap(accountServes(c), (serves) => (serves ? Effect.void : Effect.fail(new ChannelGone({ conversationId: c.id }))))

// --- inbound (webhook) ---

/** Stores each message once (by provider id) in its conversation; an account no store claims is skipped. */
export const receiveChatMessages = (messages: ReadonlyArray<InboundChatMessage>) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* ConversationStore
        const ids = yield* Ids
        let stored = 0
        let unrouted = 0
        for (const m of messages) {
          const storeId = yield* store.storeForAccount(m.channel, m.account)
          if (Option.isNone(storeId)) {
            unrouted++
            yield* Effect.logWarning("chat message to an account no store claims", { channel: m.channel, account: m.account })
            continue
          }
          const conversationId = yield* store.upsert({
            newId: yield* ids.next("cnv"),
            channel: m.channel,
            account: m.account,
            customer: m.customer,
            storeId: storeId.value,
            at: m.at
          })
          const id = yield* ids.next("cmi")
          const fresh = yield* store.insertInbound({
            id,
            conversationId,
            channel: m.channel,
            providerMessageId: m.providerMessageId,
            type: m.type,
            body: m.text,
            at: m.at
          })
          if (!fresh) continue
          stored++
          yield* appendEvent("CONVERSATION_MESSAGE_RECEIVED", conversationId, { messageId: id, conversationId })
        }
        return { stored, duplicates: messages.length - stored - unrouted, unrouted }
      })
    )
  }).pipe(Effect.withSpan("Conversations.receive"))

// --- the draft ---

/** The parse as a draft: lines with a known variant only (the rest are doubts). */
export const draftOf = (parsed: ParsedMessage, ctx: Ctx, previous: OrderDraft | undefined): OrderDraft => {
  const lines = parsed.lines.flatMap((l) =>
    l.variantId === undefined
      ? []
      : [{ variantId: l.variantId, productId: l.productId, title: ctx.titles.get(l.productId) ?? l.productId, quantity: l.quantity }]
  )
  const place = parsed.place?.value ?? previous?.destination
  return {
    lines: lines.length > 0 ? lines : (previous?.lines ?? []),
    destination: place,
    destinationName: place === undefined ? undefined : ctx.places.find((p) => p.id === place)?.name,
    phone: parsed.phone?.value ?? previous?.phone,
    doubts: parsed.doubts,
    confidence: parsed.confidence
  }
}

/** What is missing before the draft can become a checkout. */
const missingOf = (c: Conversation, draft: OrderDraft | undefined): ReadonlyArray<string> => [
  ...(draft === undefined || draft.lines.length === 0 ? ["no items"] : []),
  ...(draft?.destination === undefined ? ["no delivery place"] : []),
  ...(payerPhoneOf(c, draft) === undefined ? ["no phone for the M-Pesa prompt"] : [])
]

const payerPhoneOf = (c: Conversation, draft: OrderDraft | undefined) =>
  draft?.phone ?? (c.channel === "WHATSAPP" && /^254[17]\d{8}$/.test(c.customer) ? c.customer : undefined)

/** The user owning the phone (created as a BUYER when new, as login does). */
const userFor = (phone: string) =>
  Effect.gen(function* () {
    const auth = yield* AuthStore
    const newId = UserId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("usr")))
    return yield* auth.findOrCreateUser(phone, newId)
  })

const buyerFor = (phone: string) => Effect.map(userFor(phone), (u) => u.id)

/**
 * The buyer a chat's checkout is placed for: a suspended or banned user cannot log in to buy, and a
 * chat is not the way around it (AccountNotActive).
 */
const activeBuyerFor = (phone: string) =>
  Effect.flatMap(userFor(phone), (u) => (u.status === "ACTIVE" ? Effect.succeed(u.id) : Effect.fail(new AccountNotActive({ status: u.status }))))

/** Prices the draft as the checkout will (promotions, shipping to the destination). */
export const quoteDraft = (draft: OrderDraft, buyerId: UserId | undefined) =>
  Effect.gen(function* () {
    const checkout = yield* CheckoutStore
    const at = yield* now
    const catalogue = yield* checkout.loadCatalogue(draft.lines.map((l) => VariantId.make(l.variantId)))
    const byId = new Map(catalogue.map((c) => [c.variantId as string, c]))
    const lines = draft.lines.flatMap((l) => {
      const c = byId.get(l.variantId)
      return c === undefined || c.available < l.quantity ? [] : [checkoutLine(c, l.quantity)]
    })
    if (lines.length < draft.lines.length || draft.destination === undefined) return Either.left("an item is out of stock or no place is known")
    const destination = LocationId.make(draft.destination)
    const { promotions, geography, zones } = yield* checkout.loadPromotionsAndShipping(buyerId, at)
    return Either.mapLeft(
      priceCheckout({
        currency: defaultCheckoutSettings.currency,
        now: at,
        lines,
        promotions,
        code: undefined,
        quoteShipping: (r) => quoteShipping(geography, zones, { destination, totalWeightGrams: r.totalWeightGrams, discountedSubtotal: r.discountedSubtotal })
      }),
      (e) => `cannot price the draft: ${e._tag}`
    )
  })

export const summaryText = (draft: OrderDraft, q: { merchandiseDiscount: M.Money; shippingCost: M.Money; total: M.Money; charge: M.Money }) =>
  [
    ...draft.lines.map((l) => `${l.quantity} x ${l.title}`),
    `Delivery to ${draft.destinationName ?? draft.destination}: ${M.format(q.shippingCost)}`,
    ...(M.isZero(q.merchandiseDiscount) ? [] : [`Discount: -${M.format(q.merchandiseDiscount)}`]),
    `Total: ${M.format(q.charge)}`,
    "Reply YES to pay by M-Pesa. / Jibu YES kulipa kwa M-Pesa."
  ].join("\n")

/**
 * The checkout for the conversation's draft, idempotent per draft (`chat:<draft id>`), and the STK
 * push asked for (by an outbox event: the push is a network call, never made inside this transaction).
 */
const confirmDraft = (c: Conversation) =>
  Effect.gen(function* () {
    const draft = c.draft
    const missing = missingOf(c, draft)
    const phone = payerPhoneOf(c, draft)
    if (draft === undefined || c.draftId === undefined || phone === undefined || draft.destination === undefined || missing.length > 0)
      return yield* new DraftIncomplete({ missing: missing.length > 0 ? missing : ["no draft"] })
    const buyerId = yield* activeBuyerFor(phone)
    const summary = yield* placeCheckout({
      buyerId,
      idempotencyKey: `chat:${c.draftId}`,
      items: draft.lines.map((l) => ({ variantId: VariantId.make(l.variantId), quantity: l.quantity })),
      destination: LocationId.make(draft.destination),
      payerPhone: phone
    })
    if (summary.state === "PENDING_PAYMENT")
      yield* appendEvent("CONVERSATION_PAYMENT_REQUESTED", c.id, { conversationId: c.id, checkoutId: summary.checkoutId, buyerId, phone })
    const text = `Order placed: ${M.format(summary.charge)}. Check your phone and enter your M-Pesa PIN. / Weka PIN yako ya M-Pesa.`
    return { conversation: { ...c, draftState: "CONFIRMED" as const, checkoutId: summary.checkoutId, failedParses: 0 }, text, summary }
  })

// --- the worker: one inbound message ---

export const handleInbound = (messageId: string) =>
  Effect.gen(function* () {
    const store = yield* ConversationStore
    const ids = yield* Ids
    const message = yield* store.message(messageId)
    if (Option.isNone(message) || message.value.status !== "RECEIVED") return
    const locked = yield* store.lock(message.value.conversationId)
    if (Option.isNone(locked)) return
    const at = yield* now
    const c0 = locked.value
    const finish = (c: Conversation, reply: string | undefined) =>
      Effect.gen(function* () {
        yield* store.save(c, at)
        yield* store.setMessageStatus(messageId, "HANDLED", at)
        if (reply !== undefined) yield* queueReply(c, reply, "BOT")
      })

    // A person has it: automation is paused until they release it.
    if (c0.mode === "HUMAN") return yield* finish(c0, undefined)
    if (c0.mode === "QUEUED") return yield* finish(c0, TEXTS.queued)

    const ctx = yield* store.intakeContext(c0.storeId)
    const parsed: ParsedMessage | undefined =
      message.value.type === "text" && message.value.body !== undefined ? parseMessage(message.value.body, ctx, ctx.threshold) : undefined
    const failed = (c: Conversation, reason: string) =>
      c.failedParses + 1 >= MAX_FAILED_PARSES
        ? finish(toQueue({ ...c, failedParses: c.failedParses + 1 }, reason, at), TEXTS.queued)
        : finish({ ...c, failedParses: c.failedParses + 1 }, TEXTS.help)

    if (parsed === undefined) return yield* failed(c0, `a ${message.value.type} message the machine cannot read`)
    switch (parsed.intent) {
      case "AGENT":
        return yield* finish(toQueue(c0, "the buyer asked for a person", at), TEXTS.queued)
      case "STOP":
        return yield* finish({ ...c0, draft: undefined, draftId: undefined, draftState: undefined }, TEXTS.stopped)
      case "DECLINE": {
        if (c0.draftState !== "CONFIRMED" || c0.checkoutId === undefined)
          return yield* finish({ ...c0, draftState: c0.draftState === "PROPOSED" ? "OPEN" : c0.draftState }, TEXTS.declined)
        // A NO after the YES: the checkout exists and a prompt may be on the phone. "Cancelled" is said only once it is.
        const reopened: Conversation = { ...c0, draftState: "OPEN", checkoutId: undefined }
        const phone = payerPhoneOf(c0, c0.draft)
        if (phone === undefined) return yield* finish(toQueue(c0, "the buyer asked to cancel a placed order", at), TEXTS.queued)
        const cancelled = yield* Effect.either(cancelCheckout({ checkoutId: CheckoutId.make(c0.checkoutId), buyerId: yield* buyerFor(phone) }))
        if (Either.isRight(cancelled)) return yield* finish(reopened, TEXTS.declined)
        switch (cancelled.left._tag) {
          case "StoreUnavailable":
            return yield* Effect.fail(cancelled.left)
          case "CancelWhilePaying":
            return yield* finish(c0, TEXTS.declineOnPhone)
          // expired or already cancelled (the prompt declined): nothing is owed
          case "CheckoutNotCancellable":
            return yield* finish(reopened, TEXTS.declined)
          // paid: only the seller cancels it (with a full refund); a person answers
          default:
            return yield* finish(toQueue(c0, `the buyer asked to cancel a placed order: ${cancelled.left._tag}`, at), TEXTS.queued)
        }
      }
      case "GREETING":
        return yield* finish(c0, TEXTS.help)
      case "CONFIRM": {
        if (c0.draftState !== "PROPOSED") return yield* failed(c0, "a YES with no order waiting")
        // The YES consents to the total the summary said: priced again now, another total is proposed anew, never charged.
        const proposed = c0.draft
        if (proposed?.quoted !== undefined) {
          const phone = payerPhoneOf(c0, proposed)
          const again = yield* quoteDraft(proposed, phone === undefined ? undefined : yield* buyerFor(phone))
          if (Either.isLeft(again)) return yield* finish(toQueue(c0, again.left, at), TEXTS.queued)
          if (!M.equals(again.right.charge, proposed.quoted))
            return yield* finish({ ...c0, draft: { ...proposed, quoted: again.right.charge } }, `${TEXTS.repriced}\n${summaryText(proposed, again.right)}`)
        }
        const confirmed = yield* Effect.either(confirmDraft(c0))
        if (Either.isLeft(confirmed)) {
          const e = confirmed.left
          if (e._tag === "StoreUnavailable") return yield* Effect.fail(e)
          return yield* finish(toQueue(c0, `the checkout failed: ${e._tag}`, at), TEXTS.queued)
        }
        return yield* finish(confirmed.right.conversation, confirmed.right.text)
      }
      case "ORDER": {
        const draft = draftOf(parsed, ctx, c0.draftState === "CONFIRMED" ? undefined : c0.draft)
        const c1: Conversation = { ...c0, draft, draftId: yield* ids.next("drf"), draftState: "OPEN", checkoutId: undefined, failedParses: 0 }
        const missing = missingOf(c1, draft)
        if (!parsed.confident || missing.length > 0)
          return yield* finish(toQueue(c1, [...parsed.doubts, ...missing].join("; ") || "the machine is unsure", at), TEXTS.queued)
        const phone = payerPhoneOf(c1, draft)
        const quote = yield* quoteDraft(draft, phone === undefined ? undefined : yield* buyerFor(phone))
        if (Either.isLeft(quote)) return yield* finish(toQueue(c1, quote.left, at), TEXTS.queued)
        return yield* finish({ ...c1, draft: { ...draft, quoted: quote.right.charge }, draftState: "PROPOSED" }, summaryText(draft, quote.right))
      }
      default:
        return yield* failed(c0, `the machine could not read: ${parsed.intent}`)
    }
  }).pipe(Effect.withSpan("Conversations.handleInbound"))

// --- the worker: a reply leaves; the STK push ---

/** Sends a queued reply once: a reply already SENT (a redelivered event) is not sent again. */
export const sendReply = (messageId: string) =>
  Effect.gen(function* () {
    const store = yield* ConversationStore
    const message = yield* store.message(messageId)
    if (Option.isNone(message) || message.value.status !== "QUEUED" || message.value.body === undefined) return
    const c = yield* store.find(message.value.conversationId)
    if (Option.isNone(c)) return
    // queued before the account left the store (a retry, a busy queue): it must not leave from another store's account
    if (!(yield* accountServes(c.value)))
      return yield* store.setMessageStatus(messageId, "FAILED", yield* now, { error: "the chat account no longer serves this store" })
    const channels = yield* Channels
    const sent = yield* Effect.either(
      channels.send({ channel: c.value.channel, account: c.value.account, customer: c.value.customer, text: message.value.body, dedupeKey: messageId })
    )
    const at = yield* now
    if (Either.isLeft(sent)) {
      if (sent.left._tag === "ChannelRetryLater") return yield* Effect.fail(sent.left)
      return yield* store.setMessageStatus(messageId, "FAILED", at, { error: sent.left.detail })
    }
    yield* store.setMessageStatus(messageId, "SENT", at, { providerMessageId: sent.right.providerMessageId })
  }).pipe(Effect.withSpan("Conversations.sendReply"))

/**
 * The STK push for a checkout a conversation created. Its own transactions (Daraja is called
 * between them). A checkout already paid, a prompt still on the phone: nothing to do. A refused
 * push sends the conversation to a person.
 */
export const requestChatPayment = (p: { readonly conversationId: string; readonly checkoutId: string; readonly buyerId: string; readonly phone: string }) =>
  Effect.gen(function* () {
    const callbackUrl = yield* Effect.flatten(StkCallbackUrl)
    const pushed = yield* Effect.either(
      requestPayment({ checkoutId: CheckoutId.make(p.checkoutId), buyerId: UserId.make(p.buyerId), phone: p.phone, callbackUrl })
    )
    if (Either.isRight(pushed)) return
    const e = pushed.left
    if (e._tag === "StoreUnavailable" || e._tag === "GatewayUnavailable") return yield* Effect.fail(e)
    if (e._tag === "CheckoutNotPayable" || e._tag === "PaymentInProgress") return
    const uow = yield* UnitOfWork
    yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* ConversationStore
        const c = yield* store.lock(p.conversationId)
        if (Option.isNone(c)) return
        const at = yield* now
        const queued = toQueue(c.value, `the M-Pesa prompt could not be sent: ${e._tag}`, at)
        yield* store.save(queued, at)
        yield* queueReply(queued, TEXTS.queued, "BOT")
      })
    )
  }).pipe(Effect.withSpan("Conversations.requestPayment"))

// --- the store's staff ---

const ownConversation = (storeId: StoreId, conversationId: string, lock: boolean) =>
  Effect.gen(function* () {
    const store = yield* ConversationStore
    const found = yield* lock ? store.lock(conversationId) : store.find(conversationId)
    if (Option.isNone(found) || found.value.storeId !== storeId) return yield* new ConversationNotFound({ conversationId })
    return found.value
  })

const withWait = (at: number) => (c: Conversation) => ({
  ...c,
  waitingSeconds: c.queuedAt === undefined ? 0 : Math.max(0, Math.floor((at - c.queuedAt) / 1000))
})

/** The store's takeover queue: conversations waiting for (QUEUED) or held by (HUMAN) a person, oldest first. */
export const storeQueue = (userId: UserId) =>
  Effect.gen(function* () {
    const { storeId } = yield* sellerStore(userId)
    const at = yield* now
    return (yield* Effect.flatMap(ConversationStore, (s) => s.queue(storeId))).map(withWait(at))
  })

export const viewConversation = (userId: UserId, conversationId: string) =>
  Effect.gen(function* () {
    const { storeId } = yield* sellerStore(userId)
    const c = yield* ownConversation(storeId, conversationId, false)
    const messages = yield* Effect.flatMap(ConversationStore, (s) => s.messages(c.id))
    return { ...withWait(yield* now)(c), messages }
  })

const staffChange = <A, E, R>(userId: UserId, conversationId: string, change: (c: Conversation, at: number) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const { storeId } = yield* sellerStore(userId)
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const c = yield* ownConversation(storeId, conversationId, true)
        return yield* change(c, yield* now)
      })
    )
  })

const human = (c: Conversation, at: number): Conversation => ({
  ...c,
  mode: "HUMAN",
  queuedAt: c.queuedAt ?? at,
  queueReason: c.queueReason ?? "a person replied"
})

/** A staff member's reply: it leaves through the outbox, and automation pauses until released. */
export const staffReply = (userId: UserId, conversationId: string, text: string) =>
  staffChange(userId, conversationId, (c, at) =>
    Effect.gen(function* () {
      yield* ensureAccountServes(c)
      const next = human(c, at)
      yield* Effect.flatMap(ConversationStore, (s) => s.save(next, at))
      const messageId = yield* queueReply(next, text, userId)
      return { messageId }
    })
  )

/** The staff's corrected draft: lines of the store's verified variants, a place, optionally a phone. A new draft id (a new checkout on confirm). */
export const editDraft = (
  userId: UserId,
  conversationId: string,
  edit: {
    readonly lines: ReadonlyArray<{ readonly variantId: string; readonly quantity: number }>
    readonly destination: string
    readonly phone?: string | undefined
  }
) =>
  staffChange(userId, conversationId, (c, at) =>
    Effect.gen(function* () {
      const store = yield* ConversationStore
      const ctx = yield* store.intakeContext(c.storeId)
      const lines = []
      for (const l of edit.lines) {
        const entry = ctx.catalogue.find((e) => e.variants.some((v) => v.variantId === l.variantId))
        if (entry === undefined) return yield* new DraftVariantUnknown({ variantId: l.variantId })
        lines.push({ variantId: l.variantId, productId: entry.productId, title: entry.title, quantity: l.quantity })
      }
      const draft: OrderDraft = {
        lines,
        destination: edit.destination,
        destinationName: ctx.places.find((p) => p.id === edit.destination)?.name,
        phone: edit.phone ?? c.draft?.phone,
        doubts: [],
        confidence: 1
      }
      const next: Conversation = {
        ...human(c, at),
        draft,
        draftId: yield* Effect.flatMap(Ids, (ids) => ids.next("drf")),
        draftState: "OPEN",
        checkoutId: undefined
      }
      yield* store.save(next, at)
      return next
    })
  )

/** Confirms the draft for the buyer: the checkout is created and the M-Pesa prompt sent to the chat's phone. */
export const staffConfirm = (userId: UserId, conversationId: string) =>
  staffChange(userId, conversationId, (c, at) =>
    Effect.gen(function* () {
      yield* ensureAccountServes(c)
      const confirmed = yield* confirmDraft(human(c, at))
      yield* Effect.flatMap(ConversationStore, (s) => s.save(confirmed.conversation, at))
      yield* queueReply(confirmed.conversation, confirmed.text, userId)
      return confirmed.summary
    })
  )

/** Hands the conversation back to the machine. */
export const releaseConversation = (userId: UserId, conversationId: string) =>
  staffChange(userId, conversationId, (c, at) =>
    Effect.gen(function* () {
      const next: Conversation = { ...c, mode: "AUTO", queuedAt: undefined, queueReason: undefined, failedParses: 0 }
      yield* Effect.flatMap(ConversationStore, (s) => s.save(next, at))
      return next
    })
  )

/** The names buyers use for a product in chats (replacing the list); the parser matches them like the title. */
export const setProductAliases = (userId: UserId, productId: ProductId, aliases: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const { storeId } = yield* sellerStore(userId)
    const uow = yield* UnitOfWork
    const cleaned = [...new Set(aliases.map((a) => a.trim().toLowerCase()).filter((a) => a !== ""))]
    const found = yield* uow.transaction(Effect.flatMap(ConversationStore, (s) => s.setAliases(storeId, productId, cleaned)))
    if (!found) return yield* new SellerProductNotFound({ productId })
    return { productId: productId as string, aliases: cleaned }
  })
