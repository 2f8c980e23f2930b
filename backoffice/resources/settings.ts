/**
 * The platform's settings (PLATFORM_ADMIN changes them; an AUDITOR reads): shipping zones with their
 * coverage, rates and SLA; rate versions; the geography tree's towns, markets and pickup points;
 * categories; riders. Every button calls one use case (application/platform, application/riders),
 * which checks the role again and writes the audit entry. Amounts are typed in shillings and stored
 * in cents; a bad value comes back as a notice saying what to type.
 */
import { Effect } from "effect"
import type { ResourceWithOptions } from "adminjs"
import { CategoryId, LocationId, RateId, UserId, ZoneId } from "../../domain/ids.js"
import type { Currency } from "../../domain/money.js"
import type { LocationKind } from "../../domain/shipping.js"
import { createCategory, updateCategory } from "../../application/platform/catalogue-settings.js"
import type { RateTerms } from "../../application/platform/platform.port.js"
import {
  addRate,
  changeZoneCoverage,
  createLocation,
  createZone,
  locationIds,
  retireRate,
  reviseRate,
  setLocationActive,
  setZoneSla,
  updateZone,
  zoneIds
} from "../../application/platform/shipping-settings.js"
import { changeRider, onboardRider, VEHICLES } from "../../application/riders/onboard-rider.js"
import { decodeForm, FormError, readOnlyActions, recordIdAs, shillingsToMinor, text, wholeNumber, writeAction } from "../actions.js"
import type { BackofficeContext, Field, Payload } from "../actions.js"
import { money } from "../display.js"
import { ReadModelResource } from "../read-model.js"

const CURRENCY: Currency = "KES"
const NAV = { name: "Platform settings", icon: "Settings" }

const rateFields: ReadonlyArray<Field> = [
  {
    name: "kind",
    label: "Kind",
    type: "select",
    required: true,
    from: "kind",
    options: [
      { value: "FLAT", label: "Flat amount" },
      { value: "WEIGHT", label: "By weight (base + per started kg)" },
      { value: "FREE_OVER", label: "Free at or above a subtotal" }
    ]
  },
  { name: "name", label: "Name (e.g. Standard)", type: "text", required: true, from: "name" },
  { name: "amount", label: "Flat amount, KES", type: "number", from: "amount_kes" },
  { name: "base", label: "Base amount, KES (by weight)", type: "number", from: "base_kes" },
  { name: "per_kg", label: "Per started kg, KES (by weight)", type: "number", from: "per_kg_kes" },
  { name: "threshold", label: "Free from subtotal, KES", type: "number", from: "threshold_kes" }
]

const required = (amount: number | undefined, what: string): number => {
  if (amount === undefined) throw new FormError(`${what}: required for this kind of rate`)
  return amount
}

export const rateTermsFrom = (p: Payload): RateTerms => {
  const name = text(p, "name") ?? ""
  const kes = (key: string, what: string) => ({ amount: required(shillingsToMinor(text(p, key), what), what), currency: CURRENCY })
  switch (text(p, "kind")) {
    case "FLAT":
      return { kind: "FLAT", name, amount: kes("amount", "flat amount") }
    case "WEIGHT":
      return { kind: "WEIGHT", name, base: kes("base", "base amount"), perKg: kes("per_kg", "amount per kg") }
    case "FREE_OVER":
      return { kind: "FREE_OVER", name, threshold: kes("threshold", "free-from subtotal") }
    default:
      throw new FormError("choose the kind of rate")
  }
}

/** "-1.2566" -> -1.2566; anything else is a notice naming the field. */
const degrees = (raw: string | undefined, what: string): number | undefined => {
  if (raw === undefined) return undefined
  if (!/^-?\d{1,3}(\.\d{1,9})?$/.test(raw.trim())) throw new FormError(`${what}: decimal degrees, like -1.2566`)
  return Number(raw.trim())
}

const kes = (column: string) => `case when ${column} is null then null else (${column} / 100.0)::text end`

