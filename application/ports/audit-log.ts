/**
 * AuditLog: the hash-chained, append-only audit log, for changes people make outside the
 * back-office (a buyer cancelling a checkout, a seller changing its payout method). Back-office
 * changes go through `application/admin/record-admin-action.ts`, which writes the same log. An
 * entry is written on the caller's transaction, so it commits or vanishes with the change.
 */
import { Context } from "effect"
import type { Effect } from "effect"
import type { StoreUnavailable } from "./unit-of-work.js"

export interface AuditRecord {
  /** USER: a buyer, seller or rider acting through the API, under their user id. */
  readonly actorKind: "USER" | "ADMIN" | "SYSTEM"
  readonly actorId: string
  readonly actorRole: string | null
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
