/**
 * Merchant webhooks: ORDER_CREATED, ORDER_PAID, ORDER_CANCELLED and PRODUCT_UPDATED, delivered from
 * the outbox to the store's registered endpoint.
 *
 *   POST <url>   body {"id": <event id>, "type", "createdAt": <epoch ms>, "data": {...}}
 *   X-Amana-Event: <type>   X-Amana-Delivery: <delivery id>   X-Amana-Timestamp: <unix seconds>
 *   X-Amana-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *
 * The receiver recomputes the HMAC over the timestamp and the raw body, compares in constant time and
 * refuses timestamps more than 5 minutes old (replay); `id` lets it ignore a redelivery. A non-2xx
 * answer or no answer is retried with backoff (MAX_ATTEMPTS in all, about 21 hours), and every
 * attempt is in the delivery log the seller can read.
 */
import { StoreId } from "../../domain/ids.js"
import type { UserId } from "../../domain/ids.js"
import { Clock, Effect, Option, Schema } from "effect"
import { sellerWith } from "../seller/seller.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { WebhookStore, WebhookTransport } from "./webhook.port.js"
import type { WebhookEventType } from "./webhook.port.js"

export const MAX_ATTEMPTS = 8

/** What the seller's log says about an answer that was not 2xx: its class only. */
export const answerText = (status: number): string =>
  status >= 300 && status < 400 ? "redirects are not followed (HTTP 3xx)" : `HTTP ${Math.floor(status / 100)}xx`

/** Wait before attempt `n + 1` after `n` failed attempts: 30 s × 4^(n−1), at most 6 hours. */
export const backoffMs = (failedAttempts: number): number => Math.min(6 * 3_600_000, 30_000 * 4 ** Math.max(0, failedAttempts - 1))

/** Which outbox events become which webhook (undefined: none). */
export const webhookTypeOf = (eventType: string): WebhookEventType | undefined => {
  switch (eventType) {
    case "ORDER_CREATED":
      return "ORDER_CREATED"
    case "ORDER_PAID":
      return "ORDER_PAID"
    // every way an order ends before it ships
    case "ORDER_CANCELLED":
    case "ORDER_CANCELLED_BY_USER":
    case "ORDER_EXPIRED":
      return "ORDER_CANCELLED"
    case "PRODUCT_UPDATED":
    case "PRODUCT_VERIFIED":
    case "PRODUCT_REJECTED":
    case "PRODUCT_SUSPENDED":
    case "PRODUCT_PENDING_REVIEW":
      return "PRODUCT_UPDATED"
    default:
      return undefined
  }
}

export const WEBHOOK_SOURCE_EVENTS = [
  "ORDER_CREATED",
  "ORDER_PAID",
  "ORDER_CANCELLED",
  "ORDER_CANCELLED_BY_USER",
  "ORDER_EXPIRED",
  "PRODUCT_UPDATED",
  "PRODUCT_VERIFIED",
  "PRODUCT_REJECTED",
  "PRODUCT_SUSPENDED",
  "PRODUCT_PENDING_REVIEW"
]

// Internal bookkeeping never leaves the platform.
const PRIVATE_KEYS = new Set(["actor", "buyerId", "adminId", "adminRole", "auditSeq", "checkoutId"])

type SourceEvent = { readonly type: string; readonly payload: Readonly<Record<string, unknown>> }

/** Where an event goes: its merchant type, its store and that store's URL; none when it gives no webhook. */
const targetOf = (event: SourceEvent) =>
  Effect.gen(function* () {
    const type = webhookTypeOf(event.type)
    const storeId = Option.getOrUndefined(Schema.decodeUnknownOption(StoreId)(event.payload["storeId"]))
    if (type === undefined || storeId === undefined) return Option.none()
    const endpoint = yield* Effect.flatMap(WebhookStore, (store) => store.endpointOf(storeId))
    return Option.map(endpoint, (e) => ({ type, storeId, url: e.url }))
  })

/** The store an event gives a webhook for (undefined: none). */
const sourceStore = (event: SourceEvent) =>
  webhookTypeOf(event.type) === undefined ? undefined : Option.getOrUndefined(Schema.decodeUnknownOption(StoreId)(event.payload["storeId"]))

/**
 * Which of the events give a merchant webhook at all: asked once for a job's events, before the
 * handler's transactions, so the many events of stores without a URL cost a share of one read and no
 * transaction (the handler asks again inside it). Answers the ids of those that do.
 */