export const zonesResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "shipping_zones",
      query: `select z.id, z.name, z.active, z.created_at,
                     coalesce((select string_agg(c.location_id, ', ' order by c.location_id) from shipping_zone_coverage c where c.zone_id = z.id), '') as covers,
                     coalesce((select string_agg(r.name || ' (' || r.kind || ' v' || r.version || ')', ', ' order by r.created_at)
                                 from shipping_rates r where r.zone_id = z.id and r.active), '') as rates,
                     (select 'dispatch ' || s.dispatch_within_minutes || ' min, deliver ' || s.deliver_within_minutes || ' min, '
                             || s.compensation_points || ' points if late (v' || s.version || ')' from zone_slas s where s.zone_id = z.id) as sla
                from shipping_zones z`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "name" },
        { path: "active", type: "boolean", filter: "exact" },
        { path: "covers" },
        { path: "rates", filter: "none" },
        { path: "sla", filter: "none" },
        { path: "created_at", type: "datetime", filter: "range" }
      ]
    },
    ctx.read
  ),
  options: {
    id: "shipping_zones",
    navigation: NAV,
    sort: { sortBy: "created_at", direction: "desc" },
    listProperties: ["name", "active", "covers", "rates", "sla"],
    filterProperties: ["id", "name", "active"],
    actions: {
      ...readOnlyActions("settings.read"),
      newZone: writeAction(ctx, "shipping_zones", "newZone", {
        actionType: "resource",
        capability: "settings.manage",
        icon: "Plus",
        label: "New zone",
        submitLabel: "Create the zone",
        fields: [
          { name: "name", label: "Name", type: "text", required: true },
          {
            name: "covers",
            label: "Covers (location ids, comma separated)",
            type: "text",
            placeholder: "KE-042, KE-047-westlands",
            help: "Covering a node covers everything under it; each node belongs to one zone at most."
          }
        ],
        run: (actor, p) =>
          Effect.map(createZone(actor, { name: text(p, "name") ?? "", covers: locationIds(text(p, "covers")) }), (r) => `Zone ${r.zoneId} created`)
      }),
      coverage: writeAction(ctx, "shipping_zones", "coverage", {
        actionType: "record",
        capability: "settings.manage",
        icon: "Map",
        label: "Change coverage",
        submitLabel: "Save coverage",
        fields: [
          { name: "add", label: "Add (location ids)", type: "text", placeholder: "KE-001" },
          { name: "remove", label: "Remove (location ids)", type: "text" }
        ],
        run: (actor, p, id) =>
          Effect.flatMap(recordIdAs(ZoneId, id, "zone"), (zoneId) =>
            Effect.map(
              changeZoneCoverage(actor, { zoneId, add: locationIds(text(p, "add")), remove: locationIds(text(p, "remove")) }),
              (r) => `Coverage saved: ${r.covers.join(", ") || "nothing"}`
            )
          )
      }),
      addRate: writeAction(ctx, "shipping_zones", "addRate", {
        actionType: "record",
        capability: "settings.manage",
        icon: "DollarSign",
        label: "Add a rate",
        submitLabel: "Add the rate",
        fields: rateFields,
        run: (actor, p, id) =>
          Effect.flatMap(recordIdAs(ZoneId, id, "zone"), (zoneId) =>
            decodeForm(() => rateTermsFrom(p)).pipe(
              Effect.flatMap((terms) => addRate(actor, { zoneId, terms })),
              Effect.map((r) => `Rate ${r.rateId} added`)
            )
          )
      }),
      setSla: writeAction(ctx, "shipping_zones", "setSla", {
        actionType: "record",
        capability: "settings.manage",
        icon: "Clock",
        label: "Set the SLA",
        submitLabel: "Save as a new SLA version",
        fields: [
          { name: "dispatch", label: "Dispatch within (minutes of acceptance)", type: "number", required: true },
          { name: "deliver", label: "Deliver within (minutes of dispatch)", type: "number", required: true },
          { name: "points", label: "Loyalty points to the buyer when late", type: "number", required: true }
        ],
        run: (actor, p, id) =>
          Effect.flatMap(recordIdAs(ZoneId, id, "zone"), (zoneId) =>
            decodeForm(() => ({
              dispatchWithinMinutes: wholeNumber(text(p, "dispatch"), "dispatch within") ?? 0,
              deliverWithinMinutes: wholeNumber(text(p, "deliver"), "deliver within") ?? 0,
              compensationPoints: wholeNumber(text(p, "points"), "points") ?? 0
            })).pipe(
              Effect.flatMap((terms) => setZoneSla(actor, { zoneId, terms })),
              Effect.map((r) => `SLA version ${r.version} in force`)
            )
          )
      }),
      updateZone: writeAction(ctx, "shipping_zones", "updateZone", {
        actionType: "record",
        capability: "settings.manage",
        icon: "Edit",
        label: "Rename or switch on/off",
        submitLabel: "Save",
        fields: [
          { name: "name", label: "Name", type: "text", from: "name" },
          {
            name: "active",
            label: "Delivers",
            type: "select",
            options: [
              { value: "true", label: "On" },
              { value: "false", label: "Off (delivers nowhere)" }
            ]
          },
          { name: "reason", label: "Why (goes in the audit log)", type: "textarea", required: true }
        ],
        run: (actor, p, id) =>
          Effect.flatMap(recordIdAs(ZoneId, id, "zone"), (zoneId) =>
            Effect.map(
              updateZone(actor, {
                zoneId,
                name: text(p, "name"),
                active: text(p, "active") === undefined ? undefined : text(p, "active") === "true",
                reason: text(p, "reason")
              }),
              (r) => `Zone ${r.name} is ${r.active ? "on" : "off"}`
            )
          )
      })
    }
  }
})

