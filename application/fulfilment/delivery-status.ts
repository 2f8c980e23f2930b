/**
 * A carrier reports progress: our rider through the rider API, a partner through its signed webhook.
 *
 *   PICKED_UP       DISPATCHED -> PICKED_UP
 *   IN_TRANSIT      PICKED_UP  -> IN_TRANSIT
 *   DELIVERED       IN_TRANSIT -> DELIVERED, proof = the buyer's handover code (+ photo, location).
 *                   A wrong code is refused and counted (the count commits although the request
 *                   fails); at MAX_WRONG_CODES the job locks and an exception opens.
 *   FAILED_ATTEMPT  IN_TRANSIT -> DELIVERY_FAILED with a reason; the seller may dispatch again or
 *                   take the parcel back (RETURNED, then the refund follows).
 */
import { Clock, Effect, Option } from "effect"
import { UserId } from "../../domain/ids.js"
import type { DeliveryId, OrderId } from "../../domain/ids.js"
import type { Actor } from "../../domain/order.js"
import { OrderNotFound } from "../orders/order.errors.js"
import { OrderStore } from "../orders/order.port.js"
import { applyTransition, transitionOrder } from "../orders/transition-order.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { storeOrder } from "../seller/seller.js"
import { HandoverCodeRejected, HandoverLocked, JobNotFound, JobStatusRefused, NotARider } from "./fulfilment.errors.js"
import { ExceptionQueue } from "../ports/exception-queue.js"
import { FulfilmentStore, HandoverCodes } from "./fulfilment.port.js"
import type { DeliveryRecord, DeliveryStatus, RiderJob } from "./fulfilment.port.js"

/** Wrong handover codes allowed per delivery before the job locks. */
export const MAX_WRONG_CODES = 5

export type JobUpdate =
  | { readonly status: "PICKED_UP" }
  | { readonly status: "IN_TRANSIT" }
  | {
      readonly status: "DELIVERED"
      readonly handoverCode: string
      readonly photoUrl?: string | undefined
      readonly location?: { readonly lat: number; readonly lng: number } | undefined
    }
  | { readonly status: "FAILED_ATTEMPT"; readonly reason: string }

const step: {
  readonly [K in JobUpdate["status"]]: {
    readonly from: DeliveryStatus
    readonly to: DeliveryStatus
    readonly order: "PICKED_UP" | "IN_TRANSIT" | "DELIVERED" | "DELIVERY_FAILED"
  }
} = {
  PICKED_UP: { from: "ASSIGNED", to: "PICKED_UP", order: "PICKED_UP" },
  IN_TRANSIT: { from: "PICKED_UP", to: "IN_TRANSIT", order: "IN_TRANSIT" },
  DELIVERED: { from: "IN_TRANSIT", to: "DELIVERED", order: "DELIVERED" },
  FAILED_ATTEMPT: { from: "IN_TRANSIT", to: "FAILED", order: "DELIVERY_FAILED" }
}

type Outcome =
  | { readonly _tag: "Moved"; readonly orderId: string; readonly status: DeliveryStatus }
  | { readonly _tag: "WrongCode"; readonly orderId: string; readonly attempts: number }

