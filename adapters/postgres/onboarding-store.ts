/** OnboardingStore over PostgreSQL: stores opened through the API, KYC, payout destination, members, archived products. */
// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
import type { StoreId, UserId } from "../../domain/ids.js"
import { Effect, Layer, Option, Schema } from "effect"
import { OnboardingStore } from "../../application/seller/onboarding.port.js"
import type { StoreProfile } from "../../application/seller/onboarding.port.js"
import { SlugTaken } from "../../application/seller/seller.errors.js"
import type { StoreKycState } from "../../domain/catalogue.js"
import { KycSubmission } from "../../domain/store.js"
import type { PayoutDestination, StoreRole } from "../../domain/store.js"
import { Database } from "./database.js"
import { q, unavailable } from "./unit-of-work.js"

type StoreRow = {
  id: StoreId
  name: string
  slug: string | null
  main_category_id: string | null
  location_id: string | null
  contact_phone: string | null
  kyc_state: StoreKycState
  kyc_reason: string | null
  kyc_documents: unknown
  kyc_submitted_at: Date | null
  payout_method: "B2C" | "TILL" | "PAYBILL" | null
  payout_phone: string | null
  payout_till_number: string | null
  payout_paybill_number: string | null
  payout_account_ref: string | null
  payout_method_changed_at: Date | null
  created_at: Date
}

// kyc_documents predates onboarding (seeded stores hold {} or anything): only a full submission counts.
const decodeKyc = Schema.decodeUnknownOption(KycSubmission)

const destination = (r: StoreRow): PayoutDestination | undefined =>
  r.payout_method === "B2C" && r.payout_phone !== null
    ? { method: "B2C", phone: r.payout_phone }
    : r.payout_method === "TILL" && r.payout_till_number !== null
      ? { method: "TILL", tillNumber: r.payout_till_number }
      : r.payout_method === "PAYBILL" && r.payout_paybill_number !== null
        ? { method: "PAYBILL", paybillNumber: r.payout_paybill_number, accountRef: r.payout_account_ref ?? "" }
        : undefined

const toProfile = (r: StoreRow): StoreProfile => ({
  id: r.id,
  name: r.name,
  slug: r.slug ?? undefined,
  mainCategoryId: r.main_category_id ?? undefined,
  locationId: r.location_id ?? undefined,
  contactPhone: r.contact_phone ?? undefined,
  kycState: r.kyc_state,
  kycReason: r.kyc_reason ?? undefined,
  kyc: Option.getOrUndefined(decodeKyc(r.kyc_documents)),
  kycSubmittedAt: r.kyc_submitted_at?.getTime(),
  payout: destination(r),
  payoutMethodChangedAt: r.payout_method_changed_at?.getTime(),
  createdAt: r.created_at.getTime()
})

