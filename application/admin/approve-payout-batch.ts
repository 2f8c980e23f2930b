/** FINANCE approves the week's DRAFT payout batch; the approval event is what sends the M-Pesa B2C payouts. */
import type { PayoutBatchId } from "../../domain/ids.js"
import { Clock, Effect } from "effect"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AdminIllegalChange } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { AdminStore } from "./admin.port.js"
import { found, optionalText, recordAdminAction } from "./record-admin-action.js"

export const approvePayoutBatch = (actor: AdminActor, cmd: { readonly batchId: PayoutBatchId; readonly note?: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "payouts.approve")
    // kept in the hash-chained audit log: bounded and printable like every admin note
    const note = yield* optionalText(cmd.note, "the note")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const batch = yield* found("payout batch", cmd.batchId, store.lockPayoutBatch(cmd.batchId))
        if (batch.state !== "DRAFT") return yield* new AdminIllegalChange({ entity: "payout batch", from: batch.state, change: "APPROVE" })
        yield* store.approvePayoutBatch(batch.id, actor.id, at)
        yield* recordAdminAction(
          actor,
          {
            action: "PAYOUT_BATCH.APPROVE",
            entity: "payout_batch",
            entityId: batch.id,
            before: { state: batch.state },
            after: { state: "APPROVED", weekKey: batch.weekKey, payouts: batch.payouts, total: batch.total },
            reason: note ?? null
          },
          [{ type: "PAYOUT_BATCH_APPROVED", aggregateType: "PAYOUT", aggregateId: batch.id, payload: { batchId: batch.id, weekKey: batch.weekKey, at } }]
        )
        return { batchId: batch.id, state: "APPROVED" as const }
      })
    )
  }).pipe(Effect.withSpan("Admin.approvePayoutBatch"))
