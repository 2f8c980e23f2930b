/**
 * Disputes freeze escrow: a DISPUTED order is never completed by the dispute-window timer, and only
 * an admin moves it on: release to the seller (COMPLETED: escrow released by the ledger rules) or
 * refund the buyer (REFUNDED: the buyer gets back what they paid, by M-Pesa B2C from the outbox).
 */
import { Clock, Effect, Option } from "effect"
import { UserId } from "../../domain/ids.js"
import type { OrderId } from "../../domain/ids.js"
import { authorize } from "../admin/admin-roles.js"
import type { AdminActor } from "../admin/admin-roles.js"
import { recordAdminAction, requiredText } from "../admin/record-admin-action.js"
import { OrderNotFound } from "../orders/order.errors.js"
import { OrderStore } from "../orders/order.port.js"
import { applyTransition } from "../orders/transition-order.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { DisputeNotOpen } from "./fulfilment.errors.js"
import { FulfilmentStore } from "./fulfilment.port.js"

export type DisputeOutcome = "RELEASE" | "REFUND"

export const resolveDispute = (admin: AdminActor, cmd: { readonly orderId: OrderId; readonly outcome: DisputeOutcome; readonly note: string }) =>
  Effect.gen(function* () {
    yield* authorize(admin, "exceptions.work")
    const note = yield* requiredText(cmd.note, "a note")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const orders = yield* OrderStore
        const store = yield* FulfilmentStore
        const order = yield* orders.lock(cmd.orderId)
        if (Option.isNone(order)) return yield* new OrderNotFound({ orderId: cmd.orderId })
        if (order.value.state !== "DISPUTED") return yield* new DisputeNotOpen({ orderId: cmd.orderId, state: order.value.state })
        const to = cmd.outcome === "RELEASE" ? "COMPLETED" : "REFUNDED"
        yield* applyTransition(
          order.value,
          { orderId: cmd.orderId, to, actor: { kind: "ADMIN", id: UserId.make(admin.id) }, reason: `dispute resolved: ${note}` },
          at
        )
        yield* store.resolveDispute(cmd.orderId, { status: cmd.outcome === "RELEASE" ? "RELEASED_TO_SELLER" : "REFUNDED", resolution: note, by: admin.id, at })
        yield* recordAdminAction(
          admin,
          { action: `DISPUTE.${cmd.outcome}`, entity: "order", entityId: cmd.orderId, before: { state: "DISPUTED" }, after: { state: to }, reason: note },
          []
        )
        return { orderId: cmd.orderId, state: to }
      })
    )
  }).pipe(Effect.withSpan("Fulfilment.resolveDispute"))
