/**
 * PlatformSettingsStore: what the back-office needs to run the marketplace without SQL: shipping
 * zones, their coverage of the geography tree, rate versions, SLA versions, pickup points and other
 * nodes, categories, brands, riders, and users' standing. Every `lock*` takes the row lock in the
 * current UnitOfWork transaction. Nothing here rewrites what an order may name: rates and SLAs gain
 * versions, locations and zones are retired, never changed or deleted.
 */
import type { BrandId, CategoryId, LocationId, RateId, UserId, ZoneId } from "../../domain/ids.js"
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { LocationKind } from "../../domain/shipping.js"
import type { Money } from "../../domain/money.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface ZoneRecord {
  readonly id: ZoneId
  readonly name: string
  readonly active: boolean
  readonly covers: ReadonlyArray<LocationId>
}

/** One rate's terms: what a version fixes for good. */
export type RateTerms =
  | { readonly kind: "FLAT"; readonly name: string; readonly amount: Money }
  | { readonly kind: "WEIGHT"; readonly name: string; readonly base: Money; readonly perKg: Money }
  | { readonly kind: "FREE_OVER"; readonly name: string; readonly threshold: Money }

export interface RateRecord {
  readonly id: RateId
  readonly zoneId: ZoneId
  readonly version: number
  readonly active: boolean
  /** a later version replaced this one */
  readonly superseded: boolean
  readonly terms: RateTerms
}

export interface SlaTerms {
  readonly dispatchWithinMinutes: number
  readonly deliverWithinMinutes: number
  readonly compensationPoints: number
}

export interface LocationRecord {
  readonly id: LocationId
  readonly kind: LocationKind
  readonly name: string
  readonly code: string
  readonly parentId: LocationId | null
  readonly active: boolean
}

export type UserStanding = "ACTIVE" | "SUSPENDED" | "BANNED"

export interface UserRecord {
  readonly id: UserId
  readonly phone: string
  readonly displayName: string | null
  readonly roles: ReadonlyArray<string>
  readonly status: UserStanding
  readonly statusReason: string | null
}

export type Availability = "ONLINE" | "OFFLINE"

export interface RiderRecord {
  readonly userId: UserId
  readonly status: "ACTIVE" | "INACTIVE" | "SUSPENDED"
  readonly availability: Availability
  readonly vehicle: string | null
  readonly zones: ReadonlyArray<ZoneId>
}

