/**
 * CartRecoveryStore: abandoned carts with a known phone (a logged-in buyer's: guest carts carry no
 * phone), their one recovery sequence each (db/migrations/0069), and WhatsApp opt-outs.
 */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { CartId, DiscountCodeId, UserId } from "../../domain/ids.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export type RecoveryStop = "CHECKED_OUT" | "EMPTIED" | "OPTED_OUT"

export interface RecoveringCart {
  readonly cartId: CartId
  readonly buyerId: UserId
  readonly phone: string
  readonly cartState: "ACTIVE" | "CHECKED_OUT" | "ABANDONED"
  /** units in the cart (quantities summed) */
  readonly units: number
  readonly touchedAt: number
  readonly sent: number
  readonly lastSentAt: number | null
  readonly stopped: RecoveryStop | null
}

export interface InboundText {
  readonly wamid: string
  readonly body: string
  readonly at: number
}

export class CartRecoveryStore extends Context.Tag("amana/CartRecoveryStore")<
  CartRecoveryStore,
  {
    /**
     * Buyers' carts that may need a message now: sequences under way (not stopped, fewer than three
     * sent), and active carts with items touched between `startWithinMs` and `firstAfterMs` ago.
     */
    readonly candidates: (q: {
      readonly now: number
      readonly firstAfterMs: number
      readonly startWithinMs: number
      readonly limit: number
    }) => Effect.Effect<ReadonlyArray<CartId>, StoreUnavailable>
    /** The cart's sequence (started if new: at most one per cart), locked for this transaction; none for a guest cart. */
    readonly lock: (cartId: CartId) => Effect.Effect<Option.Option<RecoveringCart>, StoreUnavailable>
    readonly recordSent: (cartId: CartId, step: number, at: number, discountCodeId: DiscountCodeId | null) => Effect.Effect<void, StoreUnavailable>
    readonly stop: (cartId: CartId, reason: RecoveryStop, at: number) => Effect.Effect<void, StoreUnavailable>
    readonly isOptedOut: (phone: string) => Effect.Effect<boolean, StoreUnavailable>
    readonly recordOptOut: (phone: string, wamid: string, at: number) => Effect.Effect<void, StoreUnavailable>
    /** Text messages the phone sent us (whatsapp_inbound), newest first. */
    readonly inboundTexts: (phone: string, limit: number) => Effect.Effect<ReadonlyArray<InboundText>, StoreUnavailable>
  }
>() {}