/** Apply one update to a locked delivery, on the caller's transaction. */
export const applyJobUpdate = (delivery: DeliveryRecord, actor: Actor, update: JobUpdate, at: number) =>
  Effect.gen(function* () {
    const orders = yield* OrderStore
    const store = yield* FulfilmentStore
    const s = step[update.status]
    // A redelivered status (the partner retries, the rider taps twice) is a no-op, not an error.
    if (delivery.status === s.to) return { _tag: "Moved", orderId: delivery.orderId, status: delivery.status } satisfies Outcome
    if (delivery.status !== s.from) return yield* new JobStatusRefused({ deliveryId: delivery.id, from: delivery.status, to: update.status })
    const order = yield* orders.lock(delivery.orderId)
    if (Option.isNone(order)) return yield* new OrderNotFound({ orderId: delivery.orderId })
    switch (update.status) {
      case "DELIVERED": {
        if (delivery.wrongCodeAttempts >= MAX_WRONG_CODES) return yield* new HandoverLocked({ deliveryId: delivery.id })
        const codes = yield* HandoverCodes
        const hash = yield* codes.hashOf(delivery.orderId, update.handoverCode.trim())
        if (order.value.handoverCode === undefined || hash !== order.value.handoverCode) {
          const attempts = yield* store.recordWrongCode(delivery.id)
          if (attempts >= MAX_WRONG_CODES) {
            const queue = yield* ExceptionQueue
            yield* queue.raise({
              kind: "HANDOVER_CODE_LOCKED",
              entity: "order",
              entityId: delivery.orderId,
              payload: { orderId: delivery.orderId, deliveryId: delivery.id, attempts, actor },
              dedupeKey: `handover-locked:${delivery.id}`
            })
          }
          return { _tag: "WrongCode", orderId: delivery.orderId, attempts } satisfies Outcome
        }
        // The domain compares the stored hash with the hash of what the rider typed.
        const proof = {
          handoverCode: hash,
          ...(update.photoUrl !== undefined && { photoUrl: update.photoUrl }),
          ...(update.location !== undefined && { location: update.location })
        }
        // the timer closes first so the event says whether the delivery was on time (the read models count it)
        const slaMet = yield* store.closeTimers(delivery.orderId, ["DELIVERY"], "MET", at)
        yield* applyTransition(order.value, { orderId: delivery.orderId, to: "DELIVERED", actor, proof, eventDetails: { slaMet } }, at)
        yield* store.updateDelivery(delivery.id, {
          status: "DELIVERED",
          at,
          proof: { handoverCode: "verified", photoUrl: update.photoUrl ?? null, location: update.location ?? null }
        })
        return { _tag: "Moved", orderId: delivery.orderId, status: "DELIVERED" } satisfies Outcome
      }
      case "FAILED_ATTEMPT":
        yield* applyTransition(order.value, { orderId: delivery.orderId, to: "DELIVERY_FAILED", actor, reason: update.reason }, at)
        yield* store.updateDelivery(delivery.id, { status: "FAILED", at, failureReason: update.reason })
        return { _tag: "Moved", orderId: delivery.orderId, status: "FAILED" } satisfies Outcome
      default:
        yield* applyTransition(order.value, { orderId: delivery.orderId, to: s.order, actor }, at)
        yield* store.updateDelivery(delivery.id, { status: s.to, at })
        return { _tag: "Moved", orderId: delivery.orderId, status: s.to } satisfies Outcome
    }
  })

/** The wrong-code count must commit even though the request fails: the failure is raised after commit. */
const settle = (outcome: Outcome) =>
  outcome._tag === "WrongCode"
    ? Effect.fail(new HandoverCodeRejected({ orderId: outcome.orderId, attemptsLeft: Math.max(0, MAX_WRONG_CODES - outcome.attempts) }))
    : Effect.succeed({ orderId: outcome.orderId, status: outcome.status })

const requireRider = (roles: ReadonlyArray<string>, userId: string) => (roles.includes("RIDER") ? Effect.void : Effect.fail(new NotARider({ userId })))

/** POST /api/v1/rider/jobs/:id/status */
export const updateJobStatus = (rider: { readonly id: string; readonly roles: ReadonlyArray<string> }, deliveryId: DeliveryId, update: JobUpdate) =>
  Effect.gen(function* () {
    yield* requireRider(rider.roles, rider.id)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const outcome = yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* FulfilmentStore
        const delivery = yield* store.lockDelivery(deliveryId)
        if (Option.isNone(delivery) || delivery.value.riderUserId !== rider.id) return yield* new JobNotFound({ deliveryId })
        return yield* applyJobUpdate(delivery.value, { kind: "RIDER", id: UserId.make(rider.id) }, update, at)
      })
    )
    return yield* settle(outcome)
  }).pipe(Effect.withSpan("Fulfilment.updateJobStatus"))

const LIVE: ReadonlySet<DeliveryStatus> = new Set<DeliveryStatus>(["ASSIGNED", "PICKED_UP", "IN_TRANSIT"])

