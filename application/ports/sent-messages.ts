/**
 * SentMessageStore: what makes "never the same message twice" hold when an outbox handler is
 * retried. A channel adapter asks `find(dedupeKey)` BEFORE sending and `record`s the provider's
 * message id AFTER the provider accepted it.
 *
 * The window it cannot close: a crash after the provider accepted and before `record` means the
 * retry sends again. We accept that (a rare duplicate) over the alternative of recording first
 * (a crash then loses the message, and a lost login code or "order paid" is worse).
 *
 * The production implementation is Postgres (adapters/postgres/notification-store.ts, `notifications`
 * table, unique `dedupe_key`); an in-memory one (adapters/notifications/sent-message-store.ts) serves tests.
 */
import { Context, Data } from "effect"
import type { Effect, Option } from "effect"
import type { OutboundMessage } from "./notifier.js"

export class SentMessageStoreError extends Data.TaggedError("SentMessageStoreError")<{ readonly cause: unknown }> {}

export interface SentMessageStoreService {
  /** The provider message id (WhatsApp wamid) already sent under this key, if any. */
  readonly find: (dedupeKey: string) => Effect.Effect<Option.Option<string>, SentMessageStoreError>
  /** Remember a sent message; recording an existing key again keeps the first id. */
  readonly record: (dedupeKey: string, providerMessageId: string, message: OutboundMessage) => Effect.Effect<void, SentMessageStoreError>
}

export class SentMessageStore extends Context.Tag("amana/SentMessageStore")<SentMessageStore, SentMessageStoreService>() {}
