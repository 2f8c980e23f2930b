/**
 * AdminStore over PostgreSQL: row locks for decisions, the audit log, incentive versions, admin users.
 *
 * The audit log is hash-chained by the database (0007) and anchored here (0050): each entry the app
 * writes gets HMAC-SHA256(AUDIT_ANCHOR_KEY, "seq:hash") in audit_anchors, in the same transaction.
 * The key lives only in this process, so whoever can rewrite the chain and its head inside the
 * database (a superuser, a restored dump) cannot make anchors that verify; "verify chain" checks both.
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { AdminStore } from "../../application/admin/admin.port.js"
import type { CommissionRecord } from "../../application/admin/admin.port.js"
import type {
  AdminUserRecord,
  BrandRecord,
  DiscountCodeRecord,
  ExceptionRecord,
  PayoutBatchRecord,
  ProductRecord,
  ProductReviewedFields,
  PromotionRecord,
  PromotionRule,
  SellerRecord
} from "../../application/admin/admin.port.js"
import type { AdminRole } from "../../application/admin/admin-roles.js"
import type { StoreKycState, VerificationState } from "../../domain/catalogue.js"
import type {
  AdminUserId,
  BrandId,
  CommissionId,
  DiscountCodeId,
  ExceptionId,
  OrderId,
  PayoutBatchId,
  PayoutId,
  ProductId,
  PromotionId,
  StoreId,
  UserId
} from "../../domain/ids.js"
import type { IncentiveEffect } from "../../domain/incentives.js"
import type { Currency, Money } from "../../domain/money.js"
import { PromotionEligibility } from "./checkout-store.js"
import { Schema } from "effect"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"
import { OUTBOX_MAX_ATTEMPTS, OUTBOX_TASK } from "./unit-of-work.js"
import { appendAudit, AuditAnchorKeyConfig, auditAnchorMac } from "./audit-log.js"

export { AuditAnchorKeyConfig, auditAnchorMac }

/**
 * The first entry the anchors do not vouch for (undefined: all are). The first entry with a valid
 * anchor vouches, through the hash chain, for every entry before it (written before anchoring began,
 * or anchored under a key since rotated away); from it on every entry must carry a valid anchor. A
 * chain with entries and no valid anchor at all is vouched for by nothing: its first anchored entry
 * (else its first entry) is named.
 */
export const firstUnanchored = (
  key: string,
  rows: ReadonlyArray<{ readonly seq: number; readonly hash: string; readonly mac: string | null }>
): number | undefined => {
  const valid = (r: (typeof rows)[number]) => r.mac !== null && r.mac === auditAnchorMac(key, r.seq, r.hash)
  const first = rows.findIndex(valid)
  // no valid anchor: from the first anchored entry (where checking fails), else the first entry
  if (first === -1) return (rows.find((r) => r.mac !== null) ?? rows[0])?.seq
  return rows.slice(first + 1).find((r) => !valid(r))?.seq
}

const cur = (c: string): Currency => c.trim() as Currency
const json = (value: unknown) => value as never
const decodeEligibility = Schema.decodeUnknownSync(PromotionEligibility)

/** brands.state predates the shared vocabulary: its PENDING is PENDING_REVIEW. */
const brandFromDb = (s: string): VerificationState => (s === "PENDING" ? "PENDING_REVIEW" : (s as VerificationState))
const brandToDb = (s: VerificationState): string => (s === "PENDING_REVIEW" || s === "DRAFT" ? "PENDING" : s)

/**
 * Checkout keeps usage counters only while an incentive has a limit (an unlimited one would be a
 * hot row on every checkout), so a new version — which may introduce a limit — recounts them from
 * the live burns, globally and per buyer, in the admin's transaction.
 */
