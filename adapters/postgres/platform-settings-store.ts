/**
 * PlatformSettingsStore in PostgreSQL. Rates are versions (a revision is a new row; the table's
 * trigger refuses any change but retiring one), SLA changes append to zone_sla_versions and move
 * zone_slas to the new version, locations are inserted and retired, never changed.
 */
import { Effect, Layer, Option } from "effect"
import { PlatformSettingsStore } from "../../application/platform/platform.port.js"
import type { Availability, LocationRecord, RateRecord, RateTerms, RiderRecord, UserRecord, UserStanding } from "../../application/platform/platform.port.js"
import type { CategoryId, LocationId, RateId, UserId, ZoneId } from "../../domain/ids.js"
import type { Currency } from "../../domain/money.js"
import type { LocationKind } from "../../domain/shipping.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

type RateRow = {
  id: RateId
  zone_id: ZoneId
  kind: RateTerms["kind"]
  name: string
  currency: string
  amount: number | null
  base_amount: number | null
  per_kg_amount: number | null
  threshold_amount: number | null
  version: number
  active: boolean
  superseded: boolean
}

const money = (amount: number | null, currency: string) => ({ amount: Number(amount ?? 0), currency: currency.trim() as Currency })

const toRate = (r: RateRow): RateRecord => ({
  id: r.id,
  zoneId: r.zone_id,
  version: r.version,
  active: r.active,
  superseded: r.superseded,
  terms:
    r.kind === "FLAT"
      ? { kind: "FLAT", name: r.name, amount: money(r.amount, r.currency) }
      : r.kind === "WEIGHT"
        ? { kind: "WEIGHT", name: r.name, base: money(r.base_amount, r.currency), perKg: money(r.per_kg_amount, r.currency) }
        : { kind: "FREE_OVER", name: r.name, threshold: money(r.threshold_amount, r.currency) }
})

type UserRow = { id: UserId; phone: string; display_name: string | null; roles: Array<string>; status: UserStanding; status_reason: string | null }
const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  phone: r.phone,
  displayName: r.display_name,
  roles: r.roles,
  status: r.status,
  statusReason: r.status_reason
})

