/** The exception queue, held money, payout batches, payouts and affiliate commissions, the audit log and admin users. */
import { Effect, Option } from "effect"
import type { CurrentAdmin, ResourceWithOptions } from "adminjs"
import { createAdminUser, verifyAuditChain } from "../../application/admin/admin-accounts.js"
import { AdminRole } from "../../application/admin/admin-roles.js"
import { approvePayoutBatch } from "../../application/admin/approve-payout-batch.js"
import { returnHeldMoney } from "../../application/admin/held-money.js"
import { giveBackManualPayout, recordPayoutPaidByHand } from "../../application/admin/manual-payouts.js"
import { sendRefundAgain } from "../../application/admin/refunds.js"
import { rejectCommissionForFraud } from "../../application/admin/reject-commission.js"
import { refundException, resolveException, retryException } from "../../application/admin/work-exceptions.js"
import { actorOf, readOnlyActions, recordIdAs, text, writeAction } from "../actions.js"
import { AdminUserId, CommissionId, ExceptionId, HeldPaymentId, PayoutBatchId, PayoutId, RefundId } from "../../domain/ids.js"
import { setAdminOnCall } from "../../application/alerts/on-call.js"
import type { BackofficeContext } from "../actions.js"
import { money } from "../display.js"
import { ReadModelResource } from "../read-model.js"

export const exceptionsResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "exceptions",
      query: `select x.id, x.kind, x.status, x.entity, x.entity_id, x.payload, x.created_at, x.note, a.email as resolved_by, x.resolved_at,
                     (case when x.status = 'OPEN' then '0' else '1' end) || to_char(x.created_at at time zone 'UTC', 'YYYYMMDDHH24MISSUS') as queue_order
                from exceptions x left join admin_users a on a.id = x.resolved_by`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "kind", filter: "exact" },
        { path: "status", filter: "exact" },
        { path: "entity", filter: "exact" },
        { path: "entity_id", filter: "exact" },
        { path: "payload", type: "textarea", sortable: false },
        { path: "note", type: "textarea" },
        { path: "resolved_by" },
        { path: "resolved_at", type: "datetime", filter: "range" },
        { path: "created_at", type: "datetime", filter: "range" },
        { path: "queue_order", filter: "none" }
      ]
    },
    ctx.read
  ),
  options: {
    id: "exceptions",
    navigation: { name: "Operations", icon: "AlertTriangle" },
    sort: { sortBy: "queue_order", direction: "asc" },
    listProperties: ["kind", "status", "entity", "entity_id", "created_at", "resolved_by"],
    showProperties: ["id", "kind", "status", "entity", "entity_id", "payload", "created_at", "note", "resolved_by", "resolved_at"],
    filterProperties: ["kind", "status", "entity_id", "created_at"],
    properties: { status: { availableValues: ["OPEN", "RESOLVED"].map((v) => ({ value: v, label: v })) } },
    actions: {
      ...readOnlyActions("exceptions.read"),
      resolve: writeAction(ctx, "exceptions", "resolve", {
        actionType: "record",
        capability: "exceptions.work",
        icon: "CheckSquare",
        label: "Resolve with a note",
        submitLabel: "Resolve",
        fields: [{ name: "note", label: "What was done (kept in the audit log)", type: "textarea", required: true }],
        when: (p) => p["status"] === "OPEN",
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(ExceptionId, id, "exception"), (exceptionId) =>
            Effect.as(resolveException(actor, { exceptionId, note: text(payload, "note") ?? "" }), "Exception resolved")
          )
      }),
      retry: writeAction(ctx, "exceptions", "retry", {
        actionType: "record",
        capability: "exceptions.work",
        icon: "RefreshCw",
        label: "Retry",
        submitLabel: "Retry the event",
        fields: [{ name: "note", label: "Note (optional)", type: "textarea" }],
        when: (p) => p["status"] === "OPEN" && p["kind"] === "DEAD_LETTER",
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(ExceptionId, id, "exception"), (exceptionId) =>
            Effect.map(retryException(actor, { exceptionId, note: text(payload, "note") }), (r) => `Event ${r.requeued} re-queued`)
          )
      }),
      refund: writeAction(ctx, "exceptions", "refund", {
        actionType: "record",
        capability: "exceptions.work",
        icon: "CornerUpLeft",
        label: "Refund the order",
        submitLabel: "Refund",
        variant: "danger",
        fields: [{ name: "note", label: "Why refund (kept in the audit log and on the order's timeline)", type: "textarea", required: true }],
        when: (p) => p["status"] === "OPEN",
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(ExceptionId, id, "exception"), (exceptionId) =>
            Effect.map(refundException(actor, { exceptionId, note: text(payload, "note") ?? "" }), (r) => `Order ${r.orderId} is now ${r.orderState}`)
          )
      })
    }
  }
})

