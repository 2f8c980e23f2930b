/**
 * Riders: an admin onboards one in the back-office (phone, name, the zones they serve, vehicle); the
 * rider then says when they take jobs (ONLINE / OFFLINE). The pool offers jobs only to ONLINE riders
 * (adapters/postgres/rider-pool.ts). Onboarding links an existing user (a buyer who becomes a rider
 * keeps their account) or creates one, and gives it the RIDER role; a new rider starts OFFLINE.
 */
import { Clock, Effect, Either, Option } from "effect"
import { UserId } from "../../domain/ids.js"
import type { ZoneId } from "../../domain/ids.js"
import { normalise } from "../../domain/phone.js"
import { AdminIllegalChange, AdminInvalidInput } from "../admin/admin.errors.js"
import { authorize } from "../admin/admin-roles.js"
import type { AdminActor } from "../admin/admin-roles.js"
import { recordAdminAction } from "../admin/record-admin-action.js"
import { NotARider } from "../fulfilment/fulfilment.errors.js"
import { Ids } from "../ports/ids.js"
import { recordUserAction } from "../seller/record-user-action.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { nameOf } from "../platform/shipping-settings.js"
import { PlatformSettingsStore } from "../platform/platform.port.js"
import type { Availability } from "../platform/platform.port.js"

const invalid = (detail: string) => new AdminInvalidInput({ detail })

export const VEHICLES = ["MOTORBIKE", "BICYCLE", "CAR", "VAN", "ON_FOOT"] as const
export type Vehicle = (typeof VEHICLES)[number]

/** The vehicle (one of VEHICLES, any case) and the zones served without repeats, the first being home. */
const riderWork = (cmd: { readonly zones: ReadonlyArray<ZoneId>; readonly vehicle: string }) =>
  Effect.gen(function* () {
    const vehicle = cmd.vehicle.trim().toUpperCase()
    if (!(VEHICLES as ReadonlyArray<string>).includes(vehicle)) return yield* invalid(`vehicle: one of ${VEHICLES.join(", ")}`)
    const zones = [...new Set(cmd.zones)]
    const home = zones[0]
    if (home === undefined) return yield* invalid("name at least one zone the rider serves")
    return { vehicle, zones, home }
  })

export interface OnboardRider {
  readonly phone: string
  readonly name: string
  readonly zones: ReadonlyArray<ZoneId>
  readonly vehicle: string
}

export const onboardRider = (actor: AdminActor, cmd: OnboardRider) =>
  Effect.gen(function* () {
    yield* authorize(actor, "riders.manage")
    const phone = yield* Either.match(normalise(cmd.phone), {
      onLeft: () => Effect.fail(invalid(`"${cmd.phone}" is not a Kenyan mobile number (07XXXXXXXX, 01XXXXXXXX or +2547XXXXXXXX)`)),
      onRight: Effect.succeed
    })
    const name = yield* nameOf(cmd.name, "the rider's name")
    const { vehicle, zones, home } = yield* riderWork(cmd)
    const uow = yield* UnitOfWork
    const newId = UserId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("usr")))
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        for (const z of zones) {
          const zone = yield* store.lockZone(z)
          if (Option.isNone(zone)) return yield* invalid(`there is no shipping zone ${z}`)
          if (!zone.value.active) return yield* invalid(`zone ${zone.value.name} is switched off`)
        }
        const existing = yield* store.lockUserByPhone(phone)
        let userId = newId
        if (Option.isSome(existing)) {
          const user = existing.value
          if (user.status !== "ACTIVE") return yield* new AdminIllegalChange({ entity: "user", from: user.status, change: "ONBOARD_AS_RIDER" })
          if (Option.isSome(yield* store.lockRider(user.id))) return yield* invalid(`${phone} is already a rider`)
          userId = user.id
          const roles = user.roles.includes("RIDER") ? user.roles : [...user.roles, "RIDER"]
          yield* store.setUserRolesAndName(user.id, roles, user.displayName ?? name, at)
        } else {
          yield* store.insertUser({ id: newId, phone, displayName: name, roles: ["BUYER", "RIDER"], at })
        }
        yield* store.insertRider({ userId, homeZone: home, zones, vehicle, by: actor.id, at })
        yield* recordAdminAction(
          actor,
          {
            action: "RIDER.ONBOARD",
            entity: "rider",
            entityId: userId,
            before: Option.match(existing, { onNone: () => null, onSome: (u) => ({ roles: u.roles }) }),
            after: { phone, name, zones, vehicle, availability: "OFFLINE", linkedExistingUser: Option.isSome(existing) }
          },
          [{ type: "RIDER_ONBOARDED", aggregateType: "RIDER", aggregateId: userId, payload: { riderUserId: userId, zones, vehicle, at } }]
        )
        return { riderUserId: userId, phone, linkedExistingUser: Option.isSome(existing) }
      })
    )
  }).pipe(Effect.withSpan("Riders.onboard"))

