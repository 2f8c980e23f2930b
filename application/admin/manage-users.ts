/**
 * Platform users (buyers, sellers, riders) from the back-office: ending a user's sessions, for a
 * stolen phone or a compromised account. Every live bearer token of the user stops working at once;
 * audited with the reason. The user logs in again by OTP (to a phone they hold).
 */
import type { UserId } from "../../domain/ids.js"
import { Clock, Effect, Option } from "effect"
import { AuthStore } from "../auth/auth.port.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AdminInvalidInput, AdminRecordNotFound } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { recordAdminAction } from "./record-admin-action.js"

export const revokeUserSessions = (actor: AdminActor, cmd: { readonly userId: UserId; readonly reason: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "users.sessions.revoke")
    const reason = cmd.reason?.trim() ?? ""
    if (reason === "") return yield* new AdminInvalidInput({ detail: "say why the sessions are ended (it goes in the audit log)" })
    const uow = yield* UnitOfWork
    const now = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const auth = yield* AuthStore
        const revoked = yield* auth.revokeUserSessions(cmd.userId, now)
        if (Option.isNone(revoked)) return yield* new AdminRecordNotFound({ entity: "user", id: cmd.userId })
        yield* recordAdminAction(
          actor,
          { action: "USER.REVOKE_SESSIONS", entity: "user", entityId: cmd.userId, before: { liveSessions: revoked.value }, after: { liveSessions: 0 }, reason },
          []
        )
        return { revoked: revoked.value }
      })
    )
  }).pipe(Effect.withSpan("Admin.revokeUserSessions"))
