/**
 * PayoutStore over PostgreSQL: balances from the ledger's payable accounts (sellers, affiliates, and
 * riders' shipping payable; a logistics partner's is settled against its invoice, outside the batch),
 * batches per week and currency.
 */
import { Effect, Layer, Option } from "effect"
import { PayoutStore } from "../../application/payouts/payout.port.js"
import type { Currency } from "../../domain/money.js"
import { PAYOUT_HOLD_MS } from "../../domain/store.js"
import { payee } from "../../domain/commission.js"
import type { PayoutBatchId } from "../../domain/ids.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

export const PayoutStoreLive = Layer.effect(
  PayoutStore,
  Effect.gen(function* () {
    const db = yield* Database
    return {
      lockBalances: () => Effect.asVoid(q(db, (sql) => sql`select pg_advisory_xact_lock(hashtextextended('payouts:balances', 0))`)),
      payableBalances: () =>
        Effect.map(
          q(
            db,
            (sql) => sql<
              Array<{
                payee_kind: "SELLER" | "AFFILIATE" | "RIDER"
                payee_id: string
                currency: string
                owed: number
                payout_method_changed_at: Date | null
                commission_ids: Array<string> | null
                frozen: boolean
                no_destination: boolean
              }>
            >`
            with owed as (
              select case account when 'SELLER_PAYABLE' then 'SELLER' when 'AFFILIATE_PAYABLE' then 'AFFILIATE' else 'RIDER' end as payee_kind,
                     account_ref as payee_id, currency, -sum(amount)::bigint as owed
                from ledger_entries e
               where account in ('SELLER_PAYABLE', 'AFFILIATE_PAYABLE')
                  or (account = 'SHIPPING_PAYABLE' and exists (select 1 from riders r where r.user_id = e.account_ref))
               group by 1, 2, 3
            ), in_flight as (
              -- MANUAL_PENDING: handed to a human to pay by hand, in flight until recorded paid or given back
              select payee_kind, payee_id, currency, sum(amount)::bigint as amount from payouts
               where status in ('PENDING', 'SUBMITTED', 'MANUAL_PENDING') group by 1, 2, 3
            ), carried as (
              -- an affiliate's APPROVED commissions no payout in flight carries, in this statement's
              -- snapshot: exactly those whose release the balance above holds (both are written by
              -- the order's completion); a payout from before commission_ids carries by the old rule
              select 'AFFILIATE' as payee_kind, c.affiliate_user_id as payee_id, c.currency, array_agg(c.id order by c.id) as commission_ids
                from commissions c
               where c.state = 'APPROVED'
                 and not exists (
                   select 1 from payouts p join payout_batches b on b.id = p.batch_id
                    where p.payee_kind = 'AFFILIATE' and p.payee_id = c.affiliate_user_id and p.currency = c.currency
                      and p.status in ('PENDING', 'SUBMITTED', 'MANUAL_PENDING')
                      and (c.id = any(p.commission_ids) or (p.commission_ids is null and c.updated_at <= b.created_at)))
               group by 1, 2, 3
            )
            select o.payee_kind, o.payee_id, o.currency, (o.owed - coalesce(f.amount, 0))::bigint as owed, s.payout_method_changed_at, k.commission_ids,
                   -- a suspended or banned payee is paid nothing while so (domain/commission.ts, PayeeBalance.frozen)
                   coalesce(s.kyc_state in ('SUSPENDED', 'BANNED'), false) or coalesce(u.status in ('SUSPENDED', 'BANNED'), false) as frozen,
                   -- a store whose owner set no payout destination yet (createBatch would write no payout for it)
                   (o.payee_kind = 'SELLER' and s.payout_method is null) as no_destination
              from owed o left join in_flight f using (payee_kind, payee_id, currency)
              left join carried k using (payee_kind, payee_id, currency)
              left join stores s on o.payee_kind = 'SELLER' and s.id = o.payee_id
              left join users u on o.payee_kind <> 'SELLER' and u.id = o.payee_id`
          ),
          (rows) =>
            rows.map((r) => ({
              ...payee(r.payee_kind, r.payee_id),
              approved: { amount: r.owed, currency: r.currency.trim() as Currency },
              heldUntil: r.payout_method_changed_at === null ? undefined : r.payout_method_changed_at.getTime() + PAYOUT_HOLD_MS,
              ...(r.frozen && { frozen: true as const }),
              ...(r.no_destination && { noDestination: true as const }),
              ...(r.payee_kind === "AFFILIATE" && { commissionIds: r.commission_ids ?? [] })
            }))
        ),
      createBatch: (weekKey, currency, payouts) =>
        Effect.gen(function* () {
          const created = yield* q(
            db,
            (sql) => sql<Array<{ id: PayoutBatchId }>>`
            insert into payout_batches (week_key, currency) values (${weekKey}, ${currency}) on conflict (week_key, currency) do nothing returning id`
          )
          const batchId = created[0]?.id
          if (!batchId) return Option.none()
          let n = 0
          for (const p of payouts) {
            // Where the money goes: the store's payout method, or the affiliate's or rider's own phone (B2C).
            // KES keeps the key it always had; another currency's payout to the same payee needs its own.
            const ocid = `amana-${weekKey}-${p.payeeKind.toLowerCase()}-${p.payeeId}${currency === "KES" ? "" : `-${currency.toLowerCase()}`}`
            const inserted = yield* q(
              db,
              (sql) => sql`
              insert into payouts (batch_id, payee_kind, payee_id, method, destination, account_ref, currency, amount, originator_conversation_id, commission_ids)
              select ${batchId}, ${p.payeeKind}, ${p.payeeId}, d.method, d.destination, d.account_ref, ${p.approved.currency}, ${p.approved.amount},
                     ${ocid}, ${p.payeeKind === "AFFILIATE" ? [...(p.commissionIds ?? [])] : null}::text[]
                from (
                  select s.payout_method as method,
                         coalesce(case s.payout_method when 'B2C' then s.payout_phone when 'TILL' then s.payout_till_number else s.payout_paybill_number end, '') as destination,
                         s.payout_account_ref as account_ref
                    from stores s where ${p.payeeKind} = 'SELLER' and s.id = ${p.payeeId} and s.payout_method is not null
                  union all
                  select 'B2C', u.phone, null from users u where ${p.payeeKind} in ('AFFILIATE', 'RIDER') and u.id = ${p.payeeId}
                ) d
              returning id`
            )
            n += inserted.length
          }
          return Option.some({ batchId, payouts: n })
        })
    }
  })
)
