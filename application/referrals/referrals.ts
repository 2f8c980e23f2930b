/**
 * Referrals (issue 14): every user has a code to share. A new buyer who signs up with one (the
 * `referralCode` of the OTP token exchange) is recorded as referred by its owner; when the referred
 * buyer's first order completes (the first ORDER_COMPLETED handled for them), both sides earn
 * platform-funded loyalty points (REFERRAL_POINTS each), or the referral is refused for good:
 *   - self-referral: a user's own code never counts (refused at sign-up; and at reward time when the
 *     referrer turns out to be the buyer);
 *   - staff: the referrer is a member (owner or staff) of the store that sold that first order.
 * One decision per referred user and phone (the referrals row), so a replayed event changes nothing.
 */
import { Clock, Effect, Option } from "effect"
import type { OrderId, UserId } from "../../domain/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { ReferralStore } from "./referral.port.js"
import type { ReferralOutcome } from "./referral.port.js"

export const DEFAULT_REFERRAL_POINTS = 100

/** What happened to the code given at sign-up (reported on the token exchange, never an error: the login itself succeeds). */
export type SignupReferral = "APPLIED" | "UNKNOWN_CODE" | "SELF_REFERRAL" | "NOT_A_NEW_BUYER"

export const normaliseReferralCode = (code: string) => code.trim().toUpperCase()

/** Runs inside the login's transaction, right after the user is found or created. */
export const recordSignupReferral = (user: { readonly id: UserId; readonly phone: string }, isNew: boolean, code: string) =>
  Effect.gen(function* () {
    const store = yield* ReferralStore
    const owner = yield* store.ownerOf(normaliseReferralCode(code))
    if (Option.isNone(owner)) return "UNKNOWN_CODE" as SignupReferral
    if (owner.value === user.id) return "SELF_REFERRAL"
    if (!isNew) return "NOT_A_NEW_BUYER"
    const at = yield* Clock.currentTimeMillis
    const recorded = yield* store.record({
      referredUserId: user.id,
      referredPhone: user.phone,
      referrerUserId: owner.value,
      code: normaliseReferralCode(code),
      at
    })
    return recorded ? "APPLIED" : "NOT_A_NEW_BUYER"
  })

export const myReferralCode = (userId: UserId) => Effect.flatMap(UnitOfWork, (uow) => uow.snapshot(Effect.flatMap(ReferralStore, (s) => s.codeOf(userId))))

/** The ORDER_COMPLETED handler (in the outbox handler's transaction): decides the buyer's referral, once. */
export const rewardReferral = (orderId: OrderId, points: number = DEFAULT_REFERRAL_POINTS) =>
  Effect.gen(function* () {
    const store = yield* ReferralStore
    const parties = yield* store.orderParties(orderId)
    if (Option.isNone(parties)) return "NO_ORDER" as const
    const { buyerId, storeId } = parties.value
    const referral = yield* store.lockFor(buyerId)
    if (Option.isNone(referral)) return "NOT_REFERRED" as const
    if (referral.value.outcome !== null) return "ALREADY_DECIDED" as const
    const referrer = referral.value.referrerUserId
    const outcome: ReferralOutcome = referrer === buyerId ? "REFUSED_SELF" : (yield* store.isStoreMember(storeId, referrer)) ? "REFUSED_STAFF" : "REWARDED"
    const at = yield* Clock.currentTimeMillis
    const paid = outcome === "REWARDED" ? points : 0
    if (!(yield* store.decide(buyerId, { outcome, orderId, points: paid, at }))) return "ALREADY_DECIDED" as const
    if (paid > 0) {
      yield* store.credit(buyerId, paid, orderId, "referral: welcome points for your first completed order")
      yield* store.credit(referrer, paid, null, "referral: a buyer you referred completed their first order")
    }
    return outcome
  }).pipe(Effect.withSpan("Referrals.reward"))
