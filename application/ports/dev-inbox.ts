/**
 * The dev inbox: what the Notifier "sent" when no WhatsApp credentials are set, readable by a
 * developer (GET /dev/messages). Implemented in memory (adapters/notifications/dev-inbox.ts) and in
 * Postgres (adapters/postgres/notification-store.ts, shared by every process).
 */
import { Context } from "effect"
import type { Effect } from "effect"
import type { EpochMillis } from "../../domain/ids.js"
import type { MessageTemplate } from "./notifier.js"

export interface InboxMessage {
  /** Stands in for the WhatsApp wamid. */
  readonly id: string
  readonly to: string
  readonly template: MessageTemplate
  readonly params: ReadonlyArray<string>
  /** What the person would read, e.g. "Your Amana login code is 123456. It expires in 10 minutes." */
  readonly text: string
  readonly dedupeKey: string
  readonly sentAt: EpochMillis
}

export interface InboxQuery {
  /** Any accepted phone form; only this recipient's messages. */
  readonly to?: string
  /** At most this many (default 50). */
  readonly limit?: number
}

export class DevInbox extends Context.Tag("amana/DevInbox")<
  DevInbox,
  { readonly list: (query?: InboxQuery) => Effect.Effect<ReadonlyArray<InboxMessage>> }
>() {}

export const DEFAULT_LIST_LIMIT = 50
