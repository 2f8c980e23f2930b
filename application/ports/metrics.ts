/**
 * Metrics: what the use cases tell an operator happened (a push accepted, a checkout paid, an SLA
 * breached). The port names business outcomes only; the adapter (prom-client, adapters/metrics)
 * decides names, labels and buckets. Use cases record through `recordMetric`, after the
 * transaction that made the outcome true has committed, so a rolled-back attempt is not counted.
 * A runtime without the port (a test wiring a few layers) records nothing.
 */
import { Context, Effect, Option } from "effect"

/** What Daraja answered to an STK push request (the request, not the payment). */
export type StkPushResult = "ACCEPTED" | "REJECTED" | "UNAVAILABLE"
/** Money out by B2C: a payout to a seller, affiliate or rider, or a refund to a buyer. */
export type DisbursementKind = "PAYOUT" | "REFUND"
export type DisbursementOutcome = "SUBMITTED" | "REFUSED" | "MANUAL" | "SUCCEEDED" | "FAILED"

export interface MetricsService {
  readonly stkPushRequested: (result: StkPushResult) => Effect.Effect<void>
  /** A push's final outcome (PAID, CANCELLED_BY_USER, PAYMENT_FAILED, MISMATCH, LATE_PAYMENT, DUPLICATE_PAYMENT). */
  readonly stkPushSettled: (outcome: string) => Effect.Effect<void>
  /** A stored STK callback reconciled, by what it came to (PAID, DUPLICATE, UNKNOWN_REQUEST...). */
  readonly callbackReconciled: (outcome: string) => Effect.Effect<void>
  /** A checkout's orders went PAID, `seconds` after the checkout was placed. */
  readonly checkoutPaid: (seconds: number) => Effect.Effect<void>
  readonly slaBreached: (timer: "DISPATCH" | "DELIVERY") => Effect.Effect<void>
  readonly disbursement: (kind: DisbursementKind, outcome: DisbursementOutcome) => Effect.Effect<void>
  /** An outbox event gave up on a handler after its last attempt (an exception opened). */
  readonly deadLettered: (handler: string) => Effect.Effect<void>
}

export class Metrics extends Context.Tag("amana/Metrics")<Metrics, MetricsService>() {}

/** Records through the Metrics port when the runtime has one; never fails, never requires it. */
export const recordMetric = (f: (m: MetricsService) => Effect.Effect<void>): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(Metrics), Option.match({ onNone: () => Effect.void, onSome: f }))
