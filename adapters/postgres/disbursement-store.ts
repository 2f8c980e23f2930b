/** Payouts and refunds by M-Pesa B2C over PostgreSQL (payout_batches, payouts, refunds, mpesa_callbacks). */
import { Effect, Layer, Option } from "effect"
import { DisbursementStore } from "../../application/payouts-execution/disbursement.port.js"
import type {
  DisbursementStatus,
  DisbursementTarget,
  PayoutRecord,
  RefundRecord,
  StatusQueryRecord
} from "../../application/payouts-execution/disbursement.port.js"
import type { StoreUnavailable } from "../../application/ports/unit-of-work.js"
import type { PayeeKind, PayoutMethod } from "../../application/payouts-execution/disbursement.js"
import { PayoutId, RefundId } from "../../domain/ids.js"
import type { HeldPaymentId, OrderId, PayoutBatchId, UserId } from "../../domain/ids.js"
import { payee } from "../../domain/commission.js"
import type { Currency } from "../../domain/money.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

type B2CColumns = { conversation_id: string | null; callback_token: string; mpesa_receipt_number: string | null }
type PayoutRow = B2CColumns & {
  id: PayoutId
  batch_id: PayoutBatchId
  payee_kind: PayeeKind
  payee_id: string
  method: PayoutMethod
  destination: string
  account_ref: string | null
  currency: string
  amount: number
  status: DisbursementStatus
  ocid: string | null
  manual_reference: string | null
}
type RefundRow = B2CColumns & {
  id: RefundId
  order_id: OrderId | null
  held_payment_id: HeldPaymentId | null
  buyer_id: UserId
  phone: string
  currency: string
  amount: number
  disbursed: number
  status: DisbursementStatus
  ocid: string
}
type QueryRow = {
  id: string
  target_kind: "PAYOUT" | "REFUND"
  target_id: string
  reason: string
  status: StatusQueryRecord["status"]
  callback_token: string
  conversation_id: string | null
}

const b2cFields = (r: B2CColumns) => ({
  conversationId: r.conversation_id ?? undefined,
  callbackToken: r.callback_token,
  receipt: r.mpesa_receipt_number ?? undefined
})

const toPayout = (r: PayoutRow): PayoutRecord => ({
  kind: "PAYOUT",
  id: r.id,
  batchId: r.batch_id,
  ...payee(r.payee_kind, r.payee_id),
  method: r.method,
  destination: r.destination,
  accountRef: r.account_ref ?? undefined,
  amount: { amount: r.amount, currency: r.currency.trim() as Currency },
  status: r.status,
  // batches made before this column was always set fall back to a key derived from the payout id
  originatorConversationId: r.ocid ?? `amana-payout-${r.id}`,
  ...b2cFields(r),
  manualReference: r.manual_reference ?? undefined
})
const toRefund = (r: RefundRow): RefundRecord => {
  const currency = r.currency.trim() as Currency
  return {
    kind: "REFUND",
    id: r.id,
    orderId: r.order_id ?? undefined,
    heldPaymentId: r.held_payment_id ?? undefined,
    buyerId: r.buyer_id,
    phone: r.phone,
    amount: { amount: r.amount, currency },
    disbursed: { amount: r.disbursed, currency },
    status: r.status,
    originatorConversationId: r.ocid,
    ...b2cFields(r)
  }
}
const toQuery = (r: QueryRow): StatusQueryRecord => ({
  id: r.id,
  target: r.target_kind === "PAYOUT" ? { kind: "PAYOUT", id: PayoutId.make(r.target_id) } : { kind: "REFUND", id: RefundId.make(r.target_id) },
  reason: r.reason,
  status: r.status,
  callbackToken: r.callback_token,
  conversationId: r.conversation_id ?? undefined
})