export const ratesResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "shipping_rates",
      query: `select r.id, r.zone_id, z.name as zone_name, r.kind, r.name, r.version, r.active, r.supersedes, r.currency,
                     r.amount, r.base_amount, r.per_kg_amount, r.threshold_amount,
                     ${kes("r.amount")} as amount_kes, ${kes("r.base_amount")} as base_kes, ${kes("r.per_kg_amount")} as per_kg_kes,
                     ${kes("r.threshold_amount")} as threshold_kes, r.created_at, r.retired_at
                from shipping_rates r join shipping_zones z on z.id = r.zone_id`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "zone_id", filter: "exact" },
        { path: "zone_name" },
        { path: "kind", filter: "exact" },
        { path: "name" },
        { path: "version", type: "number", filter: "none" },
        { path: "active", type: "boolean", filter: "exact" },
        { path: "terms", filter: "none" },
        { path: "supersedes", filter: "exact" },
        { path: "created_at", type: "datetime", filter: "range" },
        { path: "retired_at", type: "datetime", filter: "none" }
      ],
      format: (row) => ({
        terms:
          row["kind"] === "FLAT"
            ? money(row["amount"], row["currency"])
            : row["kind"] === "WEIGHT"
              ? `${money(row["base_amount"], row["currency"])} + ${money(row["per_kg_amount"], row["currency"])} per started kg`
              : `free from ${money(row["threshold_amount"], row["currency"])}`
      })
    },
    ctx.read
  ),
  options: {
    id: "shipping_rates",
    navigation: NAV,
    sort: { sortBy: "created_at", direction: "desc" },
    listProperties: ["zone_name", "name", "kind", "terms", "version", "active", "created_at"],
    filterProperties: ["zone_id", "kind", "active"],
    actions: {
      ...readOnlyActions("settings.read"),
      revise: writeAction(ctx, "shipping_rates", "revise", {
        actionType: "record",
        capability: "settings.manage",
        icon: "Edit",
        label: "Revise (new version)",
        submitLabel: "Save as a new version",
        when: (params) => params["active"] === true || params["active"] === "true",
        fields: [...rateFields, { name: "reason", label: "Why (optional)", type: "textarea" }],
        run: (actor, p, id) =>
          Effect.flatMap(recordIdAs(RateId, id, "rate"), (rateId) =>
            decodeForm(() => rateTermsFrom(p)).pipe(
              Effect.flatMap((terms) => reviseRate(actor, { rateId, terms, reason: text(p, "reason") })),
              Effect.map((r) => `Rate now at version ${r.version} (${r.rateId}); orders placed keep version ${r.version - 1}`)
            )
          )
      }),
      retire: writeAction(ctx, "shipping_rates", "retire", {
        actionType: "record",
        capability: "settings.manage",
        icon: "Archive",
        label: "Retire",
        submitLabel: "Retire the rate",
        variant: "danger",
        when: (params) => params["active"] === true || params["active"] === "true",
        fields: [{ name: "reason", label: "Why (goes in the audit log)", type: "textarea", required: true }],
        run: (actor, p, id) =>
          Effect.flatMap(recordIdAs(RateId, id, "rate"), (rateId) => Effect.as(retireRate(actor, { rateId, reason: text(p, "reason") }), "Rate retired"))
      })
    }
  }
})

