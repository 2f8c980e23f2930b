/**
 * Platform users (buyers, sellers, riders) from the back-office: suspending, banning or reinstating
 * them, and ending a user's sessions, for a stolen phone or a compromised account. Every live bearer token of the user stops working at once;
 * audited with the reason. The user logs in again by OTP (to a phone they hold).
 */
import type { UserId } from "../../domain/ids.js"
import { Clock, Effect, Option } from "effect"
import { AuthStore } from "../auth/auth.port.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { PlatformSettingsStore } from "../platform/platform.port.js"
import type { UserStanding } from "../platform/platform.port.js"
import { AdminIllegalChange, AdminRecordNotFound } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { found, recordAdminAction, requiredText } from "./record-admin-action.js"

export const revokeUserSessions = (actor: AdminActor, cmd: { readonly userId: UserId; readonly reason: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "users.sessions.revoke")
    // said why, bounded, no control characters: it goes in the audit log
    const reason = yield* requiredText(cmd.reason, "why the sessions are ended")
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

export type StandingChange = "SUSPEND" | "BAN" | "REINSTATE"
const standingAfter: { readonly [C in StandingChange]: UserStanding } = { SUSPEND: "SUSPENDED", BAN: "BANNED", REINSTATE: "ACTIVE" }

/**
 * Suspends, bans or reinstates a platform user (buyer, seller, rider), with the reason. A suspended
 * or banned user cannot log in (login refuses a user who is not ACTIVE) and every live session ends
 * in the same transaction, so their tokens stop working at once. A ban can be lifted only by a
 * reinstatement, never by a suspension (a lesser sanction does not replace a greater one silently).
 */
export const changeUserStanding = (actor: AdminActor, cmd: { readonly userId: UserId; readonly change: StandingChange; readonly reason: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "users.manage")
    const reason = yield* requiredText(cmd.reason, "a reason")
    const uow = yield* UnitOfWork
    const now = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const user = yield* found("user", cmd.userId, store.lockUser(cmd.userId))
        const to = standingAfter[cmd.change]
        if (user.status === to || (user.status === "BANNED" && to === "SUSPENDED"))
          return yield* new AdminIllegalChange({ entity: "user", from: user.status, change: cmd.change })
        yield* store.setUserStatus(user.id, { status: to, reason: to === "ACTIVE" ? null : reason, at: now })
        const revoked = to === "ACTIVE" ? 0 : Option.getOrElse(yield* Effect.flatMap(AuthStore, (auth) => auth.revokeUserSessions(user.id, now)), () => 0)
        yield* recordAdminAction(
          actor,
          {
            action: `USER.${cmd.change}`,
            entity: "user",
            entityId: user.id,
            before: { status: user.status, statusReason: user.statusReason },
            after: { status: to, sessionsEnded: revoked },
            reason
          },
          [{ type: `USER_${to}`, aggregateType: "USER", aggregateId: user.id, payload: { userId: user.id, from: user.status, to, reason, at: now } }]
        )
        return { userId: user.id, status: to, sessionsEnded: revoked }
      })
    )
  }).pipe(Effect.withSpan("Admin.changeUserStanding"))
