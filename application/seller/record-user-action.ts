/**
 * The one way a seller's (or any logged-in user's) change is recorded: an audit-log entry (who,
 * their role in the store, what, before, after) and the change's domain events, both on the
 * caller's transaction, so they commit or vanish with it. The same hash-chained log as the admins'
 * (the AuditLog port).
 */
import { Effect } from "effect"
import type { UserId } from "../../domain/ids.js"
import type { StoreRole } from "../../domain/store.js"
import type { DomainEvent } from "../ports/outbox.js"
import { Outbox } from "../ports/outbox.js"
import { AuditLog } from "../ports/audit-log.js"

export interface UserActor {
  readonly userId: UserId
  /** the actor's role in the store the change is about; null when it is about no store (an upload) */
  readonly role: StoreRole | null
}

export interface UserChange {
  readonly action: string
  readonly entity: string
  readonly entityId: string
  readonly before: unknown
  readonly after: unknown
  readonly reason?: string | null | undefined
}

export const recordUserAction = (actor: UserActor, change: UserChange, events: ReadonlyArray<DomainEvent>) =>
  Effect.gen(function* () {
    const log = yield* AuditLog
    const outbox = yield* Outbox
    const seq = yield* log.append({
      actorKind: "USER",
      actorId: actor.userId,
      actorRole: actor.role,
      action: change.action,
      entity: change.entity,
      entityId: change.entityId,
      before: change.before,
      after: change.after,
      reason: change.reason ?? null
    })
    yield* outbox.append(events.map((e) => ({ ...e, payload: { ...e.payload, actorUserId: actor.userId, auditSeq: seq } })))
    return seq
  })
