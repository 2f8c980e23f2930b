/**
 * Move an order through the state machine, with everything that must happen with it in the SAME
 * transaction: the timeline entry, the outbox event, and the money and stock consequences.
 *
 *   -> PAID                      reservations confirmed; affiliate commission PENDING
 *   -> EXPIRED | CANCELLED_BY_USER  stock and promotion/code burns released; redeemed loyalty reversed
 *   -> CANCELLED (seller rejects)   full refund posting; units back to stock; loyalty redemption reversed; commission REJECTED
 *   -> REFUNDED                  refund posting; loyalty redemption reversed; commission REJECTED
 *   -> COMPLETED                 escrow released to seller/affiliate/the carrier who delivered/fee; commission APPROVED; loyalty earned
 */
import { Effect, Either, Option } from "effect"
import { pointsEarned } from "../../domain/incentives.js"
import type { LoyaltyPolicy } from "../../domain/incentives.js"
import { carrierAccountId, refundPosting, releasePosting, sellerSettlement } from "../../domain/ledger.js"
import { transition } from "../../domain/order.js"
import type { Actor, Evidence, OrderState, Proof } from "../../domain/order.js"
import type { OrderId } from "../../domain/ids.js"
import { EpochMillis } from "../../domain/ids.js"
import { Clock } from "effect"
import { Outbox } from "../ports/outbox.js"
import { UnitOfWork, pipelined } from "../ports/unit-of-work.js"
import { OrderNotFound } from "./order.errors.js"
import { OrderStore } from "./order.port.js"
import type { OrderRecord } from "./order.port.js"
import { defaultLoyaltyPolicy } from "../../domain/incentives.js"

export interface TransitionOrder {
  readonly orderId: OrderId
  readonly to: OrderState
  readonly actor: Actor
  readonly reason?: string | undefined
  readonly proof?: Proof | undefined
  readonly evidence?: Evidence | undefined
  /** more for the event's payload (e.g. `slaMet`: SLA timers this move closed in time) */
  readonly eventDetails?: Readonly<Record<string, unknown>> | undefined
}

/**
 * What an order event carries besides the move, so its consumers (the read models, application/insights)
 * need not read the order back: its total, when it was checked out, and per move what it means:
 * PAID the lines, the delivery area and what the buyer was charged for it (its whole-shilling share of
 * the M-Pesa charge, as the ledger credits escrow), CANCELLED/REFUNDED what the buyer gets back.
 */
const eventFacts = (order: OrderRecord, to: OrderState): Readonly<Record<string, unknown>> => {
  const s = order.snapshot
  const base = { total: s.totals.final, checkedOutAt: order.checkedOutAt }
  switch (to) {
    case "PAID":
      return {
        ...base,
        zoneId: s.shipping.zoneId,
        charged: s.totals.buyerPays,
        lines: s.lines.map((l) => ({ productId: l.productId, quantity: l.quantity, amount: l.finalLineTotal.amount }))
      }
    case "CANCELLED":
    case "REFUNDED":
      return { ...base, refund: s.totals.buyerPays }
    default:
      return base
  }
}

/** The consequences of arriving in `to`, run inside the caller's transaction. */
const consequences = (order: OrderRecord, to: OrderState, at: number, loyalty: LoyaltyPolicy) =>
  Effect.gen(function* () {
    const store = yield* OrderStore
    const s = order.snapshot
    const redeemed = s.incentives.loyalty?.points ?? 0
    const reverseRedemption =
      redeemed > 0
        ? store.loyalty({ buyerId: order.buyerId, orderId: order.id, checkoutId: order.checkoutId, points: redeemed, reason: "REDEMPTION_REVERSED" })
        : Effect.void
    switch (to) {
      case "PAID":
        yield* store.confirmReservations(order.id)
        if (s.affiliate)
          yield* store.recordCommission(order.id, { state: "PENDING", affiliateUserId: s.affiliate.userId, amount: sellerSettlement(s).commission })
        return
      case "EXPIRED":
      case "CANCELLED_BY_USER":
        yield* store.releaseHolds(order.id, at)
        yield* reverseRedemption
        return
      case "CANCELLED":
        yield* store.post([refundPosting(s)], at)
        yield* store.restock(order.id)
        yield* reverseRedemption
        if (s.affiliate) yield* store.recordCommission(order.id, { state: "REJECTED", reason: "ORDER_CANCELLED" })
        return
      case "REFUNDED":
        yield* store.post([refundPosting(s)], at)
        yield* reverseRedemption
        if (s.affiliate) yield* store.recordCommission(order.id, { state: "REJECTED", reason: "ORDER_REFUNDED" })
        return
      case "COMPLETED": {
        yield* store.post([releasePosting(s, carrierAccountId(order.deliveredBy))], at)
        if (s.affiliate) yield* store.recordCommission(order.id, { state: "APPROVED" })
        const merchandisePaid = s.lines.reduce((sum, l) => sum + l.finalLineTotal.amount, 0)
        const points = pointsEarned(loyalty, { amount: merchandisePaid, currency: s.currency })
        if (points > 0) yield* store.loyalty({ buyerId: order.buyerId, orderId: order.id, checkoutId: order.checkoutId, points, reason: "EARNED" })
        return
      }
      default:
        return
    }
  })

