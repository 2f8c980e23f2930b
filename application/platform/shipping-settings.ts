/**
 * Shipping settings from the back-office (PLATFORM_ADMIN; an AUDITOR only reads): zones and their
 * coverage of the County > Town > Market > Pickup point tree, rates, SLAs, and the tree's own nodes.
 *
 * Placed orders never change: a snapshot names its zone and rate version (snapshot.shipping) and
 * copies the amount. So a rate is never edited: a revision retires the version and adds the next one
 * (the database refuses any other change to a rate row); an SLA change appends a version; a zone or
 * a location is switched off, never deleted, and a location's terms (name, place in the tree,
 * address, coordinates) never change. Every change is one transaction with its audit entry.
 */
import { Clock, Effect, Option } from "effect"
import type { LocationId, RateId, ZoneId } from "../../domain/ids.js"
import { LocationId as LocationIdBrand, RateId as RateIdBrand, ZoneId as ZoneIdBrand } from "../../domain/ids.js"
import type { LocationKind } from "../../domain/shipping.js"
import type { Currency, Money } from "../../domain/money.js"
import { AdminIllegalChange, AdminInvalidInput } from "../admin/admin.errors.js"
import { authorize } from "../admin/admin-roles.js"
import type { AdminActor } from "../admin/admin-roles.js"
import { found, recordAdminAction, requiredText } from "../admin/record-admin-action.js"
import { Ids } from "../ports/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { PlatformSettingsStore } from "./platform.port.js"
import type { RateTerms, SlaTerms } from "./platform.port.js"

const invalid = (detail: string) => new AdminInvalidInput({ detail })
const CURRENCIES: ReadonlyArray<Currency> = ["KES", "TZS", "UGX"]

/** A short human name: trimmed, 1..120 characters. */
export const nameOf = (raw: string | undefined, what: string): Effect.Effect<string, AdminInvalidInput> => {
  const name = (raw ?? "").trim().replace(/\s+/g, " ")
  return name === ""
    ? Effect.fail(invalid(`${what} is required`))
    : name.length > 120
      ? Effect.fail(invalid(`${what} is too long (120 characters at most)`))
      : Effect.succeed(name)
}

/** An amount of money in minor units: a whole number, not negative, in a currency we hold. */
const amountOf = (m: Money, what: string): Effect.Effect<Money, AdminInvalidInput> =>
  !Number.isSafeInteger(m.amount) || m.amount < 0
    ? Effect.fail(invalid(`${what}: a whole, non-negative number of minor units (cents), not ${m.amount}`))
    : !CURRENCIES.includes(m.currency)
      ? Effect.fail(invalid(`${what}: unknown currency ${m.currency}`))
      : Effect.succeed(m)

/** Checks a rate's terms: amounts in minor units, one currency per rate. */
export const validRateTerms = (terms: RateTerms): Effect.Effect<RateTerms, AdminInvalidInput> =>
  Effect.gen(function* () {
    const name = yield* nameOf(terms.name, "the rate's name")
    switch (terms.kind) {
      case "FLAT":
        return { kind: "FLAT", name, amount: yield* amountOf(terms.amount, "the flat amount") }
      case "WEIGHT": {
        const base = yield* amountOf(terms.base, "the base amount")
        const perKg = yield* amountOf(terms.perKg, "the amount per kg")
        if (base.currency !== perKg.currency) return yield* invalid("the base amount and the amount per kg must be in one currency")
        return { kind: "WEIGHT", name, base, perKg }
      }
      case "FREE_OVER":
        return { kind: "FREE_OVER", name, threshold: yield* amountOf(terms.threshold, "the threshold") }
    }
  })

const uniqueIds = <A extends string>(ids: ReadonlyArray<A>) => [...new Set(ids.map((i) => i.trim() as A))].filter((i) => i !== "")

/** Each node exists and no other zone covers it exactly (one zone per node keeps the choice unambiguous). */
const claimCoverage = (zoneId: ZoneId, locations: ReadonlyArray<LocationId>) =>
  Effect.gen(function* () {
    const store = yield* PlatformSettingsStore
    for (const locationId of locations) {
      const location = yield* store.findLocation(locationId)
      if (Option.isNone(location)) return yield* invalid(`there is no location ${locationId} in the geography tree`)
      if (!location.value.active) return yield* invalid(`location ${locationId} is retired`)
      const owner = yield* store.coveringZone(locationId)
      if (Option.isSome(owner) && owner.value !== zoneId)
        return yield* invalid(`${location.value.name} (${locationId}) is already covered by zone ${owner.value}`)
      if (Option.isNone(owner)) yield* store.addCoverage(zoneId, locationId)
    }
  })