const recountUsesWith = (db: Database["Type"]) => (kind: "PROMOTION" | "DISCOUNT_CODE", id: string) =>
  Effect.gen(function* () {
    const column = kind === "PROMOTION" ? "promotion_id" : "discount_code_id"
    const table = kind === "PROMOTION" ? "promotions" : "discount_codes"
    yield* q(
      db,
      (sql) => sql`
      update ${sql(table)} set uses = (select count(*) from incentive_burns where ${sql(column)} = ${id} and state = 'ACTIVE') where id = ${id}`
    )
    yield* q(
      db,
      (sql) => sql`
      insert into incentive_buyer_uses (incentive_kind, incentive_id, buyer_id, uses)
      select ${kind}, ${id}, buyer_id, count(*) from incentive_burns where ${sql(column)} = ${id} and state = 'ACTIVE' group by buyer_id
      on conflict (incentive_kind, incentive_id, buyer_id) do update set uses = excluded.uses`
    )
    yield* q(
      db,
      (sql) => sql`
      update incentive_buyer_uses u set uses = 0
       where u.incentive_kind = ${kind} and u.incentive_id = ${id}
         and not exists (select 1 from incentive_burns b where b.${sql(column)} = ${id} and b.state = 'ACTIVE' and b.buyer_id = u.buyer_id)`
    )
  })

type ExceptionRow = {
  id: ExceptionId
  kind: string
  status: ExceptionRecord["status"]
  entity: string | null
  entity_id: string | null
  payload: Record<string, unknown>
  note: string | null
  store_id: string | null
}
const toException = (r: ExceptionRow): ExceptionRecord => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  entity: r.entity,
  entityId: r.entity_id,
  payload: r.payload,
  note: r.note,
  storeId: r.store_id
})

