/**
 * Notifier: tell a person something (WhatsApp first; the dev inbox when no credentials are set).
 * `dedupeKey` makes a retried outbox handler harmless: the same key is never sent twice.
 */
import { Context, Data } from "effect"
import type { Effect } from "effect"

export type MessageTemplate =
  | "login_code"
  | "step_up_code"
  | "step_up_owner_code"
  | "order_placed"
  | "order_paid"
  | "order_accepted"
  | "order_dispatched"
  | "order_dispatched_with_code"
  | "order_delivered"
  | "order_completed"
  | "order_refunded"
  | "order_cancelled"
  | "payment_failed"
  | "rider_job"
  | "store_staff_added"
  | "store_milestone"
  | "daily_report"
  | "cart_reminder"
  | "cart_discount_code"
  | "cart_last_call"
  | "ops_alert"

export interface OutboundMessage {
  /** 2547XXXXXXXX. */
  readonly to: string
  readonly template: MessageTemplate
  /** Template parameters in order. */
  readonly params: ReadonlyArray<string>
  readonly dedupeKey: string
}

export interface SentMessage {
  readonly providerMessageId: string
  readonly duplicate: boolean
}

export class NotifierRetryLater extends Data.TaggedError("NotifierRetryLater")<{ readonly detail: string; readonly retryAfterMs?: number }> {
  readonly code = "NOTIFY.RETRY_LATER"
}
export class NotifierUndeliverable extends Data.TaggedError("NotifierUndeliverable")<{ readonly detail: string; readonly providerCode?: string }> {
  readonly code = "NOTIFY.UNDELIVERABLE"
}

export class Notifier extends Context.Tag("amana/Notifier")<
  Notifier,
  { readonly send: (message: OutboundMessage) => Effect.Effect<SentMessage, NotifierRetryLater | NotifierUndeliverable> }
>() {}
