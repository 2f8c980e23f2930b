/**
 * Who is on call: an admin with a WhatsApp phone, paged when a platform alert fires
 * (application/alerts/alerts.ts). Set by a PLATFORM_ADMIN in the back-office; audited.
 */
import { Effect, Either } from "effect"
import type { AdminUserId } from "../../domain/ids.js"
import { normalise } from "../../domain/phone.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AdminIllegalChange, AdminInvalidInput } from "../admin/admin.errors.js"
import { authorize } from "../admin/admin-roles.js"
import type { AdminActor } from "../admin/admin-roles.js"
import { found, recordAdminAction } from "../admin/record-admin-action.js"
import { AlertStore } from "./alerts.port.js"

/**
 * Puts an admin on call (with a WhatsApp phone, or the one on file) or takes them off. A phone given
 * while going off call is kept for next time; a blank one keeps what is on file.
 */
export const setAdminOnCall = (
  actor: AdminActor,
  cmd: { readonly adminId: AdminUserId; readonly onCall: boolean; readonly whatsappPhone?: string | undefined; readonly reason?: string | undefined }
) =>
  Effect.gen(function* () {
    yield* authorize(actor, "admins.manage")
    const raw = cmd.whatsappPhone?.trim() ?? ""
    const phone =
      raw === ""
        ? undefined
        : yield* Either.match(normalise(raw), {
            onLeft: (e) =>
              Effect.fail(new AdminInvalidInput({ detail: `the WhatsApp phone ${e.message.replace(/^The phone number is /, "is ").replace(/\.$/, "")}` })),
            onRight: (p) => Effect.succeed<string>(p)
          })
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AlertStore
        const admin = yield* found("admin user", cmd.adminId, store.lockAdmin(cmd.adminId))
        const whatsappPhone = phone ?? admin.whatsappPhone
        if (cmd.onCall && admin.status !== "ACTIVE") return yield* new AdminIllegalChange({ entity: "admin user", from: admin.status, change: "PUT_ON_CALL" })
        if (cmd.onCall && whatsappPhone === null) return yield* new AdminInvalidInput({ detail: "an admin on call needs a WhatsApp phone to be paged on" })
        yield* store.setOnCall(admin.id, cmd.onCall, whatsappPhone)
        const reason = cmd.reason?.trim()
        yield* recordAdminAction(
          actor,
          {
            action: "ADMIN_USER.ON_CALL",
            entity: "admin_user",
            entityId: admin.id,
            before: { onCall: admin.onCall, whatsappPhone: admin.whatsappPhone },
            after: { onCall: cmd.onCall, whatsappPhone },
            reason: reason === undefined || reason === "" ? null : reason.slice(0, 2_000)
          },
          []
        )
        return { adminId: admin.id, email: admin.email, onCall: cmd.onCall, whatsappPhone }
      })
    )
  }).pipe(Effect.withSpan("Admin.setOnCall"))
