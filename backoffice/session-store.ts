/**
 * Back-office sessions, server-side in admin_sessions: only sha256(session id) is stored, the
 * payload beside it. Reading a session re-reads the admin's role and status, so a role change or a
 * disabled account takes effect on the next request, not at the next login.
 *
 * express-session's Store over that table, for AdminJS.
 */
import { createHash } from "node:crypto"
import session from "express-session"
import type { SessionData } from "express-session"
import { Effect } from "effect"
import type { AdminRole } from "../application/admin/admin-roles.js"
import { Database } from "../adapters/postgres/database.js"
import type { PlatformRuntime } from "../composition/platform.js"

const tokenHash = (sid: string) => createHash("sha256").update(sid).digest("hex")

export interface StoredAdminSession {
  readonly data: Record<string, unknown>
  readonly admin: { readonly id: string; readonly email: string; readonly role: AdminRole }
}

export const loadAdminSession = (sid: string) =>
  Effect.flatMap(Database, (db) =>
    db.query(
      (sql) => sql<Array<{ data: Record<string, unknown>; admin_id: string; email: string; role: AdminRole }>>`
      select s.data, u.id as admin_id, u.email, u.role
        from admin_sessions s join admin_users u on u.id = s.admin_user_id
       where s.token_hash = ${tokenHash(sid)} and s.revoked_at is null and s.expires_at > now() and u.status = 'ACTIVE'`
    )
  ).pipe(
    Effect.map((rows) =>
      rows[0] ? ({ data: rows[0].data, admin: { id: rows[0].admin_id, email: rows[0].email, role: rows[0].role } } satisfies StoredAdminSession) : undefined
    )
  )

export const saveAdminSession = (sid: string, s: { readonly adminId: string; readonly data: Record<string, unknown>; readonly expiresAt: Date }) =>
  Effect.flatMap(Database, (db) =>
    db.query(
      (sql) => sql`
      insert into admin_sessions (admin_user_id, token_hash, expires_at, data, last_seen_at)
      values (${s.adminId}, ${tokenHash(sid)}, ${s.expiresAt}, ${sql.json(s.data as never)}, now())
      on conflict (token_hash) do update set data = excluded.data, expires_at = excluded.expires_at, last_seen_at = now()
       where admin_sessions.revoked_at is null and admin_sessions.admin_user_id = excluded.admin_user_id`
    )
  ).pipe(Effect.asVoid)

export const touchAdminSession = (sid: string, expiresAt: Date) =>
  Effect.flatMap(Database, (db) =>
    db.query(
      (sql) => sql`update admin_sessions set expires_at = ${expiresAt}, last_seen_at = now() where token_hash = ${tokenHash(sid)} and revoked_at is null`
    )
  ).pipe(Effect.asVoid)

/** Logout: the row stays (who was logged in when), but can never be used again. */
export const revokeAdminSession = (sid: string) =>
  Effect.flatMap(Database, (db) =>
    db.query((sql) => sql`update admin_sessions set revoked_at = now() where token_hash = ${tokenHash(sid)} and revoked_at is null`)
  ).pipe(Effect.asVoid)

const DEFAULT_TTL_MS = 8 * 60 * 60_000

const expiry = (s: SessionData): Date => {
  const expires = s.cookie?.expires
  return expires ? new Date(expires) : new Date(Date.now() + DEFAULT_TTL_MS)
}

interface AdminUserInSession {
  readonly id: string
  readonly email: string
  readonly role: string
}

const adminOf = (s: SessionData): AdminUserInSession | undefined => (s as unknown as { adminUser?: AdminUserInSession }).adminUser

export class PostgresAdminSessionStore extends session.Store {
  constructor(private readonly runtime: PlatformRuntime) {
    super()
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.runtime.runPromise(loadAdminSession(sid)).then(
      (stored) =>
        callback(
          null,
          stored
            ? ({ ...stored.data, adminUser: { ...stored.admin, title: stored.admin.role.replaceAll("_", " ").toLowerCase() } } as unknown as SessionData)
            : null
        ),
      (e: unknown) => callback(e)
    )
  }

  override set(sid: string, s: SessionData, callback?: (err?: unknown) => void): void {
    const admin = adminOf(s)
    // Only logged-in sessions are kept: there is nothing to remember about an anonymous visitor.
    if (!admin) {
      callback?.()
      return
    }
    const data = JSON.parse(JSON.stringify({ ...s, adminUser: undefined })) as Record<string, unknown>
    this.runtime.runPromise(saveAdminSession(sid, { adminId: admin.id, data, expiresAt: expiry(s) })).then(
      () => callback?.(),
      (e: unknown) => callback?.(e)
    )
  }

  override touch(sid: string, s: SessionData, callback?: () => void): void {
    this.runtime.runPromise(touchAdminSession(sid, expiry(s))).then(
      () => callback?.(),
      () => callback?.()
    )
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.runtime.runPromise(revokeAdminSession(sid)).then(
      () => callback?.(),
      (e: unknown) => callback?.(e)
    )
  }
}
