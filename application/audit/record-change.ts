/**
 * The one way a change people make is recorded: an audit-log entry (who, role, what, before, after,
 * why) and the change's domain events stamped with who did it and the audit row that explains it,
 * both on the caller's transaction, so they commit or vanish with it. Admins
 * (record-admin-action.ts) and users (record-user-action.ts) differ only in the actor and the stamp.
 */
import { Effect } from "effect"
import type { AuditActor } from "../ports/audit-log.js"
import { AuditLog } from "../ports/audit-log.js"
import type { DomainEvent } from "../ports/outbox.js"
import { Outbox } from "../ports/outbox.js"

export interface Change {
  readonly action: string
  readonly entity: string
  readonly entityId: string
  readonly before: unknown
  readonly after: unknown
  readonly reason?: string | null | undefined
}

export const recordChange = (actor: AuditActor, change: Change, stamp: Readonly<Record<string, unknown>>, events: ReadonlyArray<DomainEvent>) =>
  Effect.gen(function* () {
    const seq = yield* Effect.flatMap(AuditLog, (log) =>
      log.append({
        ...actor,
        action: change.action,
        entity: change.entity,
        entityId: change.entityId,
        before: change.before,
        after: change.after,
        reason: change.reason ?? null
      })
    )
    yield* Effect.flatMap(Outbox, (outbox) => outbox.append(events.map((e) => ({ ...e, payload: { ...e.payload, ...stamp, auditSeq: seq } }))))
    return seq
  })