export class PlatformSettingsStore extends Context.Tag("amana/PlatformSettingsStore")<
  PlatformSettingsStore,
  {
    readonly lockZone: (id: ZoneId) => Effect.Effect<Option.Option<ZoneRecord>, StoreUnavailable>
    readonly zoneNamed: (name: string) => Effect.Effect<Option.Option<ZoneId>, StoreUnavailable>
    readonly insertZone: (z: { readonly id: ZoneId; readonly name: string; readonly at: number }) => Effect.Effect<void, StoreUnavailable>
    readonly setZone: (id: ZoneId, change: { readonly name: string; readonly active: boolean; readonly at: number }) => Effect.Effect<void, StoreUnavailable>
    /** The zone that covers exactly this node (not an ancestor), if any. */
    readonly coveringZone: (locationId: LocationId) => Effect.Effect<Option.Option<ZoneId>, StoreUnavailable>
    readonly addCoverage: (zoneId: ZoneId, locationId: LocationId) => Effect.Effect<void, StoreUnavailable>
    readonly removeCoverage: (zoneId: ZoneId, locationId: LocationId) => Effect.Effect<boolean, StoreUnavailable>

    readonly lockRate: (id: RateId) => Effect.Effect<Option.Option<RateRecord>, StoreUnavailable>
    readonly insertRate: (r: {
      readonly id: RateId
      readonly zoneId: ZoneId
      readonly version: number
      readonly supersedes: RateId | null
      readonly terms: RateTerms
      readonly by: string
      readonly at: number
    }) => Effect.Effect<void, StoreUnavailable>
    /** active -> false; the row's terms stay as they were (the database refuses anything else). */
    readonly retireRate: (id: RateId, at: number) => Effect.Effect<void, StoreUnavailable>

    readonly lockSla: (zoneId: ZoneId) => Effect.Effect<Option.Option<{ readonly version: number; readonly terms: SlaTerms }>, StoreUnavailable>
    /** Appends version `version` and makes it the zone's current SLA. */
    readonly putSla: (zoneId: ZoneId, version: number, terms: SlaTerms, by: string, at: number) => Effect.Effect<void, StoreUnavailable>

    readonly findLocation: (id: LocationId) => Effect.Effect<Option.Option<LocationRecord>, StoreUnavailable>
    readonly locationExists: (id: LocationId) => Effect.Effect<boolean, StoreUnavailable>
    readonly insertLocation: (l: {
      readonly id: LocationId
      readonly kind: Exclude<LocationKind, "COUNTY">
      readonly name: string
      readonly code: string
      readonly parentId: LocationId
      readonly address: string | null
      readonly lat: number | null
      readonly lng: number | null
    }) => Effect.Effect<void, StoreUnavailable>
    readonly setLocationActive: (id: LocationId, active: boolean) => Effect.Effect<void, StoreUnavailable>
    readonly hasActiveChildren: (id: LocationId) => Effect.Effect<boolean, StoreUnavailable>

    readonly categoryExists: (id: CategoryId) => Effect.Effect<boolean, StoreUnavailable>
    readonly categorySlugTaken: (slug: string) => Effect.Effect<boolean, StoreUnavailable>
    readonly insertCategory: (c: {
      readonly id: CategoryId
      readonly name: string
      readonly slug: string
      readonly parentId: CategoryId | null
    }) => Effect.Effect<void, StoreUnavailable>
    /** Row-locked for the rest of the transaction. */
    readonly lockCategory: (
      id: CategoryId
    ) => Effect.Effect<Option.Option<{ readonly id: CategoryId; readonly name: string; readonly parentId: CategoryId | null }>, StoreUnavailable>
    /** The category and every category above it, nearest first. */
    readonly categoryLineage: (id: CategoryId) => Effect.Effect<ReadonlyArray<CategoryId>, StoreUnavailable>
    readonly setCategory: (id: CategoryId, change: { readonly name: string; readonly parentId: CategoryId | null }) => Effect.Effect<void, StoreUnavailable>

    readonly brandNameTaken: (name: string) => Effect.Effect<boolean, StoreUnavailable>
    readonly insertBrand: (b: { readonly id: BrandId; readonly name: string }) => Effect.Effect<void, StoreUnavailable>

    readonly lockUser: (id: UserId) => Effect.Effect<Option.Option<UserRecord>, StoreUnavailable>
    readonly lockUserByPhone: (phone: string) => Effect.Effect<Option.Option<UserRecord>, StoreUnavailable>
    readonly insertUser: (u: {
      readonly id: UserId
      readonly phone: string
      readonly displayName: string
      readonly roles: ReadonlyArray<string>
      readonly at: number
    }) => Effect.Effect<void, StoreUnavailable>
    readonly setUserRolesAndName: (id: UserId, roles: ReadonlyArray<string>, displayName: string | null, at: number) => Effect.Effect<void, StoreUnavailable>
    readonly setUserStatus: (
      id: UserId,
      change: { readonly status: UserStanding; readonly reason: string | null; readonly at: number }
    ) => Effect.Effect<void, StoreUnavailable>

    readonly lockRider: (userId: UserId) => Effect.Effect<Option.Option<RiderRecord>, StoreUnavailable>
    readonly insertRider: (r: {
      readonly userId: UserId
      readonly homeZone: ZoneId
      readonly zones: ReadonlyArray<ZoneId>
      readonly vehicle: string
      readonly by: string
      readonly at: number
    }) => Effect.Effect<void, StoreUnavailable>
    readonly setRiderAvailability: (userId: UserId, availability: Availability, at: number) => Effect.Effect<void, StoreUnavailable>
    /** The zones served (the first is home) and the vehicle, replacing the previous ones. */
    readonly setRiderWork: (
      userId: UserId,
      work: { readonly homeZone: ZoneId; readonly zones: ReadonlyArray<ZoneId>; readonly vehicle: string }
    ) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
