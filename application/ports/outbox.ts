/**
 * Outbox: domain events are appended in the same transaction as the change that caused them, and
 * enqueued for the worker in that transaction too. Nothing is ever published from memory after commit.
 */
import { Context } from "effect"
import type { Effect } from "effect"
import type { StoreUnavailable } from "./unit-of-work.js"

export interface DomainEvent {
  readonly type: string
  readonly aggregateType:
    | "ORDER"
    | "CHECKOUT"
    | "PAYMENT"
    | "PRODUCT"
    | "STORE"
    | "PAYOUT"
    | "EXCEPTION"
    | "PROMOTION"
    | "DISCOUNT_CODE"
    | "BRAND"
    | "USER"
    | "RIDER"
    | "UPLOAD"
    | "AFFILIATE"
    | "CONVERSATION"
    | "ALERT"
  readonly aggregateId: string
  readonly payload: Readonly<Record<string, unknown>>
}

/** When the worker takes up the events of one append (both optional: by default at once, in turn). */
export interface AppendOptions {
  /** a buyer is waiting on these events (a payment's confirmation): the worker takes them before the others */
  readonly urgent?: boolean
  /** not before this many ms after commit (a poll that would only meet "not yet" if run at once) */
  readonly delayMs?: number
  /**
   * A name for this append's job (unique while it waits): a store may withdraw a delayed append that
   * became pointless before it runs (the push's backstop poll once its callback settled it:
   * PaymentStore.settleRequest), so the worker never takes it up.
   */
  readonly key?: string
}

export class Outbox extends Context.Tag("amana/Outbox")<
  Outbox,
  { readonly append: (events: ReadonlyArray<DomainEvent>, options?: AppendOptions) => Effect.Effect<void, StoreUnavailable> }
>() {}
