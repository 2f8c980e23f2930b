/** InsightStore in PostgreSQL: the read models of migration 0072 (every table upserted in one statement per event). */
import { Effect, Layer, Option, Schema } from "effect"
import { InsightStore } from "../../application/insights/insights.port.js"
import type { AreaFigure, ProductFigure } from "../../application/insights/insights.port.js"
import type { Contribution } from "../../domain/insights.js"
import { zeroCounters } from "../../domain/insights.js"
import type { Currency } from "../../domain/money.js"
import { OrderSnapshot } from "../../domain/snapshot.js"
import type { HandlerClaim } from "../../application/ports/handler-claim.js"
import { Database } from "./database.js"
import type { Sql } from "./database.js"
import { claimed, claimInsert } from "./handler-claim.js"
import { q } from "./unit-of-work.js"

const decodeSnapshot = Schema.decodeUnknownOption(OrderSnapshot)
const TABLES = ["insight_daily", "insight_daily_money", "insight_paid_samples", "insight_daily_products", "insight_daily_areas"] as const
const dayText = (d: Date | string) => (typeof d === "string" ? d : d.toISOString().slice(0, 10))
const cur = (c: string) => c.trim() as Currency

export const InsightStoreLive = Layer.effect(
  InsightStore,
  Effect.map(Database, (db) => {
    return InsightStore.of({
      // One statement for every table (data-modifying CTEs over the rows as json): one round trip per
      // event. With the handler's claim it is the handler's whole run (no transaction): the claim's
      // CTE inserts its processed_events row and every insert is gated on it, so a replay adds
      // nothing, and the hot platform rows are held for this statement only.
      apply: (cs: ReadonlyArray<Contribution>, claim?: HandlerClaim) => {
        const daily = cs.filter((c) => Object.keys(c.counters).length > 0).map((c) => ({ scope: c.scope, day: c.day, ...zeroCounters, ...c.counters }))
        const money = cs.flatMap((c) => c.money.map((m) => ({ scope: c.scope, day: c.day, ...m })))
        const samples = cs.flatMap((c) => (c.sample ? [{ scope: c.scope, day: c.day, ...c.sample }] : []))
        const products = cs.flatMap((c) => c.products.map((p) => ({ scope: c.scope, day: c.day, ...p })))
        const areas = cs.flatMap((c) => c.areas.map((a) => ({ scope: c.scope, day: c.day, ...a })))
        if (claim === undefined && daily.length + money.length + samples.length + products.length + areas.length === 0) return Effect.void
        const json = (sql: Sql, rows: ReadonlyArray<Record<string, unknown>>) => sql.json(rows as never) as never
        // without a claim (the rebuild, in its transaction) every row goes in
        const gate = (sql: Sql) => (claim === undefined ? sql`true` : claimed(sql))
        return q(
          db,
          (sql) => sql`
          with ${claim === undefined ? sql`` : sql`claim as (${claimInsert(sql, claim)}),`} daily as (
            insert into insight_daily (scope, day, orders_placed, orders_paid, payments_succeeded, payments_failed, refunds, sla_met, sla_breached, exceptions_opened, exceptions_closed)
            select scope, day, "ordersPlaced", "ordersPaid", "paymentsSucceeded", "paymentsFailed", refunds, "slaMet", "slaBreached", "exceptionsOpened", "exceptionsClosed"
              from jsonb_to_recordset(${json(sql, daily)}) as x(scope text, day date, "ordersPlaced" int, "ordersPaid" int, "paymentsSucceeded" int, "paymentsFailed" int,
                   refunds int, "slaMet" int, "slaBreached" int, "exceptionsOpened" int, "exceptionsClosed" int)
             where ${gate(sql)}
            on conflict (scope, day) do update set
              orders_placed = insight_daily.orders_placed + excluded.orders_placed,
              orders_paid = insight_daily.orders_paid + excluded.orders_paid,
              payments_succeeded = insight_daily.payments_succeeded + excluded.payments_succeeded,
              payments_failed = insight_daily.payments_failed + excluded.payments_failed,
              refunds = insight_daily.refunds + excluded.refunds,
              sla_met = insight_daily.sla_met + excluded.sla_met,
              sla_breached = insight_daily.sla_breached + excluded.sla_breached,
              exceptions_opened = insight_daily.exceptions_opened + excluded.exceptions_opened,
              exceptions_closed = insight_daily.exceptions_closed + excluded.exceptions_closed
            returning 1
          ), money as (
            insert into insight_daily_money (scope, day, currency, gmv, refunded)
            select scope, day, currency::currency_code, gmv, refunded from jsonb_to_recordset(${json(sql, money)}) as x(scope text, day date, currency text, gmv bigint, refunded bigint)
             where ${gate(sql)}
            on conflict (scope, day, currency) do update set
              gmv = insight_daily_money.gmv + excluded.gmv, refunded = insight_daily_money.refunded + excluded.refunded
            returning 1
          ), samples as (
            -- one sample per checkout and scope: of two, the smaller (millis, day) stays, whichever came first
            insert into insight_paid_samples (scope, checkout_id, day, millis)
            select scope, "checkoutId", day, millis from jsonb_to_recordset(${json(sql, samples)}) as x(scope text, "checkoutId" text, day date, millis bigint)
             where ${gate(sql)}
            on conflict (scope, checkout_id) do update set day = excluded.day, millis = excluded.millis
              where (excluded.millis, excluded.day) < (insight_paid_samples.millis, insight_paid_samples.day)
            returning 1
          ), products as (
            insert into insight_daily_products (scope, day, product_id, currency, units, revenue)
            select scope, day, "productId", currency::currency_code, units, revenue
              from jsonb_to_recordset(${json(sql, products)}) as x(scope text, day date, "productId" text, currency text, units int, revenue bigint)
             where ${gate(sql)}
            on conflict (scope, day, product_id, currency) do update set
              units = insight_daily_products.units + excluded.units, revenue = insight_daily_products.revenue + excluded.revenue
            returning 1
          ), areas as (
            insert into insight_daily_areas (scope, day, zone_id, currency, orders_placed, shipping_fees, orders_paid)
            select scope, day, "zoneId", currency::currency_code, "ordersPlaced", "shippingFees", "ordersPaid"
              from jsonb_to_recordset(${json(sql, areas)}) as x(scope text, day date, "zoneId" text, currency text, "ordersPlaced" int, "shippingFees" bigint, "ordersPaid" int)
             where ${gate(sql)}
            on conflict (scope, day, zone_id, currency) do update set
              orders_placed = insight_daily_areas.orders_placed + excluded.orders_placed,
              shipping_fees = insight_daily_areas.shipping_fees + excluded.shipping_fees,
              orders_paid = insight_daily_areas.orders_paid + excluded.orders_paid
            returning 1
          )
          select (select count(*) from daily) + (select count(*) from money) + (select count(*) from samples) + (select count(*) from products) + (select count(*) from areas) as rows`
        ).pipe(Effect.asVoid)
      },

      orderFacts: (orderId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ store_id: string; checkout_id: string; checked_out_at: Date; snapshot: unknown }>>`
            select o.store_id, o.checkout_id, c.created_at as checked_out_at, s.snapshot
              from orders o join checkouts c on c.id = o.checkout_id join order_snapshots s on s.order_id = o.id
             where o.id = ${orderId}`
          ),
          (rows) =>
            Option.flatMap(Option.fromNullable(rows[0]), (r) =>
              Option.map(decodeSnapshot(r.snapshot), (s) => ({
                storeId: r.store_id,
                checkoutId: r.checkout_id,
                checkedOutAt: r.checked_out_at.getTime(),
                currency: s.currency,
                total: s.totals.final.amount,
                buyerPays: s.totals.buyerPays.amount,
                zoneId: s.shipping.zoneId,
                shippingFee: s.totals.shipping.amount,
                lines: s.lines.map((l) => ({ productId: l.productId, quantity: l.quantity, amount: l.finalLineTotal.amount }))
              }))
            )
        ),

      exceptionStore: (exceptionId) =>
        Effect.map(
          q(db, (sql) => sql<Array<{ store_id: string | null }>>`select store_id from exceptions where id = ${exceptionId}`),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.store_id)
        ),

      clear: (handler) =>
        q(db, (sql) => sql`lock table ${sql(TABLES as unknown as Array<string>)} in exclusive mode`).pipe(
          Effect.zipRight(Effect.forEach(TABLES, (t) => q(db, (sql) => sql`delete from ${sql(t)}`), { discard: true })),
          Effect.zipRight(q(db, (sql) => sql`delete from processed_events where handler = ${handler}`)),
          Effect.asVoid
        ),

      events: (types, afterSeq, limit) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: string; seq: string; event_type: string; payload: Record<string, unknown>; occurred_at: Date }>>`
            select id, seq, event_type, payload, occurred_at from outbox
             where event_type = any(${types as Array<string>}::text[]) and seq > ${afterSeq}
             order by seq limit ${limit}`
          ),
          (rows) => rows.map((r) => ({ id: r.id, seq: Number(r.seq), type: r.event_type, payload: r.payload, occurredAt: r.occurred_at.getTime() }))
        ),

      markHandled: (handler, eventIds) =>
        eventIds.length === 0
          ? Effect.void
          : q(
              db,
              (sql) =>
                sql`insert into processed_events (handler, event_id) select ${handler}, unnest(${eventIds as Array<string>}::text[]) on conflict do nothing`
            ).pipe(Effect.asVoid),

      series: (scope, fromDay, toDay) =>
        Effect.map(
          Effect.all([
            q(
              db,
              (sql) => sql<
                Array<{
                  day: Date | string
                  orders_placed: number
                  orders_paid: number
                  payments_succeeded: number
                  payments_failed: number
                  refunds: number
                  sla_met: number
                  sla_breached: number
                  exceptions_opened: number
                  exceptions_closed: number
                }>
              >`select day::text as day, orders_placed, orders_paid, payments_succeeded, payments_failed, refunds, sla_met, sla_breached, exceptions_opened, exceptions_closed
                  from insight_daily where scope = ${scope} and day between ${fromDay}::date and ${toDay}::date order by day`
            ),
            q(
              db,
              (sql) => sql<Array<{ day: string; currency: string; gmv: string; refunded: string }>>`
              select day::text as day, currency, gmv, refunded from insight_daily_money
               where scope = ${scope} and day between ${fromDay}::date and ${toDay}::date order by day, currency`
            ),
            q(
              db,
              (sql) => sql<Array<{ day: string; median: string }>>`
              select day::text as day, percentile_disc(0.5) within group (order by millis) as median from insight_paid_samples
               where scope = ${scope} and day between ${fromDay}::date and ${toDay}::date group by day`
            )
          ]),
          ([daily, money, medians]) => ({
            daily: daily.map((r) => ({
              day: dayText(r.day),
              ordersPlaced: r.orders_placed,
              ordersPaid: r.orders_paid,
              paymentsSucceeded: r.payments_succeeded,
              paymentsFailed: r.payments_failed,
              refunds: r.refunds,
              slaMet: r.sla_met,
              slaBreached: r.sla_breached,
              exceptionsOpened: r.exceptions_opened,
              exceptionsClosed: r.exceptions_closed
            })),
            money: money.map((r) => ({ day: r.day, currency: cur(r.currency), gmv: Number(r.gmv), refunded: Number(r.refunded) })),
            medians: new Map(medians.map((r) => [r.day, Number(r.median)]))
          })
        ),

      topProducts: (scope, fromDay, toDay, limit) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ product_id: string; title: string | null; currency: string; units: number; revenue: string }>>`
            select t.product_id, p.title, t.currency, t.units, t.revenue from (
              select product_id, currency, sum(units)::int as units, sum(revenue)::bigint as revenue from insight_daily_products
               where scope = ${scope} and day between ${fromDay}::date and ${toDay}::date group by product_id, currency
               order by sum(revenue) desc, product_id limit ${limit}
            ) t left join products p on p.id = t.product_id
            order by t.revenue desc, t.product_id`
          ),
          (rows) =>
            rows.map((r): ProductFigure => ({
              productId: r.product_id,
              title: r.title ?? r.product_id,
              currency: cur(r.currency),
              units: r.units,
              revenue: Number(r.revenue)
            }))
        ),

      openIssues: (scope) =>
        Effect.map(
          q(
            db,
            (sql) =>
              sql<
                Array<{ n: number }>
              >`select greatest(0, coalesce(sum(exceptions_opened - exceptions_closed), 0))::int as n from insight_daily where scope = ${scope}`
          ),
          (rows) => rows[0]?.n ?? 0
        ),

      areas: (scope, fromDay, toDay) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ zone_id: string; name: string | null; currency: string; orders_placed: number; shipping_fees: string; orders_paid: number }>>`
            select a.zone_id, z.name, a.currency, a.orders_placed, a.shipping_fees, a.orders_paid from (
              select zone_id, currency, sum(orders_placed)::int as orders_placed, sum(shipping_fees)::bigint as shipping_fees, sum(orders_paid)::int as orders_paid
                from insight_daily_areas where scope = ${scope} and day between ${fromDay}::date and ${toDay}::date group by zone_id, currency
            ) a left join shipping_zones z on z.id = a.zone_id
            order by a.zone_id, a.currency`
          ),
          (rows) =>
            rows.map((r): AreaFigure => ({
              zoneId: r.zone_id,
              name: r.name ?? r.zone_id,
              currency: cur(r.currency),
              ordersPlaced: r.orders_placed,
              shippingFees: Number(r.shipping_fees),
              ordersPaid: r.orders_paid
            }))
        )
    })
  })
)
