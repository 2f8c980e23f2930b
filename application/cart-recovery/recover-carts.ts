/**
 * Abandoned carts (issue 14, "Bringing buyers back"): a periodic sweep (the worker's
 * `carts__recover_abandoned` cron task) sends each buyer's untouched cart its WhatsApp templates
 * when domain/cart-recovery.ts says one is due: a reminder at 1 h, a one-use platform-funded
 * discount code at 24 h, a last call at 72 h. A cart is one sequence at most; the sequence stops on
 * checkout, when the cart is emptied, when the phone has sent "STOP" (read from the WhatsApp messages
 * it sent us by the intake parser, and kept as an opt-out), or after the third message.
 *
 * Each cart is one transaction: its sequence row locked, the step recorded, then the message sent as
 * the last step (a failed send rolls the step back; the Notifier's dedupe key keeps a retried one single).
 */
import { Clock, Effect, Option } from "effect"
import { defaultRecoveryPolicy, nextRecoveryStep } from "../../domain/cart-recovery.js"
import type { RecoveryPolicy, RecoveryStep } from "../../domain/cart-recovery.js"
import type { CartId, DiscountCodeId } from "../../domain/ids.js"
import { parseMessage } from "../../domain/intake.js"
import * as M from "../../domain/money.js"
import type { Currency } from "../../domain/money.js"
import { issuePlatformDiscountCode } from "../admin/manage-incentives.js"
import { deliverOrRaise } from "../notifications/deliver.js"
import { Ids } from "../ports/ids.js"
import type { OutboundMessage } from "../ports/notifier.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { CartRecoveryStore } from "./cart-recovery.port.js"
import type { RecoveringCart } from "./cart-recovery.port.js"

/** The 24 h message's code: percent off the merchandise (capped), one use in all, valid `validForMs`. */
export interface ComebackOffer {
  readonly bps: number
  readonly cap: number
  readonly currency: Currency
  readonly validForMs: number
}

export const defaultComebackOffer: ComebackOffer = { bps: 1_000, cap: 500_00, currency: "KES", validForMs: 72 * 3_600_000 }

export interface RecoverySettings {
  readonly policy: RecoveryPolicy
  readonly offer: ComebackOffer
  /** carts looked at per run */
  readonly batch: number
}

export const defaultRecoverySettings: RecoverySettings = { policy: defaultRecoveryPolicy, offer: defaultComebackOffer, batch: 200 }

const NO_CATALOGUE = { catalogue: [], places: [] }

const cartWords = (units: number) => (units === 1 ? "1 item" : `${units} items`)

/** Nairobi time (UTC+3), e.g. "1 Dec 2026 08:00 EAT". */
const nairobiTime = (t: number) => {
  const d = new Date(t + 3 * 3_600_000)
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()]!
  const hm = `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`
  return `${d.getUTCDate()} ${month} ${d.getUTCFullYear()} ${hm} EAT`
}

/** Has this phone asked us to stop? The opt-out table, else its WhatsApp messages read by the intake parser (a STOP found is recorded). */
const optedOut = (phone: string) =>
  Effect.gen(function* () {
    const store = yield* CartRecoveryStore
    if (yield* store.isOptedOut(phone)) return true
    const texts = yield* store.inboundTexts(phone, 50)
    const stop = texts.find((m) => parseMessage(m.body, NO_CATALOGUE).intent === "STOP")
    if (stop === undefined) return false
    yield* store.recordOptOut(phone, stop.wamid, stop.at)
    return true
  })

/** The 24 h code: "BACK" and 8 random characters; a taken string (vanishingly rare) is drawn again. */
const issueCode = (cart: RecoveringCart, offer: ComebackOffer, now: number) =>
  Effect.gen(function* () {
    const ids = yield* Ids
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = `BACK${(yield* ids.next("x")).slice(-8).toUpperCase()}`
      const issued = yield* issuePlatformDiscountCode({
        code,
        purpose: `abandoned cart ${cart.cartId}`,
        rule: {
          startsAt: null,
          expiresAt: now + offer.validForMs,
          currency: offer.currency,
          minSubtotal: 0,
          effect: { _tag: "PERCENT_OFF", bps: offer.bps, cap: M.make(offer.cap, offer.currency) },
          globalLimit: 1,
          perBuyerLimit: 1
        }
      })
      if (Option.isSome(issued)) return { id: issued.value, code }
    }
    return yield* Effect.die(new Error("cart recovery: no free discount code string in 5 draws"))
  })

