/**
 * A person added to a store's team (POST /api/v1/seller/staff) is told by WhatsApp (the dev inbox
 * without credentials): which store, which role, and that they log in with this phone. Sent only if
 * they are still a member when the handler runs (removed in the meantime: nothing is sent), and once
 * per STORE_MEMBER_ADDED event (dedupe key `<event id>:staff`).
 */
import { Context, Effect, Option, Schema } from "effect"
import { StoreId, UserId } from "../../domain/ids.js"
import type { StoreRole } from "../../domain/store.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import { deliverOrRaise } from "./deliver.js"

export interface StaffFacts {
  readonly phone: string
  readonly storeName: string
  /** the member's role now (it may have changed since the event) */
  readonly role: StoreRole
}

export class StaffDirectory extends Context.Tag("amana/StaffDirectory")<
  StaffDirectory,
  {
    /** The member's phone and current role in the store, and the store's name; none when not a member. */
    readonly member: (storeId: StoreId, userId: UserId) => Effect.Effect<Option.Option<StaffFacts>, StoreUnavailable>
  }
>() {}

/** The role as the message names it. */
export const roleWords = (role: StoreRole): string => (role === "OWNER" ? "owner" : "staff")

export const notifyStaffAdded = (event: { readonly id: string; readonly type: string; readonly payload: Readonly<Record<string, unknown>> }) =>
  Effect.gen(function* () {
    if (event.type !== "STORE_MEMBER_ADDED") return
    const storeId = Option.getOrUndefined(Schema.decodeUnknownOption(StoreId)(event.payload["storeId"]))
    const userId = Option.getOrUndefined(Schema.decodeUnknownOption(UserId)(event.payload["userId"]))
    if (storeId === undefined || userId === undefined) return
    const member = yield* Effect.flatMap(StaffDirectory, (d) => d.member(storeId, userId))
    if (Option.isNone(member)) return
    const m = member.value
    yield* deliverOrRaise(
      { to: m.phone, template: "store_staff_added", params: [m.storeName.replace(/\s+/g, " ").trim(), roleWords(m.role)], dedupeKey: `${event.id}:staff` },
      { entity: "store", entityId: storeId, party: "staff", event }
    )
  })
