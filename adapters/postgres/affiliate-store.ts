/** AffiliateStore over PostgreSQL (0061: affiliate_applications, affiliate_clicks, affiliate_attributions; users.affiliate_code). */
import type { ProductId, UserId } from "../../domain/ids.js"
import { Effect, Layer, Option } from "effect"
import { AffiliateStore } from "../../application/affiliates/affiliate.port.js"
import type { AffiliateRecord, ApplicationRecord, ApplicationState, AttributionRecord } from "../../application/affiliates/affiliate.port.js"
import type { CommissionState } from "../../domain/commission.js"
import type { Currency } from "../../domain/money.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
type ApplicationRow = {
  id: string
  user_id: UserId
  pitch: string
  channel: string | null
  state: ApplicationState
  reason: string | null
  code: string | null
  created_at: Date
}
const application = (r: ApplicationRow): ApplicationRecord => ({
  id: r.id,
  userId: r.user_id,
  pitch: r.pitch,
  channel: r.channel,
  state: r.state,
  reason: r.reason,
  code: r.code,
  createdAt: r.created_at.getTime()
})

type AffiliateRow = { user_id: UserId; code: string; active: boolean }
const affiliate = (r: AffiliateRow): AffiliateRecord => ({ userId: r.user_id, code: r.code, active: r.active })

