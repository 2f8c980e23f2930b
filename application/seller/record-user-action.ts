/**
 * The one way a seller's (or any logged-in user's) change is recorded: an audit-log entry (who,
 * their role in the store, what, before, after) and the change's domain events, both on the
 * caller's transaction, so they commit or vanish with it. The same hash-chained log as the admins'
 * (the AuditLog port).
 */
import type { UserId } from "../../domain/ids.js"
import type { StoreRole } from "../../domain/store.js"
import type { DomainEvent } from "../ports/outbox.js"
import { recordChange } from "../audit/record-change.js"
import type { Change } from "../audit/record-change.js"

export interface UserActor {
  readonly userId: UserId
  /** the actor's role in the store the change is about; null when it is about no store (an upload) */
  readonly role: StoreRole | null
}

export type UserChange = Change

export const recordUserAction = (actor: UserActor, change: UserChange, events: ReadonlyArray<DomainEvent>) =>
  recordChange({ actorKind: "USER", actorId: actor.userId, actorRole: actor.role }, change, { actorUserId: actor.userId }, events)
