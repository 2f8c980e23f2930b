/**
 * WhatsApp delivery statuses (and inbound messages) from the signed webhook. Meta retries and
 * reorders: the store keeps one row per (wamid, status), and only a newly recorded `failed` status
 * has an effect (the message is marked FAILED and an exception opens). An inbound STOP is kept as
 * the phone's opt-out from cart reminders as it arrives.
 */
import { Context, Effect } from "effect"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { ExceptionQueue } from "../ports/exception-queue.js"
import { parseMessage } from "../../domain/intake.js"
import { CartRecoveryStore } from "../cart-recovery/cart-recovery.port.js"

// a wa_id as the opt-out table holds it (digits, country code first); another `from` is only recorded above
const WA_ID = /^[1-9]\d{7,14}$/

/** Is this text a request to stop messages ("STOP", "acha kunitumia"), read as the chat parser reads it? */
const asksToStop = (text: string | undefined) => text !== undefined && parseMessage(text, { catalogue: [], places: [] }).intent === "STOP"

export interface StatusReport {
  readonly wamid: string
  readonly status: "sent" | "delivered" | "read" | "failed"
  readonly at: number
  readonly recipient: string
  readonly errors?: ReadonlyArray<{ readonly code: number; readonly title: string; readonly message?: string; readonly details?: string }> | undefined
}

export interface InboundReport {
  readonly wamid: string
  readonly from: string
  readonly at: number
  readonly type: string
  readonly text?: string | undefined
}

export class MessageStatusStore extends Context.Tag("amana/MessageStatusStore")<
  MessageStatusStore,
  {
    /** true when this (wamid, status) is new */
    readonly recordStatus: (s: StatusReport) => Effect.Effect<boolean, StoreUnavailable>
    readonly recordInbound: (m: InboundReport) => Effect.Effect<boolean, StoreUnavailable>
    /** Marks our sent message (by provider id) FAILED; returns its dedupe key when found. */
    readonly markFailed: (wamid: string, error: string) => Effect.Effect<void, StoreUnavailable>
  }
>() {}

export const recordWhatsAppWebhook = (batch: { readonly statuses: ReadonlyArray<StatusReport>; readonly messages: ReadonlyArray<InboundReport> }) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* MessageStatusStore
        let recorded = 0
        for (const s of batch.statuses) {
          if (!(yield* store.recordStatus(s))) continue
          recorded++
          if (s.status === "failed") {
            const error = (s.errors ?? []).map((e) => `${e.code} ${e.title}${e.details ? `: ${e.details}` : ""}`).join("; ") || "failed"
            yield* store.markFailed(s.wamid, error)
            yield* Effect.flatMap(ExceptionQueue, (q) =>
              q.raise({
                kind: "NOTIFICATION_FAILED",
                entity: "notification",
                entityId: s.wamid,
                payload: { wamid: s.wamid, recipient: s.recipient, error },
                dedupeKey: `wa-failed:${s.wamid}`
              })
            )
          }
        }
        for (const m of batch.messages) {
          if (!(yield* store.recordInbound(m))) continue
          recorded++
          // kept as the phone's opt-out when it arrives: however much the buyer writes afterwards, the STOP holds
          if (m.type === "text" && WA_ID.test(m.from) && asksToStop(m.text))
            yield* Effect.flatMap(CartRecoveryStore, (c) => c.recordOptOut(m.from, m.wamid, m.at))
        }
        return { recorded, received: batch.statuses.length + batch.messages.length }
      })
    )
  }).pipe(Effect.withSpan("Notifications.whatsappWebhook"))
