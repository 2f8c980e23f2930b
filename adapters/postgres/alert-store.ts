/**
 * AlertStore in PostgreSQL (migration 0074). The evaluation's read is ONE statement over small or
 * indexed things: the signals of the last two windows (alert_signals, by (signal, at)), the outbox's
 * unpublished rows (partial index), dead letters by creation time (exceptions (kind, created_at))
 * and graphile-worker's failed jobs (the table holds only the backlog). Never orders or payments.
 */
import { Effect, Layer, Option } from "effect"
import { AlertStore } from "../../application/alerts/alerts.port.js"
import type { FiredAlert, OnCallAdmin } from "../../application/alerts/alerts.port.js"
import type { AdminUserId } from "../../domain/ids.js"
import { Database } from "./database.js"
import { claimed, claimInsert } from "./handler-claim.js"
import { OUTBOX_MAX_ATTEMPTS, q } from "./unit-of-work.js"

type AdminRow = { id: AdminUserId; email: string; status: OnCallAdmin["status"]; on_call: boolean; whatsapp_phone: string | null }
const admin = (r: AdminRow): OnCallAdmin => ({ id: r.id, email: r.email, status: r.status, onCall: r.on_call, whatsappPhone: r.whatsapp_phone })

interface ReadingRow {
  ended: number
  paid: number
  lag_ms: number
  dead: Array<{ w: number; n: number }>
  sla: Array<{ zone: string; w: number; n: number }>
}

export const AlertStoreLive = Layer.effect(
  AlertStore,
  Effect.map(Database, (db) =>
    AlertStore.of({
      readings: ({ now, windowMs, countedFrom }) =>
        Effect.map(
          q(db, (sql) => {
            const at = new Date(now)
            const since = new Date(now - windowMs)
            const from = new Date(countedFrom)
            // the window an instant falls in, as epoch ms (windows are aligned to the epoch, as in domain/alerts.ts)
            const bucket = (col: string) => sql`(floor(extract(epoch from ${sql(col)}) * 1000 / ${windowMs}::float8) * ${windowMs}::float8)`
            return sql<Array<ReadingRow>>`
            select
              (select count(*)::int from alert_signals
                where signal in ('PAYMENT_PAID', 'PAYMENT_NOT_PAID') and at > ${since} and at <= ${at}) as ended,
              (select count(*)::int from alert_signals where signal = 'PAYMENT_PAID' and at > ${since} and at <= ${at}) as paid,
              coalesce((select (extract(epoch from ${at}::timestamptz - min(occurred_at)) * 1000)::float8 from outbox
                         where published_at is null and attempts < ${OUTBOX_MAX_ATTEMPTS}), 0) as lag_ms,
              (select coalesce(json_agg(json_build_object('w', w, 'n', n)), '[]'::json) from (
                 select w, count(*)::int as n from (
                   select ${bucket("created_at")} as w from exceptions where kind = 'DEAD_LETTER' and created_at >= ${from} and created_at <= ${at}
                   union all
                   select ${bucket("updated_at")} from graphile_worker._private_jobs
                    where attempts >= max_attempts and locked_at is null and updated_at >= ${from} and updated_at <= ${at}
                 ) d group by w) d) as dead,
              (select coalesce(json_agg(json_build_object('zone', scope, 'w', w, 'n', n)), '[]'::json) from (
                 select scope, ${bucket("at")} as w, count(*)::int as n from alert_signals
                  where signal = 'SLA_BREACH' and at >= ${from} and at <= ${at} group by 1, 2) s) as sla`
          }),
          ([r]) => ({
            payments: { ended: Number(r?.ended ?? 0), paid: Number(r?.paid ?? 0) },
            outboxLagMs: Math.max(0, Math.floor(Number(r?.lag_ms ?? 0))),
            deadLetters: (r?.dead ?? []).map((d) => ({ windowStart: Number(d.w), count: Number(d.n) })),
            slaBreaches: (r?.sla ?? []).map((s) => ({ zoneId: s.zone === "" ? "unknown" : s.zone, windowStart: Number(s.w), count: Number(s.n) }))
          })
        ),
      // With the handler's claim, the handler's whole run in one statement: the claim's row and the
      // signal together, the signal only when the claim is new (it is keyed by the event as well).
      recordSignal: ({ eventId, signal, at, slaTimerId }, claim) =>
        Effect.asVoid(
          q(
            db,
            (sql) => sql`
            ${claim === undefined ? sql`` : sql`with claim as (${claimInsert(sql, claim)})`}
            insert into alert_signals (event_id, signal, scope, at)
            select ${eventId}::text, ${signal}::text,
                   coalesce((select zone_id from sla_timers where id = ${slaTimerId ?? null}::text), ''),
                   ${new Date(at)}::timestamptz
             where ${claim === undefined ? sql`true` : claimed(sql)}
            on conflict do nothing`
          )
        ),
      recordFiring: (alert, id, at) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: string }>>`
            insert into fired_alerts (id, dedupe_key, condition, scope, window_start, observed, summary, fired_at)
            values (${id}, ${alert.dedupeKey}, ${alert.condition}, ${alert.scope}, ${new Date(alert.windowStart)},
                    ${sql.json(alert.observed as never)}, ${alert.summary}, ${new Date(at)})
            on conflict (dedupe_key) do nothing returning id`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.id)
        ),
      firedAlert: (id) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: string; condition: FiredAlert["condition"]; scope: string; window_start: Date; summary: string }>>`
            select id, condition, scope, window_start, summary from fired_alerts where id = ${id}`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (r): FiredAlert => ({
              id: r.id,
              condition: r.condition,
              scope: r.scope,
              windowStart: r.window_start.getTime(),
              summary: r.summary
            }))
        ),
      onCallAdmins: () =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<AdminRow>>`
            select id, email, status, on_call, whatsapp_phone from admin_users
             where on_call and status = 'ACTIVE' and whatsapp_phone is not null order by email`
          ),
          (rows) => rows.map(admin)
        ),
      lockAdmin: (id) =>
        Effect.map(
          q(db, (sql) => sql<Array<AdminRow>>`select id, email, status, on_call, whatsapp_phone from admin_users where id = ${id} for update`),
          (rows) => Option.map(Option.fromNullable(rows[0]), admin)
        ),
      setOnCall: (id, onCall, whatsappPhone) =>
        Effect.asVoid(q(db, (sql) => sql`update admin_users set on_call = ${onCall}, whatsapp_phone = ${whatsappPhone} where id = ${id}`)),
      pruneSignals: (before) =>
        Effect.map(
          q(
            db,
            (sql) => sql`
            delete from alert_signals where signal in ('PAYMENT_PAID', 'PAYMENT_NOT_PAID', 'SLA_BREACH') and at < ${new Date(before)}`
          ),
          (r) => r.count
        )
    })
  )
)