/** Apply one transition on an order already locked in the current transaction. */
export const applyTransition = (order: OrderRecord, cmd: TransitionOrder, at: number, loyalty: LoyaltyPolicy = defaultLoyaltyPolicy) =>
  Effect.gen(function* () {
    const store = yield* OrderStore
    const outbox = yield* Outbox
    const result = transition(
      {
        id: order.id,
        state: order.state,
        checkedOutAt: EpochMillis.make(order.checkedOutAt),
        ...(order.handoverCode !== undefined && { handoverCode: order.handoverCode }),
        ...(order.deliveredAt !== undefined && { deliveredAt: EpochMillis.make(order.deliveredAt) })
      },
      {
        to: cmd.to,
        actor: cmd.actor,
        at: EpochMillis.make(at),
        ...(cmd.reason !== undefined && { reason: cmd.reason }),
        ...(cmd.proof !== undefined && { proof: cmd.proof }),
        ...(cmd.evidence !== undefined && { evidence: cmd.evidence })
      }
    )
    if (Either.isLeft(result)) return yield* Effect.fail(result.left)
    const { event } = result.right
    // The move, its consequences and its event need nothing from each other: issued at once, one
    // round trip (the order is locked; the consequences' lock waits, if any, are second in line).
    yield* pipelined([
      store.recordTransition({
        orderId: order.id,
        from: order.state,
        to: cmd.to,
        at,
        actor: cmd.actor,
        reason: cmd.reason,
        details: cmd.proof ? { proof: { ...cmd.proof, handoverCode: "(verified)" } } : cmd.evidence ? { evidence: cmd.evidence } : undefined
      }),
      consequences(order, cmd.to, at, loyalty),
      outbox.append([
        {
          type: event.type,
          aggregateType: "ORDER",
          aggregateId: order.id,
          payload: {
            orderId: order.id,
            checkoutId: order.checkoutId,
            storeId: order.storeId,
            buyerId: order.buyerId,
            from: order.state,
            to: cmd.to,
            at,
            actor: cmd.actor,
            reason: cmd.reason ?? null,
            ...eventFacts(order, cmd.to),
            ...cmd.eventDetails
          }
        }
      ])
    ])
    return { ...order, state: cmd.to, ...(cmd.to === "DELIVERED" && { deliveredAt: at }) }
  })

/** Lock, check and apply a transition in its own transaction. */
export const transitionOrder = (cmd: TransitionOrder) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* OrderStore
        const order = yield* store.lock(cmd.orderId)
        if (Option.isNone(order)) return yield* new OrderNotFound({ orderId: cmd.orderId })
        return yield* applyTransition(order.value, cmd, at)
      })
    )
  }).pipe(Effect.withSpan("Orders.transition"))

const SYSTEM: Actor = { kind: "SYSTEM", id: "scheduler" }

/**
 * Expire every order whose payment window has closed (the worker's cron runs this). Each order in
 * its own transaction: one bad order never blocks the rest; a re-run finds nothing left to do.
 */
export const expireUnpaidOrders = (batch = 200) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* OrderStore
    const now = yield* Clock.currentTimeMillis
    const ids = yield* uow.transaction(store.expirable(now, batch))
    let expired = 0
    for (const orderId of ids) {
      const done = yield* transitionOrder({ orderId, to: "EXPIRED", actor: SYSTEM, reason: "payment window closed" }).pipe(
        Effect.as(1),
        Effect.catchAll((e) => Effect.logWarning("could not expire order", orderId, e).pipe(Effect.as(0)))
      )
      expired += done
    }
    return expired
  }).pipe(Effect.withSpan("Orders.expireUnpaid"))

/** Complete every DELIVERED order whose dispute window has passed. */
export const completeAfterDisputeWindow = (batch = 200) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* OrderStore
    const now = yield* Clock.currentTimeMillis
    const ids = yield* uow.transaction(store.completable(now, batch))
    let completed = 0
    for (const orderId of ids) {
      const done = yield* transitionOrder({ orderId, to: "COMPLETED", actor: SYSTEM, reason: "dispute window passed" }).pipe(
        Effect.as(1),
        Effect.catchAll((e) => Effect.logWarning("could not complete order", orderId, e).pipe(Effect.as(0)))
      )
      completed += done
    }
    return completed
  }).pipe(Effect.withSpan("Orders.completeAfterDisputeWindow"))
