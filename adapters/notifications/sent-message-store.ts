/** SentMessageStore in memory: development and tests (forgets everything on restart). */
import { Effect, Layer, Option } from "effect"
import type { OutboundMessage } from "../../application/ports/notifier.js"
import { SentMessageStore } from "../../application/ports/sent-messages.js"
import type { SentMessageStoreService } from "../../application/ports/sent-messages.js"

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