export const createZone = (actor: AdminActor, cmd: { readonly name: string; readonly covers: ReadonlyArray<LocationId> }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const name = yield* nameOf(cmd.name, "the zone's name")
    const covers = uniqueIds(cmd.covers)
    const uow = yield* UnitOfWork
    const id = ZoneIdBrand.make(yield* Effect.flatMap(Ids, (ids) => ids.next("zone")))
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        if (Option.isSome(yield* store.zoneNamed(name))) return yield* invalid(`a zone named "${name}" exists already`)
        yield* store.insertZone({ id, name, at })
        yield* claimCoverage(id, covers)
        yield* recordAdminAction(actor, { action: "ZONE.CREATE", entity: "shipping_zone", entityId: id, before: null, after: { name, covers } }, [])
        return { zoneId: id }
      })
    )
  }).pipe(Effect.withSpan("Platform.createZone"))

/** Adds and removes covered nodes. Orders already placed keep the zone their snapshot names. */
export const changeZoneCoverage = (
  actor: AdminActor,
  cmd: { readonly zoneId: ZoneId; readonly add: ReadonlyArray<LocationId>; readonly remove: ReadonlyArray<LocationId> }
) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const add = uniqueIds(cmd.add)
    const remove = uniqueIds(cmd.remove)
    if (add.length === 0 && remove.length === 0) return yield* invalid("name at least one location to add or remove")
    const both = add.find((a) => remove.includes(a))
    if (both !== undefined) return yield* invalid(`${both} is both added and removed`)
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const zone = yield* found("shipping zone", cmd.zoneId, store.lockZone(cmd.zoneId))
        for (const r of remove) if (!(yield* store.removeCoverage(zone.id, r))) return yield* invalid(`zone ${zone.name} does not cover ${r}`)
        yield* claimCoverage(zone.id, add)
        const after = [...zone.covers.filter((c) => !remove.includes(c)), ...add.filter((a) => !zone.covers.includes(a))]
        yield* recordAdminAction(
          actor,
          { action: "ZONE.COVERAGE", entity: "shipping_zone", entityId: zone.id, before: { covers: zone.covers }, after: { covers: after } },
          []
        )
        return { zoneId: zone.id, covers: after }
      })
    )
  }).pipe(Effect.withSpan("Platform.changeZoneCoverage"))

/** Renames a zone or switches it on or off (a zone off delivers nowhere; it is never deleted). */
export const updateZone = (
  actor: AdminActor,
  cmd: { readonly zoneId: ZoneId; readonly name?: string | undefined; readonly active?: boolean | undefined; readonly reason?: string | undefined }
) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const reason = yield* requiredText(cmd.reason, "a reason")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const zone = yield* found("shipping zone", cmd.zoneId, store.lockZone(cmd.zoneId))
        const name = cmd.name === undefined ? zone.name : yield* nameOf(cmd.name, "the zone's name")
        const active = cmd.active ?? zone.active
        if (name !== zone.name) {
          const other = yield* store.zoneNamed(name)
          if (Option.isSome(other) && other.value !== zone.id) return yield* invalid(`a zone named "${name}" exists already`)
        }
        yield* store.setZone(zone.id, { name, active, at })
        yield* recordAdminAction(
          actor,
          {
            action: "ZONE.UPDATE",
            entity: "shipping_zone",
            entityId: zone.id,
            before: { name: zone.name, active: zone.active },
            after: { name, active },
            reason
          },
          []
        )
        return { zoneId: zone.id, name, active }
      })
    )
  }).pipe(Effect.withSpan("Platform.updateZone"))

export const addRate = (actor: AdminActor, cmd: { readonly zoneId: ZoneId; readonly terms: RateTerms }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const terms = yield* validRateTerms(cmd.terms)
    const uow = yield* UnitOfWork
    const id = RateIdBrand.make(yield* Effect.flatMap(Ids, (ids) => ids.next("rate")))
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const zone = yield* found("shipping zone", cmd.zoneId, store.lockZone(cmd.zoneId))
        yield* store.insertRate({ id, zoneId: zone.id, version: 1, supersedes: null, terms, by: actor.id, at })
        yield* recordAdminAction(
          actor,
          { action: "RATE.CREATE", entity: "shipping_rate", entityId: id, before: null, after: { zoneId: zone.id, version: 1, ...terms } },
          []
        )
        return { rateId: id, version: 1 }
      })
    )
  }).pipe(Effect.withSpan("Platform.addRate"))

