/**
 * PaymentStore over PostgreSQL: mpesa_stk_requests, mpesa_callbacks (raw, stored first), the
 * checkout's state and the exception queue. Callback bodies are decoded here with the Daraja
 * adapter's decoder (adapters/daraja/callbacks.ts), so the application sees plain values.
 */
import type { CheckoutId, HeldPaymentId, OrderId, StkRequestId, UserId } from "../../domain/ids.js"
import { Effect, Either, Layer, Option } from "effect"
import { backstopPollKey, PaymentStore } from "../../application/payments/payment.port.js"
import type { CheckoutViewParts, HeldPayment, PayableCheckout, StkRequest, StkRequestStatus } from "../../application/payments/payment.port.js"
import type { HeldReason, HeldStatus, ReturnPolicy } from "../../domain/held-money.js"
import { pipelined } from "../../application/ports/unit-of-work.js"
import type { StoreUnavailable } from "../../application/ports/unit-of-work.js"
import type { Currency, Money } from "../../domain/money.js"
import type { OrderState } from "../../domain/order.js"
import { decodeStkCallback, finalStkStatus } from "../daraja/callbacks.js"
import { checkoutSummary } from "./checkout-store.js"
import type { SummaryCheckoutRow, SummaryOrderRow } from "./checkout-store.js"
import { Database } from "./database.js"
import type { Sql } from "./database.js"
import { sessionQuery, toSession } from "./auth-store.js"
import type { Session, UserStatus } from "../../application/auth/auth.port.js"
import { q, w, withdrawAppend } from "./unit-of-work.js"

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
type RequestRow = {
  id: StkRequestId
  checkout_id: CheckoutId
  phone: string
  amount: number
  currency: string
  checkout_request_id: string | null
  status: StkRequestStatus
  result_code: number | null
  result_code_text: string | null
  result_desc: string | null
  mpesa_receipt_number: string | null
  requested_at: Date
}
const toRequest = (r: RequestRow): StkRequest => ({
  id: r.id,
  checkoutId: r.checkout_id,
  phone: r.phone,
  amount: { amount: r.amount, currency: r.currency.trim() as Currency },
  checkoutRequestId: r.checkout_request_id ?? undefined,
  status: r.status,
  resultCode: r.result_code_text ?? (r.result_code === null ? undefined : String(r.result_code)),
  resultDesc: r.result_desc ?? undefined,
  receipt: r.mpesa_receipt_number ?? undefined,
  requestedAt: r.requested_at.getTime()
})
const requestColumns =
  "id, checkout_id, phone, amount, currency, checkout_request_id, status, result_code, result_code_text, result_desc, mpesa_receipt_number, requested_at"

type HeldRow = {
  id: HeldPaymentId
  checkout_id: CheckoutId
  stk_request_id: StkRequestId
  buyer_id: UserId
  phone: string
  currency: string
  amount: number
  receipt: string | null
  reason: HeldReason
  return_policy: ReturnPolicy
  status: HeldStatus
  held_at: Date
  returned_at: Date | null
}
const toHeld = (r: HeldRow): HeldPayment => ({
  id: r.id,
  checkoutId: r.checkout_id,
  stkRequestId: r.stk_request_id,
  buyerId: r.buyer_id,
  phone: r.phone,
  amount: { amount: r.amount, currency: r.currency.trim() as Currency },
  receipt: r.receipt ?? undefined,
  reason: r.reason,
  returnPolicy: r.return_policy,
  status: r.status,
  heldAt: r.held_at.getTime(),
  returnedAt: r.returned_at?.getTime()
})
const heldColumns = "id, checkout_id, stk_request_id, buyer_id, phone, currency, amount, receipt, reason, return_policy, status, held_at, returned_at"

