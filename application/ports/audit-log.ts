/**
 * AuditLog: the hash-chained, append-only audit log, for changes people make outside the
 * back-office (a buyer cancelling a checkout, a seller changing its payout method). Back-office
 * changes go through `application/admin/record-admin-action.ts`, which writes the same log. An
 * entry is written on the caller's transaction, so it commits or vanishes with the change.
 */
import { Context } from "effect"
import type { Effect } from "effect"
import type { StoreUnavailable } from "./unit-of-work.js"
import type { AdminUserId, UserId } from "../../domain/ids.js"
import type { AdminRole } from "../admin/admin-roles.js"

/** The platform's own processes that write the audit log, by name. */
export type SystemActor = "first-start"

/** The role a user acted in, when it matters to the entry: one of users.roles, or (OWNER, STAFF) their role in the store acted on. */
export type UserRole = "BUYER" | "SELLER_OWNER" | "SELLER_STAFF" | "RIDER" | "AFFILIATE" | "OWNER" | "STAFF"

/** Who acted: an admin (with the role they held), a user of the API (buyer, seller, rider), or the platform itself. */
export type AuditActor =
  | { readonly actorKind: "ADMIN"; readonly actorId: AdminUserId; readonly actorRole: AdminRole }
  | { readonly actorKind: "USER"; readonly actorId: UserId; readonly actorRole: UserRole | null }
  | { readonly actorKind: "SYSTEM"; readonly actorId: SystemActor; readonly actorRole: null }

/** One audit-log row; seq, time and the hash chain are assigned by the database. */
export type AuditRecord = AuditActor & {
  /** e.g. "CHECKOUT.CANCEL" */
  readonly action: string
  /** e.g. "checkout" */
  readonly entity: string
  readonly entityId: string
  readonly before: unknown
  readonly after: unknown
  readonly reason: string | null
}

export class AuditLog extends Context.Tag("amana/AuditLog")<
  AuditLog,
  {
    /** Appends one entry (seq, time and chain hash assigned by the database); returns its seq. */
    readonly append: (entry: AuditRecord) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