/** A new version of an active rate; the old version is retired (orders that used it still name it). */
export const reviseRate = (actor: AdminActor, cmd: { readonly rateId: RateId; readonly terms: RateTerms; readonly reason?: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const terms = yield* validRateTerms(cmd.terms)
    const reason = cmd.reason?.trim() || null
    const uow = yield* UnitOfWork
    const id = RateIdBrand.make(yield* Effect.flatMap(Ids, (ids) => ids.next("rate")))
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const old = yield* found("shipping rate", cmd.rateId, store.lockRate(cmd.rateId))
        if (!old.active) return yield* new AdminIllegalChange({ entity: "shipping rate", from: old.superseded ? "SUPERSEDED" : "RETIRED", change: "REVISE" })
        yield* store.retireRate(old.id, at)
        yield* store.insertRate({ id, zoneId: old.zoneId, version: old.version + 1, supersedes: old.id, terms, by: actor.id, at })
        yield* recordAdminAction(
          actor,
          {
            action: "RATE.REVISE",
            entity: "shipping_rate",
            entityId: id,
            before: { rateId: old.id, version: old.version, ...old.terms },
            after: { rateId: id, version: old.version + 1, supersedes: old.id, ...terms },
            reason
          },
          []
        )
        return { rateId: id, version: old.version + 1, supersedes: old.id }
      })
    )
  }).pipe(Effect.withSpan("Platform.reviseRate"))

export const retireRate = (actor: AdminActor, cmd: { readonly rateId: RateId; readonly reason?: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const reason = yield* requiredText(cmd.reason, "a reason")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const rate = yield* found("shipping rate", cmd.rateId, store.lockRate(cmd.rateId))
        if (!rate.active) return yield* new AdminIllegalChange({ entity: "shipping rate", from: "RETIRED", change: "RETIRE" })
        yield* store.retireRate(rate.id, at)
        yield* recordAdminAction(
          actor,
          { action: "RATE.RETIRE", entity: "shipping_rate", entityId: rate.id, before: { active: true }, after: { active: false }, reason },
          []
        )
        return { rateId: rate.id }
      })
    )
  }).pipe(Effect.withSpan("Platform.retireRate"))

const minutes = (n: number, what: string) =>
  Number.isSafeInteger(n) && n > 0 && n <= 60 * 24 * 30 ? Effect.succeed(n) : Effect.fail(invalid(`${what}: a whole number of minutes between 1 and 43,200`))

/** Sets the zone's service level as a new version (a delivery already dispatched keeps its promised time). */
export const setZoneSla = (actor: AdminActor, cmd: { readonly zoneId: ZoneId; readonly terms: SlaTerms }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const terms: SlaTerms = {
      dispatchWithinMinutes: yield* minutes(cmd.terms.dispatchWithinMinutes, "dispatch within"),
      deliverWithinMinutes: yield* minutes(cmd.terms.deliverWithinMinutes, "deliver within"),
      compensationPoints:
        Number.isSafeInteger(cmd.terms.compensationPoints) && cmd.terms.compensationPoints >= 0 && cmd.terms.compensationPoints <= 1_000_000
          ? cmd.terms.compensationPoints
          : yield* invalid("compensation points: a whole number from 0 to 1,000,000")
    }
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const zone = yield* found("shipping zone", cmd.zoneId, store.lockZone(cmd.zoneId))
        const current = yield* store.lockSla(zone.id)
        const version = Option.match(current, { onNone: () => 1, onSome: (c) => c.version + 1 })
        yield* store.putSla(zone.id, version, terms, actor.id, at)
        yield* recordAdminAction(
          actor,
          { action: "SLA.SET", entity: "shipping_zone", entityId: zone.id, before: Option.getOrNull(current), after: { version, terms } },
          []
        )
        return { zoneId: zone.id, version }
      })
    )
  }).pipe(Effect.withSpan("Platform.setZoneSla"))

// ---------------------------------------------------------------------------------------------
// The tree

/** Which kinds a new node may hang under (a county is reference data from the migrations). */
export const PARENT_KINDS: { readonly [K in Exclude<LocationKind, "COUNTY">]: ReadonlyArray<LocationKind> } = {
  TOWN: ["COUNTY"],
  MARKET: ["TOWN"],
  PICKUP_POINT: ["MARKET", "TOWN"]
}

/** "Sarit Centre Locker" -> "sarit-centre-locker". */
export const slugOf = (name: string): string =>
  name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 48)
    .replace(/^-+|-+$/g, "")

const coordinate = (value: number | undefined, limit: number, what: string) =>
  value === undefined || !Number.isFinite(value)
    ? Effect.fail(invalid(`${what} is required for a pickup point (decimal degrees)`))
    : Math.abs(value) > limit
      ? Effect.fail(invalid(`${what} must be between -${limit} and ${limit}, not ${value}`))
      : Effect.succeed(Math.round(value * 1e6) / 1e6)

export interface CreateLocation {
  readonly kind: Exclude<LocationKind, "COUNTY">
  readonly parentId: LocationId
  readonly name: string
  readonly code?: string | undefined
  /** pickup points: street address and coordinates */
  readonly address?: string | undefined
  readonly lat?: number | undefined
  readonly lng?: number | undefined
}

