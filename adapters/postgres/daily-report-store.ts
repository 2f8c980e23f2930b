/** DailyReportStore in PostgreSQL: the day's active stores from the read models (migration 0072), claims in daily_reports (0077). */
import { Effect, Layer } from "effect"
import { DailyReportStore } from "../../application/reports/daily-report.port.js"
import type { Currency } from "../../domain/money.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

export const DailyReportStoreLive = Layer.effect(
  DailyReportStore,
  Effect.map(Database, (db) =>
    DailyReportStore.of({
      activeStores: (day) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: string; name: string; currency: string; phone: string }>>`
            select s.id, s.name, s.currency, u.phone from stores s join users u on u.id = s.owner_user_id
             where s.id in (select scope from insight_daily where day = ${day}::date and scope <> '*'
                            union select scope from insight_daily_money where day = ${day}::date and scope <> '*')
             order by s.id`
          ),
          (rows) => rows.map((r) => ({ storeId: r.id, name: r.name, currency: r.currency.trim() as Currency, ownerPhone: r.phone }))
        ),
      openIssues: (scope, day) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ open: number }>>`
            select coalesce(sum(exceptions_opened - exceptions_closed), 0)::int as open from insight_daily where scope = ${scope} and day <= ${day}::date`
          ),
          (rows) => rows[0]?.open ?? 0
        ),
      platformRecipients: () =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: string; whatsapp_phone: string }>>`
            select id, whatsapp_phone from admin_users
             where role = 'PLATFORM_ADMIN' and status = 'ACTIVE' and whatsapp_phone is not null order by id`
          ),
          (rows) => rows.map((r) => ({ adminId: r.id, phone: r.whatsapp_phone }))
        ),
      claim: (c) =>
        Effect.map(
          q(
            db,
            (sql) => sql`
            insert into daily_reports (scope, day, recipient, phone, params, requested_at)
            values (${c.scope}, ${c.day}::date, ${c.recipient}, ${c.phone}, ${sql.json([...c.params])}, ${new Date(c.at)})
            on conflict do nothing returning 1`
          ),
          (rows) => rows.length === 1
        ),
      sentCount: (day) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ stores: number; admins: number }>>`
            select count(*) filter (where scope <> '*')::int as stores, count(*) filter (where scope = '*')::int as admins
              from daily_reports where day = ${day}::date`
          ),
          (rows) => rows[0] ?? { stores: 0, admins: 0 }
        )
    })
  )
)
