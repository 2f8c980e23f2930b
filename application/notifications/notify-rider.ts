/**
 * A new job reaches its rider by WhatsApp (the dev inbox without credentials): where to collect the
 * parcel and where to deliver it. The recipient's phone is sent only while the job is still the
 * rider's: when the handler runs after the delivery was reassigned or ended, nothing is sent.
 * One message per ORDER_DISPATCHED event (dedupe key `<event id>:rider`).
 */
import { Context, Effect, Option, Schema } from "effect"
import { OrderId } from "../../domain/ids.js"
import { deliverOrRaise } from "./deliver.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface RiderJobFacts {
  readonly deliveryId: string
  readonly riderPhone: string
  readonly storeName: string
  readonly sellerPhone: string
  /** where the parcel is collected: the store's stock location and its address, when known */
  readonly pickup: string
  /** the destination: its name, address and the place above it */
  readonly dropOff: string
  readonly recipientPhone: string
}

export class RiderJobDirectory extends Context.Tag("amana/RiderJobDirectory")<
  RiderJobDirectory,
  {
    /** The order's live delivery by one of our riders (ASSIGNED, PICKED_UP or IN_TRANSIT), if any. */
    readonly liveRiderJob: (orderId: OrderId) => Effect.Effect<Option.Option<RiderJobFacts>, StoreUnavailable>
  }
>() {}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim() || "-"

export const notifyRiderOfJob = (event: { readonly id: string; readonly type: string; readonly payload: Readonly<Record<string, unknown>> }) =>
  Effect.gen(function* () {
    if (event.type !== "ORDER_DISPATCHED") return
    const orderId = Option.getOrUndefined(Schema.decodeUnknownOption(OrderId)(event.payload["orderId"]))
    if (orderId === undefined) return
    const job = yield* Effect.flatMap(RiderJobDirectory, (d) => d.liveRiderJob(orderId))
    // a partner's delivery, or the job is no longer live: the rider is not told (and no phone leaves)
    if (Option.isNone(job)) return
    const j = job.value
    const params = [orderId, oneLine(`${j.storeName}, ${j.pickup}`), j.sellerPhone, oneLine(j.dropOff), j.recipientPhone]
    yield* deliverOrRaise(
      { to: j.riderPhone, template: "rider_job", params, dedupeKey: `${event.id}:rider` },
      { entity: "order", entityId: orderId, party: "rider", event }
    )
  })