export const PaymentStoreLive = Layer.effect(
  PaymentStore,
  Effect.map(Database, (db) => {
    const oneRequest = (where: "id" | "checkout_request_id", value: string, lock = true) =>
      Effect.map(
        q(
          db,
          (sql) =>
            sql<
              Array<RequestRow>
            >`select ${sql.unsafe(requestColumns)} from mpesa_stk_requests where ${sql(where)} = ${value} ${lock ? sql`for update` : sql``}`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), toRequest)
      )
    const unrecordedPushes = (p: { readonly phone: string; readonly amount: Money; readonly from: number; readonly to: number }, lock: boolean) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<RequestRow>>`
          select ${sql.unsafe(requestColumns)} from mpesa_stk_requests
           where status = 'PENDING' and checkout_request_id is null and phone = ${p.phone} and amount = ${p.amount.amount} and currency = ${p.amount.currency}
             and requested_at between ${new Date(p.from)} and ${new Date(p.to)}
           order by requested_at, id ${lock ? sql`for update` : sql``}`
        ),
        (rows) => rows.map(toRequest)
      )
    const lockCheckout = (checkoutId: CheckoutId): Effect.Effect<Option.Option<PayableCheckout>, StoreUnavailable> =>
      Effect.gen(function* () {
        // One round trip: the server reads the orders after the checkout's lock is granted, in a
        // statement of its own (so it sees what the lock's previous holder committed).
        const [rows, orders] = yield* pipelined([
          q(
            db,
            (sql) => sql<
              Array<{ id: CheckoutId; buyer_id: UserId; state: string; charge_amount: number; currency: string; created_at: Date; expires_at: Date }>
            >`
            select id, buyer_id, state, charge_amount, currency, created_at, expires_at from checkouts where id = ${checkoutId} for update`
          ),
          q(
            db,
            (sql) => sql<Array<{ orderId: OrderId; state: OrderState }>>`
            select id as "orderId", state from orders where checkout_id = ${checkoutId} order by id`
          )
        ])
        const c = rows[0]
        if (!c) return Option.none()
        return Option.some({
          checkoutId: c.id,
          buyerId: c.buyer_id,
          state: c.state,
          charge: { amount: c.charge_amount, currency: c.currency.trim() as Currency },
          createdAt: c.created_at.getTime(),
          expiresAt: c.expires_at.getTime(),
          orders
        })
      })
    // json carries timestamps as text: back to Dates for the row mappers
    const at = (v: unknown) => new Date(v as string)
    type ViewRow = SummaryCheckoutRow & {
      buyer_id: UserId
      orders: Array<SummaryOrderRow>
      last: (Omit<RequestRow, "requested_at"> & { requested_at: string }) | null
      held: Array<Omit<HeldRow, "held_at" | "returned_at"> & { held_at: string; returned_at: string | null }>
    }
    /** The view of the checkout `checkoutId` (only if its buyer is the session's user `s.id`, when `ofSession`): one row or none. */
    const viewQuery = (sql: Sql, checkoutId: CheckoutId, ofSession = false) => sql`
          select c.id, c.buyer_id, c.state, c.currency, c.total, c.charge_amount, c.created_at, c.expires_at, c.payer_phone,
                 coalesce((select json_agg(json_build_object('id', o.id, 'store_id', o.store_id, 'state', o.state, 'total', o.total) order by o.store_id)
                             from orders o where o.checkout_id = c.id), '[]') as orders,
                 (select row_to_json(r) from (select ${sql.unsafe(requestColumns)} from mpesa_stk_requests
                   where checkout_id = c.id order by requested_at desc, id desc limit 1) r) as last,
                 coalesce((select json_agg(h order by h.held_at, h.id) from (select ${sql.unsafe(heldColumns)} from held_payments where checkout_id = c.id) h), '[]') as held
            from checkouts c where c.id = ${checkoutId} ${ofSession ? sql`and c.buyer_id = s.id` : sql``}`
    const toView = (c: ViewRow): CheckoutViewParts => ({
      buyerId: c.buyer_id,
      summary: checkoutSummary(c, c.orders),
      latestRequest: Option.map(Option.fromNullable(c.last), (r) => toRequest({ ...r, requested_at: at(r.requested_at) })),
      held: c.held.map((h) => toHeld({ ...h, held_at: at(h.held_at), returned_at: h.returned_at === null ? null : at(h.returned_at) }))
    })
    const checkoutView = (checkoutId: CheckoutId): Effect.Effect<Option.Option<CheckoutViewParts>, StoreUnavailable> =>
      Effect.map(
        q(db, (sql) => sql<Array<ViewRow>>`${viewQuery(sql, checkoutId)}`),
        (rows) => Option.map(Option.fromNullable(rows[0]), toView)
      )
    // The session by auth-store.ts's own rule (sessionQuery), and the view only of a checkout of its user's.
    const checkoutViewWithSession = (
      token: string,
      now: number,
      checkoutId: CheckoutId
    ): Effect.Effect<{ readonly session: Option.Option<Session>; readonly view: Option.Option<CheckoutViewParts> }, StoreUnavailable> =>
      Effect.map(
        q(
          db,
          (sql) => sql<
            Array<
              { session_id: string; session_expires_at: Date; user_id: UserId; user_phone: string; user_roles: Array<string>; user_status: UserStatus } & (
                ViewRow | { [K in keyof ViewRow]: null }
              )
            >
          >`
          with s as (${sessionQuery(sql, token, now)})
          select s.session_id, s.expires_at as session_expires_at, s.id as user_id, s.phone as user_phone, s.roles as user_roles, s.status as user_status, v.*
            from s left join lateral (${viewQuery(sql, checkoutId, true)}) v on true`
        ),
        (rows) => {
          const r = rows[0]
          if (r === undefined) return { session: Option.none(), view: Option.none() }
          const session = toSession({
            session_id: r.session_id,
            expires_at: r.session_expires_at,
            id: r.user_id,
            phone: r.user_phone,
            roles: r.user_roles,
            status: r.user_status
          })
          return { session: Option.some(session), view: r.id === null ? Option.none() : Option.some(toView(r as ViewRow)) }
        }
      )
    return {
      checkoutView,
      checkoutViewWithSession,
      lockCheckout,

      pushedSince: (request) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ n: number }>>`
            select count(*)::int as n from mpesa_stk_requests
             where checkout_id = ${request.checkoutId} and id <> ${request.id} and (requested_at, id) > (${new Date(request.requestedAt)}, ${request.id})
               and not (status = 'FAILED' and checkout_request_id is null)`
          ),
          (rows) => (rows[0]?.n ?? 0) > 0
        ),
      latestRequest: (checkoutId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<RequestRow>>`
            select ${sql.unsafe(requestColumns)} from mpesa_stk_requests where checkout_id = ${checkoutId} order by requested_at desc, id desc limit 1`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), toRequest)
        ),

      insertRequest: (r) =>
        w(
          db,
          (sql) => sql`
          insert into mpesa_stk_requests (id, checkout_id, phone, amount, currency, requested_at)
          values (${r.id}, ${r.checkoutId}, ${r.phone}, ${r.amount.amount}, ${r.amount.currency}, ${new Date(r.at)})`
        ),

      requestAccepted: (id, merchantRequestId, checkoutRequestId) =>
        w(
          db,
          (sql) => sql`update mpesa_stk_requests set merchant_request_id = ${merchantRequestId}, checkout_request_id = ${checkoutRequestId} where id = ${id}`
        ),

      requestRefused: (id, detail, at) =>
        q(
          db,
          (sql) => sql`
          update mpesa_stk_requests set status = 'FAILED', result_desc = ${detail}, completed_at = ${new Date(at)} where id = ${id} and status = 'PENDING'`
        ).pipe(Effect.asVoid),

      lockRequest: (id) => oneRequest("id", id),
      lockRequestByCheckoutRequestId: (checkoutRequestId) => oneRequest("checkout_request_id", checkoutRequestId),
      findRequest: (id) => oneRequest("id", id, false),
      findRequestByCheckoutRequestId: (checkoutRequestId) => oneRequest("checkout_request_id", checkoutRequestId, false),

      lockUnrecordedPushes: (p) => unrecordedPushes(p, true),
      findUnrecordedPushes: (p) => unrecordedPushes(p, false),

      unrecordedPushesBefore: (before) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: StkRequestId }>>`
            select id from mpesa_stk_requests where status = 'PENDING' and checkout_request_id is null and requested_at < ${new Date(before)} order by requested_at limit 100`
          ),
          (rows) => rows.map((r) => r.id)
        ),

      // the push settled and, in the same statement, its backstop poll withdrawn (it would only find the push settled)
      settleRequest: (id, o) =>
        q(
          db,
          (sql) => sql`
          with settled as (
            update mpesa_stk_requests
               set status = ${o.status}, result_code = ${/^-?\d{1,9}$/.test(o.resultCode) ? Number(o.resultCode) : null}, result_code_text = ${o.resultCode},
                   result_desc = ${o.resultDesc}, mpesa_receipt_number = ${o.receipt ?? null}, paid_phone = ${o.paidPhone ?? null},
                   paid_amount = ${o.paidAmount?.amount ?? null}, completed_at = ${new Date(o.at)}
             where id = ${id} and status = 'PENDING'
            returning id
          ),
          ${withdrawAppend(sql, "settled", backstopPollKey(id))}
          select 1`
        ).pipe(Effect.asVoid),

      recordReceipt: (id, receipt) =>
        q(
          db,
          (sql) => sql`
          with r as (update mpesa_stk_requests set mpesa_receipt_number = ${receipt} where id = ${id} and mpesa_receipt_number is null returning id)
          update held_payments set receipt = ${receipt} where stk_request_id in (select id from r) and receipt is null`
        ).pipe(Effect.asVoid),

      requestWithReceipt: (receipt) =>
        Effect.map(
          q(db, (sql) => sql<Array<{ id: string }>>`select id from mpesa_stk_requests where mpesa_receipt_number = ${receipt}`),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.id)
        ),

      saveCallback: (c) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: string }>>`
            insert into mpesa_callbacks (kind, received_at, checkout_request_id, raw, remote_addr)
            values ('STK', ${new Date(c.at)}, ${c.checkoutRequestId ?? null}, ${sql.json(c.raw as never)}, ${c.remoteAddr ?? null})
            returning id::text`
          ),
          (rows) => rows[0]!.id
        ),

      loadCallback: (id, lock = true) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: string; raw: unknown; processed_at: Date | null; received_at: Date }>>`
            select id::text, raw, processed_at, received_at from mpesa_callbacks where id = ${id}::bigint ${lock ? sql`for update` : sql``}`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (r) => {
              const decoded = decodeStkCallback(r.raw)
              return Either.isRight(decoded)
                ? {
                    id: r.id,
                    processed: r.processed_at !== null,
                    receivedAt: r.received_at.getTime(),
                    callback: {
                      checkoutRequestId: decoded.right.checkoutRequestId,
                      merchantRequestId: decoded.right.merchantRequestId,
                      outcome: finalStkStatus(decoded.right.resultCode, decoded.right.resultDesc)._tag,
                      resultCode: decoded.right.resultCode,
                      resultDesc: decoded.right.resultDesc,
                      amountWhole: decoded.right.amountWhole,
                      receipt: decoded.right.receipt,
                      phone: decoded.right.phone
                    }
                  }
                : { id: r.id, processed: r.processed_at !== null, receivedAt: r.received_at.getTime(), callback: undefined, undecodable: decoded.left.detail }
            })
        ),

      markCallbackProcessed: (id, outcome, at) =>
        w(db, (sql) => sql`update mpesa_callbacks set processed_at = ${new Date(at)}, outcome = ${outcome} where id = ${id}::bigint and processed_at is null`),

      setCheckoutState: (checkoutId, state, at) =>
        q(
          db,
          (sql) => sql`
          update checkouts set state = ${state}, paid_at = case when ${state} = 'PAID' then ${new Date(at)} else paid_at end where id = ${checkoutId}`
        ).pipe(Effect.asVoid),

      insertHeldPayment: (h) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<HeldRow>>`
            insert into held_payments (id, checkout_id, stk_request_id, buyer_id, phone, currency, amount, receipt, reason, return_policy, status, held_at)
            values (${h.id}, ${h.checkoutId}, ${h.stkRequestId}, ${h.buyerId}, ${h.phone}, ${h.amount.currency}, ${h.amount.amount}, ${h.receipt ?? null},
                    ${h.reason}, ${h.returnPolicy}, ${h.status}, ${new Date(h.heldAt)})
            on conflict (stk_request_id) do nothing
            returning ${sql.unsafe(heldColumns)}`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), toHeld)
        ),

      heldForCheckout: (checkoutId) =>
        Effect.map(
          q(db, (sql) => sql<Array<HeldRow>>`select ${sql.unsafe(heldColumns)} from held_payments where checkout_id = ${checkoutId} order by held_at, id`),
          (rows) => rows.map(toHeld)
        ),

      lockHeldPayment: (id) =>
        Effect.map(
          q(db, (sql) => sql<Array<HeldRow>>`select ${sql.unsafe(heldColumns)} from held_payments where id = ${id} for update`),
          (rows) => Option.map(Option.fromNullable(rows[0]), toHeld)
        ),

      setHeldStatus: (id, u) =>
        q(
          db,
          (sql) => sql`
          update held_payments set status = ${u.status},
                 decided_by = coalesce(${u.decidedBy ?? null}, decided_by),
                 decided_at = case when ${u.decidedBy ?? null}::text is null then decided_at else ${new Date(u.at)} end,
                 returned_at = case when ${u.status} = 'RETURNED' then ${new Date(u.at)} else returned_at end
           where id = ${id}`
        ).pipe(Effect.asVoid)
    }
  })
)