const KINDS: ReadonlyArray<Exclude<LocationKind, "COUNTY">> = ["TOWN", "MARKET", "PICKUP_POINT"]

export const locationsResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "locations",
      query: `select l.id, l.kind, l.name, l.code, l.parent_id, p.name as parent_name, l.address, l.lat::text as lat, l.lng::text as lng, l.active,
                     (select c.zone_id from shipping_zone_coverage c where c.location_id = l.id) as zone_id
                from locations l left join locations p on p.id = l.parent_id`,
      properties: [
        { path: "id", isId: true, filter: "text" },
        { path: "kind", filter: "exact" },
        { path: "name" },
        { path: "parent_id", filter: "exact" },
        { path: "parent_name", filter: "none" },
        { path: "address" },
        { path: "lat", filter: "none" },
        { path: "lng", filter: "none" },
        { path: "active", type: "boolean", filter: "exact" },
        { path: "zone_id", filter: "exact" }
      ]
    },
    ctx.read
  ),
  options: {
    id: "locations",
    navigation: NAV,
    sort: { sortBy: "id", direction: "asc" },
    listProperties: ["id", "kind", "name", "parent_name", "address", "active", "zone_id"],
    filterProperties: ["id", "kind", "name", "parent_id", "active", "zone_id"],
    actions: {
      ...readOnlyActions("settings.read"),
      newLocation: writeAction(ctx, "locations", "newLocation", {
        actionType: "resource",
        capability: "settings.manage",
        icon: "MapPin",
        label: "New town, market or pickup point",
        submitLabel: "Add to the tree",
        fields: [
          {
            name: "kind",
            label: "Kind",
            type: "select",
            required: true,
            options: [
              { value: "PICKUP_POINT", label: "Pickup point (under a town or market)" },
              { value: "MARKET", label: "Market (under a town)" },
              { value: "TOWN", label: "Town (under a county)" }
            ]
          },
          { name: "parent_id", label: "Under (location id)", type: "text", required: true, placeholder: "KE-047-westlands" },
          { name: "name", label: "Name", type: "text", required: true },
          { name: "address", label: "Street address (pickup points)", type: "text" },
          { name: "lat", label: "Latitude (pickup points, decimal degrees)", type: "text", placeholder: "-1.2606" },
          { name: "lng", label: "Longitude (pickup points, decimal degrees)", type: "text", placeholder: "36.8026" }
        ],
        run: (actor, p) =>
          decodeForm(() => {
            const kind = text(p, "kind") as (typeof KINDS)[number] | undefined
            if (kind === undefined || !KINDS.includes(kind)) throw new FormError("choose a kind: town, market or pickup point")
            return { kind, lat: degrees(text(p, "lat"), "latitude"), lng: degrees(text(p, "lng"), "longitude") }
          }).pipe(
            Effect.flatMap(({ kind, lat, lng }) =>
              Effect.flatMap(recordIdAs(LocationId, text(p, "parent_id"), "under"), (parentId) =>
                createLocation(actor, { kind, parentId, name: text(p, "name") ?? "", address: text(p, "address"), lat, lng })
              )
            ),
            Effect.map((r) => `${r.locationId} added`)
          )
      }),
      retire: writeAction(ctx, "locations", "retire", {
        actionType: "record",
        capability: "settings.manage",
        icon: "Archive",
        label: "Retire",
        submitLabel: "Retire (no new orders here)",
        variant: "danger",
        when: (params) => params["active"] === true || params["active"] === "true",
        fields: [{ name: "reason", label: "Why (goes in the audit log)", type: "textarea", required: true }],
        run: (actor, p, id) =>
          Effect.flatMap(recordIdAs(LocationId, id, "location"), (locationId) =>
            Effect.as(setLocationActive(actor, { locationId, active: false, reason: text(p, "reason") }), "Retired: no longer offered as a destination")
          )
      }),
      reinstate: writeAction(ctx, "locations", "reinstate", {
        actionType: "record",
        capability: "settings.manage",
        icon: "RotateCcw",
        label: "Bring back",
        submitLabel: "Bring back",
        when: (params) => !(params["active"] === true || params["active"] === "true"),
        fields: [{ name: "reason", label: "Why (goes in the audit log)", type: "textarea", required: true }],
        run: (actor, p, id) =>
          Effect.flatMap(recordIdAs(LocationId, id, "location"), (locationId) =>
            Effect.as(setLocationActive(actor, { locationId, active: true, reason: text(p, "reason") }), "Offered as a destination again")
          )
      })
    }
  }
})

