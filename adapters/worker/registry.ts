/**
 * Which handlers react to which outbox events. Add a handler here to subscribe it; its `name` is
 * part of its idempotency key, so never rename one that has run in production.
 */
import type { EventHandler } from "./handlers.js"
import type { PlatformServices } from "../platform.js"
import { Effect } from "effect"
import { pollPush, reconcileCallback } from "../../application/payments/reconcile.js"
import { fulfilmentHandlers } from "../riders/fulfilment-handlers.js"

const idIn = (payload: Readonly<Record<string, unknown>>, key: string) =>
  typeof payload[key] === "string" ? Effect.succeed(payload[key]) : Effect.die(new Error(`outbox payload without ${key}`))

export const handlers: ReadonlyArray<EventHandler<PlatformServices>> = [
  // M-Pesa: a stored callback is confirmed by STK query and settled; every accepted push is also
  // polled (a "still processing" answer fails the job, and graphile-worker retries it with backoff).
  { name: "payments.reconcile-callback", on: ["MPESA_CALLBACK_RECEIVED"], handle: (e) => Effect.flatMap(idIn(e.payload, "callbackId"), reconcileCallback) },
  { name: "payments.poll-push", on: ["PAYMENT_STK_REQUESTED"], handle: (e) => Effect.flatMap(idIn(e.payload, "stkRequestId"), pollPush) },
  // Fulfilment and money out: notifications, merchant webhooks, SLA timers, refunds, payouts (adapters/riders/fulfilment-handlers.ts).
  ...fulfilmentHandlers
]
