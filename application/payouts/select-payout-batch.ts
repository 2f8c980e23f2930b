/**
 * The weekly payout batches (cron: Friday, Africa/Nairobi). Approved balances of at least KES 1,000
 * (sellers, affiliates, riders) go into a DRAFT batch for FINANCE to approve; smaller ones carry over.
 * One batch per currency: a currency without a B2C rail waits in PAYOUT_MANUAL without holding up
 * the others. Running it twice in the same week changes nothing (a batch is unique per week and
 * currency). Returns the first batch created now (KES sorts first), for callers that expect one.
 */
import { Clock, Effect, Either, Option } from "effect"
import { payoutsByCurrency, selectPayoutBatch } from "../../domain/commission.js"
import { EpochMillis } from "../../domain/ids.js"
import type { PayoutBatchId } from "../../domain/ids.js"
import * as M from "../../domain/money.js"
import { ExceptionQueue } from "../ports/exception-queue.js"
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
        // no fraud rejection takes money out of a payable between this read and the batch's write
        yield* store.lockBalances()
        const selection = selectPayoutBatch({ now, balances: yield* store.payableBalances() })
        if (Either.isLeft(selection)) {
          yield* Effect.logInfo("not a payout day", selection.left.nextPayoutWeekKey)
          return Option.none()
        }
        const { weekKey, payouts, carriedOver } = selection.right
        // owed but nowhere to send it: a person asks the owner for a destination (once a week while so)
        for (const c of carriedOver)
          if (c.noDestination === true && c.payeeKind === "SELLER" && c.approved.amount > 0)
            yield* Effect.flatMap(ExceptionQueue, (q) =>
              q.raise({
                kind: "PAYOUT_NO_DESTINATION",
                entity: "store",
                entityId: c.payeeId,
                payload: {
                  storeId: c.payeeId,
                  owed: M.format(c.approved),
                  weekKey,
                  reason: `the store is owed ${M.format(c.approved)} but its owner has set no payout destination: it stays owed until one is set`
                },
                dedupeKey: `payout-no-destination:${c.payeeId}:${c.approved.currency}:${weekKey}`
              })
            )
        let first = Option.none<{ readonly batchId: PayoutBatchId; readonly payouts: number }>()
        for (const group of payoutsByCurrency(payouts)) {
          const created = yield* store.createBatch(weekKey, group.currency, group.payouts)
          if (Option.isNone(created)) continue
          if (Option.isNone(first)) first = created
          yield* outbox.append([
            {
              type: "PAYOUT_BATCH_SELECTED",
              aggregateType: "PAYOUT",
              aggregateId: created.value.batchId,
              payload: {
                batchId: created.value.batchId,
                weekKey,
                currency: group.currency,
                payouts: group.payouts.length,
                carriedOver: carriedOver.filter((c) => c.approved.currency === group.currency).length
              }
            }
          ])
        }
        return first
      })
    )
  }).pipe(Effect.withSpan("Payouts.selectWeeklyBatch"))
