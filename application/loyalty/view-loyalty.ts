/**
 * What a buyer sees of their loyalty points: the balance, what a point is worth and how much of an
 * order points may pay, and the history (earned on completed orders, redeemed at checkout, given
 * back when an unpaid checkout is cancelled or expires or an order is refunded, SLA compensation).
 * Balance and page are read in one snapshot, so they always agree.
 */
import { Effect } from "effect"
import type { UserId } from "../../domain/ids.js"
import { defaultLoyaltyPolicy } from "../../domain/incentives.js"
import type { LoyaltyPolicy } from "../../domain/incentives.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { LoyaltyStore } from "./loyalty.port.js"

export const viewLoyalty = (buyerId: UserId, page: { readonly limit: number; readonly offset: number }, policy: LoyaltyPolicy = defaultLoyaltyPolicy) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* LoyaltyStore
    const [balance, history] = yield* uow.snapshot(Effect.all([store.balance(buyerId), store.history(buyerId, page.limit, page.offset)]))
    return {
      balance: balance.points,
      pointValue: policy.pointValue,
      earnPer: policy.earnPer,
      redemptionCapBps: policy.redemptionCapBps,
      total: balance.entries,
      items: history
    }
  }).pipe(Effect.withSpan("Loyalty.view"))