export const merchantWebhooksWanted = (events: ReadonlyArray<SourceEvent & { readonly id: string }>) =>
  Effect.gen(function* () {
    const sources = events.flatMap((e) => {
      const storeId = sourceStore(e)
      return storeId === undefined ? [] : [{ id: e.id, storeId }]
    })
    if (sources.length === 0) return new Set<string>()
    const wanted = yield* Effect.flatMap(WebhookStore, (store) => store.withEndpoint(sources.map((s) => s.storeId)))
    return new Set(sources.filter((s) => wanted.has(s.storeId)).map((s) => s.id))
  })

/** Outbox handler: one delivery per store and event, scheduled in the handler's transaction. */
export const enqueueMerchantWebhook = (event: SourceEvent & { readonly id: string; readonly occurredAt: number }) =>
  Effect.gen(function* () {
    const target = yield* targetOf(event)
    if (Option.isNone(target)) return
    const { type, storeId, url } = target.value
    const data = Object.fromEntries(Object.entries(event.payload).filter(([k]) => !PRIVATE_KEYS.has(k)))
    const body = JSON.stringify({ id: event.id, type, createdAt: event.occurredAt, data: { ...data, event: event.type } })
    yield* Effect.flatMap(WebhookStore, (store) => store.enqueue({ storeId, eventId: event.id, eventType: type, url, body }))
  })

/** Worker task `webhooks__deliver`: one attempt; schedules the next itself (never fails the job). */
export const deliverWebhook = (deliveryId: string) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const transport = yield* WebhookTransport
    const now = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* WebhookStore
        const found = yield* store.lockDelivery(deliveryId)
        if (Option.isNone(found) || found.value.status !== "PENDING") return "noop" as const
        const d = found.value
        const signedAt = Math.floor(now / 1000)
        if (d.endpoint === undefined) {
          yield* store.recordAttempt(d.id, {
            outcome: "FAILED",
            at: now,
            signature: "-",
            signedAt,
            statusCode: undefined,
            error: "the store removed its webhook endpoint",
            nextAttemptAt: undefined
          })
          return "FAILED" as const
        }
        const signature = `sha256=${yield* transport.sign(d.endpoint.secret, `${signedAt}.${d.body}`)}`
        const sent = yield* Effect.either(
          transport.post(d.endpoint.url, d.body, {
            "x-amana-event": d.eventType,
            "x-amana-delivery": d.id,
            "x-amana-timestamp": String(signedAt),
            "x-amana-signature": signature
          })
        )
        const attempts = d.attempts + 1
        const ok = sent._tag === "Right" && sent.right.status >= 200 && sent.right.status < 300
        const statusCode = sent._tag === "Right" ? sent.right.status : undefined
        const error = ok ? undefined : sent._tag === "Left" ? sent.left.detail : answerText(sent.right.status)
        if (ok) {
          yield* store.recordAttempt(d.id, { outcome: "DELIVERED", at: now, signature, signedAt, statusCode, error, nextAttemptAt: undefined })
          return "DELIVERED" as const
        }
        if (attempts >= MAX_ATTEMPTS) {
          yield* store.recordAttempt(d.id, { outcome: "FAILED", at: now, signature, signedAt, statusCode, error, nextAttemptAt: undefined })
          return "FAILED" as const
        }
        const next = now + backoffMs(attempts)
        yield* store.recordAttempt(d.id, { outcome: "RETRY", at: now, signature, signedAt, statusCode, error, nextAttemptAt: next })
        yield* store.schedule(d.id, next)
        return "RETRY" as const
      })
    )
  }).pipe(Effect.withSpan("Webhooks.deliver"))

/** The seller registers (or replaces) its endpoint, which must be one deliveries may use; the new secret is shown once. */
export const registerWebhook = (sellerUserId: UserId, url: string) =>
  Effect.gen(function* () {
    const s = yield* sellerWith(sellerUserId, "WEBHOOKS")
    yield* Effect.flatMap(WebhookTransport, (t) => t.check(url))
    const uow = yield* UnitOfWork
    const { secret } = yield* uow.transaction(Effect.flatMap(WebhookStore, (w) => w.setEndpoint(s.storeId, url)))
    return { url, secret }
  })

export const removeWebhook = (sellerUserId: UserId) =>
  Effect.gen(function* () {
    const s = yield* sellerWith(sellerUserId, "WEBHOOKS")
    const uow = yield* UnitOfWork
    yield* uow.transaction(Effect.flatMap(WebhookStore, (w) => w.removeEndpoint(s.storeId)))
  })

export const webhookLog = (sellerUserId: UserId, limit = 50) =>
  Effect.gen(function* () {
    const s = yield* sellerWith(sellerUserId, "WEBHOOKS")
    const w = yield* WebhookStore
    const endpoint = yield* w.endpointOf(s.storeId)
    return { url: Option.getOrUndefined(Option.map(endpoint, (e) => e.url)), deliveries: yield* w.log(s.storeId, limit) }
  })
