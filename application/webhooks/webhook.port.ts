/** Merchant webhooks: where a store's endpoint is, the delivery log, and how a signed POST is made. */
import type { StoreId } from "../../domain/ids.js"
import { Context, Data } from "effect"
import type { Effect, Option } from "effect"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export type WebhookEventType = "ORDER_CREATED" | "ORDER_PAID" | "ORDER_CANCELLED" | "PRODUCT_UPDATED"

export interface PendingDelivery {
  readonly id: string
  readonly storeId: StoreId
  readonly eventId: string
  readonly eventType: WebhookEventType
  readonly body: string
  readonly status: "PENDING" | "DELIVERED" | "FAILED"
  readonly attempts: number
  /** The store's endpoint now (it may have changed or been removed since the event). */
  readonly endpoint: { readonly url: string; readonly secret: string } | undefined
}

export interface DeliveryLogEntry {
  readonly id: string
  readonly eventId: string
  readonly eventType: WebhookEventType
  readonly url: string
  readonly status: "PENDING" | "DELIVERED" | "FAILED"
  readonly attempts: number
  readonly lastStatusCode: number | undefined
  readonly lastError: string | undefined
  readonly createdAt: number
  readonly deliveredAt: number | undefined
  readonly nextAttemptAt: number | undefined
}

export class WebhookStore extends Context.Tag("amana/WebhookStore")<
  WebhookStore,
  {
    readonly endpointOf: (storeId: StoreId) => Effect.Effect<Option.Option<{ readonly url: string }>, StoreUnavailable>
    /** Which of these stores have a webhook URL: one read for many (a job's events). */
    readonly withEndpoint: (storeIds: ReadonlyArray<StoreId>) => Effect.Effect<ReadonlySet<StoreId>, StoreUnavailable>
    /** Writes the delivery (once per store and event) and schedules its first attempt in the same transaction. */
    readonly enqueue: (d: {
      readonly storeId: StoreId
      readonly eventId: string
      readonly eventType: WebhookEventType
      readonly url: string
      readonly body: string
    }) => Effect.Effect<void, StoreUnavailable>
    readonly lockDelivery: (deliveryId: string) => Effect.Effect<Option.Option<PendingDelivery>, StoreUnavailable>
    readonly recordAttempt: (
      deliveryId: string,
      a: {
        readonly outcome: "DELIVERED" | "RETRY" | "FAILED"
        readonly at: number
        readonly signature: string
        readonly signedAt: number
        readonly statusCode: number | undefined
        readonly error: string | undefined
        readonly nextAttemptAt: number | undefined
      }
    ) => Effect.Effect<void, StoreUnavailable>
    /** Schedules another attempt (a worker job) at `runAt`. */
    readonly schedule: (deliveryId: string, runAt: number) => Effect.Effect<void, StoreUnavailable>
    /** Sets the endpoint with a fresh random secret (returned once). */
    readonly setEndpoint: (storeId: StoreId, url: string) => Effect.Effect<{ readonly secret: string }, StoreUnavailable>
    readonly removeEndpoint: (storeId: StoreId) => Effect.Effect<void, StoreUnavailable>
    readonly log: (storeId: StoreId, limit: number) => Effect.Effect<ReadonlyArray<DeliveryLogEntry>, StoreUnavailable>
  }
>() {}

/** `detail` is a fixed reason the seller may read (never a system error's text). */
export class WebhookSendFailed extends Data.TaggedError("WebhookSendFailed")<{ readonly detail: string }> {}

/** A URL the platform will not send to (not https, not a public address, does not resolve). */
export class WebhookUrlRefused extends Data.TaggedError("WebhookUrlRefused")<{ readonly reason: string }> {
  readonly code = "WEBHOOK.URL_REFUSED"
  override get message() {
    return `this webhook URL cannot be used: ${this.reason}`
  }
}

export class WebhookTransport extends Context.Tag("amana/WebhookTransport")<
  WebhookTransport,
  {
    /** hex HMAC-SHA256 of `signed` with the store's secret */
    readonly sign: (secret: string, signed: string) => Effect.Effect<string>
    /** The answer's status (redirects are never followed), or a fixed reason. */
    readonly post: (url: string, body: string, headers: Readonly<Record<string, string>>) => Effect.Effect<{ readonly status: number }, WebhookSendFailed>
    /** Would `post` be allowed to send to this URL now (scheme, and every address the host resolves to)? */
    readonly check: (url: string) => Effect.Effect<void, WebhookUrlRefused>
  }
>() {}
