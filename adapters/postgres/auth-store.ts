/**
 * AuthStore over PostgreSQL. One-time codes and bearer tokens are kept only as SHA-256 hashes
 * (a code's hash is salted with its own id, so equal codes never share a hash). Tokens are 256
 * random bits, so a plain hash is enough; a 6-digit code lives 10 minutes and allows 5 tries.
 */
import type { UserId } from "../../domain/ids.js"
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { Effect, Layer, Option } from "effect"
import { AuthStore } from "../../application/auth/auth.port.js"
import type { AuthUser, Session, UserStatus } from "../../application/auth/auth.port.js"
import { Database } from "./database.js"
import type { Sql } from "./database.js"
import { q } from "./unit-of-work.js"

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")
export const hashOtp = (otpId: string, code: string) => sha256(`otp:${otpId}:${code}`)
export const hashToken = (token: string) => sha256(`session:${token}`)

const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"))

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
type UserRow = { id: UserId; phone: string; roles: Array<string>; status: UserStatus }
const toUser = (r: UserRow): AuthUser => ({ id: r.id, phone: r.phone, roles: r.roles, status: r.status })

/**
 * The one rule for a live session, as a statement of its own or a part of a larger one (a poll reads
 * its session and its answer in one statement, payment-store.ts): the token's hash, not revoked,
 * not expired, its user ACTIVE. Rows: SessionRow.
 */
export const sessionQuery = (sql: Sql, token: string, now: number) => sql`
  select s.id as session_id, s.expires_at, u.id, u.phone, u.roles, u.status
    from user_sessions s join users u on u.id = s.user_id
   where s.token_hash = ${hashToken(token)} and s.revoked_at is null and s.expires_at > ${new Date(now)} and u.status = 'ACTIVE'`
export type SessionRow = UserRow & { session_id: string; expires_at: Date }
export const toSession = (r: SessionRow): Session => ({ sessionId: r.session_id, expiresAt: r.expires_at.getTime(), user: toUser(r) })

export const AuthStoreLive = Layer.effect(
  AuthStore,
  Effect.map(Database, (db) => ({
    saveOtp: (o) =>
      q(
        db,
        (sql) => sql`
        insert into otp_codes (id, phone, code_hash, created_at, expires_at)
        values (${o.id}, ${o.phone}, ${hashOtp(o.id, o.code)}, ${new Date(o.createdAt)}, ${new Date(o.expiresAt)})`
      ).pipe(Effect.asVoid),

    latestOtp: (phone) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ id: string; phone: string; created_at: Date; expires_at: Date; attempts: number; consumed_at: Date | null }>>`
          select id, phone, created_at, expires_at, attempts, consumed_at from otp_codes
           where phone = ${phone} order by created_at desc, id desc limit 1 for update`
        ),
        (rows) =>
          Option.map(Option.fromNullable(rows[0]), (r) => ({
            id: r.id,
            phone: r.phone,
            createdAt: r.created_at.getTime(),
            expiresAt: r.expires_at.getTime(),
            attempts: r.attempts,
            consumed: r.consumed_at !== null
          }))
      ),

    codeMatches: (otpId, code) =>
      Effect.map(
        q(db, (sql) => sql<Array<{ code_hash: string }>>`select code_hash from otp_codes where id = ${otpId}`),
        (rows) => rows[0] !== undefined && /^\d{6}$/.test(code) && sameHex(rows[0].code_hash, hashOtp(otpId, code))
      ),

    recordFailedAttempt: (otpId) => q(db, (sql) => sql`update otp_codes set attempts = attempts + 1 where id = ${otpId}`).pipe(Effect.asVoid),

    consumeOtp: (otpId, at) =>
      q(db, (sql) => sql`update otp_codes set consumed_at = ${new Date(at)} where id = ${otpId} and consumed_at is null`).pipe(Effect.asVoid),

    findOrCreateUser: (phone, newId) =>
      Effect.gen(function* () {
        // First login creates the user as a BUYER; a concurrent first login finds the row the other made.
        yield* q(db, (sql) => sql`insert into users (id, phone, roles) values (${newId}, ${phone}, array['BUYER']) on conflict (phone) do nothing`)
        const rows = yield* q(db, (sql) => sql<Array<UserRow>>`select id, phone, roles, status from users where phone = ${phone}`)
        return toUser(rows[0]!)
      }),

    createSession: (userId, createdAt, expiresAt) =>
      Effect.gen(function* () {
        const token = randomBytes(32).toString("base64url")
        const rows = yield* q(
          db,
          (sql) => sql<Array<{ id: string }>>`
          insert into user_sessions (user_id, token_hash, created_at, expires_at)
          values (${userId}, ${hashToken(token)}, ${new Date(createdAt)}, ${new Date(expiresAt)}) returning id`
        )
        return { token, sessionId: rows[0]!.id }
      }),

    revokeSession: (sessionId, at) =>
      q(db, (sql) => sql`update user_sessions set revoked_at = ${new Date(at)} where id = ${sessionId} and revoked_at is null`).pipe(Effect.asVoid),

    revokeUserSessions: (userId, at) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ revoked: number | null }>>`
          with revoked as (
            update user_sessions set revoked_at = ${new Date(at)}
             where user_id = ${userId} and revoked_at is null and expires_at > ${new Date(at)} returning 1)
          select (select count(*)::int from revoked) as revoked from users where id = ${userId}`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.revoked ?? 0)
      ),

    findSession: (token, now) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<SessionRow>>`
          ${sessionQuery(sql, token, now)}`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), toSession)
      )
  }))
)