/**
 * What a rider sees of a job of theirs: phone numbers (the buyer's, the recipient's) only while the
 * job is live (assigned to them and not finished); a finished job keeps the rest for their records.
 */
export const riderView = (job: RiderJob): RiderJob => {
  if (LIVE.has(job.status)) return job
  const { recipientPhone: _hidden, ...delivery } = job.delivery
  return { ...job, buyerPhone: undefined, delivery }
}

/** GET /api/v1/rider/jobs */
export const riderJobs = (rider: { readonly id: UserId; readonly roles: ReadonlyArray<string> }) =>
  Effect.gen(function* () {
    yield* requireRider(rider.roles, rider.id)
    return (yield* Effect.flatMap(FulfilmentStore, (s) => s.riderJobs(rider.id))).map(riderView)
  })

/** GET /api/v1/rider/jobs/:id: one job of the rider's, live or finished; another rider's is 404. */
export const riderJob = (rider: { readonly id: UserId; readonly roles: ReadonlyArray<string> }, deliveryId: DeliveryId) =>
  Effect.gen(function* () {
    yield* requireRider(rider.roles, rider.id)
    const job = yield* Effect.flatMap(FulfilmentStore, (s) => s.riderJob(rider.id, deliveryId))
    if (Option.isNone(job)) return yield* new JobNotFound({ deliveryId })
    return riderView(job.value)
  })

export interface PartnerStatus {
  readonly partner: string
  readonly eventId: string
  readonly partnerRef: string
  readonly update: JobUpdate
  readonly raw: unknown
}

/** A partner's signed status event (the signature is checked by the HTTP adapter). Redeliveries are no-ops. */
export const applyPartnerStatus = (e: PartnerStatus) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const outcome = yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* FulfilmentStore
        const fresh = yield* store.recordPartnerEvent({ partner: e.partner, eventId: e.eventId, partnerRef: e.partnerRef, status: e.update.status, raw: e.raw })
        const delivery = yield* store.lockDeliveryByPartnerRef(e.partner, e.partnerRef)
        if (Option.isNone(delivery)) return yield* new JobNotFound({ deliveryId: `${e.partner}:${e.partnerRef}` })
        if (!fresh) return { _tag: "Moved", orderId: delivery.value.orderId, status: delivery.value.status } satisfies Outcome
        return yield* applyJobUpdate(delivery.value, { kind: "RIDER", id: UserId.make(`partner:${e.partner}`) }, e.update, at)
      })
    )
    return yield* settle(outcome)
  }).pipe(Effect.withSpan("Fulfilment.partnerStatus"))

/** The seller has the parcel back after a failed delivery: RETURNED (the refund follows from the outbox). */
export const sellerReturn = (sellerUserId: UserId, orderId: OrderId, reason: string) =>
  Effect.gen(function* () {
    yield* storeOrder(sellerUserId, orderId)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const orders = yield* OrderStore
        const store = yield* FulfilmentStore
        const order = yield* orders.lock(orderId)
        if (Option.isNone(order)) return yield* new OrderNotFound({ orderId })
        yield* applyTransition(order.value, { orderId, to: "RETURNED", actor: { kind: "SELLER", id: sellerUserId }, reason }, at)
        const last = yield* store.lockLatestDelivery(orderId)
        if (Option.isSome(last) && last.value.status === "FAILED") yield* store.updateDelivery(last.value.id, { status: "RETURNED", at })
        yield* store.closeTimers(orderId, ["DISPATCH", "DELIVERY"], "CANCELLED", at)
        return { orderId, state: "RETURNED" as const }
      })
    )
  }).pipe(Effect.withSpan("Fulfilment.sellerReturn"))

/** Outbox: a RETURNED order is refunded by the SYSTEM (the buyer never got it). */
export const refundReturnedOrder = (orderId: OrderId) =>
  transitionOrder({ orderId, to: "REFUNDED", actor: { kind: "SYSTEM", id: "fulfilment.returned" }, reason: "parcel returned to the seller" }).pipe(
    Effect.asVoid,
    // already refunded (a replay) or moved on by an admin: nothing to do
    Effect.catchTag("IllegalTransition", () => Effect.void)
  )
