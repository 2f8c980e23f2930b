/**
 * Platform users (buyers, sellers, riders): who they are, how many live sessions; suspending, banning
 * and reinstating them (with a reason), and ending their sessions.
 */
import { Effect } from "effect"
import { UserId } from "../../domain/ids.js"
import type { ResourceWithOptions } from "adminjs"
import { changeUserStanding, revokeUserSessions } from "../../application/admin/manage-users.js"
import type { StandingChange } from "../../application/admin/manage-users.js"
import { readOnlyActions, recordIdAs, text, writeAction } from "../actions.js"
import type { BackofficeContext } from "../actions.js"

const standing = (ctx: BackofficeContext, change: StandingChange, name: string, label: string, icon: string, when: (status: unknown) => boolean) =>
  writeAction(ctx, "users", name, {
    actionType: "record",
    capability: "users.manage",
    icon,
    label,
    submitLabel: label,
    variant: change === "REINSTATE" ? "primary" : "danger",
    when: (params) => when(params["status"]),
    fields: [{ name: "reason", label: "Why (goes in the audit log; kept on the account)", type: "textarea", required: true }],
    run: (actor, payload, id) =>
      Effect.flatMap(recordIdAs(UserId, id, "user"), (userId) =>
        Effect.map(changeUserStanding(actor, { userId, change, reason: text(payload, "reason") }), (r) =>
          r.status === "ACTIVE" ? "The user can log in again" : `User ${r.status.toLowerCase()}: ${r.sessionsEnded} session(s) ended; logging in is refused`
        )
      )
  })
import { ReadModelResource } from "../read-model.js"

export const usersResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "users",
      query: `select u.id, u.phone, u.display_name, array_to_string(u.roles, ', ') as roles, u.status, u.status_reason, u.created_at,
                     (select count(*)::int from user_sessions s where s.user_id = u.id and s.revoked_at is null and s.expires_at > now()) as live_sessions
                from users u`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "phone" },
        { path: "display_name" },
        { path: "roles" },
        { path: "status", filter: "exact" },
        { path: "status_reason", filter: "none" },
        { path: "live_sessions", type: "number", filter: "none" },
        { path: "created_at", type: "datetime", filter: "range" }
      ]
    },
    ctx.read
  ),
  options: {
    id: "users",
    navigation: { name: "Governance", icon: "Shield" },
    sort: { sortBy: "created_at", direction: "desc" },
    listProperties: ["phone", "display_name", "roles", "status", "live_sessions", "created_at"],
    filterProperties: ["id", "phone", "status", "created_at"],
    actions: {
      ...readOnlyActions("users.read"),
      suspend: standing(ctx, "SUSPEND", "suspend", "Suspend", "PauseCircle", (s) => s === "ACTIVE"),
      ban: standing(ctx, "BAN", "ban", "Ban", "Slash", (s) => s !== "BANNED"),
      reinstate: standing(ctx, "REINSTATE", "reinstate", "Reinstate", "PlayCircle", (s) => s !== "ACTIVE"),
      revokeSessions: writeAction(ctx, "users", "revokeSessions", {
        actionType: "record",
        capability: "users.sessions.revoke",
        icon: "LogOut",
        label: "End all sessions",
        submitLabel: "Log this user out everywhere",
        variant: "danger",
        fields: [{ name: "reason", label: "Why (goes in the audit log)", type: "textarea", required: true }],
        run: (actor, payload, id) =>
          Effect.flatMap(recordIdAs(UserId, id, "user"), (userId) =>
            Effect.map(
              revokeUserSessions(actor, { userId, reason: text(payload, "reason") }),
              (r) => `${r.revoked} session(s) ended: the user must log in again`
            )
          )
      })
    }
  }
})
