/**
 * The M-Pesa simulator's memory in PostgreSQL (db/migrations/0065_mpesa_simulator_state.sql): the
 * pushes with their outcomes, the payouts with what happened to them, and the counter in the ids.
 * Shared by every process on the database, so the API that took a push and the worker that queries
 * it agree. A database failure is the simulated Daraja being unavailable (the caller retries).
 */
import { Effect } from "effect"
import { GatewayUnavailable } from "../../application/ports/payment-gateway.js"
import type { DatabaseService, DbError } from "../postgres/database.js"

export interface SimulatedStkOutcome {
  /** undefined: the customer never answers (no callback; the query stays Pending). */
  readonly resultCode: number | undefined
  readonly resultDesc: string
}

export interface SimulatedPush {
  readonly merchantRequestId: string
  readonly outcome: SimulatedStkOutcome
  /** Epoch ms when the outcome becomes final (the callback time). */
  readonly finalAt: number
}

export interface SimulatedPayout {
  readonly resultCode: number
  readonly receipt: string
  /** whole shillings */
  readonly amount: number
  readonly phone: string
}

const unavailable = (e: DbError) => new GatewayUnavailable({ detail: `M-Pesa simulator: its database failed (${e.message})`, cause: e })

export const simulatorState = (db: DatabaseService) => ({
  /** The next number of the counter every process shares (it ends the simulated ids). */
  nextId: db
    .query((sql) => sql<Array<{ n: number }>>`select nextval('mpesa_simulator_ids')::int as n`)
    .pipe(
      Effect.map((rows) => rows[0]!.n),
      Effect.mapError(unavailable)
    ),

  /** Records a push; its ids are the prefixes followed by the shared counter (one statement). */
  recordPush: (push: {
    readonly checkoutRequestIdPrefix: string
    readonly merchantRequestIdPrefix: string
    readonly outcome: SimulatedStkOutcome
    readonly finalAt: number
  }) =>
    db
      .query(
        (sql) => sql<Array<{ checkout_request_id: string; merchant_request_id: string }>>`
        with n as (select nextval('mpesa_simulator_ids') as n)
        insert into mpesa_simulator_pushes (checkout_request_id, merchant_request_id, result_code, result_desc, final_at)
        select ${push.checkoutRequestIdPrefix} || n.n, ${push.merchantRequestIdPrefix} || n.n, ${push.outcome.resultCode ?? null},
               ${push.outcome.resultDesc}, ${new Date(push.finalAt)}
        from n
        returning checkout_request_id, merchant_request_id`
      )
      .pipe(
        Effect.map((rows) => ({ checkoutRequestId: rows[0]!.checkout_request_id, merchantRequestId: rows[0]!.merchant_request_id })),
        Effect.mapError(unavailable)
      ),

  findPush: (checkoutRequestId: string) =>
    db
      .query(
        (sql) => sql<Array<{ merchant_request_id: string; result_code: number | null; result_desc: string; final_at: Date }>>`
        select merchant_request_id, result_code, result_desc, final_at from mpesa_simulator_pushes where checkout_request_id = ${checkoutRequestId}`
      )
      .pipe(
        Effect.map((rows): SimulatedPush | undefined => {
          const row = rows[0]
          return row === undefined
            ? undefined
            : {
                merchantRequestId: row.merchant_request_id,
                outcome: { resultCode: row.result_code ?? undefined, resultDesc: row.result_desc },
                finalAt: row.final_at.getTime()
              }
        }),
        Effect.mapError(unavailable)
      ),

  /** false when the OriginatorConversationID was used before (nothing is recorded then). */
  recordPayout: (originatorConversationId: string, payout: SimulatedPayout) =>
    db
      .query(
        (sql) => sql`
        insert into mpesa_simulator_payouts (originator_conversation_id, result_code, receipt, amount, phone)
        values (${originatorConversationId}, ${payout.resultCode}, ${payout.receipt}, ${payout.amount}, ${payout.phone})
        on conflict (originator_conversation_id) do nothing
        returning 1`
      )
      .pipe(
        Effect.map((rows) => rows.length === 1),
        Effect.mapError(unavailable)
      ),

  /** The payout with this OriginatorConversationID, or with this receipt (a Transaction Status query names either). */
  findPayout: (originatorConversationId: string | undefined, receipt: string | undefined) =>
    db
      .query(
        (sql) => sql<Array<{ result_code: number; receipt: string; amount: number; phone: string }>>`
        select result_code, receipt, amount, phone from mpesa_simulator_payouts
        where originator_conversation_id = ${originatorConversationId ?? null} or receipt = ${receipt ?? null}
        limit 1`
      )
      .pipe(
        Effect.map((rows): SimulatedPayout | undefined => {
          const row = rows[0]
          return row === undefined ? undefined : { resultCode: row.result_code, receipt: row.receipt, amount: Number(row.amount), phone: row.phone }
        }),
        Effect.mapError(unavailable)
      )
})