export const AdminStoreLive = Layer.effect(
  AdminStore,
  Effect.gen(function* () {
    const db = yield* Database
    const anchorKey = Redacted.value(yield* AuditAnchorKeyConfig)
    const recountUses = recountUsesWith(db)

    const productFields = (productId: string) =>
      Effect.gen(function* () {
        const rows = yield* q(
          db,
          (sql) => sql<Array<{ title: string; description: string; base_price: number; currency: string; media: Array<string>; brand_id: BrandId | null }>>`
          select title, description, base_price, currency, media, brand_id from products where id = ${productId}`
        )
        const variants = yield* q(
          db,
          (sql) => sql<Array<{ sku: string; attributes: Record<string, unknown>; price_override: number | null; active: boolean }>>`
          select sku, attributes, price_override, active from variants where product_id = ${productId} order by sku`
        )
        const p = rows[0]
        if (!p) return undefined
        return {
          title: p.title,
          description: p.description,
          basePrice: { amount: p.base_price, currency: cur(p.currency) },
          media: p.media,
          brandId: p.brand_id,
          variants: variants.map((v) => ({ sku: v.sku, attributes: v.attributes, priceOverride: v.price_override, active: v.active }))
        } satisfies ProductReviewedFields
      })

    return {
      audit: appendAudit(db, anchorKey),

      lockSeller: (storeId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: StoreId; name: string; kyc_state: StoreKycState; kyc_reason: string | null }>>`
            select id, name, kyc_state, kyc_reason from stores where id = ${storeId} for update`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r): SellerRecord => ({ id: r.id, name: r.name, kycState: r.kyc_state, kycReason: r.kyc_reason }))
        ),
      setSellerKyc: (storeId, c) =>
        q(
          db,
          (sql) => sql`
          update stores set kyc_state = ${c.state}, kyc_reason = ${c.reason}, kyc_decided_at = ${new Date(c.at)}, kyc_decided_by = ${c.by},
                 updated_at = ${new Date(c.at)}, version = version + 1
           where id = ${storeId}`
        ).pipe(Effect.asVoid),

      lockProduct: (productId) =>
        Effect.gen(function* () {
          const rows = yield* q(
            db,
            (sql) => sql<
              Array<{
                id: ProductId
                store_id: StoreId
                state: VerificationState
                rejection_reason: string | null
                version: number
                last_verified: ProductReviewedFields | null
              }>
            >`
            select id, store_id, state, rejection_reason, version, last_verified from products where id = ${productId} for update`
          )
          const r = rows[0]
          if (!r) return Option.none<ProductRecord>()
          const current = yield* productFields(productId)
          if (!current) return Option.none<ProductRecord>()
          return Option.some<ProductRecord>({
            id: r.id,
            storeId: r.store_id,
            state: r.state,
            rejectionReason: r.rejection_reason,
            version: r.version,
            current,
            lastVerified: r.last_verified
          })
        }),
      setProductState: (productId, c) =>
        q(
          db,
          (sql) => sql`
          update products set state = ${c.state}, rejection_reason = ${c.reason}, updated_at = ${new Date(c.at)},
                 last_verified = ${c.verified ? sql.json(json(c.verified)) : sql`last_verified`},
                 last_verified_at = ${c.verified ? new Date(c.at) : sql`last_verified_at`},
                 last_verified_by = ${c.verified ? c.by : sql`last_verified_by`}
           where id = ${productId}`
        ).pipe(Effect.asVoid),

      lockBrand: (brandId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: BrandId; name: string; state: string; rejection_reason: string | null }>>`
            select id, name, state, rejection_reason from brands where id = ${brandId} for update`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (r): BrandRecord => ({
              id: r.id,
              name: r.name,
              state: brandFromDb(r.state),
              rejectionReason: r.rejection_reason
            }))
        ),
      setBrandState: (brandId, c) =>
        q(
          db,
          (sql) => sql`
          update brands set state = ${brandToDb(c.state)}, rejection_reason = ${c.reason}, decided_at = ${new Date(c.at)}, decided_by = ${c.by}
           where id = ${brandId}`
        ).pipe(Effect.asVoid),

      insertPromotion: (p) =>
        Effect.gen(function* () {
          yield* q(
            db,
            (sql) => sql`
            insert into promotions (id, name, status, current_version, created_at, created_by, updated_at)
            values (${p.id}, ${p.name}, 'ACTIVE', 1, ${new Date(p.at)}, ${p.by}, ${new Date(p.at)})`
          )
          yield* insertPromotionVersion(p.id, 1, p.rule, p.by, p.at)
        }),
      lockPromotion: (id) =>
        Effect.map(
          q(
            db,
            (sql) => sql<
              Array<{
                id: PromotionId
                name: string
                status: PromotionRecord["status"]
                current_version: number
                priority: number
                starts_at: Date
                ends_at: Date
                eligibility: unknown
                effect: IncentiveEffect
                currency: string
                global_limit: number | null
                per_buyer_limit: number | null
              }>
            >`
            select p.id, p.name, p.status, p.current_version, v.priority, v.starts_at, v.ends_at, v.eligibility, v.effect, v.currency, v.global_limit, v.per_buyer_limit
              from promotions p join promotion_versions v on v.promotion_id = p.id and v.version = p.current_version
             where p.id = ${id} for update of p`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (r): PromotionRecord => {
              const eligibility = decodeEligibility(r.eligibility)
              return {
                id: r.id,
                name: r.name,
                status: r.status,
                currentVersion: r.current_version,
                rule: {
                  priority: r.priority,
                  startsAt: r.starts_at.getTime(),
                  endsAt: r.ends_at.getTime(),
                  scope: eligibility.scope,
                  minSubtotal: eligibility.minSubtotal,
                  effect: r.effect,
                  currency: cur(r.currency),
                  globalLimit: r.global_limit,
                  perBuyerLimit: r.per_buyer_limit
                }
              }
            })
        ),
      appendPromotionVersion: (id, version, rule, by, at) =>
        Effect.gen(function* () {
          yield* insertPromotionVersion(id, version, rule, by, at)
          yield* q(db, (sql) => sql`update promotions set current_version = ${version}, updated_at = ${new Date(at)} where id = ${id}`)
          yield* recountUses("PROMOTION", id)
        }),
      setPromotionStatus: (id, status, at) =>
        q(db, (sql) => sql`update promotions set status = ${status}, updated_at = ${new Date(at)} where id = ${id}`).pipe(Effect.asVoid),

      insertDiscountCode: (d) =>
        Effect.gen(function* () {
          yield* q(
            db,
            (sql) => sql`
            insert into discount_codes (id, code, status, current_version, created_at, created_by, updated_at)
            values (${d.id}, ${d.code}, 'ACTIVE', 1, ${new Date(d.at)}, ${d.by}, ${new Date(d.at)})`
          )
          yield* insertCodeVersion(d.id, 1, d.rule, d.by, d.at)
        }),
      liveCodeExists: (code) =>
        Effect.map(
          q(db, (sql) => sql`select 1 from discount_codes where code = ${code} and status <> 'ENDED'`),
          (rows) => rows.length > 0
        ),
      lockDiscountCode: (id) =>
        Effect.map(
          q(
            db,
            (sql) => sql<
              Array<{
                id: DiscountCodeId
                code: string
                status: DiscountCodeRecord["status"]
                current_version: number
                starts_at: Date | null
                expires_at: Date
                currency: string
                min_subtotal: number
                effect: IncentiveEffect
                global_limit: number | null
                per_buyer_limit: number | null
              }>
            >`
            select d.id, d.code, d.status, d.current_version, v.starts_at, v.expires_at, v.currency, v.min_subtotal, v.effect, v.global_limit, v.per_buyer_limit
              from discount_codes d join discount_code_versions v on v.discount_code_id = d.id and v.version = d.current_version
             where d.id = ${id} for update of d`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (r): DiscountCodeRecord => ({
              id: r.id,
              code: r.code,
              status: r.status,
              currentVersion: r.current_version,
              rule: {
                startsAt: r.starts_at ? r.starts_at.getTime() : null,
                expiresAt: r.expires_at.getTime(),
                currency: cur(r.currency),
                minSubtotal: r.min_subtotal,
                effect: r.effect,
                globalLimit: r.global_limit,
                perBuyerLimit: r.per_buyer_limit
              }
            }))
        ),
      appendDiscountCodeVersion: (id, version, rule, by, at) =>
        Effect.gen(function* () {
          yield* insertCodeVersion(id, version, rule, by, at)
          yield* q(db, (sql) => sql`update discount_codes set current_version = ${version}, updated_at = ${new Date(at)} where id = ${id}`)
          yield* recountUses("DISCOUNT_CODE", id)
        }),
      setDiscountCodeStatus: (id, status, at) =>
        q(db, (sql) => sql`update discount_codes set status = ${status}, updated_at = ${new Date(at)} where id = ${id}`).pipe(Effect.asVoid),

      lockException: (id) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<ExceptionRow>>`
            select id, kind, status, entity, entity_id, payload, note, store_id from exceptions where id = ${id} for update`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), toException)
        ),
      lockOpenExceptionsAbout: (kind, entity, entityId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<ExceptionRow>>`
            select id, kind, status, entity, entity_id, payload, note, store_id from exceptions
             where kind = ${kind} and entity = ${entity} and entity_id = ${entityId} and status = 'OPEN' order by created_at, id for update`
          ),
          (rows) => rows.map(toException)
        ),
      resolveException: (id, c) =>
        // the dedupe key is released so that the same cause, if it happens again, opens a new exception
        q(
          db,
          (sql) => sql`
          update exceptions set status = 'RESOLVED', note = ${c.note}, resolved_by = ${c.by}, resolved_at = ${new Date(c.at)},
                 dedupe_key = case when dedupe_key is null then null else dedupe_key || ':resolved:' || id end
           where id = ${id}`
        ).pipe(Effect.asVoid),
      requeueOutboxEvent: (eventId) =>
        Effect.map(
          q(
            db,
            (sql) => sql`
            with ev as (update outbox set last_error = null where id = ${eventId} returning id)
            select graphile_worker.add_job(${OUTBOX_TASK}, json_build_object('eventId', id), max_attempts => ${OUTBOX_MAX_ATTEMPTS}::int) from ev`
          ),
          (rows) => rows.length > 0
        ),

      lockPayoutBatch: (id) =>
        Effect.gen(function* () {
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ id: PayoutBatchId; week_key: string; state: PayoutBatchRecord["state"] }>>`
            select id, week_key, state from payout_batches where id = ${id} for update`
          )
          const b = rows[0]
          if (!b) return Option.none<PayoutBatchRecord>()
          const totals = yield* q(
            db,
            (sql) => sql<Array<{ currency: string; n: number; total: number }>>`
            select currency, count(*)::int as n, sum(amount)::bigint as total from payouts where batch_id = ${id} group by currency order by currency`
          )
          return Option.some<PayoutBatchRecord>({
            id: b.id,
            weekKey: b.week_key,
            state: b.state,
            payouts: totals.reduce((n, t) => n + t.n, 0),
            total: totals.map((t): Money => ({ amount: t.total, currency: cur(t.currency) }))
          })
        }),
      approvePayoutBatch: (id, by, at) =>
        q(
          db,
          (sql) => sql`update payout_batches set state = 'APPROVED', approved_by = ${by}, approved_at = ${new Date(at)} where id = ${id} and state = 'DRAFT'`
        ).pipe(Effect.asVoid),

      lockCommission: (id) =>
        Effect.map(
          q(
            db,
            (sql) => sql<
              Array<{
                id: CommissionId
                order_id: OrderId
                store_id: StoreId
                affiliate_user_id: UserId
                currency: string
                amount: number
                state: CommissionRecord["state"]
              }>
            >`
            select c.id, c.order_id, o.store_id, c.affiliate_user_id, c.currency, c.amount, c.state
              from commissions c join orders o on o.id = c.order_id where c.id = ${id} for update of c`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (c): CommissionRecord => ({
              id: c.id,
              orderId: c.order_id,
              storeId: c.store_id,
              affiliateUserId: c.affiliate_user_id,
              amount: { amount: Number(c.amount), currency: cur(c.currency) },
              state: c.state
            }))
        ),
      rejectCommission: (id, reason, at) =>
        q(
          db,
          (sql) => sql`update commissions set state = 'REJECTED', reason = ${reason}, updated_at = ${new Date(at)} where id = ${id} and state = 'APPROVED'`
        ).pipe(Effect.asVoid),
      pullFromPendingPayout: (commissionId, affiliateUserId, amount, minimum) =>
        Effect.gen(function* () {
          // only the payout that carries the commission (its commission_ids; before that column: a payout selected after the commission was approved), the rule markCommissionsPaid follows
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ id: PayoutId; batch_id: PayoutBatchId; status: string; amount: number }>>`
            select p.id, p.batch_id, p.status, p.amount from payouts p join payout_batches b on b.id = p.batch_id
             where p.payee_kind = 'AFFILIATE' and p.payee_id = ${affiliateUserId} and p.currency = ${amount.currency} and p.status in ('PENDING', 'SUBMITTED', 'MANUAL_PENDING')
               and exists (select 1 from commissions c where c.id = ${commissionId}
                             and (c.id = any(p.commission_ids) or (p.commission_ids is null and c.updated_at <= b.created_at)))
             order by p.created_at for update of p`
          )
          // SUBMITTED cannot be pulled back; MANUAL_PENDING is with a person (give it back first, then reject)
          if (rows.some((r) => r.status !== "PENDING")) return "IN_FLIGHT" as const
          const p = rows[0]
          if (p === undefined) return undefined
          const remaining = Number(p.amount) - amount.amount
          if (remaining <= 0 || (minimum !== undefined && remaining < minimum.amount)) {
            yield* q(db, (sql) => sql`delete from payouts where id = ${p.id} and status = 'PENDING'`)
            // a batch already paying out whose last open payout this was is done
            yield* q(
              db,
              (sql) => sql`
              update payout_batches set state = 'COMPLETED', completed_at = now()
               where id = ${p.batch_id} and state = 'PROCESSING' and not exists (select 1 from payouts where batch_id = ${p.batch_id} and status in ('PENDING', 'SUBMITTED'))`
            )
            return { payoutId: p.id, remaining: 0 }
          }
          yield* q(
            db,
            (sql) =>
              sql`update payouts set amount = ${remaining}, commission_ids = array_remove(commission_ids, ${commissionId}::text) where id = ${p.id} and status = 'PENDING'`
          )
          return { payoutId: p.id, remaining }
        }),

      findAdminByEmail: (email) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: AdminUserId; email: string; password_hash: string; role: AdminRole; status: AdminUserRecord["status"] }>>`
            select id, email, password_hash, role, status from admin_users where email = ${email.trim().toLowerCase()}`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (r): AdminUserRecord => ({
              id: r.id,
              email: r.email,
              passwordHash: r.password_hash,
              role: r.role,
              status: r.status
            }))
        ),
      countAdmins: () =>
        Effect.map(
          q(db, (sql) => sql<Array<{ n: number }>>`select count(*)::int as n from admin_users`),
          (rows) => rows[0]?.n ?? 0
        ),
      insertAdmin: (a) =>
        q(db, (sql) => sql`insert into admin_users (id, email, password_hash, role) values (${a.id}, ${a.email}, ${a.passwordHash}, ${a.role})`).pipe(
          Effect.asVoid
        ),
      recordLogin: (adminId, at) => q(db, (sql) => sql`update admin_users set last_login_at = ${new Date(at)} where id = ${adminId}`).pipe(Effect.asVoid),

      verifyAuditChain: () =>
        Effect.gen(function* () {
          // the chain as the database sees it (each hash over its row and the previous hash, the head)
          const [structure] = yield* q(db, (sql) => sql<Array<{ broken: number | null }>>`select audit_verify_chain() as broken`)
          // and as only the holder of the key can vouch for it
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ seq: number; hash: string; mac: string | null }>>`
            select l.seq, l.hash, a.mac from audit_log l left join audit_anchors a on a.seq = l.seq order by l.seq`
          )
          const broken = [structure?.broken ?? undefined, firstUnanchored(anchorKey, rows)].filter((s): s is number => s !== undefined && s !== null)
          return broken.length === 0 ? Option.none() : Option.some(Math.min(...broken))
        })
    }

    function insertPromotionVersion(id: string, version: number, rule: PromotionRule, by: string, at: number) {
      return q(
        db,
        (sql) => sql`
        insert into promotion_versions (promotion_id, version, priority, starts_at, ends_at, eligibility, effect, currency, global_limit, per_buyer_limit, created_at, created_by)
        values (${id}, ${version}, ${rule.priority}, ${new Date(rule.startsAt)}, ${new Date(rule.endsAt)},
                ${sql.json(json({ scope: rule.scope, ...(rule.minSubtotal && { minSubtotal: rule.minSubtotal }) }))}, ${sql.json(json(rule.effect))},
                ${rule.currency}, ${rule.globalLimit}, ${rule.perBuyerLimit}, ${new Date(at)}, ${by})`
      ).pipe(Effect.asVoid)
    }

    function insertCodeVersion(id: string, version: number, rule: DiscountCodeRecord["rule"], by: string | null, at: number) {
      return q(
        db,
        (sql) => sql`
        insert into discount_code_versions (discount_code_id, version, starts_at, expires_at, currency, min_subtotal, effect, global_limit, per_buyer_limit, created_at, created_by)
        values (${id}, ${version}, ${rule.startsAt === null ? null : new Date(rule.startsAt)}, ${new Date(rule.expiresAt)}, ${rule.currency}, ${rule.minSubtotal},
                ${sql.json(json(rule.effect))}, ${rule.globalLimit}, ${rule.perBuyerLimit}, ${new Date(at)}, ${by})`
      ).pipe(Effect.asVoid)
    }
  })
)
