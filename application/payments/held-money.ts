/**
 * Money that M-Pesa confirms arrived (Daraja's STK query said Paid) but that cannot settle its
 * checkout: a wrong amount or phone, or a checkout that expired, was cancelled or was already paid.
 * It is never silently kept and never a reason to charge again:
 *
 *   holdMoney         once per push: a held_payments row and its posting (Dr M-Pesa clearing,
 *                     Cr held payments), on the reconciliation's transaction. While held, the
 *                     checkout refuses new pushes (request-payment.ts) and shows it to the buyer.
 *   startHeldReturn   the money goes back by the refunds' B2C machinery (a refund row naming the
 *                     held payment; result verified, Transaction Status on doubt): at once when the
 *                     policy is AUTOMATIC, on FINANCE's decision otherwise (application/admin/held-money.ts).
 *                     Daraja's confirmed result moves it to RETURNED (Dr held payments, Cr clearing)
 *                     or RETURN_FAILED (still held, REFUND_FAILED for a human; FINANCE may send it again).
 */
import { Effect, Option } from "effect"
import type { UserId } from "../../domain/ids.js"
import { heldPaymentPosting } from "../../domain/ledger.js"
import type { HeldReason, ReturnPolicy } from "../../domain/held-money.js"
import * as M from "../../domain/money.js"
import { HeldPaymentId, RefundId } from "../../domain/ids.js"
import type { Money } from "../../domain/money.js"
import { OrderStore } from "../orders/order.port.js"
import { Ids } from "../ports/ids.js"
import { Outbox } from "../ports/outbox.js"
import { DisbursementStore } from "../payouts-execution/disbursement.port.js"
import { PaymentStore } from "./payment.port.js"
import type { HeldPayment, StkRequest } from "./payment.port.js"

/**
 * Sends held money back by B2C (HELD or RETURN_FAILED -> RETURNING): a refund row for this attempt
 * (at most one not FAILED per held payment, so never two in flight), then REFUND_REQUESTED.
 */
export const startHeldReturn = (h: HeldPayment, at: number, decidedBy?: string | undefined) =>
  Effect.gen(function* () {
    const id = RefundId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("rfd")))
    const created = yield* Effect.flatMap(DisbursementStore, (d) =>
      // held money is what M-Pesa received: whole shillings, sent back exactly
      d.createRefund({
        id,
        heldPaymentId: h.id,
        buyerId: h.buyerId,
        phone: h.phone,
        amount: h.amount,
        disbursed: h.amount,
        originatorConversationId: `amana-return-${id}`
      })
    )
    if (created)
      yield* Effect.flatMap(Outbox, (o) =>
        o.append([
          { type: "REFUND_REQUESTED", aggregateType: "PAYMENT", aggregateId: id, payload: { refundId: id, heldPaymentId: h.id, checkoutId: h.checkoutId } }
        ])
      )
    yield* Effect.flatMap(PaymentStore, (s) => s.setHeldStatus(h.id, { status: "RETURNING", at, decidedBy }))
    return { ...h, status: "RETURNING" as const }
  })

/**
 * Holds the money of a push that Daraja confirmed paid and that cannot settle its checkout; on the
 * caller's transaction, with the push row locked. A replay finds it held and does nothing more.
 * Returns what the exception should say about it.
 */
export const holdMoney = (
  request: StkRequest,
  c: { readonly buyerId: UserId; readonly received: Money; readonly receipt: string | undefined; readonly reason: HeldReason; readonly policy: ReturnPolicy },
  at: number
) =>
  Effect.gen(function* () {
    const store = yield* PaymentStore
    const id = HeldPaymentId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("hld")))
    const inserted = yield* store.insertHeldPayment({
      id,
      checkoutId: request.checkoutId,
      stkRequestId: request.id,
      buyerId: c.buyerId,
      phone: request.phone.replace(/^\+/, ""),
      amount: c.received,
      receipt: c.receipt,
      reason: c.reason,
      returnPolicy: c.policy,
      status: "HELD",
      heldAt: at
    })
    if (Option.isNone(inserted)) return {}
    const h = inserted.value
    yield* Effect.flatMap(OrderStore, (o) => o.post([heldPaymentPosting(h.id, h.amount, h.receipt)], at))
    if (h.returnPolicy === "AUTOMATIC") yield* startHeldReturn(h, at)
    return {
      heldPaymentId: h.id,
      held: M.format(h.amount),
      heldReason: h.reason,
      returnPolicy: h.returnPolicy,
      next:
        h.returnPolicy === "AUTOMATIC"
          ? "returned by M-Pesa B2C automatically"
          : "FINANCE decides: return it from the back-office (Held money) once the statement is checked"
    }
  })