export const payoutBatchesResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "payout_batches",
      query: `select b.id, b.week_key, b.state, b.created_at, a.email as approved_by, b.approved_at, b.completed_at,
                     (select count(*)::int from payouts p where p.batch_id = b.id) as payouts,
                     (select count(*)::int from payouts p where p.batch_id = b.id and p.status = 'FAILED') as failed,
                     (select coalesce(sum(p.amount), 0)::bigint from payouts p where p.batch_id = b.id) as total,
                     (select min(p.currency) from payouts p where p.batch_id = b.id) as currency
                from payout_batches b left join admin_users a on a.id = b.approved_by`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "week_key" },
        { path: "state", filter: "exact" },
        { path: "payouts", type: "number", filter: "none" },
        { path: "failed", type: "number", filter: "none" },
        { path: "total_text", filter: "none", sortable: false },
        { path: "approved_by" },
        { path: "approved_at", type: "datetime", filter: "range" },
        { path: "completed_at", type: "datetime", filter: "range" },
        { path: "created_at", type: "datetime", filter: "range" }
      ],
      format: (row) => ({ total_text: money(row["total"], row["currency"] ?? "KES") })
    },
    ctx.read
  ),
  options: {
    id: "payout_batches",
    navigation: { name: "Operations", icon: "AlertTriangle" },
    sort: { sortBy: "week_key", direction: "desc" },
    listProperties: ["week_key", "state", "payouts", "failed", "total_text", "approved_by", "approved_at"],
    filterProperties: ["week_key", "state"],
    properties: { state: { availableValues: ["DRAFT", "APPROVED", "PROCESSING", "COMPLETED"].map((v) => ({ value: v, label: v })) } },
    actions: {
      ...readOnlyActions("payouts.read"),
      approve: writeAction(ctx, "payout_batches", "approve", {
        actionType: "record",
        capability: "payouts.approve",
        icon: "CheckCircle",
        label: "Approve batch",
        submitLabel: "Approve and pay",
        fields: [{ name: "note", label: "Note (optional)", type: "textarea" }],
        when: (p) => p["state"] === "DRAFT",
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(PayoutBatchId, id, "payout batch"), (batchId) =>
            Effect.as(approvePayoutBatch(actor, { batchId, note: text(payload, "note") }), "Batch approved: payouts will be sent")
          )
      })
    }
  }
})

