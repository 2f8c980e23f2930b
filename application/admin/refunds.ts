/**
 * FINANCE sends again an order's refund whose B2C Daraja confirmed FAILED (e.g. 2040: the buyer's
 * line could not receive), once the cause is fixed: a new attempt for the same order and the same
 * paid share, by the same B2C path (result verified, Transaction Status on doubt), with a note,
 * audited; the REFUND_FAILED exception about the failed attempt is resolved with it. As for held
 * money (application/admin/held-money.ts), at most one attempt per order is not FAILED
 * (db/migrations/0085): a second click while an attempt is in flight, or after one succeeded, is
 * refused and sends nothing, so the buyer is refunded at most once.
 */
import { Clock, Effect, Option } from "effect"
import { format } from "../../domain/money.js"
import type { RefundId } from "../../domain/ids.js"
import { DisbursementStore } from "../payouts-execution/disbursement.port.js"
import { startOrderRefund } from "../payouts-execution/execute.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AdminIllegalChange, AdminInvalidInput } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { found, recordAdminAction, requiredText } from "./record-admin-action.js"
import { resolveOpenExceptionsAbout } from "./work-exceptions.js"

export const sendRefundAgain = (actor: AdminActor, cmd: { readonly refundId: RefundId; readonly note: string }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "payouts.approve")
    const note = yield* requiredText(cmd.note, "a note")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const disbursements = yield* DisbursementStore
        const r = yield* found("refund", cmd.refundId, disbursements.lockRefund(cmd.refundId))
        // Only Daraja's confirmed failure means no money went: anything else could pay twice.
        if (r.status !== "FAILED") return yield* new AdminIllegalChange({ entity: "refund", from: r.status, change: "SEND_AGAIN" })
        if (r.orderId === undefined)
          return yield* new AdminInvalidInput({ detail: `refund ${r.id} returns held money: send it again from Held money (${r.heldPaymentId ?? ""})` })
        const orderId = r.orderId
        const next = yield* startOrderRefund(orderId)
        if (Option.isNone(next))
          return yield* new AdminInvalidInput({
            detail: `order ${orderId} already has a refund in flight or paid (or was never paid): nothing sent again`
          })
        const resolved = yield* resolveOpenExceptionsAbout(
          actor,
          { kind: "REFUND_FAILED", entity: "refund", entityId: r.id },
          "REFUND_SENT_AGAIN",
          `sent again as refund ${next.value}: ${note}`,
          at
        )
        yield* recordAdminAction(
          actor,
          {
            action: "REFUND.SEND_AGAIN",
            entity: "refund",
            entityId: r.id,
            before: { status: r.status, orderId, amount: format(r.amount), originatorConversationId: r.originatorConversationId },
            after: { refundId: next.value, status: "PENDING", by: "M-Pesa B2C to the phone that paid", resolvedExceptions: resolved.map((e) => e.aggregateId) },
            reason: note
          },
          resolved
        )
        return { refundId: r.id, orderId, next: next.value, status: "PENDING" as const }
      })
    )
  }).pipe(Effect.withSpan("Admin.sendRefundAgain"))
