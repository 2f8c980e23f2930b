/**
 * Dispatch: ACCEPTED (or DELIVERY_FAILED, for another attempt) -> DISPATCHED with a carrier assigned.
 * In one transaction: the carrier is chosen (RiderDispatch), the handover code's keyed hash is set on
 * the order, the delivery row and its SLA timer are written, and the order moves (timeline, outbox).
 * The buyer learns the code from the ORDER_DISPATCHED notification. If the transaction does not
 * commit, a partner delivery already created is cancelled; so is one a first try created when the
 * retried transaction gave the job to someone else.
 */
import { Clock, Effect, Option, Ref } from "effect"
import type { OrderId } from "../../domain/ids.js"
import { DeliveryId, UserId } from "../../domain/ids.js"
import { canTransition, IllegalTransition } from "../../domain/order.js"
import type { Actor } from "../../domain/order.js"
import { recordAdminAction, requiredText } from "../admin/record-admin-action.js"
import { authorize } from "../admin/admin-roles.js"
import type { AdminActor } from "../admin/admin-roles.js"
import { OrderNotFound } from "../orders/order.errors.js"
import { OrderStore } from "../orders/order.port.js"
import { applyTransition } from "../orders/transition-order.js"
import { Ids } from "../ports/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { RiderDispatch } from "../riders/rider-dispatch.port.js"
import type { Assignment } from "../riders/rider-dispatch.port.js"
import { storeOrder } from "../seller/seller.js"
import { FulfilmentStore, HandoverCodes } from "./fulfilment.port.js"

export interface DispatchOrder {
  readonly orderId: OrderId
  readonly actor: Actor
  /** Manual assignment (admin): this rider. */
  readonly riderUserId?: UserId | undefined
  readonly reason?: string | undefined
}

/** The dispatch steps on the caller's transaction; returns the assignment. */
const dispatchInTransaction = (
  cmd: DispatchOrder,
  ids: { readonly deliveryId: DeliveryId; readonly timerId: string },
  at: number,
  assigned: Ref.Ref<ReadonlyArray<Assignment>>
) =>
  Effect.gen(function* () {
    const orders = yield* OrderStore
    const store = yield* FulfilmentStore
    const dispatch = yield* RiderDispatch
    const codes = yield* HandoverCodes
    const order = yield* orders.lock(cmd.orderId)
    if (Option.isNone(order)) return yield* new OrderNotFound({ orderId: cmd.orderId })
    const o = order.value
    // Refuse before asking any carrier: a partner must never get a job for an order that cannot move.
    if (!canTransition(o.state, "DISPATCHED")) return yield* new IllegalTransition({ orderId: o.id, from: o.state, to: "DISPATCHED" })
    const zoneId = o.snapshot.shipping.zoneId
    const ctx = yield* store.dispatchContext(o.id)
    const assignment = yield* dispatch.assign({
      deliveryId: ids.deliveryId,
      orderId: o.id,
      zoneId,
      attempt: ctx.previousAttempts + 1,
      destination: o.snapshot.destination,
      storeId: o.storeId,
      recipientPhone: o.snapshot.delivery?.recipientPhone ?? ctx.buyerPhone,
      riderUserId: cmd.riderUserId,
      excludeRiders: ctx.failedRiders
    })
    yield* Ref.update(assigned, (made) => [...made, assignment])
    const sla = yield* store.zoneSla(zoneId)
    const dueAt = Option.map(sla, (s) => at + s.deliverWithinMs).pipe(Option.getOrUndefined)
    yield* store.setHandoverHash(o.id, yield* codes.hashOf(o.id, yield* codes.codeFor(o.id)))
    yield* store.insertDelivery({ id: ids.deliveryId, orderId: o.id, attempt: ctx.previousAttempts + 1, assignment, at, dueAt })
    const slaMet = yield* store.closeTimers(o.id, ["DISPATCH"], "MET", at)
    if (dueAt !== undefined) yield* store.openTimer({ id: ids.timerId, orderId: o.id, kind: "DELIVERY", zoneId, startedAt: at, dueAt })
    yield* applyTransition(
      o,
      {
        orderId: o.id,
        to: "DISPATCHED",
        actor: cmd.actor,
        reason: cmd.reason ?? `assigned to ${assignment.riderName}${assignment.carrier === "PARTNER" ? ` (${assignment.partner})` : ""}`,
        eventDetails: { slaMet }
      },
      at
    )
    return { orderId: o.id, deliveryId: ids.deliveryId, assignment }
  })