/**
 * An admin changes the zones a rider serves (the first is home) or their vehicle. Jobs already
 * assigned stay with the rider; new jobs follow the new zones. Audited, with RIDER_UPDATED.
 */
export const changeRider = (actor: AdminActor, cmd: { readonly riderUserId: UserId; readonly zones: ReadonlyArray<ZoneId>; readonly vehicle: string }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "riders.manage")
    const { vehicle, zones, home } = yield* riderWork(cmd)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const rider = yield* store.lockRider(cmd.riderUserId)
        if (Option.isNone(rider)) return yield* invalid(`there is no rider ${cmd.riderUserId}`)
        for (const z of zones) {
          const zone = yield* store.lockZone(z)
          if (Option.isNone(zone)) return yield* invalid(`there is no shipping zone ${z}`)
          if (!zone.value.active && !rider.value.zones.includes(z)) return yield* invalid(`zone ${zone.value.name} is switched off`)
        }
        const before = { zones: rider.value.zones, vehicle: rider.value.vehicle }
        yield* store.setRiderWork(cmd.riderUserId, { homeZone: home, zones, vehicle })
        yield* recordAdminAction(actor, { action: "RIDER.CHANGE", entity: "rider", entityId: cmd.riderUserId, before, after: { zones, vehicle } }, [
          { type: "RIDER_UPDATED", aggregateType: "RIDER", aggregateId: cmd.riderUserId, payload: { riderUserId: cmd.riderUserId, zones, vehicle, at } }
        ])
        return { riderUserId: cmd.riderUserId, zones, vehicle }
      })
    )
  }).pipe(Effect.withSpan("Riders.change"))

/**
 * The rider goes ONLINE (takes jobs) or OFFLINE. The rider's own act, recorded in the audit log as a
 * USER action with its event. Setting the same value again changes nothing and records nothing.
 */
export const setRiderAvailability = (rider: { readonly id: UserId; readonly roles: ReadonlyArray<string> }, availability: Availability) =>
  Effect.gen(function* () {
    if (!rider.roles.includes("RIDER")) return yield* new NotARider({ userId: rider.id })
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const row = yield* store.lockRider(rider.id)
        if (Option.isNone(row) || row.value.status !== "ACTIVE") return yield* new NotARider({ userId: rider.id })
        const before = row.value.availability
        if (before === availability) return { availability, changed: false }
        yield* store.setRiderAvailability(rider.id, availability, at)
        yield* recordUserAction(
          { userId: rider.id, role: null },
          { action: `RIDER.${availability}`, entity: "rider", entityId: rider.id, before: { availability: before }, after: { availability } },
          [
            {
              type: "RIDER_AVAILABILITY_CHANGED",
              aggregateType: "RIDER",
              aggregateId: rider.id,
              payload: { riderUserId: rider.id, from: before, to: availability, at }
            }
          ]
        )
        return { availability, changed: true }
      })
    )
  }).pipe(Effect.withSpan("Riders.setAvailability"))
