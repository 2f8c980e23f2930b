/**
 * Milestones from the outbox: each ORDER_COMPLETED re-reads the store's progress (its completed
 * orders) and records every definition newly reached, once per store (the database's key decides
 * between concurrent handlers), with MILESTONE_REACHED. That event congratulates the owner by
 * WhatsApp and refreshes the store's cached page (its badges). A replayed event records nothing new.
 */
import { Clock, Effect, Option, Schema } from "effect"
import { newlyReached } from "../../domain/milestones.js"
import { OrderId, StoreId } from "../../domain/ids.js"
import { Outbox } from "../ports/outbox.js"
import { deliverOrRaise } from "../notifications/deliver.js"
import { MilestoneStore } from "./milestones.port.js"

type Event = { readonly id: string; readonly type: string; readonly payload: Readonly<Record<string, unknown>> }

const decoded = <A, I>(schema: Schema.Schema<A, I>, u: unknown) => Option.getOrUndefined(Schema.decodeUnknownOption(schema)(u))

/** The ORDER_COMPLETED handler (in the outbox handler's transaction). Returns the codes it recorded. */
export const checkMilestones = (event: Event) =>
  Effect.gen(function* () {
    if (event.type !== "ORDER_COMPLETED") return []
    const storeId = decoded(StoreId, event.payload["storeId"])
    const orderId = decoded(OrderId, event.payload["orderId"])
    if (storeId === undefined || orderId === undefined) return []
    const store = yield* MilestoneStore
    const reached = newlyReached(yield* store.activeDefinitions(), yield* store.progress(storeId), yield* store.reachedCodes(storeId))
    const at = yield* Clock.currentTimeMillis
    const recorded: Array<string> = []
    for (const d of reached) {
      if (!(yield* store.record(storeId, d.code, orderId, at))) continue
      recorded.push(d.code)
      yield* Effect.flatMap(Outbox, (o) =>
        o.append([{ type: "MILESTONE_REACHED", aggregateType: "STORE", aggregateId: storeId, payload: { storeId, code: d.code, title: d.title, orderId, at } }])
      )
    }
    return recorded
  }).pipe(Effect.withSpan("Milestones.check"))

/** The MILESTONE_REACHED handler: the owner is congratulated once per event. */
export const congratulateOwner = (event: Event) =>
  Effect.gen(function* () {
    if (event.type !== "MILESTONE_REACHED") return
    const storeId = decoded(StoreId, event.payload["storeId"])
    const title = event.payload["title"]
    if (storeId === undefined || typeof title !== "string") return
    const contact = yield* Effect.flatMap(MilestoneStore, (s) => s.ownerContact(storeId))
    if (Option.isNone(contact)) return
    yield* deliverOrRaise(
      {
        to: contact.value.phone,
        template: "store_milestone",
        params: [contact.value.storeName.replace(/\s+/g, " ").trim(), title],
        dedupeKey: `${event.id}:owner`
      },
      { entity: "store", entityId: storeId, party: "seller", event }
    )
  })

export const storeBadges = (storeId: StoreId) => Effect.flatMap(MilestoneStore, (s) => s.badges(storeId))