export const payoutsResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "payouts",
      query: `select p.id, p.batch_id, b.week_key, p.payee_kind, p.payee_id, coalesce(s.name, u.display_name, p.payee_id) as payee, p.method, p.destination,
                     p.amount, p.currency, p.status, p.mpesa_receipt_number, p.originator_conversation_id, p.result, p.submitted_at, p.completed_at
                from payouts p join payout_batches b on b.id = p.batch_id
                left join stores s on p.payee_kind = 'SELLER' and s.id = p.payee_id left join users u on p.payee_kind <> 'SELLER' and u.id = p.payee_id`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "batch_id", filter: "exact" },
        { path: "week_key" },
        { path: "payee_kind", filter: "exact" },
        { path: "payee" },
        { path: "method", filter: "exact" },
        { path: "destination" },
        { path: "amount_text", filter: "none", sortable: false },
        { path: "status", filter: "exact" },
        { path: "mpesa_receipt_number", filter: "exact" },
        { path: "originator_conversation_id", filter: "exact" },
        { path: "result", type: "textarea", sortable: false },
        { path: "submitted_at", type: "datetime", filter: "range" },
        { path: "completed_at", type: "datetime", filter: "range" }
      ],
      format: (row) => ({ amount_text: money(row["amount"], row["currency"]) })
    },
    ctx.read
  ),
  options: {
    id: "payouts",
    navigation: { name: "Operations", icon: "AlertTriangle" },
    sort: { sortBy: "week_key", direction: "desc" },
    listProperties: ["week_key", "payee", "payee_kind", "method", "amount_text", "status", "mpesa_receipt_number"],
    filterProperties: ["batch_id", "week_key", "payee", "status"],
    properties: {
      status: { availableValues: ["PENDING", "SUBMITTED", "MANUAL_PENDING", "SUCCEEDED", "FAILED"].map((v) => ({ value: v, label: v })) }
    },
    actions: {
      ...readOnlyActions("payouts.read"),
      // A payout handed to a human (MANUAL_PENDING, with its PAYOUT_MANUAL exception): FINANCE records the payment, or gives it back.
      paidByHand: writeAction(ctx, "payouts", "paidByHand", {
        actionType: "record",
        capability: "payouts.approve",
        icon: "CheckCircle",
        label: "Paid by hand",
        submitLabel: "Record the payment: the balance is paid",
        variant: "danger",
        fields: [
          {
            name: "rail",
            label: "How the money left (the ledger credits that account's clearing)",
            type: "select",
            required: true,
            options: [
              { value: "MPESA", label: "From the platform's M-Pesa account" },
              { value: "BANK", label: "By bank transfer" }
            ]
          },
          { name: "reference", label: "Receipt of the payment made by hand (M-Pesa or bank reference)", type: "text", required: true },
          { name: "note", label: "Note (optional, kept in the audit log)", type: "textarea" }
        ],
        when: (p) => p["status"] === "MANUAL_PENDING",
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(PayoutId, id, "payout"), (payoutId) =>
            Effect.map(
              recordPayoutPaidByHand(actor, {
                payoutId,
                reference: text(payload, "reference") ?? "",
                rail: text(payload, "rail") ?? "",
                note: text(payload, "note")
              }),
              (r) =>
                r.alreadyRecorded
                  ? "Already recorded as paid by hand with this reference: nothing changed"
                  : "Recorded as paid by hand: the balance is no longer owed"
            )
          )
      }),
      giveBack: writeAction(ctx, "payouts", "giveBack", {
        actionType: "record",
        capability: "payouts.approve",
        icon: "CornerUpLeft",
        label: "Give back (not paid by hand)",
        submitLabel: "Give it back: the balance is owed again",
        variant: "danger",
        fields: [{ name: "note", label: "Why it was not paid by hand (required, kept in the audit log)", type: "textarea" }],
        when: (p) => p["status"] === "MANUAL_PENDING",
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(PayoutId, id, "payout"), (payoutId) =>
            Effect.as(
              giveBackManualPayout(actor, { payoutId, note: text(payload, "note") ?? "" }),
              "Given back: the balance is owed again and goes out with a later batch"
            )
          )
      })
    }
  }
})

/** Affiliate commissions; FINANCE rejects an APPROVED one for fraud (the use case moves the money and audits it). */
export const commissionsResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "commissions",
      query: `select c.id, c.order_id, o.store_id, c.affiliate_user_id, coalesce(u.display_name, c.affiliate_user_id) as affiliate, c.amount, c.currency, c.state, c.reason,
                     c.payout_id, c.created_at, c.updated_at
                from commissions c join orders o on o.id = c.order_id left join users u on u.id = c.affiliate_user_id`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "order_id", filter: "exact" },
        { path: "store_id", filter: "exact" },
        { path: "affiliate" },
        { path: "affiliate_user_id", filter: "exact" },
        { path: "amount_text", filter: "none", sortable: false },
        { path: "state", filter: "exact" },
        { path: "reason" },
        { path: "payout_id", filter: "exact" },
        { path: "created_at", type: "datetime", filter: "range" },
        { path: "updated_at", type: "datetime", filter: "range" }
      ],
      format: (row) => ({ amount_text: money(row["amount"], row["currency"]) })
    },
    ctx.read
  ),
  options: {
    id: "commissions",
    navigation: { name: "Operations", icon: "AlertTriangle" },
    sort: { sortBy: "updated_at", direction: "desc" },
    listProperties: ["order_id", "affiliate", "amount_text", "state", "reason", "updated_at"],
    filterProperties: ["state", "affiliate_user_id", "order_id"],
    properties: { state: { availableValues: ["PENDING", "APPROVED", "REJECTED", "PAID"].map((v) => ({ value: v, label: v })) } },
    actions: {
      ...readOnlyActions("payouts.read"),
      rejectForFraud: writeAction(ctx, "commissions", "rejectForFraud", {
        actionType: "record",
        capability: "commissions.reject",
        icon: "XCircle",
        label: "Reject for fraud",
        submitLabel: "Reject: back to the seller",
        variant: "danger",
        fields: [{ name: "reason", label: "Why (required, kept in the audit log)", type: "textarea" }],
        when: (p) => p["state"] === "APPROVED",
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(CommissionId, id, "commission"), (commissionId) =>
            Effect.as(
              rejectCommissionForFraud(actor, { commissionId, reason: text(payload, "reason") ?? "" }),
              "Commission rejected: the amount is back with the seller"
            )
          )
      })
    }
  }
})

