/**
 * SLA timers per zone: dispatch within X of acceptance, delivery by the promised time (set at
 * dispatch). A breach opens an exception and gives the buyer the zone's loyalty compensation,
 * funded by the platform, exactly once per timer (the OPEN -> BREACHED update is conditional).
 */
import type { OrderId, ZoneId } from "../../domain/ids.js"
import { Clock, Effect, Option } from "effect"
import { OrderStore } from "../orders/order.port.js"
import { Ids } from "../ports/ids.js"
import { recordMetric } from "../ports/metrics.js"
import { Outbox } from "../ports/outbox.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { ExceptionQueue } from "../ports/exception-queue.js"
import { FulfilmentStore } from "./fulfilment.port.js"

/** Outbox ORDER_ACCEPTED: the dispatch clock starts. */
export const startDispatchTimer = (orderId: OrderId, zoneId: ZoneId, acceptedAt: number) =>
  Effect.gen(function* () {
    const store = yield* FulfilmentStore
    const sla = yield* store.zoneSla(zoneId)
    if (Option.isNone(sla)) return
    const id = yield* Effect.flatMap(Ids, (ids) => ids.next("sla"))
    yield* store.openTimer({ id, orderId, kind: "DISPATCH", zoneId, startedAt: acceptedAt, dueAt: acceptedAt + sla.value.dispatchWithinMs })
  })

/** Outbox ORDER_ACCEPTED, by order id: the zone is the one the order was priced in (its snapshot). */
export const startDispatchTimerFor = (orderId: OrderId, acceptedAt: number) =>
  Effect.gen(function* () {
    const order = yield* Effect.flatMap(OrderStore, (s) => s.lock(orderId))
    if (Option.isNone(order) || order.value.state !== "ACCEPTED") return
    yield* startDispatchTimer(orderId, order.value.snapshot.shipping.zoneId, acceptedAt)
  })

/** Outbox: the order died or was taken back; its timers stop. */
export const cancelTimers = (orderId: OrderId, at: number) =>
  Effect.flatMap(FulfilmentStore, (s) => s.closeTimers(orderId, ["DISPATCH", "DELIVERY"], "CANCELLED", at))

/** Cron: every overdue open timer is breached once, each in its own transaction. Returns how many. */
export const checkSlaBreaches = (batch = 200) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* FulfilmentStore
    const now = yield* Clock.currentTimeMillis
    const overdue = yield* uow.transaction(store.overdueTimers(now, batch))
    let breached = 0
    for (const t of overdue) {
      const done = yield* uow.transaction(
        Effect.gen(function* () {
          if (!(yield* store.breachTimer(t.id, now))) return 0
          const what = t.kind === "DISPATCH" ? "not dispatched in time" : "not delivered by the promised time"
          yield* Effect.flatMap(ExceptionQueue, (q) =>
            q.raise({
              kind: "SLA_BREACH",
              entity: "order",
              entityId: t.orderId,
              payload: { orderId: t.orderId, timerId: t.id, kind: t.kind, dueAt: t.dueAt, compensationPoints: t.compensationPoints },
              dedupeKey: `sla:${t.id}`
            })
          )
          if (t.compensationPoints > 0)
            yield* store.compensate({
              buyerId: t.buyerId,
              orderId: t.orderId,
              checkoutId: t.checkoutId,
              points: t.compensationPoints,
              note: `SLA breach ${t.id}: ${what}`
            })
          yield* Effect.flatMap(Outbox, (o) =>
            o.append([
              {
                type: "ORDER_SLA_BREACHED",
                aggregateType: "ORDER",
                aggregateId: t.orderId,
                payload: { orderId: t.orderId, storeId: t.storeId, timerId: t.id, kind: t.kind, compensationPoints: t.compensationPoints, at: now }
              }
            ])
          )
          return 1
        })
      )
      breached += done
      if (done === 1) yield* recordMetric((m) => m.slaBreached(t.kind))
    }
    return breached
  }).pipe(Effect.withSpan("Fulfilment.checkSlaBreaches"))
