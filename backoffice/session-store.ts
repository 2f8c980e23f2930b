/** express-session's Store over admin_sessions (adapters/postgres/admin-session-store.ts). */
import session from "express-session"
import type { SessionData } from "express-session"
import type { PlatformRuntime } from "../adapters/platform.js"
import { loadAdminSession, revokeAdminSession, saveAdminSession, touchAdminSession } from "../adapters/postgres/admin-session-store.js"

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
