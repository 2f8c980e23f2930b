/**
 * Issue 11 item 8: a 30-day bearer token can be ended. POST /api/v1/auth/logout ends this token,
 * POST /api/v1/auth/logout/everywhere every token of the user; an admin ends a user's sessions
 * from the back-office through an audited use case that only PLATFORM_ADMIN may run.
 */
import { UserId } from "../../domain/ids.js"
import { Effect, Either, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bootstrapFirstAdmin, createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import type { PlatformServices } from "../../composition/platform.js"
import { revokeUserSessions } from "../../application/admin/manage-users.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, login, newBuyer, randomPhone, sessionFor, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api
let admin: AdminActor
let auditor: AdminActor

beforeAll(async () => {
  api = await startApi(db.sql)
  const first = Option.getOrThrow(await api.runtime.runPromise(bootstrapFirstAdmin({ email: "root@amana.test", password: "a-long-enough-password" })))
  admin = { id: first.id, email: first.email, role: "PLATFORM_ADMIN" }
  const a = await api.runtime.runPromise(createAdminUser(admin, { email: "auditor@amana.test", role: "AUDITOR", password: "another-long-password" }))
  auditor = { id: a.id, email: a.email, role: "AUDITOR" }
})
afterAll(async () => {
  await api?.close()
})

const me = async (token: string) => (await call(api, "GET", "/api/v1/me", { token })).status

describe("buyers end their own sessions", () => {
  it("POST /auth/logout ends this token at once and leaves the user's other devices logged in", async () => {
    const phone = randomPhone()
    const phoneA = await login(api, phone)
    const other = await sessionFor(db.sql, phoneA.userId)
    expect(await me(phoneA.token)).toBe(200)
    expect((await call(api, "POST", "/api/v1/auth/logout", { token: phoneA.token })).status).toBe(204)
    expect(await me(phoneA.token)).toBe(401)
    expect((await call(api, "POST", "/api/v1/auth/logout", { token: phoneA.token })).status).toBe(401)
    expect(await me(other)).toBe(200)
  })

  it("POST /auth/logout/everywhere ends every token of the user, and no one else's", async () => {
    const buyer = await newBuyer(db.sql)
    const second = await sessionFor(db.sql, buyer.id)
    const stranger = await newBuyer(db.sql)
    const r = await call(api, "POST", "/api/v1/auth/logout/everywhere", { token: second })
    expect([r.status, r.body]).toEqual([200, { revoked: 2 }])
    expect([await me(buyer.token), await me(second), await me(stranger.token)]).toEqual([401, 401, 200])
  })

  it("logging out needs a token (401 problem without one)", async () => {
    const r = await call(api, "POST", "/api/v1/auth/logout")
    expect([r.status, r.body.code]).toEqual([401, "AUTH.REQUIRED"])
  })
})

describe("an admin ends a user's sessions", () => {
  const run = <A, E>(e: Effect.Effect<A, E, PlatformServices>) => api.runtime.runPromise(Effect.either(e))

  it("PLATFORM_ADMIN: every live token stops working, and the audit log says who, whom, how many and why", async () => {
    const buyer = await newBuyer(db.sql)
    const second = await sessionFor(db.sql, buyer.id)
    const outcome = await run(revokeUserSessions(admin, { userId: buyer.id, reason: "phone reported stolen" }))
    expect(outcome).toEqual(Either.right({ revoked: 2 }))
    expect([await me(buyer.token), await me(second)]).toEqual([401, 401])
    const audit = await db.sql`select actor_id, actor_role, action, entity, before, after, reason from audit_log where entity_id = ${buyer.id}`
    expect(audit).toEqual([
      {
        actor_id: admin.id,
        actor_role: "PLATFORM_ADMIN",
        action: "USER.REVOKE_SESSIONS",
        entity: "user",
        before: { liveSessions: 2 },
        after: { liveSessions: 0 },
        reason: "phone reported stolen"
      }
    ])
  })

  it("an AUDITOR is refused by the use case, a reason is required, an unknown user is not found; nothing changes", async () => {
    const buyer = await newBuyer(db.sql)
    const tagOf = (e: Either.Either<unknown, unknown>) => (Either.isLeft(e) ? (e.left as { _tag: string })._tag : "Right")
    expect(tagOf(await run(revokeUserSessions(auditor, { userId: buyer.id, reason: "curious" })))).toBe("AdminForbidden")
    expect(tagOf(await run(revokeUserSessions(admin, { userId: buyer.id, reason: "  " })))).toBe("AdminInvalidInput")
    expect(tagOf(await run(revokeUserSessions(admin, { userId: UserId.make("usr_nobody"), reason: "typo" })))).toBe("AdminRecordNotFound")
    expect(await me(buyer.token)).toBe(200)
    expect(await db.sql`select 1 from audit_log where action = 'USER.REVOKE_SESSIONS' and entity_id in (${buyer.id}, 'usr_nobody')`).toHaveLength(0)
  })
})