/**
 * Money M-Pesa received that could not settle its checkout (issue 10 item 5), open first. Most goes
 * back by itself; FINANCE returns the rest (policy FINANCE) after checking the statement.
 */
export const heldMoneyResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "held_payments",
      query: `select h.id, h.checkout_id, h.stk_request_id, h.buyer_id, h.amount, h.currency, h.receipt, h.reason, h.return_policy, h.status,
                     h.held_at, h.returned_at, a.email as decided_by, h.decided_at,
                     (case when h.status = 'RETURNED' then '1' else '0' end) || to_char(h.held_at at time zone 'UTC', 'YYYYMMDDHH24MISSUS') as queue_order
                from held_payments h left join admin_users a on a.id = h.decided_by`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "checkout_id", filter: "exact" },
        { path: "stk_request_id", filter: "exact" },
        { path: "buyer_id", filter: "exact" },
        { path: "amount_text", filter: "none", sortable: false },
        { path: "receipt", filter: "exact" },
        { path: "reason", filter: "exact" },
        { path: "return_policy", filter: "exact" },
        { path: "status", filter: "exact" },
        { path: "held_at", type: "datetime", filter: "range" },
        { path: "returned_at", type: "datetime", filter: "range" },
        { path: "decided_by" },
        { path: "decided_at", type: "datetime", filter: "range" },
        { path: "queue_order", filter: "none" }
      ],
      format: (row) => ({ amount_text: money(row["amount"], row["currency"]) })
    },
    ctx.read
  ),
  options: {
    id: "held_payments",
    navigation: { name: "Operations", icon: "AlertTriangle" },
    sort: { sortBy: "queue_order", direction: "asc" },
    listProperties: ["checkout_id", "amount_text", "receipt", "reason", "return_policy", "status", "held_at"],
    filterProperties: ["status", "reason", "return_policy", "checkout_id", "receipt"],
    properties: {
      status: { availableValues: ["HELD", "RETURNING", "RETURNED", "RETURN_FAILED"].map((v) => ({ value: v, label: v })) },
      queue_order: { isVisible: false }
    },
    actions: {
      ...readOnlyActions("payouts.read"),
      returnByB2C: writeAction(ctx, "held_payments", "returnByB2C", {
        actionType: "record",
        capability: "payouts.approve",
        icon: "CornerUpLeft",
        label: "Return by M-Pesa",
        submitLabel: "Send it back to the phone that paid",
        variant: "danger",
        fields: [{ name: "note", label: "What the statement shows (required, kept in the audit log)", type: "textarea" }],
        when: (p) => p["status"] === "HELD" || p["status"] === "RETURN_FAILED",
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(HeldPaymentId, id, "held payment"), (heldPaymentId) =>
            Effect.as(
              returnHeldMoney(actor, { heldPaymentId, note: text(payload, "note") ?? "" }),
              "Return sent by M-Pesa B2C; it shows RETURNED once Daraja confirms it"
            )
          )
      })
    }
  }
})

/**
 * Money going back to buyers by M-Pesa B2C, one row per attempt (an order's refund, or a return of
 * held money), failed first. FINANCE sends again an order's refund Daraja confirmed FAILED.
 */
