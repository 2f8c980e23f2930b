/**
 * FINANCE rejects an APPROVED affiliate commission for fraud, with a reason (audited). The order
 * completed, so the commission sits in the affiliate's payable: the ledger moves it back to the
 * seller, and it leaves the payout not yet sent (a payout left below the minimum leaves its batch
 * and the balance carries over). A payout already submitted to M-Pesa cannot be pulled back: the
 * rejection is refused until its result is in (then the commission is PAID, and clawing it back is
 * a ledger adjustment, not a rejection).
 */
import { Clock, Effect, Either } from "effect"
import { DEFAULT_PAYOUT_MINIMUMS, transitionCommission } from "../../domain/commission.js"
import { commissionReversalPosting } from "../../domain/ledger.js"
import type { CommissionId } from "../../domain/ids.js"
import { format } from "../../domain/money.js"
import { OrderStore } from "../orders/order.port.js"
import { PayoutStore } from "../payouts/payout.port.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AdminIllegalChange } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { AdminStore } from "./admin.port.js"
import { found, recordAdminAction, requiredText } from "./record-admin-action.js"

export const rejectCommissionForFraud = (actor: AdminActor, cmd: { readonly commissionId: CommissionId; readonly reason: string }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "commissions.reject")
    const reason = yield* requiredText(cmd.reason, "a reason")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        // After a weekly selection that is writing its batch (so its payout is there to pull from),
        // and before the next one reads the balances.
        yield* Effect.flatMap(PayoutStore, (p) => p.lockBalances())
        const c = yield* found("commission", cmd.commissionId, store.lockCommission(cmd.commissionId))
        // Only an APPROVED commission is in a payable; a PENDING one ends with its order (cancelled, refunded or completed).
        if (c.state !== "APPROVED" || Either.isLeft(transitionCommission(c.state, "REJECTED", "FRAUD")))
          return yield* new AdminIllegalChange({ entity: "commission", from: c.state, change: "REJECT_FOR_FRAUD" })
        const pulled = yield* store.pullFromPendingPayout(c.id, c.affiliateUserId, c.amount, DEFAULT_PAYOUT_MINIMUMS[c.amount.currency])
        if (pulled === "IN_FLIGHT")
          return yield* new AdminIllegalChange({ entity: "commission", from: "APPROVED with its payout in flight", change: "REJECT_FOR_FRAUD" })
        yield* store.rejectCommission(c.id, `FRAUD: ${reason}`, at)
        yield* Effect.flatMap(OrderStore, (o) => o.post([commissionReversalPosting(c.orderId, c.affiliateUserId, c.storeId, c.amount)], at))
        yield* recordAdminAction(
          actor,
          {
            action: "COMMISSION.REJECT_FRAUD",
            entity: "commission",
            entityId: c.id,
            before: { state: c.state, amount: format(c.amount), affiliate: c.affiliateUserId },
            after: {
              state: "REJECTED",
              reason: "FRAUD",
              backToSeller: c.storeId,
              payout:
                pulled === undefined
                  ? null
                  : pulled.remaining === 0
                    ? { id: pulled.payoutId, left: "batch" }
                    : { id: pulled.payoutId, remaining: pulled.remaining }
            },
            reason
          },
          [
            {
              type: "COMMISSION_REJECTED",
              aggregateType: "ORDER",
              aggregateId: c.orderId,
              payload: { commissionId: c.id, orderId: c.orderId, reason: "FRAUD" }
            }
          ]
        )
        return { commissionId: c.id, state: "REJECTED" as const }
      })
    )
  }).pipe(Effect.withSpan("Admin.rejectCommissionForFraud"))
