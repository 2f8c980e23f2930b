/**
 * Back-office sessions, server-side in admin_sessions: only sha256(session id) is stored, the
 * payload beside it. Reading a session re-reads the admin's role and status, so a role change or a
 * disabled account takes effect on the next request, not at the next login.
 */
import { createHash } from "node:crypto"
import { Effect } from "effect"
import type { AdminRole } from "../../application/admin/admin-roles.js"
import { Database } from "./database.js"

const tokenHash = (sid: string) => createHash("sha256").update(sid).digest("hex")

export interface StoredAdminSession {
  readonly data: Record<string, unknown>
  readonly admin: { readonly id: string; readonly email: string; readonly role: AdminRole }
}

export const loadAdminSession = (sid: string) =>
  Effect.flatMap(Database, (db) =>
    db.query((sql) => sql<Array<{ data: Record<string, unknown>; admin_id: string; email: string; role: AdminRole }>>`
      select s.data, u.id as admin_id, u.email, u.role
        from admin_sessions s join admin_users u on u.id = s.admin_user_id
       where s.token_hash = ${tokenHash(sid)} and s.revoked_at is null and s.expires_at > now() and u.status = 'ACTIVE'`)
  ).pipe(Effect.map((rows) => (rows[0] ? ({ data: rows[0].data, admin: { id: rows[0].admin_id, email: rows[0].email, role: rows[0].role } } satisfies StoredAdminSession) : undefined)))

export const saveAdminSession = (sid: string, s: { readonly adminId: string; readonly data: Record<string, unknown>; readonly expiresAt: Date }) =>
  Effect.flatMap(Database, (db) =>
    db.query((sql) => sql`
      insert into admin_sessions (admin_user_id, token_hash, expires_at, data, last_seen_at)
      values (${s.adminId}, ${tokenHash(sid)}, ${s.expiresAt}, ${sql.json(s.data as never)}, now())
      on conflict (token_hash) do update set data = excluded.data, expires_at = excluded.expires_at, last_seen_at = now()
       where admin_sessions.revoked_at is null and admin_sessions.admin_user_id = excluded.admin_user_id`)
  ).pipe(Effect.asVoid)

export const touchAdminSession = (sid: string, expiresAt: Date) =>
  Effect.flatMap(Database, (db) =>
    db.query((sql) => sql`update admin_sessions set expires_at = ${expiresAt}, last_seen_at = now() where token_hash = ${tokenHash(sid)} and revoked_at is null`)
  ).pipe(Effect.asVoid)

/** Logout: the row stays (who was logged in when), but can never be used again. */
export const revokeAdminSession = (sid: string) =>
  Effect.flatMap(Database, (db) =>
    db.query((sql) => sql`update admin_sessions set revoked_at = now() where token_hash = ${tokenHash(sid)} and revoked_at is null`)
  ).pipe(Effect.asVoid)