export const refundsResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "refunds",
      query: `select r.id, r.order_id, r.held_payment_id, r.buyer_id, r.amount, r.currency, r.status, r.originator_conversation_id, r.mpesa_receipt_number,
                     r.result, r.created_at, r.submitted_at, r.completed_at,
                     (case when r.status = 'FAILED' then '0' else '1' end) || to_char(r.created_at at time zone 'UTC', 'YYYYMMDDHH24MISSUS') as queue_order
                from refunds r`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "order_id", filter: "exact" },
        { path: "held_payment_id", filter: "exact" },
        { path: "buyer_id", filter: "exact" },
        { path: "amount_text", filter: "none", sortable: false },
        { path: "status", filter: "exact" },
        { path: "originator_conversation_id", filter: "exact" },
        { path: "mpesa_receipt_number", filter: "exact" },
        { path: "result", type: "textarea", sortable: false },
        { path: "created_at", type: "datetime", filter: "range" },
        { path: "submitted_at", type: "datetime", filter: "range" },
        { path: "completed_at", type: "datetime", filter: "range" },
        { path: "queue_order", filter: "none" }
      ],
      format: (row) => ({ amount_text: money(row["amount"], row["currency"]) })
    },
    ctx.read
  ),
  options: {
    id: "refunds",
    navigation: { name: "Operations", icon: "AlertTriangle" },
    sort: { sortBy: "queue_order", direction: "asc" },
    listProperties: ["order_id", "held_payment_id", "amount_text", "status", "mpesa_receipt_number", "created_at"],
    filterProperties: ["status", "order_id", "held_payment_id", "buyer_id"],
    properties: {
      status: { availableValues: ["PENDING", "SUBMITTED", "SUCCEEDED", "FAILED"].map((v) => ({ value: v, label: v })) },
      queue_order: { isVisible: false }
    },
    actions: {
      ...readOnlyActions("payouts.read"),
      sendAgain: writeAction(ctx, "refunds", "sendAgain", {
        actionType: "record",
        capability: "payouts.approve",
        icon: "RotateCw",
        label: "Send refund again",
        submitLabel: "Send the order's refund again to the phone that paid",
        variant: "danger",
        fields: [{ name: "note", label: "What was fixed (required, kept in the audit log)", type: "textarea" }],
        when: (p) => p["status"] === "FAILED" && typeof p["order_id"] === "string" && p["order_id"] !== "",
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(RefundId, id, "refund"), (refundId) =>
            Effect.as(
              sendRefundAgain(actor, { refundId, note: text(payload, "note") ?? "" }),
              "Refund sent again by M-Pesa B2C as a new attempt; it shows SUCCEEDED once Daraja confirms it"
            )
          )
      })
    }
  }
})

export const auditLogResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "audit_log",
      query: `select l.seq, l.at, l.actor_kind, coalesce(a.email, l.actor_id) as actor, l.actor_role, l.action, l.entity, l.entity_id, l.reason,
                     l.before, l.after, l.prev_hash, l.hash
                from audit_log l left join admin_users a on l.actor_kind = 'ADMIN' and a.id = l.actor_id`,
      properties: [
        { path: "seq", isId: true, type: "number", filter: "exact" },
        { path: "at", type: "datetime", filter: "range" },
        { path: "actor" },
        { path: "actor_role", filter: "exact" },
        { path: "action" },
        { path: "entity", filter: "exact" },
        { path: "entity_id", filter: "exact" },
        { path: "reason", type: "textarea" },
        { path: "before", type: "textarea", sortable: false },
        { path: "after", type: "textarea", sortable: false },
        { path: "actor_kind", filter: "exact" },
        { path: "prev_hash", filter: "none", sortable: false },
        { path: "hash", filter: "none", sortable: false }
      ]
    },
    ctx.read
  ),
  options: {
    id: "audit_log",
    navigation: { name: "Governance", icon: "Shield" },
    sort: { sortBy: "seq", direction: "desc" },
    listProperties: ["seq", "at", "actor", "actor_role", "action", "entity_id", "reason"],
    filterProperties: ["action", "actor", "actor_role", "entity", "entity_id", "at"],
    properties: { actor_role: { availableValues: AdminRole.literals.map((v) => ({ value: v, label: v })) } },
    actions: {
      ...readOnlyActions("audit.read"),
      verifyChain: {
        actionType: "resource",
        icon: "Link",
        component: ctx.components.ActionForm,
        custom: { fields: [], submitLabel: "Verify the whole chain", variant: "primary", title: "Verify the audit chain", readOnly: true },
        isAccessible: (c: { currentAdmin?: Record<string, unknown> }) => typeof c.currentAdmin?.["role"] === "string",
        handler: async (request: { method: string }, _res: unknown, context: { currentAdmin?: Record<string, unknown> }) => {
          if (request.method !== "post") return {}
          const actor = actorOf(context.currentAdmin as CurrentAdmin | undefined)
          if (actor === undefined) return { notice: { message: "sign in again", type: "error" } }
          const result = await ctx.runtime.runPromise(Effect.either(verifyAuditChain(actor)))
          if (result._tag === "Left") return { notice: { message: result.left.message, type: "error" } }
          const [tip] = await ctx.read((sql) => sql<Array<{ last_seq: number }>>`select last_seq from audit_chain_head`)
          // The newest anchor, to note outside Amana: the one tampering the anchors cannot show is the
          // removal of the newest entries with their anchors (docs/security.md, "The database roles").
          const [anchor] = await ctx.read((sql) => sql<Array<{ seq: number; mac: string }>>`select seq, mac from audit_anchors order by seq desc limit 1`)
          const witness =
            anchor === undefined
              ? ""
              : `; newest anchor #${anchor.seq} ${anchor.mac.slice(0, 16)} (note it outside Amana: a later check showing an older newest entry means entries were removed)`
          return Option.match(result.right, {
            onNone: () => ({ notice: { message: `The chain is intact: ${tip?.last_seq ?? 0} entries verified${witness}`, type: "success" } }),
            onSome: (seq) => ({
              notice: {
                message: `The chain is broken: the first entry that does not verify is #${seq} (rewritten, or written past the application: its anchor is missing or wrong)`,
                type: "error"
              }
            })
          })
        }
      }
    }
  }
})

