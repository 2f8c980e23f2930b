/** ReferralStore over PostgreSQL: users.referral_code, referrals and REFERRAL rows of loyalty_ledger (0069). */
import { Effect, Layer, Option } from "effect"
import { ReferralStore } from "../../application/referrals/referral.port.js"
import type { ReferralOutcome } from "../../application/referrals/referral.port.js"
import type { StoreId, UserId } from "../../domain/ids.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
export const ReferralStoreLive = Layer.effect(
  ReferralStore,
  Effect.map(Database, (db) => ({
    codeOf: (userId) =>
      Effect.flatMap(
        q(db, (sql) => sql<Array<{ referral_code: string }>>`select referral_code from users where id = ${userId}`),
        (rows) => (rows[0] ? Effect.succeed(rows[0].referral_code) : Effect.die(new Error(`referral code of an unknown user ${userId}`)))
      ),
    ownerOf: (code) =>
      Effect.map(
        q(db, (sql) => sql<Array<{ id: UserId }>>`select id from users where referral_code = ${code}`),
        (rows) => Option.fromNullable(rows[0]?.id)
      ),
    record: (r) =>
      Effect.map(
        q(
          db,
          (sql) => sql`
          insert into referrals (referred_user_id, referred_phone, referrer_user_id, code, created_at)
          values (${r.referredUserId}, ${r.referredPhone}, ${r.referrerUserId}, ${r.code}, ${new Date(r.at)})
          on conflict do nothing returning referred_user_id`
        ),
        (rows) => rows.length === 1
      ),
    lockFor: (referredUserId) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ referred_user_id: UserId; referrer_user_id: UserId; outcome: ReferralOutcome | null }>>`
          select referred_user_id, referrer_user_id, outcome from referrals where referred_user_id = ${referredUserId} for update`
        ),
        (rows) =>
          Option.map(Option.fromNullable(rows[0]), (r) => ({ referredUserId: r.referred_user_id, referrerUserId: r.referrer_user_id, outcome: r.outcome }))
      ),
    orderParties: (orderId) =>
      Effect.map(
        q(db, (sql) => sql<Array<{ buyer_id: UserId; store_id: StoreId }>>`select buyer_id, store_id from orders where id = ${orderId}`),
        (rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ buyerId: r.buyer_id, storeId: r.store_id }))
      ),
    isStoreMember: (storeId, userId) =>
      Effect.map(
        q(
          db,
          (sql) => sql`
          select 1 from store_members where store_id = ${storeId} and user_id = ${userId}
          union all select 1 from stores where id = ${storeId} and owner_user_id = ${userId}`
        ),
        (rows) => rows.length > 0
      ),
    decide: (referredUserId, d) =>
      Effect.map(
        q(
          db,
          (sql) => sql`
          update referrals set outcome = ${d.outcome}, order_id = ${d.orderId}, points = ${d.points}, decided_at = ${new Date(d.at)}
           where referred_user_id = ${referredUserId} and outcome is null returning referred_user_id`
        ),
        (rows) => rows.length === 1
      ),
    credit: (buyerId, points, orderId, note) =>
      q(
        db,
        (sql) => sql`
        insert into loyalty_ledger (buyer_id, points, reason, order_id, note) values (${buyerId}, ${points}, 'REFERRAL', ${orderId}, ${note})`
      ).pipe(Effect.asVoid)
  }))
)
