/**
 * SentMessageStore: what makes "never the same message twice" hold when an outbox handler is
 * retried. A channel adapter asks `find(dedupeKey)` BEFORE sending and `record`s the provider's
 * message id AFTER the provider accepted it.
 *
 * The window it cannot close: a crash after the provider accepted and before `record` means the
 * retry sends again. We accept that (a rare duplicate) over the alternative of recording first
 * (a crash then loses the message, and a lost login code or "order paid" is worse).
 *
 * The production implementation (Postgres, `notifications` table, unique `dedupe_key`) lives with
 * the other Postgres adapters: `record` is an insert ... on conflict (dedupe_key) do nothing, and
 * `find` a select of the provider message id by dedupe_key.
 */
import { Context, Data, Effect, Layer, Option } from "effect"
import type { OutboundMessage } from "../../application/ports/notifier.js"

export class SentMessageStoreError extends Data.TaggedError("SentMessageStoreError")<{ readonly cause: unknown }> {}

export interface SentMessageStoreService {
  /** The provider message id (WhatsApp wamid) already sent under this key, if any. */
  readonly find: (dedupeKey: string) => Effect.Effect<Option.Option<string>, SentMessageStoreError>
  /** Remember a sent message; recording an existing key again keeps the first id. */
  readonly record: (dedupeKey: string, providerMessageId: string, message: OutboundMessage) => Effect.Effect<void, SentMessageStoreError>
}

export class SentMessageStore extends Context.Tag("amana/SentMessageStore")<SentMessageStore, SentMessageStoreService>() {}

/** In-memory store: development and tests (forgets everything on restart). */
export const makeMemorySentMessageStore = (): SentMessageStoreService & {
  readonly all: () => ReadonlyArray<{ readonly dedupeKey: string; readonly providerMessageId: string; readonly message: OutboundMessage }>
} => {
  const sent = new Map<string, { readonly dedupeKey: string; readonly providerMessageId: string; readonly message: OutboundMessage }>()
  return {
    find: (dedupeKey) => Effect.sync(() => Option.map(Option.fromNullable(sent.get(dedupeKey)), (s) => s.providerMessageId)),
    record: (dedupeKey, providerMessageId, message) =>
      Effect.sync(() => {
        if (!sent.has(dedupeKey)) sent.set(dedupeKey, { dedupeKey, providerMessageId, message })
      }),
    all: () => [...sent.values()]
  }
}

export const MemorySentMessageStoreLive: Layer.Layer<SentMessageStore> = Layer.sync(SentMessageStore, makeMemorySentMessageStore)
