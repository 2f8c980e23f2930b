/**
 * A buyer's orders: list, detail (snapshot, state, timeline), confirm receipt (DELIVERED ->
 * COMPLETED, which releases escrow) or dispute with evidence (DELIVERED -> DISPUTED). Another
 * buyer's order is "not found": its existence is not disclosed.
 */
import { Clock, Effect, Option } from "effect"
import type { OrderId, UserId } from "../../domain/ids.js"
import type { Evidence } from "../../domain/order.js"
import { OrderNotFound } from "../orders/order.errors.js"
import { transitionOrder } from "../orders/transition-order.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { BuyerOrderStore } from "./buyer-order.port.js"

export const listMyOrders = (buyerId: UserId, limit = 20, offset = 0) => Effect.flatMap(BuyerOrderStore, (s) => s.list({ buyerId, limit, offset }))

export const myOrder = (buyerId: UserId, orderId: OrderId) =>
  Effect.gen(function* () {
    const found = yield* Effect.flatMap(BuyerOrderStore, (s) => s.get(orderId))
    if (Option.isNone(found) || found.value.buyerId !== buyerId) return yield* new OrderNotFound({ orderId })
    return found.value
  })

export const confirmReceipt = (buyerId: UserId, orderId: OrderId) =>
  Effect.gen(function* () {
    yield* myOrder(buyerId, orderId)
    yield* transitionOrder({ orderId, to: "COMPLETED", actor: { kind: "BUYER", id: buyerId }, reason: "buyer confirmed receipt" })
    return yield* myOrder(buyerId, orderId)
  }).pipe(Effect.withSpan("BuyerOrders.confirm"))

export const openDispute = (buyerId: UserId, orderId: OrderId, evidence: Evidence) =>
  Effect.gen(function* () {
    yield* myOrder(buyerId, orderId)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    yield* uow.transaction(
      Effect.gen(function* () {
        yield* transitionOrder({ orderId, to: "DISPUTED", actor: { kind: "BUYER", id: buyerId }, reason: "buyer opened a dispute", evidence })
        yield* Effect.flatMap(BuyerOrderStore, (s) => s.openDispute({ orderId, openedBy: buyerId, evidence, at }))
      })
    )
    return yield* myOrder(buyerId, orderId)
  }).pipe(Effect.withSpan("BuyerOrders.dispute"))