const message = (cart: RecoveringCart, step: RecoveryStep, params: ReadonlyArray<string>): OutboundMessage => ({
  to: cart.phone,
  template: step === 1 ? "cart_reminder" : step === 2 ? "cart_discount_code" : "cart_last_call",
  params,
  dedupeKey: `cart-recovery:${cart.cartId}:${step}`
})

export type CartOutcome = "SENT" | "WAITING" | "STOPPED" | "FINISHED" | "GONE"

/** One cart: stop, wait, or send its next message. */
export const recoverCart = (cartId: CartId, settings: RecoverySettings = defaultRecoverySettings) =>
  Effect.gen(function* () {
    const store = yield* CartRecoveryStore
    const now = yield* Clock.currentTimeMillis
    const found = yield* store.lock(cartId)
    if (Option.isNone(found)) return "GONE" as CartOutcome
    const cart = found.value
    if (cart.stopped !== null || cart.sent >= 3) return "FINISHED"
    if (cart.cartState !== "ACTIVE") {
      yield* store.stop(cartId, "CHECKED_OUT", now)
      return "STOPPED"
    }
    if (cart.units === 0) {
      yield* store.stop(cartId, "EMPTIED", now)
      return "STOPPED"
    }
    if (yield* optedOut(cart.phone)) {
      yield* store.stop(cartId, "OPTED_OUT", now)
      return "STOPPED"
    }
    const decision = nextRecoveryStep({ touchedAt: cart.touchedAt, sent: cart.sent, lastSentAt: cart.lastSentAt }, now, settings.policy)
    if (decision._tag === "Finished") return "FINISHED"
    if (decision._tag === "Wait") return "WAITING"
    const what = cartWords(cart.units)
    let codeId: DiscountCodeId | null = null
    let params: ReadonlyArray<string> = [what]
    if (decision.step === 2) {
      const offer = settings.offer
      const issued = yield* issueCode(cart, offer, now)
      codeId = issued.id
      const discount = `${offer.bps / 100}%${offer.cap > 0 ? ` (up to ${M.format(M.make(offer.cap, offer.currency))})` : ""}`
      params = [what, discount, issued.code, nairobiTime(now + offer.validForMs)]
    }
    yield* store.recordSent(cartId, decision.step, now, codeId)
    yield* deliverOrRaise(message(cart, decision.step, params), {
      entity: "cart",
      entityId: cartId,
      party: "buyer",
      event: { id: `cart-recovery:${cartId}:${decision.step}`, type: "CART_RECOVERY" }
    })
    return "SENT"
  }).pipe(Effect.withSpan("CartRecovery.recoverCart"))

/** The cron task: every candidate cart in its own transaction; how many messages went out. */
export const recoverAbandonedCarts = (settings: RecoverySettings = defaultRecoverySettings) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* CartRecoveryStore
    const now = yield* Clock.currentTimeMillis
    const carts = yield* uow.transaction(
      store.candidates({ now, firstAfterMs: settings.policy.offsetsMs[0], startWithinMs: settings.policy.startWithinMs, limit: settings.batch })
    )
    let sent = 0
    let failed = 0
    // one cart's failure (WhatsApp asking us to retry later, a lost connection) does not hold up the others: the next run retries it
    for (const cartId of carts) {
      const outcome = yield* Effect.either(uow.transaction(recoverCart(cartId, settings)))
      if (outcome._tag === "Left") {
        failed++
        yield* Effect.logWarning("cart recovery failed for a cart; retried on the next run").pipe(Effect.annotateLogs({ cartId, error: String(outcome.left) }))
      } else if (outcome.right === "SENT") sent++
    }
    return { looked: carts.length, sent, failed }
  }).pipe(Effect.withSpan("CartRecovery.recoverAbandonedCarts"))
