/**
 * Checkout changes: what lets a buyer's poll wait for the answer instead of asking again and again
 * (GET /api/v1/checkouts/:id?wait=N, application/checkout/view-checkout.ts). A change is a hint to
 * read the checkout again, never data: whoever waits reads the checkout afresh after the wait.
 */
import { Context } from "effect"
import type { Duration, Effect } from "effect"
import type { CheckoutId } from "../../domain/ids.js"

export class CheckoutChanges extends Context.Tag("amana/CheckoutChanges")<
  CheckoutChanges,
  {
    /**
     * Waits until a change of the checkout is seen after `since`, or `timeout` passes: true when a
     * change was seen (or may have been missed, e.g. while the feed reconnected), false at the time
     * limit or when this process cannot wait now (no feed, too many waiting). Never fails.
     * `since` is a reading of `now`, taken BEFORE the caller's read of the checkout: a change that
     * lands between that read and the wait is then still seen.
     */
    readonly awaitChange: (checkoutId: CheckoutId, since: number, timeout: Duration.Duration) => Effect.Effect<boolean>
    /** This process's monotonic clock, in the unit `since` takes. */
    readonly now: Effect.Effect<number>
  }
>() {}