export const categoriesResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "categories",
      query: `select c.id, c.name, c.slug, c.parent_id, p.name as parent_name, c.created_at,
                     (select count(*)::int from products x where x.category_id = c.id) as products
                from categories c left join categories p on p.id = c.parent_id`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "name" },
        { path: "slug" },
        { path: "parent_id", filter: "exact" },
        { path: "parent_name", filter: "none" },
        { path: "products", type: "number", filter: "none" },
        { path: "created_at", type: "datetime", filter: "range" }
      ]
    },
    ctx.read
  ),
  options: {
    id: "categories",
    navigation: NAV,
    sort: { sortBy: "name", direction: "asc" },
    listProperties: ["name", "slug", "parent_name", "products"],
    filterProperties: ["name", "slug", "parent_id"],
    actions: {
      ...readOnlyActions("settings.read"),
      newCategory: writeAction(ctx, "categories", "newCategory", {
        actionType: "resource",
        capability: "settings.manage",
        icon: "Plus",
        label: "New category",
        submitLabel: "Create the category",
        fields: [
          { name: "name", label: "Name", type: "text", required: true },
          { name: "slug", label: "Slug (optional: made from the name)", type: "text" },
          { name: "parent_id", label: "Under (category id, optional)", type: "text" }
        ],
        run: (actor, p) => {
          const parent = text(p, "parent_id")
          return Effect.flatMap(parent === undefined ? Effect.succeed(undefined) : recordIdAs(CategoryId, parent, "parent category"), (parentId) =>
            Effect.map(createCategory(actor, { name: text(p, "name") ?? "", slug: text(p, "slug"), parentId }), (r) => `Category ${r.slug} created`)
          )
        }
      }),
      rename: writeAction(ctx, "categories", "rename", {
        actionType: "record",
        capability: "settings.manage",
        icon: "Edit",
        label: "Rename or move",
        submitLabel: "Save",
        fields: [
          { name: "name", label: "Name", type: "text", required: true, from: "name" },
          { name: "parent_id", label: "Under (category id; empty: top level)", type: "text", from: "parent_id", help: "The slug stays, so links keep working." }
        ],
        run: (actor, p, id) => {
          const parent = text(p, "parent_id")
          return Effect.flatMap(recordIdAs(CategoryId, id, "category"), (categoryId) =>
            Effect.flatMap(parent === undefined ? Effect.succeed(null) : recordIdAs(CategoryId, parent, "parent category"), (parentId) =>
              Effect.map(updateCategory(actor, { categoryId, name: text(p, "name") ?? "", parentId }), (r) =>
                r.changed ? "Category saved" : "Nothing to change"
              )
            )
          )
        }
      })
    }
  }
})