/**
 * Every partner delivery the dispatch's tries created, except the one it committed (`kept`), is
 * cancelled: all of them when it did not commit, and a first try's when a retried transaction (a
 * deadlock, a serialization failure) gave the job to someone else. A retry asking the partner again
 * gets the same delivery (our delivery id is its idempotency key): that one is kept.
 */
const cancelPartnerDeliveries = (made: ReadonlyArray<Assignment>, kept: Assignment | undefined, reason: string) => {
  const refs = new Set(made.flatMap((a) => (a.carrier === "PARTNER" ? [a.partnerRef] : [])))
  if (kept?.carrier === "PARTNER") refs.delete(kept.partnerRef)
  const stale = [...refs].map((ref) => made.find((a) => a.carrier === "PARTNER" && a.partnerRef === ref)!)
  return Effect.forEach(stale, (a) =>
    Effect.flatMap(RiderDispatch, (d) => d.cancel(a, reason)).pipe(Effect.catchAll((e) => Effect.logWarning("could not cancel partner delivery", e)))
  )
}

const withCompensation = <A extends { readonly assignment: Assignment }, E, R>(assigned: Ref.Ref<ReadonlyArray<Assignment>>, effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.tapError(() => Effect.flatMap(Ref.get(assigned), (made) => cancelPartnerDeliveries(made, undefined, "dispatch did not commit"))),
    Effect.tap((done) => Effect.flatMap(Ref.get(assigned), (made) => cancelPartnerDeliveries(made, done.assignment, "the order went to another carrier")))
  )

export const dispatchOrder = (cmd: DispatchOrder) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const idGen = yield* Ids
    const at = yield* Clock.currentTimeMillis
    // Made before the transaction: a retried transaction reuses them, so a partner sees one delivery.
    const ids = { deliveryId: DeliveryId.make(yield* idGen.next("dlv")), timerId: yield* idGen.next("sla") }
    const assigned = yield* Ref.make<ReadonlyArray<Assignment>>([])
    return yield* withCompensation(assigned, uow.transaction(dispatchInTransaction(cmd, ids, at, assigned)))
  }).pipe(Effect.withSpan("Fulfilment.dispatch"))

/** The seller says the parcel is ready: a carrier is assigned by the pool (or the partner). */
export const sellerDispatch = (sellerUserId: UserId, orderId: OrderId) =>
  Effect.gen(function* () {
    yield* storeOrder(sellerUserId, orderId)
    return yield* dispatchOrder({ orderId, actor: { kind: "SELLER", id: sellerUserId } })
  })

/** Back-office: an admin assigns a rider by hand (audited). */
export const assignRiderByHand = (admin: AdminActor, cmd: { readonly orderId: OrderId; readonly riderUserId: UserId; readonly note: string }) =>
  Effect.gen(function* () {
    yield* authorize(admin, "exceptions.work")
    const note = yield* requiredText(cmd.note, "a note")
    const uow = yield* UnitOfWork
    const idGen = yield* Ids
    const at = yield* Clock.currentTimeMillis
    const ids = { deliveryId: DeliveryId.make(yield* idGen.next("dlv")), timerId: yield* idGen.next("sla") }
    const assigned = yield* Ref.make<ReadonlyArray<Assignment>>([])
    return yield* withCompensation(
      assigned,
      uow.transaction(
        Effect.gen(function* () {
          const result = yield* dispatchInTransaction(
            { orderId: cmd.orderId, actor: { kind: "ADMIN", id: UserId.make(admin.id) }, riderUserId: cmd.riderUserId, reason: `assigned by hand: ${note}` },
            ids,
            at,
            assigned
          )
          yield* recordAdminAction(
            admin,
            {
              action: "ORDER.ASSIGN_RIDER",
              entity: "order",
              entityId: cmd.orderId,
              before: null,
              after: { deliveryId: result.deliveryId, riderUserId: cmd.riderUserId },
              reason: note
            },
            []
          )
          return result
        })
      )
    )
  }).pipe(Effect.withSpan("Fulfilment.assignRiderByHand"))
