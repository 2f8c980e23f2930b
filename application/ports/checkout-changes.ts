/**
 * Checkout changes: what lets a buyer's poll wait for the answer instead of asking again and again
 * (GET /api/v1/checkouts/:id?wait=N, application/checkout/view-checkout.ts). A change is a hint to
 * read the checkout again, never data: whoever waits reads the checkout afresh after the wait.
 */
import { Context } from "effect"
import type { Duration, Effect } from "effect"
import type { CheckoutId } from "../../domain/ids.js"

/**
 * How a wait ended: a change was seen (or may have been missed: read again), the time limit passed
 * with no change, or this process cannot wait now (its feed of changes is not running, or too many
 * wait already): the caller decides how to wait without it.
 */
export type WaitOutcome = "changed" | "timedOut" | "unavailable"

export class CheckoutChanges extends Context.Tag("amana/CheckoutChanges")<
  CheckoutChanges,
  {
    /**
     * Waits until a change of the checkout is seen after `since`, or `timeout` passes. Never fails.
     * `since` is a reading of `now` taken BEFORE the caller's read of the checkout: a change that
     * lands between that read and the wait is then still seen.
     */
    readonly awaitChange: (checkoutId: CheckoutId, since: number, timeout: Duration.Duration) => Effect.Effect<WaitOutcome>
    /** This process's monotonic clock, in the unit `since` takes. */
    readonly now: Effect.Effect<number>
  }
>() {}