export const OnboardingStoreLive = Layer.effect(
  OnboardingStore,
  Effect.map(Database, (db) => {
    /** users.roles follows store_members: SELLER_OWNER / SELLER_STAFF exactly while the user is one somewhere. */
    const syncSellerRoles = (userId: UserId) =>
      q(
        db,
        (sql) => sql`
        update users u set roles = array(
                 select r from unnest(u.roles) r where r not in ('SELLER_OWNER', 'SELLER_STAFF')
                 union select case m.role when 'OWNER' then 'SELLER_OWNER' else 'SELLER_STAFF' end from store_members m where m.user_id = u.id
               ), updated_at = now()
         where u.id = ${userId}`
      )
    return {
      categoryExists: (id) =>
        Effect.map(
          q(db, (sql) => sql`select 1 from categories where id = ${id}`),
          (rows) => rows.length > 0
        ),
      locationKind: (id) =>
        Effect.map(
          q(db, (sql) => sql<Array<{ kind: string }>>`select kind from locations where id = ${id} and active`),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.kind)
        ),
      insertStore: (s) =>
        Effect.gen(function* () {
          yield* db
            .query(
              (sql) => sql`
              insert into stores (id, owner_user_id, name, slug, main_category_id, location_id, contact_phone, kyc_state, created_at, updated_at)
              values (${s.id}, ${s.ownerId}, ${s.name}, ${s.slug}, ${s.mainCategoryId}, ${s.locationId}, ${s.contactPhone}, 'PENDING',
                      ${new Date(s.at)}, ${new Date(s.at)})`
            )
            .pipe(Effect.mapError((e) => (e.isUniqueViolation && (e.constraint ?? "").includes("slug") ? new SlugTaken({ slug: s.slug }) : unavailable(e))))
          yield* q(db, (sql) => sql`insert into store_members (store_id, user_id, role, added_at) values (${s.id}, ${s.ownerId}, 'OWNER', ${new Date(s.at)})`)
          yield* q(db, (sql) => sql`insert into stock_locations (id, store_id, name, location_id) values (${`${s.id}_main`}, ${s.id}, 'Main', ${s.locationId})`)
          yield* syncSellerRoles(s.ownerId)
        }),
      lockStore: (storeId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<StoreRow>>`
            select id, name, slug, main_category_id, location_id, contact_phone, kyc_state, kyc_reason, kyc_documents, kyc_submitted_at,
                   payout_method, payout_phone, payout_till_number, payout_paybill_number, payout_account_ref, payout_method_changed_at, created_at
              from stores where id = ${storeId} for update`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), toProfile)
        ),
      saveKyc: (storeId, kyc, at) =>
        q(
          db,
          (sql) => sql`
          update stores set kyc_documents = ${sql.json(kyc as never)}, kyc_state = 'PENDING', kyc_reason = null, kyc_submitted_at = ${new Date(at)},
                 updated_at = ${new Date(at)}, version = version + 1
           where id = ${storeId}`
        ).pipe(Effect.asVoid),
      setPayoutDestination: (storeId, d, at) =>
        q(
          db,
          (sql) => sql`
          update stores set payout_method = ${d.method},
                 payout_phone = ${d.method === "B2C" ? d.phone : null},
                 payout_till_number = ${d.method === "TILL" ? d.tillNumber : null},
                 payout_paybill_number = ${d.method === "PAYBILL" ? d.paybillNumber : null},
                 payout_account_ref = ${d.method === "PAYBILL" ? d.accountRef : null},
                 payout_method_changed_at = ${new Date(at)}, updated_at = ${new Date(at)}, version = version + 1
           where id = ${storeId}`
        ).pipe(Effect.asVoid),
      membershipOf: (userId) =>
        Effect.gen(function* () {
          // The person's row is locked first, in a statement of its own (the next one's snapshot then sees what a
          // transaction that held the lock committed), so two transactions about to make them a member (open a store,
          // join one) check one after the other: one store per person. No key update: their sessions' foreign-key
          // checks are not held up.
          yield* q(db, (sql) => sql`select 1 from users where id = ${userId} for no key update`)
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ store_id: StoreId; role: StoreRole }>>`
            select store_id, role from store_members where user_id = ${userId} order by (role = 'OWNER') desc, store_id limit 1`
          )
          return Option.map(Option.fromNullable(rows[0]), (r) => ({ storeId: r.store_id, role: r.role }))
        }),
      members: (storeId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ user_id: UserId; phone: string; role: StoreRole; added_at: Date }>>`
            select m.user_id, u.phone, m.role, m.added_at from store_members m join users u on u.id = m.user_id
             where m.store_id = ${storeId} order by m.added_at, m.user_id for update of m`
          ),
          (rows) => rows.map((r) => ({ userId: r.user_id, phone: r.phone, role: r.role, addedAt: r.added_at.getTime() }))
        ),
      putMember: (storeId, userId, role, at) =>
        Effect.gen(function* () {
          yield* q(
            db,
            (sql) => sql`
            insert into store_members (store_id, user_id, role, added_at) values (${storeId}, ${userId}, ${role}, ${new Date(at)})
            on conflict (store_id, user_id) do update set role = excluded.role`
          )
          yield* syncSellerRoles(userId)
        }),
      removeMember: (storeId, userId) =>
        Effect.gen(function* () {
          yield* q(db, (sql) => sql`delete from store_members where store_id = ${storeId} and user_id = ${userId}`)
          yield* syncSellerRoles(userId)
        }),
      setArchived: (productId, storeId, archived, at) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ changed_now: boolean }>>`
            with target as (select id, archived_at from products where id = ${productId} and store_id = ${storeId} for update),
                 changed as (update products p set archived_at = ${archived ? new Date(at) : null}, updated_at = ${new Date(at)}
                               from target t where p.id = t.id and (t.archived_at is null) = ${archived} returning p.id)
            select exists (select 1 from changed) as changed_now from target`
          ),
          (rows) => (rows[0] === undefined ? "NOT_FOUND" : rows[0].changed_now ? "CHANGED" : "ALREADY")
        )
    }
  })
)
