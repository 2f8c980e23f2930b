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
  readonly aggregateId: string
  readonly payload: Readonly<Record<string, unknown>>
}

export class Outbox extends Context.Tag("amana/Outbox")<
  Outbox,
  { readonly append: (events: ReadonlyArray<DomainEvent>) => Effect.Effect<void, StoreUnavailable> }
>() {}