export const adminUsersResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "admin_users",
      // never the password hash
      query: `select id, email, role, status, on_call, whatsapp_phone, created_at, last_login_at from admin_users`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "email" },
        { path: "role", filter: "exact" },
        { path: "status", filter: "exact" },
        { path: "on_call", type: "boolean", filter: "exact" },
        { path: "whatsapp_phone" },
        { path: "created_at", type: "datetime", filter: "range" },
        { path: "last_login_at", type: "datetime", filter: "range" }
      ]
    },
    ctx.read
  ),
  options: {
    id: "admin_users",
    navigation: { name: "Governance", icon: "Shield" },
    sort: { sortBy: "email", direction: "asc" },
    properties: { role: { availableValues: AdminRole.literals.map((v) => ({ value: v, label: v })) } },
    actions: {
      ...readOnlyActions("admins.read"),
      createAdmin: writeAction(ctx, "admin_users", "createAdmin", {
        actionType: "resource",
        capability: "admins.manage",
        icon: "UserPlus",
        label: "New admin user",
        submitLabel: "Create admin",
        fields: [
          { name: "email", label: "Email", type: "text", required: true },
          { name: "role", label: "Role", type: "select", required: true, options: AdminRole.literals.map((v) => ({ value: v, label: v })) },
          { name: "password", label: "Initial password (12+ characters; share it privately)", type: "text", required: true }
        ],
        run: (actor, payload) =>
          Effect.map(
            createAdminUser(actor, {
              email: text(payload, "email") ?? "",
              role: AdminRole.literals.find((r) => r === text(payload, "role")) ?? "AUDITOR",
              password: payload["password"] ?? ""
            }),
            (a) => `${a.email} can now log in as ${a.role}`
          )
      }),
      // paged by WhatsApp when a platform alert fires (application/alerts)
      putOnCall: writeAction(ctx, "admin_users", "putOnCall", {
        actionType: "record",
        capability: "admins.manage",
        icon: "Bell",
        label: "Put on call",
        submitLabel: "Put on call",
        when: (p) => p["status"] === "ACTIVE",
        fields: [
          {
            name: "whatsappPhone",
            label: "WhatsApp phone for alerts (blank: keep the one on file)",
            type: "text",
            from: "whatsapp_phone",
            placeholder: "0712345678"
          },
          { name: "reason", label: "Why (goes in the audit log)", type: "textarea" }
        ],
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(AdminUserId, id, "admin user"), (adminId) =>
            Effect.map(
              setAdminOnCall(actor, { adminId, onCall: true, whatsappPhone: text(payload, "whatsappPhone"), reason: text(payload, "reason") }),
              (r) => `${r.email} is on call: alerts go to ${r.whatsappPhone} by WhatsApp`
            )
          )
      }),
      takeOffCall: writeAction(ctx, "admin_users", "takeOffCall", {
        actionType: "record",
        capability: "admins.manage",
        icon: "BellOff",
        label: "Take off call",
        submitLabel: "Take off call",
        variant: "danger",
        when: (p) => p["on_call"] === true || p["on_call"] === "true",
        fields: [{ name: "reason", label: "Why (goes in the audit log)", type: "textarea" }],
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(AdminUserId, id, "admin user"), (adminId) =>
            Effect.map(setAdminOnCall(actor, { adminId, onCall: false, reason: text(payload, "reason") }), (r) => `${r.email} is no longer on call`)
          )
      })
    }
  }
})
