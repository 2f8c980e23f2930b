/**
 * A payout handed to a human (submitPayout: no B2C rail for its currency, or a Till/Paybill store
 * while B2B is not wired) waits MANUAL_PENDING, in flight, so the weekly batch does not hand the same
 * balance over again. FINANCE closes it one of two ways, each audited, each resolving its
 * PAYOUT_MANUAL exception:
 *   paid by hand  with the receipt and the rail it left by (M-Pesa or bank): SUCCEEDED, and the
 *                 settled posting a confirmed B2C payout gets, from that rail's clearing account
 *                 (payable -> M-Pesa or bank clearing, once per payout);
 *   give back     it was not (and will not be) paid this way: FAILED, the balance is owed again and
 *                 goes out with a later batch.
 * Recording the same payment twice (the same reference) is a no-op; anything else on a payout that
 * is not MANUAL_PENDING is refused.
 */
import { Clock, Effect } from "effect"
import type { PayoutId } from "../../domain/ids.js"
import { format } from "../../domain/money.js"
import { OrderStore } from "../orders/order.port.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { payoutDisbursement, payoutSettledPosting } from "../payouts-execution/disbursement.js"
import type { ManualRail } from "../payouts-execution/disbursement.js"
import { DisbursementStore } from "../payouts-execution/disbursement.port.js"
import type { PayoutRecord } from "../payouts-execution/disbursement.port.js"
import { AdminIllegalChange, AdminInvalidInput } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { found, optionalText, recordAdminAction, requiredText } from "./record-admin-action.js"
import { resolveOpenExceptionsAbout } from "./work-exceptions.js"

/** Closes the payout's open PAYOUT_MANUAL exception(s) with the same note, as a resolution would. */
const resolveManualExceptions = (actor: AdminActor, p: PayoutRecord, resolution: string, note: string, at: number) =>
  resolveOpenExceptionsAbout(actor, { kind: "PAYOUT_MANUAL", entity: "payout", entityId: p.id }, resolution, note, at)

const MAX_REFERENCE = 100
const MANUAL_RAILS: ReadonlyArray<ManualRail> = ["MPESA", "BANK"]

export const recordPayoutPaidByHand = (
  actor: AdminActor,
  cmd: { readonly payoutId: PayoutId; readonly reference: string; readonly rail: string; readonly note?: string | undefined }
) =>
  Effect.gen(function* () {
    yield* authorize(actor, "payouts.approve")
    // which account the money left: the ledger's clearing account must match the statement it will be reconciled against
    if (!MANUAL_RAILS.includes(cmd.rail as ManualRail))
      return yield* new AdminInvalidInput({ detail: "say how the payment was made: MPESA (from the platform's M-Pesa account) or BANK (a bank transfer)" })
    const rail = cmd.rail as ManualRail
    const reference = yield* requiredText(cmd.reference, "the payment's reference (M-Pesa or bank receipt)")
    if (reference.length > MAX_REFERENCE) return yield* new AdminInvalidInput({ detail: `the reference is too long (${MAX_REFERENCE} characters at most)` })
    const note = yield* optionalText(cmd.note, "the note")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* DisbursementStore
        const p = yield* found("payout", cmd.payoutId, store.lockPayout(cmd.payoutId))
        // the same payment recorded again (a double submit): already done, nothing posts twice
        if (p.status === "SUCCEEDED" && p.manualReference === reference) return { payoutId: p.id, status: "SUCCEEDED" as const, alreadyRecorded: true }
        if (p.status !== "MANUAL_PENDING") return yield* new AdminIllegalChange({ entity: "payout", from: p.status, change: "RECORD_PAID_BY_HAND" })
        const sent = payoutDisbursement(p.amount)
        yield* store.finishManual(p.id, { status: "SUCCEEDED", at, reference, by: actor.id, note })
        yield* Effect.flatMap(OrderStore, (o) =>
          o.post([payoutSettledPosting(p, sent, p.id, `paid by hand (${rail === "BANK" ? "bank" : "M-Pesa"} ${reference})`, rail)], at)
        )
        if (p.payeeKind === "AFFILIATE") yield* store.markCommissionsPaid(p.payeeId, p.id)
        const resolution = `paid by hand: ${format(sent)}, reference ${reference}${note !== undefined ? ` (${note})` : ""}`
        const events = yield* resolveManualExceptions(actor, p, "PAID_BY_HAND", resolution, at)
        yield* recordAdminAction(
          actor,
          {
            action: "PAYOUT.PAID_BY_HAND",
            entity: "payout",
            entityId: p.id,
            before: { status: p.status, amount: format(p.amount), payee: `${p.payeeKind} ${p.payeeId}`, method: p.method, destination: p.destination },
            after: { status: "SUCCEEDED", paid: format(sent), reference, rail },
            reason: note ?? null
          },
          events
        )
        return { payoutId: p.id, status: "SUCCEEDED" as const, alreadyRecorded: false }
      })
    )
  }).pipe(Effect.withSpan("Admin.recordPayoutPaidByHand"))

export const giveBackManualPayout = (actor: AdminActor, cmd: { readonly payoutId: PayoutId; readonly note: string }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "payouts.approve")
    const note = yield* requiredText(cmd.note, "a note (why it was not paid by hand)")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* DisbursementStore
        const p = yield* found("payout", cmd.payoutId, store.lockPayout(cmd.payoutId))
        if (p.status !== "MANUAL_PENDING") return yield* new AdminIllegalChange({ entity: "payout", from: p.status, change: "GIVE_BACK" })
        yield* store.finishManual(p.id, { status: "FAILED", at, by: actor.id, note })
        const events = yield* resolveManualExceptions(actor, p, "GIVEN_BACK", `given back, not paid by hand: ${note}`, at)
        yield* recordAdminAction(
          actor,
          {
            action: "PAYOUT.GIVE_BACK",
            entity: "payout",
            entityId: p.id,
            before: { status: p.status, amount: format(p.amount), payee: `${p.payeeKind} ${p.payeeId}` },
            after: { status: "FAILED", owedAgain: format(p.amount) },
            reason: note
          },
          events
        )
        return { payoutId: p.id, status: "FAILED" as const }
      })
    )
  }).pipe(Effect.withSpan("Admin.giveBackManualPayout"))
