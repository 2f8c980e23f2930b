/**
 * The exception queue: things a human must look at (payment mismatches, unknown callbacks, payments
 * for expired orders, dead-lettered events). Each resolution is itself an audited admin action:
 *   retry   a dead-lettered event goes back on the worker's queue; the exception is closed
 *   resolve closed with a note saying what was done
 *   refund  the order is refunded through the order state machine (PAID -> CANCELLED, RETURNED or
 *           DISPUTED -> REFUNDED), with its ledger and stock consequences, then closed
 */
import type { ExceptionId } from "../../domain/ids.js"
import { Clock, Effect, Option, Schema } from "effect"
import { OrderId, UserId } from "../../domain/ids.js"
import type { OrderState } from "../../domain/order.js"
import { FulfilmentStore } from "../fulfilment/fulfilment.port.js"
import { OrderNotFound } from "../orders/order.errors.js"
import { OrderStore } from "../orders/order.port.js"
import { applyTransition } from "../orders/transition-order.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AdminIllegalChange, AdminInvalidInput } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { AdminStore } from "./admin.port.js"
import type { ExceptionRecord } from "./admin.port.js"
import { found, optionalText, recordAdminAction, requiredText } from "./record-admin-action.js"

const openException = (id: ExceptionId) =>
  Effect.gen(function* () {
    const store = yield* AdminStore
    const exception = yield* found("exception", id, store.lockException(id))
    if (exception.status !== "OPEN") return yield* new AdminIllegalChange({ entity: "exception", from: exception.status, change: "RESOLVE" })
    return exception
  })

const resolvedEvent = (e: ExceptionRecord, resolution: string, note: string, at: number) => ({
  type: "EXCEPTION_RESOLVED",
  aggregateType: "EXCEPTION" as const,
  aggregateId: e.id,
  payload: { exceptionId: e.id, kind: e.kind, storeId: e.storeId ?? null, resolution, note, at }
})

/**
 * Inside the caller's transaction: the OPEN exceptions of this kind about this entity, resolved with
 * one note by the admin whose action settled them (paid by hand, a refund sent again); their events.
 */
export const resolveOpenExceptionsAbout = (
  actor: AdminActor,
  about: { readonly kind: string; readonly entity: string; readonly entityId: string },
  resolution: string,
  note: string,
  at: number
) =>
  Effect.gen(function* () {
    const store = yield* AdminStore
    const open = yield* store.lockOpenExceptionsAbout(about.kind, about.entity, about.entityId)
    for (const e of open) yield* store.resolveException(e.id, { note, by: actor.id, at })
    return open.map((e) => resolvedEvent(e, resolution, note, at))
  })

export const resolveException = (actor: AdminActor, cmd: { readonly exceptionId: ExceptionId; readonly note: string }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "exceptions.work")
    const note = yield* requiredText(cmd.note, "a note")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const e = yield* openException(cmd.exceptionId)
        yield* store.resolveException(e.id, { note, by: actor.id, at })
        yield* recordAdminAction(
          actor,
          {
            action: "EXCEPTION.RESOLVE",
            entity: "exception",
            entityId: e.id,
            before: { status: e.status, kind: e.kind },
            after: { status: "RESOLVED", note },
            reason: note
          },
          [resolvedEvent(e, "RESOLVED", note, at)]
        )
        return { exceptionId: e.id, status: "RESOLVED" as const }
      })
    )
  }).pipe(Effect.withSpan("Admin.resolveException"))

export const retryException = (actor: AdminActor, cmd: { readonly exceptionId: ExceptionId; readonly note?: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "exceptions.work")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const e = yield* openException(cmd.exceptionId)
        const eventId = typeof e.payload["eventId"] === "string" ? e.payload["eventId"] : undefined
        if (e.kind !== "DEAD_LETTER" || eventId === undefined)
          return yield* new AdminInvalidInput({ detail: `a ${e.kind} exception cannot be retried automatically: resolve it with a note or refund` })
        const requeued = yield* store.requeueOutboxEvent(eventId)
        if (!requeued) return yield* new AdminInvalidInput({ detail: `the outbox event ${eventId} no longer exists` })
        const note = (yield* optionalText(cmd.note, "the note")) ?? `event ${eventId} re-queued`
        // closing it frees its dedupe key: if the retry fails again, a fresh exception is raised
        yield* store.resolveException(e.id, { note, by: actor.id, at })
        yield* recordAdminAction(
          actor,
          {
            action: "EXCEPTION.RETRY",
            entity: "exception",
            entityId: e.id,
            before: { status: e.status, kind: e.kind },
            after: { status: "RESOLVED", requeued: eventId },
            reason: note
          },
          [resolvedEvent(e, "RETRIED", note, at)]
        )
        return { exceptionId: e.id, status: "RESOLVED" as const, requeued: eventId }
      })
    )
  }).pipe(Effect.withSpan("Admin.retryException"))

/** Where a refund takes an order from its current state, as the state machine allows. */
export const refundTarget = (state: OrderState): OrderState | undefined =>
  state === "PAID" ? "CANCELLED" : state === "RETURNED" || state === "DISPUTED" ? "REFUNDED" : undefined

/** The order an exception names: its entity id, else its payload's orderId, decoded (a blank or malformed one names none). */
const orderIdOf = (e: ExceptionRecord): OrderId | undefined =>
  Option.getOrUndefined(Schema.decodeUnknownOption(OrderId)(e.entity === "order" && e.entityId ? e.entityId : e.payload["orderId"]))

export const refundException = (actor: AdminActor, cmd: { readonly exceptionId: ExceptionId; readonly note: string }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "exceptions.work")
    const note = yield* requiredText(cmd.note, "a note")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const orders = yield* OrderStore
        const e = yield* openException(cmd.exceptionId)
        const orderId = orderIdOf(e)
        if (orderId === undefined)
          return yield* new AdminInvalidInput({
            detail:
              e.kind === "REFUND_FAILED" && e.entity === "refund"
                ? `exception ${e.id} is about refund ${e.entityId ?? ""}, which Daraja confirmed FAILED: send it again from Refunds (or Held money)`
                : `exception ${e.id} names no order to refund`
          })
        const order = yield* orders.lock(orderId)
        if (Option.isNone(order)) return yield* new OrderNotFound({ orderId })
        const to = refundTarget(order.value.state)
        if (to === undefined) return yield* new AdminIllegalChange({ entity: "order", from: order.value.state, change: "REFUND" })
        yield* applyTransition(order.value, { orderId, to, actor: { kind: "ADMIN", id: UserId.make(actor.id) }, reason: note }, at)
        // a disputed order's dispute is settled by this refund, as resolveDispute's REFUND would settle it
        if (order.value.state === "DISPUTED")
          yield* Effect.flatMap(FulfilmentStore, (f) => f.resolveDispute(orderId, { status: "REFUNDED", resolution: note, by: actor.id, at }))
        yield* store.resolveException(e.id, { note, by: actor.id, at })
        yield* recordAdminAction(
          actor,
          {
            action: "EXCEPTION.REFUND",
            entity: "exception",
            entityId: e.id,
            before: { status: e.status, kind: e.kind, orderId, orderState: order.value.state },
            after: { status: "RESOLVED", orderId, orderState: to },
            reason: note
          },
          [resolvedEvent(e, "REFUNDED", note, at)]
        )
        return { exceptionId: e.id, orderId, orderState: to }
      })
    )
  }).pipe(Effect.withSpan("Admin.refundException"))