export const DisbursementStoreLive = Layer.effect(
  DisbursementStore,
  Effect.gen(function* () {
    const db = yield* Database
    type Key = "id" | "originator_conversation_id" | "callback_token"
    const payoutWhere = (column: Key, value: string) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<PayoutRow>>`
          select id, batch_id, payee_kind, payee_id, method, destination, account_ref, currency, amount, status, originator_conversation_id as ocid,
                 conversation_id, callback_token, mpesa_receipt_number, manual_reference
            from payouts where ${sql(column)} = ${value} for update`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), toPayout)
      )
    const refundWhere = (column: Key, value: string) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<RefundRow>>`
          select id, order_id, held_payment_id, buyer_id, phone, currency, amount, disbursed, status, originator_conversation_id as ocid, conversation_id, callback_token, mpesa_receipt_number
            from refunds where ${sql(column)} = ${value} for update`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), toRefund)
      )
    const eitherWhere = (column: Key, value: string) =>
      Effect.flatMap(payoutWhere(column, value), (p) =>
        Option.isSome(p) ? Effect.succeed(p as Option.Option<PayoutRecord | RefundRecord>) : refundWhere(column, value)
      )
    const table = (kind: "PAYOUT" | "REFUND") => (kind === "PAYOUT" ? "payouts" : "refunds")
    return {
      startBatch: (batchId, at) =>
        Effect.gen(function* () {
          const started = yield* q(db, (sql) => sql`update payout_batches set state = 'PROCESSING' where id = ${batchId} and state = 'APPROVED' returning id`)
          if (started.length === 0) return []
          yield* Effect.logInfo("payout batch processing", batchId, at)
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ id: PayoutId }>>`select id from payouts where batch_id = ${batchId} and status = 'PENDING' order by id`
          )
          return rows.map((r) => r.id)
        }),
      completeBatchIfDone: (batchId, at) =>
        q(
          db,
          (sql) => sql`
          update payout_batches set state = 'COMPLETED', completed_at = ${new Date(at)}
           where id = ${batchId} and state = 'PROCESSING'
             and not exists (select 1 from payouts where batch_id = ${batchId} and status in ('PENDING', 'SUBMITTED'))`
        ).pipe(Effect.asVoid),
      lockPayout: (id) => payoutWhere("id", id),
      lockRefund: (id) => refundWhere("id", id),
      lockByConversation: (ocid) => eitherWhere("originator_conversation_id", ocid),
      lockByToken: (token) => eitherWhere("callback_token", token),
      lockTarget: (t) =>
        (t.kind === "PAYOUT" ? payoutWhere("id", t.id) : refundWhere("id", t.id)) as Effect.Effect<
          Option.Option<PayoutRecord | RefundRecord>,
          StoreUnavailable
        >,
      openStatusQuery: (t, reason) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: string }>>`
            insert into b2c_status_queries (target_kind, target_id, reason) values (${t.kind}, ${t.id}, ${reason})
            on conflict (target_kind, target_id) where status in ('PENDING', 'SUBMITTED') do nothing returning id`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.id)
        ),
      lockStatusQuery: (by) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<QueryRow>>`
            select id, target_kind, target_id, reason, status, callback_token, conversation_id from b2c_status_queries
             where ${"id" in by ? sql`id = ${by.id}` : sql`callback_token = ${by.callbackToken}`} for update`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), toQuery)
        ),
      updateStatusQuery: (id, u) =>
        q(
          db,
          (sql) => sql`
          update b2c_status_queries set status = ${u.status}, conversation_id = coalesce(${u.conversationId ?? null}, conversation_id),
                 answer = coalesce(${u.answer === undefined ? null : sql.json(u.answer as never)}, answer),
                 submitted_at = case when ${u.status} = 'SUBMITTED' then ${new Date(u.at)} else submitted_at end,
                 answered_at = case when ${u.status} <> 'SUBMITTED' then ${new Date(u.at)} else answered_at end
           where id = ${id}`
        ).pipe(Effect.asVoid),
      unansweredSince: (before, limit) =>
        Effect.gen(function* () {
          const cutoff = new Date(before)
          yield* q(
            db,
            (sql) =>
              sql`update b2c_status_queries set status = 'EXPIRED', answered_at = now() where status in ('PENDING', 'SUBMITTED') and requested_at < ${cutoff}`
          )
          const rows = yield* q(
            db,
            (sql) => sql<Array<DisbursementTarget>>`
            select d.kind, d.id from (
              select 'PAYOUT' as kind, id, submitted_at from payouts where status = 'SUBMITTED' and submitted_at < ${cutoff}
              union all
              select 'REFUND', id, submitted_at from refunds where status = 'SUBMITTED' and submitted_at < ${cutoff}
            ) d
             where not exists (select 1 from b2c_status_queries s where s.target_kind = d.kind and s.target_id = d.id and s.requested_at >= ${cutoff})
             order by d.submitted_at limit ${limit}`
          )
          return rows.map((r): DisbursementTarget => (r.kind === "PAYOUT" ? { kind: r.kind, id: r.id } : { kind: r.kind, id: r.id }))
        }),
      markSubmitted: (t, s) =>
        q(
          db,
          (sql) => sql`
          update ${sql(table(t.kind))} set status = 'SUBMITTED', submitted_at = ${new Date(s.at)}, conversation_id = coalesce(${s.conversationId ?? null}, conversation_id),
                 disbursed = ${s.disbursed.amount}
           where id = ${t.id} and status = 'PENDING'`
        ).pipe(Effect.asVoid),
      markFinished: (t, f) =>
        q(
          db,
          (sql) => sql`
          update ${sql(table(t.kind))} set status = ${f.status}, completed_at = ${new Date(f.at)}, mpesa_receipt_number = ${f.receipt ?? null}, result = ${sql.json(f.result as never)}
           where id = ${t.id} and status in ('PENDING', 'SUBMITTED')`
        ).pipe(Effect.asVoid),
      markManual: (payoutId, m) =>
        q(
          db,
          (sql) => sql`
          update payouts set status = 'MANUAL_PENDING', result = ${sql.json(m.result as never)}
           where id = ${payoutId} and status = 'PENDING'`
        ).pipe(Effect.asVoid),
      finishManual: (payoutId, f) =>
        q(
          db,
          (sql) => sql`
          update payouts set status = ${f.status}, completed_at = ${new Date(f.at)},
                 manual_reference = ${f.status === "SUCCEEDED" ? f.reference : null}, manual_by = ${f.status === "SUCCEEDED" ? f.by : null},
                 result = coalesce(result, '{}'::jsonb) || ${sql.json({
                   [f.status === "SUCCEEDED" ? "paidByHand" : "givenBack"]: {
                     by: f.by,
                     at: new Date(f.at).toISOString(),
                     ...(f.status === "SUCCEEDED" && { reference: f.reference }),
                     note: f.note ?? null
                   }
                 } as never)}
           where id = ${payoutId} and status = 'MANUAL_PENDING'`
        ).pipe(Effect.asVoid),
      markCommissionsPaid: (affiliateUserId, payoutId) =>
        q(
          db,
          (sql) => sql`
          update commissions c set state = 'PAID', payout_id = ${payoutId}, updated_at = now()
            from payouts p join payout_batches b on b.id = p.batch_id
           where p.id = ${payoutId} and c.affiliate_user_id = ${affiliateUserId} and c.currency = p.currency and c.state = 'APPROVED'
             -- the commissions the payout carries (read with its balance); a payout from before the column: approved before its batch
             and (c.id = any(p.commission_ids) or (p.commission_ids is null and c.updated_at <= b.created_at))`
        ).pipe(Effect.asVoid),
      refundContext: (orderId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ buyer_id: UserId; phone: string; currency: string; paid: string }>>`
            select o.buyer_id, coalesce(paid_by.phone, c.payer_phone) as phone, o.currency, s.snapshot -> 'totals' -> 'buyerPays' ->> 'amount' as paid
              from orders o join checkouts c on c.id = o.checkout_id join order_snapshots s on s.order_id = o.id
              -- back to the phone that paid: the push that settled the checkout (paid, and not held:
              -- a settled push's phone is the one Daraja's query confirmed, reconcile.ts), never the
              -- payerPhone typed at checkout, which no payment has to match
              left join lateral (
                select r.phone from mpesa_stk_requests r
                 where r.checkout_id = c.id and r.status = 'PAID' and not exists (select 1 from held_payments h where h.stk_request_id = r.id)
                 order by r.requested_at, r.id limit 1
              ) paid_by on true
             where o.id = ${orderId} and exists (select 1 from ledger_transactions t where t.kind = 'REFUND' and t.order_id = o.id)`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (r) => ({
              buyerId: r.buyer_id,
              phone: r.phone,
              paid: { amount: Number(r.paid), currency: r.currency.trim() as Currency }
            }))
        ),
      createRefund: (r) =>
        Effect.map(
          q(
            db,
            (sql) => sql`
            insert into refunds (id, order_id, held_payment_id, buyer_id, phone, currency, amount, disbursed, originator_conversation_id)
            values (${r.id}, ${r.orderId ?? null}, ${r.heldPaymentId ?? null}, ${r.buyerId}, ${r.phone}, ${r.amount.currency}, ${r.amount.amount}, ${r.disbursed.amount}, ${r.originatorConversationId})
            on conflict do nothing returning id`
          ),
          (rows) => rows.length === 1
        ),
      storeCallback: (c) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: number }>>`
            insert into mpesa_callbacks (kind, originator_conversation_id, callback_token, raw, remote_addr)
            values (${c.kind}, ${c.originatorConversationId ?? null}, ${c.callbackToken ?? null}, ${sql.json(c.raw as never)}, ${c.remoteAddr ?? null}) returning id`
          ),
          (rows) => rows[0]!.id
        ),
      markCallbackProcessed: (callbackId, outcome) =>
        q(db, (sql) => sql`update mpesa_callbacks set processed_at = now(), outcome = ${outcome} where id = ${callbackId} and processed_at is null`).pipe(
          Effect.asVoid
        ),
      heldReturnFinished: (heldPaymentId, status, at) =>
        q(
          db,
          (sql) => sql`
          update held_payments set status = ${status}, returned_at = case when ${status} = 'RETURNED' then ${new Date(at)} else returned_at end
           where id = ${heldPaymentId} and status = 'RETURNING'`
        ).pipe(Effect.asVoid)
    }
  })
)
