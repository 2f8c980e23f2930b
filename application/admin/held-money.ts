/**
 * FINANCE returns money held for a checkout (application/payments/held-money.ts) whose policy left
 * the decision to a person: a claimed amount above what was pushed, or a payment from another phone
 * than the one asked. After checking the M-Pesa statement, FINANCE sends it back by the same B2C
 * path as an automatic return (result verified, Transaction Status on doubt), with a note, audited.
 * The same decision sends again a return whose B2C Daraja confirmed FAILED (RETURN_FAILED).
 */
import { Clock, Effect } from "effect"
import { format } from "../../domain/money.js"
import { startHeldReturn } from "../payments/held-money.js"
import { PaymentStore } from "../payments/payment.port.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AdminIllegalChange } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import type { HeldPaymentId } from "../../domain/ids.js"
import { found, recordAdminAction, requiredText } from "./record-admin-action.js"

export const returnHeldMoney = (actor: AdminActor, cmd: { readonly heldPaymentId: HeldPaymentId; readonly note: string }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "payouts.approve")
    const note = yield* requiredText(cmd.note, "a note")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const payments = yield* PaymentStore
        const h = yield* found("held payment", cmd.heldPaymentId, payments.lockHeldPayment(cmd.heldPaymentId))
        // HELD: waiting for this decision; RETURN_FAILED: Daraja confirmed the last attempt failed, so sending again pays once.
        if (h.status !== "HELD" && h.status !== "RETURN_FAILED")
          return yield* new AdminIllegalChange({ entity: "held payment", from: h.status, change: "RETURN" })
        yield* startHeldReturn(h, at, actor.id)
        yield* recordAdminAction(
          actor,
          {
            action: "HELD_MONEY.RETURN",
            entity: "held_payment",
            entityId: h.id,
            before: {
              status: h.status,
              amount: format(h.amount),
              reason: h.reason,
              returnPolicy: h.returnPolicy,
              checkoutId: h.checkoutId,
              receipt: h.receipt ?? null
            },
            after: { status: "RETURNING", by: "M-Pesa B2C to the phone the push went to" },
            reason: note
          },
          []
        )
        return { heldPaymentId: h.id, status: "RETURNING" as const }
      })
    )
  }).pipe(Effect.withSpan("Admin.returnHeldMoney"))
