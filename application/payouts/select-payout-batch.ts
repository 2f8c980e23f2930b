/**
 * The weekly payout batch (cron: Friday, Africa/Nairobi). Approved balances of at least KES 1,000
 * go into a DRAFT batch for FINANCE to approve; smaller ones carry over. Running it twice in the
 * same week changes nothing (the batch is unique per week).
 */
import { Clock, Effect, Either, Option } from "effect"
import { selectPayoutBatch } from "../../domain/commission.js"
import { EpochMillis } from "../../domain/ids.js"
import { Outbox } from "../ports/outbox.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { PayoutStore } from "./payout.port.js"

export const selectWeeklyPayoutBatch = () =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const now = EpochMillis.make(yield* Clock.currentTimeMillis)
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PayoutStore
        const outbox = yield* Outbox
        const selection = selectPayoutBatch({ now, balances: yield* store.payableBalances() })
        if (Either.isLeft(selection)) {
          yield* Effect.logInfo("not a payout day", selection.left.nextPayoutWeekKey)
          return Option.none()
        }
        const { weekKey, payouts, carriedOver } = selection.right
        const created = yield* store.createBatch(weekKey, payouts)
        if (Option.isSome(created))
          yield* outbox.append([
            {
              type: "PAYOUT_BATCH_SELECTED",
              aggregateType: "PAYOUT",
              aggregateId: created.value.batchId,
              payload: { batchId: created.value.batchId, weekKey, payouts: payouts.length, carriedOver: carriedOver.length }
            }
          ])
        return created
      })
    )
  }).pipe(Effect.withSpan("Payouts.selectWeeklyBatch"))