export const AffiliateStoreLive = Layer.effect(
  AffiliateStore,
  Effect.map(Database, (db) => ({
    openApplication: (userId) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<ApplicationRow>>`
          select id, user_id, pitch, channel, state, reason, code, created_at from affiliate_applications where user_id = ${userId} and state = 'PENDING'`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), application)
      ),
    insertApplication: (a) =>
      Effect.map(
        q(
          db,
          // the one-open-application index decides between two requests at once: the second waits for the first, then writes nothing
          (sql) => sql`
          insert into affiliate_applications (id, user_id, pitch, channel, created_at, updated_at)
          values (${a.id}, ${a.userId}, ${a.pitch}, ${a.channel}, ${new Date(a.at)}, ${new Date(a.at)})
          on conflict (user_id) where state = 'PENDING' do nothing returning id`
        ),
        (rows) => rows.length === 1
      ),
    lockApplication: (id) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<ApplicationRow>>`
          select id, user_id, pitch, channel, state, reason, code, created_at from affiliate_applications where id = ${id} for update`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), application)
      ),
    decideApplication: (id, d) =>
      q(
        db,
        (sql) => sql`
        update affiliate_applications
           set state = ${d.state}, reason = ${d.reason}, code = ${d.code}, decided_by = ${d.by}, decided_at = ${new Date(d.at)}, updated_at = ${new Date(d.at)}
         where id = ${id}`
      ).pipe(Effect.asVoid),
    affiliateOf: (userId) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<AffiliateRow>>`
          select id as user_id, affiliate_code as code, (status = 'ACTIVE' and 'AFFILIATE' = any(roles)) as active
            from users where id = ${userId} and affiliate_code is not null`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), affiliate)
      ),
    affiliateByCode: (code) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<AffiliateRow>>`
          select id as user_id, affiliate_code as code, (status = 'ACTIVE' and 'AFFILIATE' = any(roles)) as active
            from users where lower(affiliate_code) = lower(${code.trim()})`
        ),
        // two codes differing only in case are ambiguous: nobody (domain/commission.ts attribute says the same)
        (rows) => (rows.length === 1 ? Option.some(affiliate(rows[0]!)) : Option.none())
      ),
    grantAffiliate: (userId, code, at) =>
      q(
        db,
        (sql) => sql`
        update users set roles = case when 'AFFILIATE' = any(roles) then roles else array_append(roles, 'AFFILIATE') end,
                         affiliate_code = coalesce(affiliate_code, ${code}), updated_at = ${new Date(at)}
         where id = ${userId}`
      ).pipe(Effect.asVoid),
    codeTaken: (code) =>
      Effect.map(
        q(db, (sql) => sql`select 1 from users where lower(affiliate_code) = lower(${code})`),
        (rows) => rows.length > 0
      ),
    resolveTarget: (p) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ kind: "PRODUCT" | "STORE"; key: string }>>`
          select 'PRODUCT' as kind, p.id as key from products p join stores s on s.id = p.store_id
           where p.id = ${p} and p.state = 'VERIFIED' and p.archived_at is null and s.kyc_state = 'VERIFIED'
          union all
          select 'STORE' as kind, s.slug as key from stores s where s.slug = ${p.toLowerCase()} and s.kyc_state = 'VERIFIED'
          order by kind limit 1`
        ),
        (rows) =>
          Option.map(Option.fromNullable(rows[0]), (r) =>
            r.kind === "PRODUCT" ? { kind: "PRODUCT" as const, productId: r.key as ProductId } : { kind: "STORE" as const, slug: r.key }
          )
      ),
    recordClick: (c) =>
      Effect.map(
        q(
          db,
          (sql) => sql`
          insert into affiliate_clicks (id, affiliate_user_id, visitor, day, target_kind, target, created_at)
          values (${c.id}, ${c.affiliateUserId}, ${c.visitor}, ${c.day}::date, ${c.targetKind}, ${c.target}, ${new Date(c.at)})
          on conflict (affiliate_user_id, visitor, day) do nothing returning 1`
        ),
        (rows) => rows.length > 0
      ),
    attribute: (owner, a) =>
      q(
        db,
        (sql) => sql`
        insert into affiliate_attributions (owner, affiliate_user_id, code, clicked_at, expires_at)
        values (${owner}, ${a.affiliateUserId}, ${a.code}, ${new Date(a.clickedAt)}, ${new Date(a.expiresAt)})
        on conflict (owner) do update set affiliate_user_id = excluded.affiliate_user_id, code = excluded.code,
                                          clicked_at = excluded.clicked_at, expires_at = excluded.expires_at`
      ).pipe(Effect.asVoid),
    attributionOf: (owner) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ affiliate_user_id: UserId; code: string; clicked_at: Date; expires_at: Date }>>`
          select affiliate_user_id, code, clicked_at, expires_at from affiliate_attributions where owner = ${owner} and expires_at > now()`
        ),
        (rows) =>
          Option.map(Option.fromNullable(rows[0]), (r): AttributionRecord => ({
            affiliateUserId: r.affiliate_user_id,
            code: r.code,
            clickedAt: r.clicked_at.getTime(),
            expiresAt: r.expires_at.getTime()
          }))
      ),
    removeAttribution: (owner) => q(db, (sql) => sql`delete from affiliate_attributions where owner = ${owner}`).pipe(Effect.asVoid),
    stats: (userId) =>
      Effect.gen(function* () {
        const [counts, earnings, top] = yield* Effect.all(
          [
            q(
              db,
              (sql) => sql<Array<{ clicks: number; conversions: number }>>`
              select (select count(*)::int from affiliate_clicks where affiliate_user_id = ${userId}) as clicks,
                     (select count(*)::int from commissions where affiliate_user_id = ${userId} and state <> 'REJECTED') as conversions`
            ),
            q(
              db,
              (sql) => sql<Array<{ state: CommissionState; currency: string; amount: string; count: number }>>`
              select state, currency, sum(amount)::text as amount, count(*)::int as count
                from commissions where affiliate_user_id = ${userId} group by state, currency order by state, currency`
            ),
            q(
              db,
              (sql) => sql<Array<{ kind: "HOME" | "PRODUCT" | "STORE"; target: string | null; clicks: number }>>`
              select target_kind as kind, target, count(*)::int as clicks from affiliate_clicks where affiliate_user_id = ${userId}
               group by target_kind, target order by count(*) desc, target_kind, target limit 20`
            )
          ] as const,
          { concurrency: "unbounded" }
        )
        return {
          clicks: counts[0]?.clicks ?? 0,
          conversions: counts[0]?.conversions ?? 0,
          earnings: earnings.map((e) => ({ state: e.state, amount: { amount: Number(e.amount), currency: e.currency.trim() as Currency }, count: e.count })),
          topTargets: top
        }
      })
  }))
)
