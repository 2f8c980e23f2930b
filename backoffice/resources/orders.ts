/**
 * Orders, payments, M-Pesa callbacks and the ledger: read-only, for admins, finance and auditors.
 * An order's page renders its immutable snapshot as a receipt, with the timeline, the STK pushes and
 * their raw callbacks, and the ledger lines, so an auditor sees the whole story in one place.
 */
import type { ResourceWithOptions } from "adminjs"
import { Effect } from "effect"
import { OrderId, UserId } from "../../domain/ids.js"
import { assignRiderByHand } from "../../application/fulfilment/dispatch-order.js"
import { resolveDispute } from "../../application/fulfilment/disputes.js"
import { OrderState } from "../../domain/order.js"
import { FormError, readOnlyActions, recordIdAs, text, writeAction } from "../actions.js"
import type { BackofficeContext } from "../actions.js"
import { money } from "../display.js"
import { ReadModelResource } from "../read-model.js"
import type { Read } from "../read-model.js"

const ORDER_STATES = OrderState.literals

const receipt = async (read: Read, orderId: string) => {
  const [snap] = await read(
    (sql) => sql<Array<{ snapshot: Record<string, unknown>; snapshot_hash: string; created_at: Date }>>`
    select snapshot, snapshot_hash, created_at from order_snapshots where order_id = ${orderId}`
  )
  const timeline = await read(
    (sql) => sql<Array<{ at: Date; from_state: string | null; to_state: string; actor_kind: string; actor_id: string | null; reason: string | null }>>`
    select at, from_state, to_state, actor_kind, actor_id, reason from order_timeline where order_id = ${orderId} order by id`
  )
  const payments = await read(
    (sql) => sql<Array<Record<string, unknown>>>`
    select r.id, r.checkout_request_id, r.phone, r.amount, r.currency, r.status, r.result_code, r.result_desc, r.mpesa_receipt_number, r.requested_at, r.completed_at,
           coalesce((select json_agg(json_build_object('id', c.id, 'receivedAt', c.received_at, 'kind', c.kind, 'outcome', c.outcome, 'raw', c.raw) order by c.id)
                       from mpesa_callbacks c where c.checkout_request_id = r.checkout_request_id), '[]'::json) as callbacks
      from mpesa_stk_requests r join orders o on o.checkout_id = r.checkout_id where o.id = ${orderId} order by r.requested_at`
  )
  const ledger = await read(
    (sql) => sql<
      Array<{
        id: number
        kind: string
        account: string
        account_ref: string | null
        amount: number
        currency: string
        created_at: Date
        description: string | null
      }>
    >`
    select e.id, t.kind, e.account, e.account_ref, e.amount, e.currency, e.created_at, t.description
      from ledger_entries e join ledger_transactions t on t.id = e.transaction_id where e.order_id = ${orderId} order by e.id`
  )
  return {
    receipt: {
      snapshot: snap?.snapshot ?? null,
      snapshotHash: snap?.snapshot_hash ?? null,
      snapshotAt: snap?.created_at ?? null,
      timeline,
      payments: payments.map((p) => ({ ...p, amountText: money(p["amount"], p["currency"]) })),
      ledger: ledger.map((l) => ({ ...l, debit: l.amount > 0 ? money(l.amount, l.currency) : "", credit: l.amount < 0 ? money(-l.amount, l.currency) : "" }))
    }
  }
}

