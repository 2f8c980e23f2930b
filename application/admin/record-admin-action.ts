/**
 * The one way an admin change is recorded: an audit-log entry (who, role, what, before, after, why)
 * and the change's domain events, both on the caller's transaction, so they commit or vanish with it.
 */
import { Effect, Option } from "effect"
import type { DomainEvent } from "../ports/outbox.js"
import { recordChange } from "../audit/record-change.js"
import type { Change } from "../audit/record-change.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import { AdminInvalidInput, AdminRecordNotFound } from "./admin.errors.js"
import type { AdminActor } from "./admin-roles.js"

export type AdminChange = Change

// Every event names the admin and the audit row that explains it.
export const recordAdminAction = (actor: AdminActor, change: AdminChange, events: ReadonlyArray<DomainEvent>) =>
  recordChange({ actorKind: "ADMIN", actorId: actor.id, actorRole: actor.role }, change, { adminId: actor.id, adminRole: actor.role }, events)

/** Unwraps a locked row or fails with AdminRecordNotFound. */
export const found = <A>(entity: string, id: string, lookup: Effect.Effect<Option.Option<A>, StoreUnavailable>) =>
  Effect.flatMap(lookup, Option.match({ onNone: () => Effect.fail(new AdminRecordNotFound({ entity, id })), onSome: Effect.succeed }))

// Control characters other than tab and line breaks: a NUL can not be stored in a text column (the
// database refuses it, which must be a 400, not a 500), and the others only hide what a note says.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/

/** A reason a human will read later: trimmed, non-blank, bounded, no control characters. */
export const requiredText = (value: string | undefined | null, what: string): Effect.Effect<string, AdminInvalidInput> =>
  Effect.suspend(() => {
    const text = (value ?? "").trim()
    return text === ""
      ? Effect.fail(invalid(`${what} is required`))
      : text.length > 2_000
        ? Effect.fail(invalid(`${what} is too long (2,000 characters at most)`))
        : CONTROL.test(text)
          ? Effect.fail(invalid(`${what} contains a control character`))
          : Effect.succeed(text)
  })

/** An optional note: absent or blank is undefined; otherwise as requiredText. */
export const optionalText = (value: string | undefined | null, what: string): Effect.Effect<string | undefined, AdminInvalidInput> =>
  (value ?? "").trim() === "" ? Effect.succeed(undefined) : requiredText(value, what)

const invalid = (detail: string) => new AdminInvalidInput({ detail })
