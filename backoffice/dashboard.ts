/**
 * The dashboard's figures: one round of small aggregate queries, Nairobi's "today", and the last 14
 * days from the platform's daily read models (issue 15: application/insights), drawn as charts.
 */
import { platformInsights } from "../application/insights/insights.js"
import type { PlatformRuntime } from "../composition/platform.js"
import { mainCurrency } from "../domain/insights.js"
import type { Read } from "./read-model.js"
import { money } from "./display.js"

export const TREND_DAYS = 14

/** The platform's last 14 Nairobi days, one entry a day (zero-filled), GMV in the main currency's minor units. */
export const trendsData = async (runtime: PlatformRuntime) => {
  const r = await runtime.runPromise(platformInsights(TREND_DAYS))
  const currency = mainCurrency(r.series)
  return {
    from: r.from,
    to: r.to,
    currency,
    days: r.series.map((d) => ({
      day: d.day,
      gmv: d.gmv.find((m) => m.currency === currency)?.amount ?? 0,
      ordersPaid: d.ordersPaid,
      paymentsSucceeded: d.paymentsSucceeded,
      paymentsFailed: d.paymentsFailed,
      paymentSuccessRate: d.paymentSuccessRate,
      slaMet: d.slaMet,
      slaBreached: d.slaBreached,
      slaOnTimeRate: d.slaOnTimeRate,
      exceptionsOpened: d.exceptionsOpened,
      exceptionsClosed: d.exceptionsClosed
    }))
  }
}

const TODAY = `(date_trunc('day', now() at time zone 'Africa/Nairobi') at time zone 'Africa/Nairobi')`

export const dashboardData = async (read: Read) => {
  const [gmv, byState, payments, exceptions, payouts, review, recent] = await Promise.all([
    read((sql) =>
      sql.unsafe<Array<{ currency: string; orders: number; total: number }>>(`
      select currency, count(*)::int as orders, coalesce(sum(total), 0)::bigint as total from orders
       where paid_at >= ${TODAY} group by currency order by currency`)
    ),
    read((sql) => sql<Array<{ state: string; n: number }>>`select state, count(*)::int as n from orders group by state order by n desc`),
    read((sql) =>
      sql.unsafe<Array<{ pending: number; failed_today: number; paid_today: number }>>(`
      select count(*) filter (where status = 'PENDING')::int as pending,
             count(*) filter (where status in ('FAILED', 'CANCELLED') and requested_at >= ${TODAY})::int as failed_today,
             count(*) filter (where status = 'PAID' and requested_at >= ${TODAY})::int as paid_today
        from mpesa_stk_requests`)
    ),
    read(
      (sql) => sql<Array<{ kind: string; n: number; oldest: Date }>>`
      select kind, count(*)::int as n, min(created_at) as oldest from exceptions where status = 'OPEN' group by kind order by n desc`
    ),
    read(
      (sql) => sql<Array<{ batches: number; payouts: number; total: number; failed: number }>>`
      select (select count(*)::int from payout_batches where state = 'DRAFT') as batches,
             (select count(*)::int from payouts p join payout_batches b on b.id = p.batch_id where b.state = 'DRAFT') as payouts,
             (select coalesce(sum(p.amount), 0)::bigint from payouts p join payout_batches b on b.id = p.batch_id where b.state = 'DRAFT') as total,
             (select count(*)::int from payouts where status = 'FAILED') as failed`
    ),
    read(
      (sql) => sql<Array<{ products: number; rereviews: number; brands: number; sellers: number; oldest: Date | null }>>`
      select (select count(*)::int from products where state = 'PENDING_REVIEW' and archived_at is null) as products,
             (select count(*)::int from products where state = 'PENDING_REVIEW' and archived_at is null and last_verified is not null) as rereviews,
             (select count(*)::int from brands where state = 'PENDING') as brands,
             (select count(*)::int from stores where kyc_state = 'PENDING') as sellers,
             (select min(updated_at) from products where state = 'PENDING_REVIEW' and archived_at is null) as oldest`
    ),
    read(
      (sql) => sql<Array<{ seq: number; at: Date; actor: string; action: string; entity_id: string | null; reason: string | null }>>`
      select l.seq, l.at, coalesce(a.email, l.actor_id, l.actor_kind) as actor, l.action, l.entity_id, l.reason
        from audit_log l left join admin_users a on a.id = l.actor_id order by l.seq desc limit 6`
    )
  ])
  const p = payouts[0]
  return {
    gmvToday: gmv.map((g) => ({ currency: g.currency.trim(), orders: g.orders, total: money(g.total, g.currency) })),
    ordersByState: byState,
    payments: payments[0] ?? { pending: 0, failed_today: 0, paid_today: 0 },
    openExceptions: exceptions.map((e) => ({ kind: e.kind, n: e.n, oldest: e.oldest })),
    payoutsDue: { batches: p?.batches ?? 0, payouts: p?.payouts ?? 0, total: money(p?.total ?? 0, "KES"), failed: p?.failed ?? 0 },
    review: review[0] ?? { products: 0, rereviews: 0, brands: 0, sellers: 0, oldest: null },
    recent
  }
}
