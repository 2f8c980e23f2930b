/**
 * What the buyer sees of a checkout: its orders, the state of its payment, and any money received
 * that could not pay it (held, being returned, returned). Read by ONE statement (one snapshot, no
 * transaction to open and commit) so a reconciliation committing in between can never show, say, a
 * cancelled payment beside orders still waiting for it; and without row locks, so looking never
 * holds up the money moving. A buyer polls this until PAID: it costs one round trip.
 */
import type { CheckoutId, UserId } from "../../domain/ids.js"
import { Clock, Duration, Effect, Option } from "effect"
import { heldMoneySentence, stillHeld } from "../../domain/held-money.js"
import { PaymentStore } from "../payments/payment.port.js"
import type { CheckoutViewParts } from "../payments/payment.port.js"
import { authenticateAlong } from "../auth/login.js"
import { CheckoutChanges } from "../ports/checkout-changes.js"
import { CheckoutNotFound } from "./checkout.errors.js"

export const viewCheckout = (buyerId: UserId, checkoutId: CheckoutId) =>
  Effect.flatMap(
    Effect.flatMap(PaymentStore, (payments) => payments.checkoutView(checkoutId)),
    (view) => show(buyerId, checkoutId, view)
  ).pipe(Effect.withSpan("Checkout.view"))

/**
 * The bearer token's session and the view of its user's checkout, read in ONE statement (a poll:
 * one round trip, not a session lookup and then the view), refused and rate-limited exactly as
 * `authenticate` does. The view is then shown by `showCheckout` (its span, as viewCheckout's).
 */
export const authenticateWithCheckoutView = (token: string, checkoutId: CheckoutId, willWait = false) =>
  authenticateAlong((now) =>
    Effect.gen(function* () {
      // a poll that may wait takes the wait's instant before its read (CheckoutChanges.now): that read is then the wait's first
      const since = willWait ? yield* Effect.flatMap(CheckoutChanges, (changes) => changes.now) : undefined
      const { session, view } = yield* Effect.flatMap(PaymentStore, (payments) => payments.checkoutViewWithSession(token, now, checkoutId))
      return { session, read: { view, since } }
    })
  )

/** What the buyer sees of a checkout read by `authenticateWithCheckoutView`: not found unless it is theirs. */
export const showCheckout = (buyerId: UserId, checkoutId: CheckoutId, view: Option.Option<CheckoutViewParts>) =>
  show(buyerId, checkoutId, view).pipe(Effect.withSpan("Checkout.view"))

const show = (buyerId: UserId, checkoutId: CheckoutId, view: Option.Option<CheckoutViewParts>) =>
  Effect.gen(function* () {
    if (Option.isNone(view) || view.value.buyerId !== buyerId) return yield* new CheckoutNotFound({ checkoutId })
    const { summary, latestRequest: last, held } = view.value
    // A push whose money is held did not pay the checkout: it shows HELD (RETURNED once back), never PAID.
    const lastHeld = Option.isSome(last) ? held.find((h) => h.stkRequestId === last.value.id) : undefined
    return {
      ...summary,
      ...(held.length > 0 && {
        heldMoney: held.map((h) => ({
          heldPaymentId: h.id,
          paymentId: h.stkRequestId,
          amount: h.amount,
          receipt: h.receipt,
          reason: h.reason,
          status: h.status,
          heldAt: h.heldAt,
          returnedAt: h.returnedAt,
          detail: heldMoneySentence(h)
        }))
      }),
      ...(Option.isSome(last) && {
        payment: {
          paymentId: last.value.id,
          status: lastHeld === undefined ? last.value.status : stillHeld(lastHeld.status) ? ("HELD" as const) : ("RETURNED" as const),
          phone: last.value.phone,
          amount: last.value.amount,
          resultCode: last.value.resultCode,
          resultDesc: last.value.resultDesc,
          receipt: last.value.receipt,
          requestedAt: last.value.requestedAt
        }
      })
    }
  })

/** The longest a buyer's poll may wait for its checkout to change (GET /api/v1/checkouts/:id?wait=N): under common proxies' 30 s idle limits. */
export const MAX_WAIT_SECONDS = 20
/** A waiting poll reads the checkout again at least this often, whatever the feed of changes says (a feed that died silently costs this much, no more). */
const SEGMENT = Duration.seconds(5)
/** Without a feed of changes (CheckoutChanges "unavailable") a waiting poll reads the checkout this often itself. */
const UNFED_READ_EVERY = Duration.seconds(1)

/**
 * A poll that may wait: the checkout as `shown` (read by the poll itself), or, when it is still
 * waiting on an M-Pesa prompt and the buyer asked to wait, as it is once it changes (paid, failed,
 * cancelled, expired) or `wait` has passed, whichever comes first. Only a pending prompt is waited
 * on: in any other state nothing changes without the buyer acting, so the answer is at once.
 * The checkout is read again before each wait (a change that committed after the previous read is
 * seen, CheckoutChanges.awaitChange), except the first when `shownSince` says when `shown` read it,
 * and after it: the announcement is a hint, the answer is always a read. `abandoned` completes when nobody is left to answer (the client went away): the wait ends.
 */
export const watchCheckout = <E, R>(
  shown: Effect.Effect<ShownCheckout, E, R>,
  buyerId: UserId,
  checkoutId: CheckoutId,
  wait: Duration.Duration,
  abandoned: Effect.Effect<void> = Effect.never,
  /** CheckoutChanges.now taken before `shown` read the checkout, if it was: that read then begins the first wait */
  shownSince?: number
) =>
  Effect.gen(function* () {
    let current = yield* shown
    if (!awaitingPrompt(current) || Duration.toMillis(wait) <= 0) return current
    const changes = yield* CheckoutChanges
    const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(wait)
    let fresh = shownSince
    for (;;) {
      let since: number
      if (fresh === undefined) {
        since = yield* changes.now
        current = yield* viewCheckout(buyerId, checkoutId)
      } else {
        since = fresh
        fresh = undefined
      }
      const left = deadline - (yield* Clock.currentTimeMillis)
      if (!awaitingPrompt(current) || left <= 0) return current
      const segment = Duration.min(Duration.millis(left), SEGMENT)
      const outcome = yield* Effect.raceFirst(changes.awaitChange(checkoutId, since, segment), Effect.as(abandoned, "abandoned" as const))
      if (outcome === "abandoned") return current
      if (outcome === "unavailable") {
        const gone = yield* Effect.raceFirst(Effect.as(Effect.sleep(Duration.min(segment, UNFED_READ_EVERY)), false), Effect.as(abandoned, true))
        if (gone) return current
      }
    }
  }).pipe(Effect.withSpan("Checkout.watch"))

export type ShownCheckout = Effect.Effect.Success<ReturnType<typeof show>>

const awaitingPrompt = (c: ShownCheckout): boolean => c.state === "PENDING_PAYMENT" && c.payment?.status === "PENDING"