export const ordersResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "orders",
      query: `select o.id, o.checkout_id, o.state, st.name as store, o.store_id, coalesce(u.display_name, u.phone) as buyer, u.phone as buyer_phone, o.buyer_id,
                     o.currency, o.subtotal, o.discount_total, o.shipping_total, o.total, l.name as destination, o.created_at, o.paid_at, o.updated_at
                from orders o join stores st on st.id = o.store_id join users u on u.id = o.buyer_id left join locations l on l.id = o.destination_location_id`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "state", filter: "exact" },
        { path: "store" },
        { path: "buyer" },
        { path: "buyer_phone" },
        { path: "total_text", filter: "none", sortable: false },
        { path: "checkout_id", filter: "exact" },
        { path: "destination" },
        { path: "created_at", type: "datetime", filter: "range" },
        { path: "paid_at", type: "datetime", filter: "range" },
        { path: "receipt", type: "mixed", filter: "none", sortable: false }
      ],
      format: (row) => ({ total_text: money(row["total"], row["currency"]) }),
      detail: (read, id) => receipt(read, id)
    },
    ctx.read
  ),
  options: {
    id: "orders",
    navigation: { name: "Orders", icon: "FileText" },
    sort: { sortBy: "created_at", direction: "desc" },
    listProperties: ["id", "state", "store", "buyer", "total_text", "destination", "created_at"],
    showProperties: ["receipt"],
    filterProperties: ["id", "state", "store", "buyer_phone", "checkout_id", "created_at"],
    properties: {
      state: { availableValues: ORDER_STATES.map((v) => ({ value: v, label: v })) },
      total_text: { isTitle: false },
      receipt: { components: { show: ctx.components.OrderReceipt } }
    },
    actions: {
      ...readOnlyActions("orders.read"),
      // Fulfilment by hand: each runs one use case, which checks the role again and writes the audit entry.
      assignRider: writeAction(ctx, "orders", "assignRider", {
        actionType: "record",
        capability: "exceptions.work",
        icon: "Truck",
        label: "Assign a rider by hand",
        submitLabel: "Assign",
        fields: [
          {
            name: "riderUserId",
            label: "Rider (user id)",
            type: "text",
            required: true,
            placeholder: "usr_demo_rider",
            help: "an ACTIVE rider serving the order's zone"
          },
          { name: "note", label: "Why by hand (kept in the audit log)", type: "textarea", required: true }
        ],
        when: (p) => p["state"] === "ACCEPTED" || p["state"] === "DELIVERY_FAILED",
        run: (actor, payload, id) =>
          Effect.flatMap(
            Effect.all([recordIdAs(OrderId, id, "order"), recordIdAs(UserId, text(payload, "riderUserId"), "rider (user id)")]),
            ([orderId, riderUserId]) =>
              Effect.map(assignRiderByHand(actor, { orderId, riderUserId, note: text(payload, "note") ?? "" }), () => `Order ${orderId} dispatched`)
          )
      }),
      resolveDispute: writeAction(ctx, "orders", "resolveDispute", {
        actionType: "record",
        capability: "exceptions.work",
        icon: "Scale",
        label: "Resolve the dispute",
        submitLabel: "Resolve",
        variant: "danger",
        fields: [
          {
            name: "outcome",
            label: "Outcome",
            type: "select",
            required: true,
            options: [
              { value: "RELEASE", label: "Release escrow to the seller (COMPLETED)" },
              { value: "REFUND", label: "Refund the buyer (REFUNDED)" }
            ]
          },
          { name: "note", label: "The evidence weighed (kept in the audit log)", type: "textarea", required: true }
        ],
        when: (p) => p["state"] === "DISPUTED",
        run: (actor, payload, id) => {
          const outcome = text(payload, "outcome")
          if (outcome !== "RELEASE" && outcome !== "REFUND") return Effect.fail(new FormError("choose an outcome: release or refund"))
          return Effect.flatMap(recordIdAs(OrderId, id, "order"), (orderId) =>
            Effect.map(resolveDispute(actor, { orderId, outcome, note: text(payload, "note") ?? "" }), (r) => `Order ${r.orderId} is now ${r.state}`)
          )
        }
      })
    }
  }
})

