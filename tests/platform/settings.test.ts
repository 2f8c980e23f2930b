/**
 * The platform's settings as use cases against a real database: zones, coverage, rate versions,
 * SLAs, locations, categories, brands, user standing and riders. Each change is audited; an AUDITOR
 * changes nothing; and a placed order never changes when the settings behind it do.
 */
import type { AdminUserId } from "../../domain/ids.js"
import { CategoryId, LocationId, RateId, UserId, VariantId, ZoneId } from "../../domain/ids.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Either, Option } from "effect"
import { bootstrapFirstAdmin, createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { changeUserStanding } from "../../application/admin/manage-users.js"
import { logIn, requestLoginCode } from "../../application/auth/login.js"
import { AuthStore } from "../../application/auth/auth.port.js"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { createBrand, createCategory, updateCategory } from "../../application/platform/catalogue-settings.js"
import {
  addRate,
  changeZoneCoverage,
  createLocation,
  createZone,
  retireRate,
  reviseRate,
  setLocationActive,
  setZoneSla
} from "../../application/platform/shipping-settings.js"
import { changeRider, onboardRider, setRiderAvailability } from "../../application/riders/onboard-rider.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import { insertUser, seedDemo } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
let runtime: PlatformRuntime
let admin: AdminActor
let auditor: AdminActor

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const go = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(Effect.either(effect as Effect.Effect<A, E, never>))
const ok = async <A, E>(effect: Effect.Effect<A, E, unknown>) =>
  Either.getOrThrowWith(await go(effect), (e) => new Error(`expected success: ${JSON.stringify(e)}`))
const refusal = async <A, E>(effect: Effect.Effect<A, E, unknown>) => {
  const outcome = await go(effect)
  if (Either.isRight(outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.right)}`)
  return outcome.left as { readonly _tag: string; readonly message: string }
}
const SHUKA = [{ variantId: VariantId.make("prd_maasai_shuka_v1"), quantity: 1 }]
const kes = (amount: number) => ({ amount, currency: "KES" as const })

beforeAll(async () => {
  await seedDemo(db.sql)
  runtime = makePlatformRuntime(db.sql)
  Either.getOrThrow(await go(bootstrapFirstAdmin({ email: "root@amana.test", password: "a-long-enough-password" })))
  const [row] = await db.sql<Array<{ id: AdminUserId; email: string }>>`select id, email from admin_users`
  admin = { id: row!.id, email: row!.email, role: "PLATFORM_ADMIN" }
  const a = await ok(createAdminUser(admin, { email: "auditor@amana.test", role: "AUDITOR", password: "another-long-password" }))
  auditor = { id: a.id, email: a.email, role: "AUDITOR" }
})
afterAll(async () => {
  await runtime?.dispose()
})

describe("zones, coverage, rates and SLAs", () => {
  it("an admin sets up a zone over Kisumu with a flat rate, a free-over rate and an SLA; each step audited; a checkout there is priced by it", async () => {
    const { zoneId } = await ok(createZone(admin, { name: "Kisumu", covers: [LocationId.make("KE-042")] }))
    await ok(addRate(admin, { zoneId, terms: { kind: "FLAT", name: "Standard", amount: kes(300_00) } }))
    await ok(addRate(admin, { zoneId, terms: { kind: "FREE_OVER", name: "Free over 10k", threshold: kes(10_000_00) } }))
    await ok(setZoneSla(admin, { zoneId, terms: { dispatchWithinMinutes: 120, deliverWithinMinutes: 480, compensationPoints: 50 } }))
    const audit = await db.sql<Array<{ action: string; actor_role: string }>>`
      select action, actor_role from audit_log where entity_id = ${zoneId} or after->>'zoneId' = ${zoneId} order by seq`
    expect(audit.map((a) => a.action)).toEqual(["ZONE.CREATE", "RATE.CREATE", "RATE.CREATE", "SLA.SET"])
    expect(await db.sql`select version, deliver_within_minutes from zone_sla_versions where zone_id = ${zoneId}`).toEqual([
      { version: 1, deliver_within_minutes: 480 }
    ])
    // applies to the very next checkout (the checkout's cache follows the settings revision)
    const checkout = await ok(
      placeCheckout({
        buyerId: UserId.make("usr_demo_buyer"),
        idempotencyKey: "settings-kisumu-1",
        items: SHUKA,
        destination: LocationId.make("KE-042"),
        payerPhone: "254708374149"
      })
    )
    const [order] = await db.sql<Array<{ shipping_total: number }>>`select shipping_total from orders where id = ${checkout.orders[0]!.orderId}`
    expect(order?.shipping_total).toBe(300_00)
  })

  it("a node covered by one zone cannot be claimed by another; an unknown location is refused with its id", async () => {
    const taken = await refusal(createZone(admin, { name: "Greater Nairobi", covers: [LocationId.make("KE-047")] }))
    expect(taken._tag).toBe("AdminInvalidInput")
    expect(taken.message).toContain("already covered by zone zone_nairobi")
    const unknown = await refusal(createZone(admin, { name: "Atlantis", covers: [LocationId.make("KE-999")] }))
    expect(unknown.message).toContain("no location KE-999")
    expect(await db.sql`select 1 from shipping_zones where name in ('Greater Nairobi', 'Atlantis')`).toHaveLength(0)
  })

  it("money is whole minor units: a fraction or a negative amount is refused before anything is written", async () => {
    const { zoneId } = await ok(createZone(admin, { name: "Nakuru", covers: [LocationId.make("KE-032")] }))
    expect((await refusal(addRate(admin, { zoneId, terms: { kind: "FLAT", name: "Odd", amount: kes(12.5) } }))).message).toContain("minor units")
    expect((await refusal(addRate(admin, { zoneId, terms: { kind: "WEIGHT", name: "Neg", base: kes(-1), perKg: kes(10) } }))).message).toContain("non-negative")
    expect(await db.sql`select 1 from shipping_rates where zone_id = ${zoneId}`).toHaveLength(0)
  })

  it("an AUDITOR reads but cannot change any setting (refused by the use case, nothing written)", async () => {
    const before = await db.sql`select count(*)::int as n from audit_log`
    expect((await refusal(createZone(auditor, { name: "Auditor's zone", covers: [] })))._tag).toBe("AdminForbidden")
    expect((await refusal(addRate(auditor, { zoneId: ZoneId.make("zone_nairobi"), terms: { kind: "FLAT", name: "x", amount: kes(1) } })))._tag).toBe(
      "AdminForbidden"
    )
    expect((await refusal(onboardRider(auditor, { phone: "0722333444", name: "R", zones: [ZoneId.make("zone_nairobi")], vehicle: "MOTORBIKE" })))._tag).toBe(
      "AdminForbidden"
    )
    expect((await refusal(changeUserStanding(auditor, { userId: UserId.make("usr_demo_buyer"), change: "SUSPEND", reason: "x" })))._tag).toBe("AdminForbidden")
    expect(await db.sql`select count(*)::int as n from audit_log`).toEqual(before)
  })
})

describe("placed orders never change when the settings behind them do", () => {
  it("revising the rate, retiring one, moving coverage and changing the SLA leave an order's snapshot and totals as placed; the next checkout uses the new version", async () => {
    const placed = await ok(
      placeCheckout({
        buyerId: UserId.make("usr_demo_buyer"),
        idempotencyKey: "settings-versions-1",
        items: SHUKA,
        destination: LocationId.make("KE-047-westlands"),
        payerPhone: "254708374149"
      })
    )
    const orderId = placed.orders[0]!.orderId
    const read = async () => ({
      order: await db.sql`select subtotal, discount_total, shipping_total, total from orders where id = ${orderId}`,
      snapshot: await db.sql`select snapshot from order_snapshots where order_id = ${orderId}`
    })
    const before = await read()
    const [snap] = await db.sql<Array<{ snapshot: { shipping: { rateId: string; zoneId: string; amount: { amount: number } } } }>>`
      select snapshot from order_snapshots where order_id = ${orderId}`
    expect(snap?.snapshot.shipping).toMatchObject({ zoneId: "zone_nairobi", rateId: "rate_nairobi_flat", amount: { amount: 250_00 } })

    const revised = await ok(reviseRate(admin, { rateId: RateId.make("rate_nairobi_flat"), terms: { kind: "FLAT", name: "Standard", amount: kes(400_00) } }))
    expect(revised).toMatchObject({ version: 2, supersedes: "rate_nairobi_flat" })
    await ok(retireRate(admin, { rateId: RateId.make("rate_nairobi_free"), reason: "no more free shipping" }))
    await ok(
      setZoneSla(admin, { zoneId: ZoneId.make("zone_nairobi"), terms: { dispatchWithinMinutes: 240, deliverWithinMinutes: 360, compensationPoints: 100 } })
    )
    await ok(setZoneSla(admin, { zoneId: ZoneId.make("zone_nairobi"), terms: { dispatchWithinMinutes: 60, deliverWithinMinutes: 90, compensationPoints: 10 } }))
    const { locationId } = await ok(
      createLocation(admin, {
        kind: "PICKUP_POINT",
        parentId: LocationId.make("KE-047-westlands"),
        name: "Westgate Locker",
        address: "Westgate Mall, Mwanzi Road",
        lat: -1.2566,
        lng: 36.8033
      })
    )
    // a node with live children is not retired (they would hang from nothing); a leaf is
    expect((await refusal(setLocationActive(admin, { locationId: LocationId.make("KE-047-westlands"), active: false, reason: "closing" }))).message).toContain(
      "retire the places under it first"
    )
    await ok(setLocationActive(admin, { locationId: LocationId.make("KE-047-sarit-centre-locker"), active: false, reason: "moved to the new locker" }))

    expect(await read()).toEqual(before)
    // the version the snapshot names still says what it said
    expect(await db.sql`select amount, active, version from shipping_rates where id = 'rate_nairobi_flat'`).toEqual([
      { amount: 250_00, active: false, version: 1 }
    ])
    expect(await db.sql`select version from zone_sla_versions where zone_id = 'zone_nairobi' order by version`).toEqual([{ version: 1 }, { version: 2 }])

    // the database itself refuses to rewrite a version, to bring one back, or to delete one
    for (const attempt of [
      () => db.sql`update shipping_rates set amount = 1 where id = 'rate_nairobi_flat'`,
      () => db.sql`update shipping_rates set active = true, retired_at = null where id = 'rate_nairobi_flat'`,
      () => db.sql`delete from shipping_rates where id = 'rate_nairobi_flat'`,
      () => db.sql`update locations set address = 'elsewhere' where id = ${locationId}`
    ])
      await expect(attempt()).rejects.toMatchObject({ code: "AM001" })

    const next = await ok(
      placeCheckout({
        buyerId: UserId.make("usr_demo_buyer"),
        idempotencyKey: "settings-versions-2",
        items: SHUKA,
        destination: locationId,
        payerPhone: "254708374149"
      })
    )
    const [nextSnap] = await db.sql<Array<{ snapshot: { shipping: { rateId: string; amount: { amount: number } } } }>>`
      select snapshot from order_snapshots where order_id = ${next.orders[0]!.orderId}`
    expect(nextSnap?.snapshot.shipping).toMatchObject({ rateId: revised.rateId, amount: { amount: 400_00 } })
    // a retired node is no longer a destination
    const retired = await go(
      placeCheckout({
        buyerId: UserId.make("usr_demo_buyer"),
        idempotencyKey: "settings-versions-3",
        items: SHUKA,
        destination: LocationId.make("KE-047-sarit-centre-locker"),
        payerPhone: "254708374149"
      })
    )
    expect(Either.isLeft(retired)).toBe(true)
    // a superseded version cannot be revised again
    expect((await refusal(reviseRate(admin, { rateId: RateId.make("rate_nairobi_flat"), terms: { kind: "FLAT", name: "x", amount: kes(1) } })))._tag).toBe(
      "AdminIllegalChange"
    )
  })

  it("coverage moves between zones without touching orders placed under the old one", async () => {
    const { zoneId } = await ok(createZone(admin, { name: "Kilifi", covers: [] }))
    await ok(changeZoneCoverage(admin, { zoneId, add: [LocationId.make("KE-003")], remove: [] }))
    expect(await db.sql`select zone_id from shipping_zone_coverage where location_id = 'KE-003'`).toEqual([{ zone_id: zoneId }])
    const notCovered = await refusal(changeZoneCoverage(admin, { zoneId, add: [], remove: [LocationId.make("KE-047")] }))
    expect(notCovered.message).toContain("does not cover KE-047")
  })
})

describe("the geography tree", () => {
  it("a pickup point needs an address and coordinates in range; kinds nest strictly (no cycle can form); ids are unique", async () => {
    const base = { kind: "PICKUP_POINT" as const, parentId: LocationId.make("KE-047-westlands"), name: "Bad Locker", address: "Somewhere" }
    expect((await refusal(createLocation(admin, { ...base, lat: 91, lng: 36 }))).message).toContain("latitude must be between -90 and 90")
    expect((await refusal(createLocation(admin, { ...base, lat: -1, lng: 181 }))).message).toContain("longitude must be between -180 and 180")
    expect((await refusal(createLocation(admin, { ...base, lat: -1, lng: 36, address: " " }))).message).toContain("street address is required")
    expect(
      (await refusal(createLocation(admin, { kind: "TOWN", parentId: LocationId.make("KE-047-westlands"), name: "Town under a town" }))).message
    ).toContain("cannot sit under")
    const town = await ok(createLocation(admin, { kind: "TOWN", parentId: LocationId.make("KE-042"), name: "Kisumu Central" }))
    expect(town.locationId).toBe("KE-042-kisumu-central")
    const market = await ok(createLocation(admin, { kind: "MARKET", parentId: town.locationId, name: "Oile Market" }))
    expect(market.locationId).toBe("KE-042-oile-market")
    expect(await db.sql`select kind, parent_id from locations where id = ${market.locationId}`).toEqual([
      { kind: "MARKET", parent_id: "KE-042-kisumu-central" }
    ])
    const again = await refusal(createLocation(admin, { kind: "TOWN", parentId: LocationId.make("KE-042"), name: "Kisumu  central" }))
    expect(again.message).toContain("already has a place called kisumu-central")
  })
})

describe("categories and brands", () => {
  it("a category is created once by slug, under an existing parent; a brand is created pending or verified at once", async () => {
    const shoes = await ok(createCategory(admin, { name: "Shoes" }))
    const sandals = await ok(createCategory(admin, { name: "Maasai sandals", parentId: shoes.categoryId }))
    expect(sandals.slug).toBe("maasai-sandals")
    expect((await refusal(createCategory(admin, { name: "shoes" }))).message).toContain('slug "shoes" exists already')
    const pending = await ok(createBrand(admin, { name: "Kazuri", verify: false }))
    expect(pending.state).toBe("PENDING_REVIEW")
    const verified = await ok(createBrand(admin, { name: "Sandstorm", verify: true }))
    expect(verified.state).toBe("VERIFIED")
    expect(await db.sql`select state from brands where id = ${verified.brandId}`).toEqual([{ state: "VERIFIED" }])
    expect((await db.sql`select action from audit_log where entity_id = ${verified.brandId} order by seq`).map((r) => r["action"])).toEqual([
      "BRAND.CREATE",
      "BRAND.VERIFY"
    ])
    expect((await refusal(createBrand(admin, { name: "KAZURI", verify: false }))).message).toContain("exists already")
  })

  it("a category is renamed or moved (its slug stays); a move under itself or its own subcategory is refused; each change audited", async () => {
    const home = await ok(createCategory(admin, { name: "Home" }))
    const kitchen = await ok(createCategory(admin, { name: "Kitchen", parentId: home.categoryId }))
    const jikos = await ok(createCategory(admin, { name: "Jikos", parentId: kitchen.categoryId }))
    expect(await ok(updateCategory(admin, { categoryId: jikos.categoryId, name: "Jiko stoves" }))).toEqual({ categoryId: jikos.categoryId, changed: true })
    expect(await ok(updateCategory(admin, { categoryId: jikos.categoryId, parentId: null }))).toMatchObject({ changed: true })
    expect(await db.sql`select name, slug, parent_id from categories where id = ${jikos.categoryId}`).toEqual([
      { name: "Jiko stoves", slug: "jikos", parent_id: null }
    ])
    for (const parentId of [home.categoryId, kitchen.categoryId])
      expect((await refusal(updateCategory(admin, { categoryId: home.categoryId, parentId }))).message).toContain("under itself or under one of its own")
    expect((await refusal(updateCategory(admin, { categoryId: home.categoryId, parentId: CategoryId.make("cat_nowhere") }))).message).toContain("no category")
    expect(await ok(updateCategory(admin, { categoryId: kitchen.categoryId, name: "Kitchen", parentId: home.categoryId }))).toMatchObject({ changed: false })
    expect((await refusal(updateCategory(auditor, { categoryId: kitchen.categoryId, name: "Pots" })))._tag).toBe("AdminForbidden")
    expect(await db.sql`select parent_id from categories where id = ${home.categoryId}`).toEqual([{ parent_id: null }])
    expect(await db.sql`select action, before, after from audit_log where entity_id = ${jikos.categoryId} and action = 'CATEGORY.UPDATE' order by seq`).toEqual(
      [
        { action: "CATEGORY.UPDATE", before: { name: "Jikos", parentId: kitchen.categoryId }, after: { name: "Jiko stoves", parentId: kitchen.categoryId } },
        { action: "CATEGORY.UPDATE", before: { name: "Jiko stoves", parentId: kitchen.categoryId }, after: { name: "Jiko stoves", parentId: null } }
      ]
    )
  })
})

describe("users' standing", () => {
  it("a suspended user's sessions end at once and they cannot log in; reinstating lets them log in again", async () => {
    await insertUser(db.sql, { id: "usr_settings_seller", phone: "254711999001", roles: ["BUYER", "SELLER_OWNER"] })
    const session = await runtime.runPromise(
      Effect.flatMap(AuthStore, (a) => a.createSession(UserId.make("usr_settings_seller"), Date.now(), Date.now() + 3_600_000))
    )
    const live = () => runtime.runPromise(Effect.flatMap(AuthStore, (a) => a.findSession(session.token, Date.now())))
    expect(Option.isSome(await live())).toBe(true)

    const outcome = await ok(changeUserStanding(admin, { userId: UserId.make("usr_settings_seller"), change: "SUSPEND", reason: "selling counterfeits" }))
    expect(outcome).toMatchObject({ status: "SUSPENDED", sessionsEnded: 1 })
    expect(Option.isNone(await live())).toBe(true)
    expect(await db.sql`select status, status_reason from users where id = 'usr_settings_seller'`).toEqual([
      { status: "SUSPENDED", status_reason: "selling counterfeits" }
    ])
    expect(await db.sql`select event_type from outbox where aggregate_id = 'usr_settings_seller'`).toEqual([{ event_type: "USER_SUSPENDED" }])
    expect((await refusal(changeUserStanding(admin, { userId: UserId.make("usr_settings_seller"), change: "SUSPEND", reason: "again" })))._tag).toBe(
      "AdminIllegalChange"
    )
    expect((await refusal(changeUserStanding(admin, { userId: UserId.make("usr_settings_seller"), change: "BAN", reason: " " })))._tag).toBe(
      "AdminInvalidInput"
    )

    // logging in is refused while suspended
    await ok(requestLoginCode("254711999001", "127.0.0.9"))
    const [msg] = await db.sql<Array<{ body: string }>>`select body from notifications where recipient = '254711999001' order by created_at desc limit 1`
    const code = /\b(\d{6})\b/.exec(msg!.body)![1]!
    expect((await refusal(logIn("254711999001", code, "127.0.0.9")))._tag).toBe("AccountNotActive")

    await ok(changeUserStanding(admin, { userId: UserId.make("usr_settings_seller"), change: "BAN", reason: "repeat offence" }))
    expect((await refusal(changeUserStanding(admin, { userId: UserId.make("usr_settings_seller"), change: "SUSPEND", reason: "softer" })))._tag).toBe(
      "AdminIllegalChange"
    )
    await ok(changeUserStanding(admin, { userId: UserId.make("usr_settings_seller"), change: "REINSTATE", reason: "appeal upheld" }))
    expect(await db.sql`select status, status_reason from users where id = 'usr_settings_seller'`).toEqual([{ status: "ACTIVE", status_reason: null }])
  })
})

describe("riders", () => {
  it("onboarding creates the user with the RIDER role, serving the zones, OFFLINE; an existing buyer is linked, not duplicated", async () => {
    const created = await ok(onboardRider(admin, { phone: "0722 555 001", name: "Wanjiku", zones: [ZoneId.make("zone_nairobi")], vehicle: "motorbike" }))
    expect(created).toMatchObject({ phone: "254722555001", linkedExistingUser: false })
    expect(
      await db.sql`select u.roles, u.display_name, r.availability, r.vehicle from users u join riders r on r.user_id = u.id where u.id = ${created.riderUserId}`
    ).toEqual([{ roles: ["BUYER", "RIDER"], display_name: "Wanjiku", availability: "OFFLINE", vehicle: "MOTORBIKE" }])
    expect(await db.sql`select zone_id from rider_zones where rider_user_id = ${created.riderUserId}`).toEqual([{ zone_id: "zone_nairobi" }])
    expect(
      (await refusal(onboardRider(admin, { phone: "0722555001", name: "Wanjiku", zones: [ZoneId.make("zone_nairobi")], vehicle: "MOTORBIKE" }))).message
    ).toContain("already a rider")
    const linked = await ok(onboardRider(admin, { phone: "0708374149", name: "Demo", zones: [ZoneId.make("zone_mombasa")], vehicle: "BICYCLE" }))
    expect(linked).toMatchObject({ riderUserId: "usr_demo_buyer", linkedExistingUser: true })
    for (const bad of [
      { phone: "12345", name: "X", zones: [ZoneId.make("zone_nairobi")], vehicle: "MOTORBIKE" },
      { phone: "0722555002", name: "X", zones: [], vehicle: "MOTORBIKE" },
      { phone: "0722555002", name: "X", zones: [ZoneId.make("zone_nowhere")], vehicle: "MOTORBIKE" },
      { phone: "0722555002", name: "X", zones: [ZoneId.make("zone_nairobi")], vehicle: "rocket" }
    ])
      expect((await refusal(onboardRider(admin, bad)))._tag).toBe("AdminInvalidInput")
    expect(await db.sql`select 1 from users where phone = '254722555002'`).toHaveLength(0)

    const rider = { id: created.riderUserId, roles: ["BUYER", "RIDER"] }
    expect(await ok(setRiderAvailability(rider, "ONLINE"))).toEqual({ availability: "ONLINE", changed: true })
    expect(await ok(setRiderAvailability(rider, "ONLINE"))).toEqual({ availability: "ONLINE", changed: false })
    expect(await db.sql`select action, actor_kind from audit_log where entity_id = ${created.riderUserId} order by seq`).toEqual([
      { action: "RIDER.ONBOARD", actor_kind: "ADMIN" },
      { action: "RIDER.ONLINE", actor_kind: "USER" }
    ])
    expect((await refusal(setRiderAvailability({ id: UserId.make("usr_demo_seller"), roles: ["SELLER_OWNER"] }, "ONLINE")))._tag).toBe("NotARider")
  })

  it("an admin changes a rider's zones (the first is home) and vehicle; audited with RIDER_UPDATED; bad input changes nothing", async () => {
    const rider = await ok(onboardRider(admin, { phone: "0722 555 010", name: "Kamau", zones: [ZoneId.make("zone_nairobi")], vehicle: "BICYCLE" }))
    const changed = await ok(
      changeRider(admin, { riderUserId: rider.riderUserId, zones: [ZoneId.make("zone_mombasa"), ZoneId.make("zone_nairobi")], vehicle: "motorbike" })
    )
    expect(changed).toEqual({ riderUserId: rider.riderUserId, zones: ["zone_mombasa", "zone_nairobi"], vehicle: "MOTORBIKE" })
    const work = async () => ({
      rider: await db.sql`select zone_id, vehicle from riders where user_id = ${rider.riderUserId}`,
      zones: (await db.sql`select zone_id from rider_zones where rider_user_id = ${rider.riderUserId} order by zone_id`).map((r) => r["zone_id"])
    })
    expect(await work()).toEqual({ rider: [{ zone_id: "zone_mombasa", vehicle: "MOTORBIKE" }], zones: ["zone_mombasa", "zone_nairobi"] })
    await ok(changeRider(admin, { riderUserId: rider.riderUserId, zones: [ZoneId.make("zone_nairobi")], vehicle: "MOTORBIKE" }))
    const settled = await work()
    expect(settled).toEqual({ rider: [{ zone_id: "zone_nairobi", vehicle: "MOTORBIKE" }], zones: ["zone_nairobi"] })
    for (const bad of [
      { zones: [], vehicle: "CAR" },
      { zones: [ZoneId.make("zone_nowhere")], vehicle: "CAR" },
      { zones: [ZoneId.make("zone_nairobi")], vehicle: "rocket" }
    ])
      expect((await refusal(changeRider(admin, { riderUserId: rider.riderUserId, ...bad })))._tag).toBe("AdminInvalidInput")
    expect(
      (await refusal(changeRider(admin, { riderUserId: UserId.make("usr_demo_seller"), zones: [ZoneId.make("zone_nairobi")], vehicle: "CAR" }))).message
    ).toContain("no rider")
    expect((await refusal(changeRider(auditor, { riderUserId: rider.riderUserId, zones: [ZoneId.make("zone_nairobi")], vehicle: "CAR" })))._tag).toBe(
      "AdminForbidden"
    )
    expect(await work()).toEqual(settled)
    expect(await db.sql`select action from audit_log where entity_id = ${rider.riderUserId} order by seq`).toEqual([
      { action: "RIDER.ONBOARD" },
      { action: "RIDER.CHANGE" },
      { action: "RIDER.CHANGE" }
    ])
    expect(await db.sql`select count(*)::int as n from outbox where event_type = 'RIDER_UPDATED' and aggregate_id = ${rider.riderUserId}`).toEqual([{ n: 2 }])
  })
})