const vehicleField: Field = {
  name: "vehicle",
  label: "Vehicle",
  type: "select",
  required: true,
  from: "vehicle",
  options: VEHICLES.map((v) => ({ value: v, label: v.charAt(0) + v.slice(1).toLowerCase().replace("_", " ") }))
}

export const ridersResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "riders",
      query: `select r.user_id as id, u.phone, u.display_name as name, u.status as user_status, r.status, r.availability, r.vehicle,
                     coalesce((select string_agg(z.zone_id, ', ' order by z.zone_id = r.zone_id desc, z.zone_id) from rider_zones z where z.rider_user_id = r.user_id), r.zone_id) as zones,
                     (select count(*)::int from deliveries d where d.rider_user_id = r.user_id and d.status in ('ASSIGNED', 'PICKED_UP', 'IN_TRANSIT')) as live_jobs,
                     r.created_at
                from riders r join users u on u.id = r.user_id`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "phone" },
        { path: "name" },
        { path: "user_status", filter: "exact" },
        { path: "status", filter: "exact" },
        { path: "availability", filter: "exact" },
        { path: "vehicle", filter: "exact" },
        { path: "zones" },
        { path: "live_jobs", type: "number", filter: "none" },
        { path: "created_at", type: "datetime", filter: "range" }
      ]
    },
    ctx.read
  ),
  options: {
    id: "riders",
    navigation: NAV,
    sort: { sortBy: "created_at", direction: "desc" },
    listProperties: ["name", "phone", "zones", "vehicle", "availability", "live_jobs", "user_status"],
    filterProperties: ["phone", "availability", "vehicle", "zones", "user_status"],
    actions: {
      ...readOnlyActions("settings.read"),
      onboard: writeAction(ctx, "riders", "onboard", {
        actionType: "resource",
        capability: "riders.manage",
        icon: "UserPlus",
        label: "Onboard a rider",
        submitLabel: "Onboard",
        fields: [
          { name: "phone", label: "Phone (07XXXXXXXX)", type: "text", required: true },
          { name: "name", label: "Name", type: "text", required: true },
          { name: "zones", label: "Zones served (zone ids, comma separated; the first is home)", type: "text", required: true },
          vehicleField
        ],
        run: (actor, p) =>
          Effect.map(
            onboardRider(actor, {
              phone: text(p, "phone") ?? "",
              name: text(p, "name") ?? "",
              zones: zoneIds(text(p, "zones")),
              vehicle: text(p, "vehicle") ?? ""
            }),
            (r) => `Rider ${r.phone} onboarded (${r.linkedExistingUser ? "existing account" : "new account"}); they go online in the app`
          )
      }),
      change: writeAction(ctx, "riders", "change", {
        actionType: "record",
        capability: "riders.manage",
        icon: "Edit",
        label: "Change zones or vehicle",
        submitLabel: "Save",
        fields: [
          { name: "zones", label: "Zones served (zone ids, comma separated; the first is home)", type: "text", required: true, from: "zones" },
          vehicleField
        ],
        run: (actor, p, id) =>
          Effect.flatMap(recordIdAs(UserId, id, "rider"), (riderUserId) =>
            Effect.map(
              changeRider(actor, { riderUserId, zones: zoneIds(text(p, "zones")), vehicle: text(p, "vehicle") ?? "" }),
              (r) => `Saved: serves ${r.zones.join(", ")} by ${r.vehicle.toLowerCase().replace("_", " ")}; jobs already assigned stay with the rider`
            )
          )
      })
    }
  }
})