export const PlatformSettingsStoreLive = Layer.effect(
  PlatformSettingsStore,
  Effect.gen(function* () {
    const db = yield* Database
    const one = <A>(rows: ReadonlyArray<A>) => Option.fromNullable(rows[0])

    return PlatformSettingsStore.of({
      lockZone: (id) =>
        Effect.gen(function* () {
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ id: ZoneId; name: string; active: boolean }>>`select id, name, active from shipping_zones where id = ${id} for update`
          )
          const zone = rows[0]
          if (zone === undefined) return Option.none()
          const covers = yield* q(
            db,
            (sql) => sql<Array<{ location_id: LocationId }>>`select location_id from shipping_zone_coverage where zone_id = ${id} order by location_id`
          )
          return Option.some({ ...zone, covers: covers.map((c) => c.location_id) })
        }),
      zoneNamed: (name) =>
        Effect.map(
          q(db, (sql) => sql<Array<{ id: ZoneId }>>`select id from shipping_zones where lower(name) = lower(${name}) limit 1`),
          (rows) => Option.map(one(rows), (r) => r.id)
        ),
      insertZone: (z) =>
        q(db, (sql) => sql`insert into shipping_zones (id, name, created_at) values (${z.id}, ${z.name}, ${new Date(z.at)})`).pipe(Effect.asVoid),
      setZone: (id, c) =>
        q(db, (sql) => sql`update shipping_zones set name = ${c.name}, active = ${c.active}, updated_at = ${new Date(c.at)} where id = ${id}`).pipe(
          Effect.asVoid
        ),
      coveringZone: (locationId) =>
        Effect.map(
          q(db, (sql) => sql<Array<{ zone_id: ZoneId }>>`select zone_id from shipping_zone_coverage where location_id = ${locationId}`),
          (rows) => Option.map(one(rows), (r) => r.zone_id)
        ),
      addCoverage: (zoneId, locationId) =>
        q(db, (sql) => sql`insert into shipping_zone_coverage (zone_id, location_id) values (${zoneId}, ${locationId})`).pipe(Effect.asVoid),
      removeCoverage: (zoneId, locationId) =>
        Effect.map(
          q(db, (sql) => sql`delete from shipping_zone_coverage where zone_id = ${zoneId} and location_id = ${locationId} returning 1`),
          (rows) => rows.length > 0
        ),

      lockRate: (id) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<RateRow>>`
            select r.id, r.zone_id, r.kind, r.name, r.currency, r.amount, r.base_amount, r.per_kg_amount, r.threshold_amount, r.version, r.active,
                   exists (select 1 from shipping_rates n where n.supersedes = r.id) as superseded
              from shipping_rates r where r.id = ${id} for update of r`
          ),
          (rows) => Option.map(one(rows), toRate)
        ),
      insertRate: (r) =>
        q(db, (sql) => {
          const t = r.terms
          const currency = t.kind === "FLAT" ? t.amount.currency : t.kind === "WEIGHT" ? t.base.currency : t.threshold.currency
          return sql`
            insert into shipping_rates (id, zone_id, kind, name, currency, amount, base_amount, per_kg_amount, threshold_amount, version, supersedes, created_by, created_at)
            values (${r.id}, ${r.zoneId}, ${t.kind}, ${t.name}, ${currency},
                    ${t.kind === "FLAT" ? t.amount.amount : null}, ${t.kind === "WEIGHT" ? t.base.amount : null},
                    ${t.kind === "WEIGHT" ? t.perKg.amount : null}, ${t.kind === "FREE_OVER" ? t.threshold.amount : null},
                    ${r.version}, ${r.supersedes}, ${r.by}, ${new Date(r.at)})`
        }).pipe(Effect.asVoid),
      retireRate: (id, at) => q(db, (sql) => sql`update shipping_rates set active = false, retired_at = ${new Date(at)} where id = ${id}`).pipe(Effect.asVoid),

      lockSla: (zoneId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ version: number; d: number; v: number; p: number }>>`
            select version, dispatch_within_minutes as d, deliver_within_minutes as v, compensation_points as p from zone_slas where zone_id = ${zoneId} for update`
          ),
          (rows) =>
            Option.map(one(rows), (r) => ({ version: r.version, terms: { dispatchWithinMinutes: r.d, deliverWithinMinutes: r.v, compensationPoints: r.p } }))
        ),
      putSla: (zoneId, version, t, by, at) =>
        Effect.gen(function* () {
          yield* q(
            db,
            (sql) => sql`
            insert into zone_sla_versions (zone_id, version, dispatch_within_minutes, deliver_within_minutes, compensation_points, effective_from, created_by)
            values (${zoneId}, ${version}, ${t.dispatchWithinMinutes}, ${t.deliverWithinMinutes}, ${t.compensationPoints}, ${new Date(at)}, ${by})`
          )
          yield* q(
            db,
            (sql) => sql`
            insert into zone_slas (zone_id, dispatch_within_minutes, deliver_within_minutes, compensation_points, version)
            values (${zoneId}, ${t.dispatchWithinMinutes}, ${t.deliverWithinMinutes}, ${t.compensationPoints}, ${version})
            on conflict (zone_id) do update set dispatch_within_minutes = excluded.dispatch_within_minutes,
              deliver_within_minutes = excluded.deliver_within_minutes, compensation_points = excluded.compensation_points, version = excluded.version`
          )
        }),

      findLocation: (id) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: LocationId; kind: LocationKind; name: string; code: string; parent_id: LocationId | null; active: boolean }>>`
            select id, kind, name, code, parent_id, active from locations where id = ${id}`
          ),
          (rows) =>
            Option.map(one(rows), (r): LocationRecord => ({ id: r.id, kind: r.kind, name: r.name, code: r.code, parentId: r.parent_id, active: r.active }))
        ),
      locationExists: (id) =>
        Effect.map(
          q(db, (sql) => sql`select 1 from locations where id = ${id}`),
          (rows) => rows.length > 0
        ),
      insertLocation: (l) =>
        q(
          db,
          (sql) => sql`
          insert into locations (id, kind, name, code, parent_id, address, lat, lng)
          values (${l.id}, ${l.kind}, ${l.name}, ${l.code}, ${l.parentId}, ${l.address}, ${l.lat}, ${l.lng})`
        ).pipe(Effect.asVoid),
      hasActiveChildren: (id) =>
        Effect.map(
          q(db, (sql) => sql`select 1 from locations where parent_id = ${id} and active limit 1`),
          (rows) => rows.length > 0
        ),
      setLocationActive: (id, active) => q(db, (sql) => sql`update locations set active = ${active} where id = ${id}`).pipe(Effect.asVoid),

      categoryExists: (id) =>
        Effect.map(
          q(db, (sql) => sql`select 1 from categories where id = ${id}`),
          (rows) => rows.length > 0
        ),
      categorySlugTaken: (slug) =>
        Effect.map(
          q(db, (sql) => sql`select 1 from categories where slug = ${slug}`),
          (rows) => rows.length > 0
        ),
      insertCategory: (c) =>
        q(db, (sql) => sql`insert into categories (id, name, slug, parent_id) values (${c.id}, ${c.name}, ${c.slug}, ${c.parentId})`).pipe(Effect.asVoid),
      lockCategory: (id) =>
        Effect.map(
          q(
            db,
            (sql) =>
              sql<Array<{ id: CategoryId; name: string; parent_id: CategoryId | null }>>`select id, name, parent_id from categories where id = ${id} for update`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ id: r.id, name: r.name, parentId: r.parent_id }))
        ),
      categoryLineage: (id) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: CategoryId }>>`
            with recursive up(id, parent_id, depth) as (
              select id, parent_id, 0 from categories where id = ${id}
              union all
              select c.id, c.parent_id, up.depth + 1 from categories c join up on c.id = up.parent_id where up.depth < 100
            )
            select id from up order by depth`
          ),
          (rows) => rows.map((r) => r.id)
        ),
      setCategory: (id, change) =>
        q(db, (sql) => sql`update categories set name = ${change.name}, parent_id = ${change.parentId} where id = ${id}`).pipe(Effect.asVoid),

      brandNameTaken: (name) =>
        Effect.map(
          q(db, (sql) => sql`select 1 from brands where lower(name) = lower(${name})`),
          (rows) => rows.length > 0
        ),
      insertBrand: (b) => q(db, (sql) => sql`insert into brands (id, name, state) values (${b.id}, ${b.name}, 'PENDING')`).pipe(Effect.asVoid),

      lockUser: (id) =>
        Effect.map(
          q(db, (sql) => sql<Array<UserRow>>`select id, phone, display_name, roles, status, status_reason from users where id = ${id} for update`),
          (rows) => Option.map(one(rows), toUser)
        ),
      lockUserByPhone: (phone) =>
        Effect.map(
          q(db, (sql) => sql<Array<UserRow>>`select id, phone, display_name, roles, status, status_reason from users where phone = ${phone} for update`),
          (rows) => Option.map(one(rows), toUser)
        ),
      insertUser: (u) =>
        q(
          db,
          (sql) => sql`
          insert into users (id, phone, display_name, roles, created_at, updated_at)
          values (${u.id}, ${u.phone}, ${u.displayName}, ${sql.array([...u.roles])}, ${new Date(u.at)}, ${new Date(u.at)})`
        ).pipe(Effect.asVoid),
      setUserRolesAndName: (id, roles, displayName, at) =>
        q(
          db,
          (sql) => sql`update users set roles = ${sql.array([...roles])}, display_name = ${displayName}, updated_at = ${new Date(at)} where id = ${id}`
        ).pipe(Effect.asVoid),
      setUserStatus: (id, c) =>
        q(
          db,
          (sql) => sql`
          update users set status = ${c.status}, status_reason = ${c.reason}, status_changed_at = ${new Date(c.at)}, updated_at = ${new Date(c.at)}
           where id = ${id}`
        ).pipe(Effect.asVoid),

      lockRider: (userId) =>
        Effect.gen(function* () {
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ user_id: UserId; status: RiderRecord["status"]; availability: Availability; vehicle: string | null; zone_id: ZoneId | null }>>`
            select user_id, status, availability, vehicle, zone_id from riders where user_id = ${userId} for update`
          )
          const r = rows[0]
          if (r === undefined) return Option.none<RiderRecord>()
          const zones = yield* q(db, (sql) => sql<Array<{ zone_id: ZoneId }>>`select zone_id from rider_zones where rider_user_id = ${userId} order by zone_id`)
          const all = [...new Set([...(r.zone_id === null ? [] : [r.zone_id]), ...zones.map((z) => z.zone_id)])]
          return Option.some<RiderRecord>({ userId: r.user_id, status: r.status, availability: r.availability, vehicle: r.vehicle, zones: all })
        }),
      insertRider: (r) =>
        Effect.gen(function* () {
          yield* q(
            db,
            (sql) => sql`
            insert into riders (user_id, zone_id, status, vehicle, availability, onboarded_by, created_at)
            values (${r.userId}, ${r.homeZone}, 'ACTIVE', ${r.vehicle}, 'OFFLINE', ${r.by}, ${new Date(r.at)})`
          )
          for (const zoneId of r.zones)
            yield* q(db, (sql) => sql`insert into rider_zones (rider_user_id, zone_id) values (${r.userId}, ${zoneId}) on conflict do nothing`)
        }),
      setRiderWork: (userId, work) =>
        Effect.gen(function* () {
          yield* q(db, (sql) => sql`update riders set zone_id = ${work.homeZone}, vehicle = ${work.vehicle} where user_id = ${userId}`)
          yield* q(db, (sql) => sql`delete from rider_zones where rider_user_id = ${userId} and not (zone_id = any(${[...work.zones]}::text[]))`)
          for (const zoneId of work.zones)
            yield* q(db, (sql) => sql`insert into rider_zones (rider_user_id, zone_id) values (${userId}, ${zoneId}) on conflict do nothing`)
        }),
      setRiderAvailability: (userId, availability, at) =>
        q(db, (sql) => sql`update riders set availability = ${availability}, availability_changed_at = ${new Date(at)} where user_id = ${userId}`).pipe(
          Effect.asVoid
        )
    })
  })
)
