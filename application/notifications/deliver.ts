/**
 * Sends one message for one outbox event, and makes an undeliverable one a human's job: the
 * NOTIFICATION_UNDELIVERABLE exception (deduplicated per message), never a retry loop (no SMS
 * gateway is wired yet). RetryLater still fails the handler, and the outbox retries with backoff.
 * Every notification handler (orders, riders, store staff) sends through here.
 */
import { Effect } from "effect"
import { ExceptionQueue } from "../ports/exception-queue.js"
import type { OutboundMessage } from "../ports/notifier.js"
import { Notifier } from "../ports/notifier.js"

export interface DeliveryContext {
  /** what the exception is filed under */
  readonly entity: string
  readonly entityId: string
  /** who the message is for (buyer, seller, rider, staff) */
  readonly party: string
  readonly event: { readonly id: string; readonly type: string }
}

export const deliverOrRaise = (message: OutboundMessage, about: DeliveryContext) =>
  Effect.flatMap(Notifier, (n) => n.send(message)).pipe(
    Effect.asVoid,
    Effect.catchTag("NotifierUndeliverable", (e) =>
      Effect.flatMap(ExceptionQueue, (q) =>
        q.raise({
          kind: "NOTIFICATION_UNDELIVERABLE",
          entity: about.entity,
          entityId: about.entityId,
          payload: {
            party: about.party,
            eventId: about.event.id,
            eventType: about.event.type,
            template: message.template,
            detail: e.detail,
            providerCode: e.providerCode ?? null
          },
          dedupeKey: `notify:${message.dedupeKey}`
        })
      )
    )
  )
