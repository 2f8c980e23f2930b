/** AlertStore: what alerts read and record, and the on-call admins they page. */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { AlertReadings, FiringAlert } from "../../domain/alerts.js"
import type { AdminUserId } from "../../domain/ids.js"
import type { HandlerClaim } from "../ports/handler-claim.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export type AlertSignal = "PAYMENT_PAID" | "PAYMENT_NOT_PAID" | "SLA_BREACH"

export interface OnCallAdmin {
  readonly id: AdminUserId
  readonly email: string
  readonly status: "ACTIVE" | "DISABLED"
  readonly onCall: boolean
  /** 2547XXXXXXXX, where the pages go */
  readonly whatsappPhone: string | null
}

export interface FiredAlert {
  readonly id: string
  readonly condition: FiringAlert["condition"]
  readonly scope: string
  readonly windowStart: number
  readonly summary: string
}

export class AlertStore extends Context.Tag("amana/AlertStore")<
  AlertStore,
  {
    /** One read at `now`: payments over the last `windowMs`, outbox lag now, dead letters and SLA breaches by window since `countedFrom`. */
    readonly readings: (q: { readonly now: number; readonly windowMs: number; readonly countedFrom: number }) => Effect.Effect<AlertReadings, StoreUnavailable>
    /**
     * A signal taken from an outbox event, once per event (keyed by the event id). An SLA breach
     * names its timer; its zone is the timer's. With the outbox handler's claim: in one write that
     * records the claim and the signal, the signal only if the claim is new.
     */
    readonly recordSignal: (
      s: {
        readonly eventId: string
        readonly signal: AlertSignal
        readonly at: number
        readonly slaTimerId?: string | undefined
      },
      claim?: HandlerClaim
    ) => Effect.Effect<void, StoreUnavailable>
    /** Records the firing unless its dedupe key has fired already; the new alert's id when this call recorded it. */
    readonly recordFiring: (alert: FiringAlert, id: string, at: number) => Effect.Effect<Option.Option<string>, StoreUnavailable>
    readonly firedAlert: (id: string) => Effect.Effect<Option.Option<FiredAlert>, StoreUnavailable>
    /** Active admins on call with a WhatsApp phone. */
    readonly onCallAdmins: () => Effect.Effect<ReadonlyArray<OnCallAdmin>, StoreUnavailable>
    readonly lockAdmin: (id: AdminUserId) => Effect.Effect<Option.Option<OnCallAdmin>, StoreUnavailable>
    readonly setOnCall: (id: AdminUserId, onCall: boolean, whatsappPhone: string | null) => Effect.Effect<void, StoreUnavailable>
    /** Drops signals older than `before` (they are read for one window only). */
    readonly pruneSignals: (before: number) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
