/**
 * The in-house rider pool: ACTIVE riders who are ONLINE (users with the RIDER role and a riders row;
 * a rider goes online or offline with PUT /api/v1/rider/availability) serving the order's zone (rider_zones, or their home zone), chosen by application/riders/assignment.ts (least
 * loaded, best score, smallest id). The candidates' rows are locked before their loads are read
 * and stay locked for the rest of the transaction, so two dispatches racing for the last free slot
 * serialize (the second counts the first's job).
 */
import { Effect, Layer } from "effect"
import { chooseRider, MAX_LIVE_JOBS } from "../../application/riders/assignment.js"
import { NoCarrierAvailable, RiderDispatch } from "../../application/riders/rider-dispatch.port.js"
import type { Assignment, DispatchRequest } from "../../application/riders/rider-dispatch.port.js"
import { Database, DbError } from "./database.js"
import type { Sql } from "./database.js"
import { riderStatsSql } from "./fulfilment-store.js"
import type { RiderStatsRow } from "./fulfilment-store.js"
import { q, unavailable } from "./unit-of-work.js"

export const makeRiderPool = Effect.gen(function* () {
  const db = yield* Database
  const assign = (req: DispatchRequest) =>
    Effect.gen(function* () {
      const eligible = (sql: Sql) => sql`
        r.status = 'ACTIVE' and r.availability = 'ONLINE' and u.status = 'ACTIVE' and 'RIDER' = any(u.roles)
        and ${req.riderUserId !== undefined ? sql`r.user_id = ${req.riderUserId}` : sql`(r.zone_id = ${req.zoneId} or exists (select 1 from rider_zones z where z.rider_user_id = r.user_id and z.zone_id = ${req.zoneId}))`}`
      // The candidates' rows are locked (in user id order: no deadlock between zones) before their
      // loads are counted: a dispatch that waited here counts the jobs the one before it committed.
      yield* q(db, (sql) => sql`select r.user_id from riders r join users u on u.id = r.user_id where ${eligible(sql)} order by r.user_id for update of r`)
      const rows = yield* q(
        db,
        (sql) => sql<Array<RiderStatsRow>>`
        ${sql.unsafe(riderStatsSql)}
         where ${eligible(sql)}
         group by r.user_id, u.display_name, u.phone`
      )
      const candidates = rows.map((r) => ({
        riderUserId: r.rider_user_id,
        load: r.load,
        stats: { delivered: r.delivered, onTime: r.on_time, failedAttempts: r.failed_attempts, disputes: r.disputes },
        row: r
      }))
      // An admin's choice is honoured whatever the ranking or load; the pool only checks the rider can ride.
      const chosen = req.riderUserId !== undefined ? candidates[0] : chooseRider(candidates, req.excludeRiders ?? [])
      if (chosen === undefined)
        return yield* new NoCarrierAvailable({
          orderId: req.orderId,
          zoneId: req.zoneId,
          detail:
            req.riderUserId !== undefined
              ? `${req.riderUserId} is not an active rider who is online`
              : candidates.length === 0
                ? "no active rider who is online serves this zone"
                : `every rider is busy (${MAX_LIVE_JOBS} live jobs) or already failed this order`
        })
      const row = rows.find((r) => r.rider_user_id === chosen.riderUserId)!
      return { carrier: "RIDER", riderUserId: row.rider_user_id, riderName: row.name, riderPhone: row.phone } satisfies Assignment
    })
  // In a savepoint: when no rider can take the job its rollback releases the candidates' rows, so a
  // partner asked next (an HTTP call, in the same transaction) does not hold them while it answers.
  const inSavepoint = (req: DispatchRequest) => db.transaction(assign(req)).pipe(Effect.mapError((e) => (e instanceof DbError ? unavailable(e) : e)))
  return RiderDispatch.of({ assign: inSavepoint, cancel: () => Effect.void })
})

export const RiderPoolLive = Layer.effect(RiderDispatch, makeRiderPool)