export const paymentsResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "payments",
      query: `select id, checkout_id, checkout_request_id, phone, amount, currency, status, result_code, result_desc, mpesa_receipt_number,
                     paid_phone, paid_amount, requested_at, completed_at from mpesa_stk_requests`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "checkout_id", filter: "exact" },
        { path: "checkout_request_id", filter: "exact" },
        { path: "phone" },
        { path: "amount_text", filter: "none", sortable: false },
        { path: "status", filter: "exact" },
        { path: "result_code", type: "number", filter: "exact" },
        { path: "result_desc" },
        { path: "mpesa_receipt_number", filter: "exact" },
        { path: "paid_phone" },
        { path: "paid_amount", type: "number", filter: "none" },
        { path: "requested_at", type: "datetime", filter: "range" },
        { path: "completed_at", type: "datetime", filter: "range" }
      ],
      format: (row) => ({ amount_text: money(row["amount"], row["currency"]) })
    },
    ctx.read
  ),
  options: {
    id: "payments",
    navigation: { name: "Orders", icon: "FileText" },
    sort: { sortBy: "requested_at", direction: "desc" },
    listProperties: ["checkout_id", "phone", "amount_text", "status", "result_desc", "mpesa_receipt_number", "requested_at"],
    filterProperties: ["checkout_id", "phone", "status", "mpesa_receipt_number", "requested_at"],
    properties: { status: { availableValues: ["PENDING", "PAID", "CANCELLED", "FAILED"].map((v) => ({ value: v, label: v })) } },
    actions: readOnlyActions("orders.read")
  }
})

export const callbacksResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "mpesa_callbacks",
      query: `select id, kind, received_at, checkout_request_id, originator_conversation_id, remote_addr, processed_at, outcome, raw from mpesa_callbacks`,
      properties: [
        { path: "id", isId: true, type: "number", filter: "exact" },
        { path: "kind", filter: "exact" },
        { path: "received_at", type: "datetime", filter: "range" },
        { path: "checkout_request_id", filter: "exact" },
        { path: "originator_conversation_id", filter: "exact" },
        { path: "remote_addr" },
        { path: "processed_at", type: "datetime", filter: "range" },
        { path: "outcome" },
        { path: "raw", type: "textarea", filter: "text", sortable: false }
      ]
    },
    ctx.read
  ),
  options: {
    id: "mpesa_callbacks",
    navigation: { name: "Orders", icon: "FileText" },
    sort: { sortBy: "received_at", direction: "desc" },
    listProperties: ["id", "kind", "checkout_request_id", "outcome", "received_at", "processed_at"],
    filterProperties: ["kind", "checkout_request_id", "outcome", "raw", "received_at"],
    properties: { kind: { availableValues: ["STK", "B2C_RESULT", "B2C_TIMEOUT"].map((v) => ({ value: v, label: v })) } },
    actions: readOnlyActions("orders.read")
  }
})

export const ledgerResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "ledger",
      query: `select e.id, e.transaction_id, t.kind, e.account, e.account_ref, e.order_id, e.currency, e.amount, e.created_at, t.description
                from ledger_entries e join ledger_transactions t on t.id = e.transaction_id`,
      properties: [
        { path: "id", isId: true, type: "number", filter: "exact" },
        { path: "transaction_id", filter: "exact" },
        { path: "kind", filter: "exact" },
        { path: "account", filter: "exact" },
        { path: "account_ref", filter: "exact" },
        { path: "order_id", filter: "exact" },
        { path: "debit", filter: "none", sortable: false },
        { path: "credit", filter: "none", sortable: false },
        { path: "description" },
        { path: "created_at", type: "datetime", filter: "range" }
      ],
      format: (row) => {
        const amount = Number(row["amount"])
        return { debit: amount > 0 ? money(amount, row["currency"]) : "", credit: amount < 0 ? money(-amount, row["currency"]) : "" }
      }
    },
    ctx.read
  ),
  options: {
    id: "ledger",
    navigation: { name: "Orders", icon: "FileText" },
    sort: { sortBy: "id", direction: "desc" },
    listProperties: ["id", "kind", "account", "account_ref", "order_id", "debit", "credit", "created_at"],
    filterProperties: ["kind", "account", "account_ref", "order_id", "transaction_id", "created_at"],
    actions: readOnlyActions("orders.read")
  }
})
