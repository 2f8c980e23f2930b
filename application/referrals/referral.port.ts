/**
 * ReferralStore: every user's referral code, the referral a new buyer signed up with (one per
 * referred user and phone), its one decision, and the loyalty points it pays (db/migrations/0069).
 */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { OrderId, StoreId, UserId } from "../../domain/ids.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export type ReferralOutcome = "REWARDED" | "REFUSED_SELF" | "REFUSED_STAFF"

export interface PendingReferral {
  readonly referredUserId: UserId
  readonly referrerUserId: UserId
  readonly outcome: ReferralOutcome | null
}

export class ReferralStore extends Context.Tag("amana/ReferralStore")<
  ReferralStore,
  {
    readonly codeOf: (userId: UserId) => Effect.Effect<string, StoreUnavailable>
    /** Whose code this is (exact, already upper-cased). */
    readonly ownerOf: (code: string) => Effect.Effect<Option.Option<UserId>, StoreUnavailable>
    /** false when the user or the phone already has a referral */
    readonly record: (r: {
      readonly referredUserId: UserId
      readonly referredPhone: string
      readonly referrerUserId: UserId
      readonly code: string
      readonly at: number
    }) => Effect.Effect<boolean, StoreUnavailable>
    /** The buyer's referral, locked for this transaction. */
    readonly lockFor: (referredUserId: UserId) => Effect.Effect<Option.Option<PendingReferral>, StoreUnavailable>
    /** The buyer and store of an order. */
    readonly orderParties: (orderId: OrderId) => Effect.Effect<Option.Option<{ readonly buyerId: UserId; readonly storeId: StoreId }>, StoreUnavailable>
    readonly isStoreMember: (storeId: StoreId, userId: UserId) => Effect.Effect<boolean, StoreUnavailable>
    /** Sets the outcome once; false when it was already decided. */
    readonly decide: (
      referredUserId: UserId,
      d: { readonly outcome: ReferralOutcome; readonly orderId: OrderId; readonly points: number; readonly at: number }
    ) => Effect.Effect<boolean, StoreUnavailable>
    /** A REFERRAL row on the buyer's loyalty ledger (the caller's decide() makes it once). */
    readonly credit: (buyerId: UserId, points: number, orderId: OrderId | null, note: string) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