/**
 * Adds a town, market or pickup point under an existing node. A new node has a new id and hangs
 * strictly below its parent's kind, and nodes are never moved, so the tree cannot gain a cycle.
 */
export const createLocation = (actor: AdminActor, cmd: CreateLocation) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const allowed = PARENT_KINDS[cmd.kind] as ReadonlyArray<LocationKind> | undefined
    if (allowed === undefined) return yield* invalid(`a ${String(cmd.kind)} cannot be added here (towns, markets and pickup points can)`)
    const name = yield* nameOf(cmd.name, "the name")
    const code = slugOf(cmd.code?.trim() || name)
    if (code === "") return yield* invalid("the name needs at least one letter or digit")
    const pickup = cmd.kind === "PICKUP_POINT"
    const address = pickup ? yield* requiredText(cmd.address, "the street address") : null
    const lat = pickup ? yield* coordinate(cmd.lat, 90, "latitude") : null
    const lng = pickup ? yield* coordinate(cmd.lng, 180, "longitude") : null
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const parent = yield* store.findLocation(cmd.parentId)
        if (Option.isNone(parent)) return yield* invalid(`there is no location ${cmd.parentId} to add under`)
        if (!allowed.includes(parent.value.kind))
          return yield* invalid(
            `a ${cmd.kind.toLowerCase().replace("_", " ")} cannot sit under a ${parent.value.kind.toLowerCase().replace("_", " ")} (it goes under ${allowed.join(" or ").toLowerCase().replace("_", " ")})`
          )
        if (!parent.value.active) return yield* invalid(`${parent.value.name} is retired`)
        // ids follow the seeded tree's pattern: the county's id and the node's code ("KE-047-westlands-market")
        let county = parent.value
        while (county.parentId !== null) county = yield* found("location", county.parentId, store.findLocation(county.parentId))
        const id = LocationIdBrand.make(`${county.id}-${code}`)
        if (yield* store.locationExists(id)) return yield* invalid(`${county.name} already has a place called ${code} (${id})`)
        yield* store.insertLocation({ id, kind: cmd.kind, name, code, parentId: parent.value.id, address, lat, lng })
        yield* recordAdminAction(
          actor,
          {
            action: "LOCATION.CREATE",
            entity: "location",
            entityId: id,
            before: null,
            after: { kind: cmd.kind, name, parentId: parent.value.id, address, lat, lng }
          },
          []
        )
        return { locationId: id }
      })
    )
  }).pipe(Effect.withSpan("Platform.createLocation"))

/**
 * Retires (no longer offered as a destination) or brings back a node. Orders already placed keep it.
 * Only a node without live children is retired, so the live tree never has a node whose parent is gone.
 */
export const setLocationActive = (
  actor: AdminActor,
  cmd: { readonly locationId: LocationId; readonly active: boolean; readonly reason?: string | undefined }
) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const reason = yield* requiredText(cmd.reason, "a reason")
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const location = yield* found("location", cmd.locationId, store.findLocation(cmd.locationId))
        if (location.active === cmd.active)
          return yield* new AdminIllegalChange({
            entity: "location",
            from: location.active ? "ACTIVE" : "RETIRED",
            change: cmd.active ? "REINSTATE" : "RETIRE"
          })
        // the tree stays whole: a retired node has no live children, a reinstated one a live parent
        if (!cmd.active && (yield* store.hasActiveChildren(location.id)))
          return yield* invalid(`${location.name} has places under it: retire the places under it first`)
        if (cmd.active && location.parentId !== null) {
          const parent = yield* found("location", location.parentId, store.findLocation(location.parentId))
          if (!parent.active) return yield* invalid(`${parent.name} is retired: bring it back first`)
        }
        yield* store.setLocationActive(location.id, cmd.active)
        yield* recordAdminAction(
          actor,
          {
            action: cmd.active ? "LOCATION.REINSTATE" : "LOCATION.RETIRE",
            entity: "location",
            entityId: location.id,
            before: { active: location.active },
            after: { active: cmd.active },
            reason
          },
          []
        )
        return { locationId: location.id, active: cmd.active }
      })
    )
  }).pipe(Effect.withSpan("Platform.setLocationActive"))

/** Ids typed in a form ("KE-047, KE-001-mombasa-island"), split and branded. */
export const locationIds = (raw: string | undefined): ReadonlyArray<LocationId> =>
  (raw ?? "")
    .split(/[\s,]+/)
    .filter((s) => s !== "")
    .map((s) => LocationIdBrand.make(s))

export const zoneIds = (raw: string | undefined): ReadonlyArray<ZoneId> =>
  (raw ?? "")
    .split(/[\s,]+/)
    .filter((s) => s !== "")
    .map((s) => ZoneIdBrand.make(s))
