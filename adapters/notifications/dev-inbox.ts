/**
 * The dev inbox: the Notifier when no WhatsApp credentials are set. Nothing leaves the machine;
 * each message is kept with the text the person would read (same templates and parameter order as
 * WhatsApp, templates.ts) so a developer can log in with the code it shows. Same checks and the
 * same dedupe-by-dedupeKey as the WhatsApp adapter, so code that works here works there.
 */
import { Clock, Effect, Either, Layer } from "effect"
import { Notifier } from "../../application/ports/notifier.js"
import type { OutboundMessage, SentMessage } from "../../application/ports/notifier.js"
import { DEFAULT_LIST_LIMIT, DevInbox } from "../../application/ports/dev-inbox.js"
import type { InboxMessage, InboxQuery } from "../../application/ports/dev-inbox.js"
import { EpochMillis } from "../../domain/ids.js"
import { normalise } from "../../domain/phone.js"
import { validateOutbound } from "../../application/notifications/templates.js"

export const makeMemoryDevInbox = (): { readonly notifier: Notifier["Type"]; readonly inbox: DevInbox["Type"] } => {
  // Oldest first; `list` reverses. Kept in a process: a restart empties it.
  const messages: Array<InboxMessage> = []
  const byDedupeKey = new Map<string, InboxMessage>()

  const send = (message: OutboundMessage) =>
    Effect.gen(function* () {
      const text = yield* validateOutbound(message)
      const now = yield* Clock.currentTimeMillis
      const existing = byDedupeKey.get(message.dedupeKey)
      if (existing !== undefined) return { providerMessageId: existing.id, duplicate: true } satisfies SentMessage
      const stored: InboxMessage = {
        id: `dev.${String(messages.length + 1).padStart(6, "0")}`,
        to: message.to,
        template: message.template,
        params: [...message.params],
        text,
        dedupeKey: message.dedupeKey,
        sentAt: EpochMillis.make(now)
      }
      messages.push(stored)
      byDedupeKey.set(message.dedupeKey, stored)
      yield* Effect.logInfo(`dev inbox -> ${message.to}: ${text}`)
      return { providerMessageId: stored.id, duplicate: false } satisfies SentMessage
    })

  const list = (query: InboxQuery = {}) =>
    Effect.sync(() => {
      const to = query.to === undefined ? undefined : Either.getOrElse(normalise(query.to), () => query.to)
      const limit = Math.max(0, Math.floor(query.limit ?? DEFAULT_LIST_LIMIT))
      const newestFirst: Array<InboxMessage> = []
      for (let i = messages.length - 1; i >= 0 && newestFirst.length < limit; i--) {
        const m = messages[i] as InboxMessage
        if (to === undefined || m.to === to) newestFirst.push(m)
      }
      return newestFirst
    })

  return { notifier: Notifier.of({ send }), inbox: DevInbox.of({ list }) }
}

/** Notifier and DevInbox over one fresh in-memory inbox. */
export const DevInboxMemoryLive: Layer.Layer<Notifier | DevInbox> = Layer.unwrapEffect(
  Effect.sync(() => {
    const { notifier, inbox } = makeMemoryDevInbox()
    return Layer.merge(Layer.succeed(Notifier, notifier), Layer.succeed(DevInbox, inbox))
  })
)
