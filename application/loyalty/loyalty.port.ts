/** LoyaltyStore: a buyer's loyalty ledger (db/migrations/0005: points earned +, redeemed -; the balance is the sum). */
import { Context } from "effect"
import type { Effect } from "effect"
import type { CheckoutId, OrderId, UserId } from "../../domain/ids.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export type LoyaltyReason = "EARNED" | "REDEEMED" | "REDEMPTION_REVERSED" | "EARNING_REVERSED" | "ADJUSTED" | "REFERRAL"

export interface LoyaltyEntry {
  readonly id: string
  readonly points: number
  readonly reason: LoyaltyReason
  readonly orderId?: OrderId | undefined
  readonly checkoutId?: CheckoutId | undefined
  readonly note?: string | undefined
  readonly at: number
}

export class LoyaltyStore extends Context.Tag("amana/LoyaltyStore")<
  LoyaltyStore,
  {
    /** Every row's points summed, and how many rows there are. */
    readonly balance: (buyerId: UserId) => Effect.Effect<{ readonly points: number; readonly entries: number }, StoreUnavailable>
    /** Newest first. */
    readonly history: (buyerId: UserId, limit: number, offset: number) => Effect.Effect<ReadonlyArray<LoyaltyEntry>, StoreUnavailable>
  }
>() {}
