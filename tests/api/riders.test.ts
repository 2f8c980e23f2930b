/**
 * Riders over HTTP: an admin onboards a rider (use case), the rider logs in by OTP and goes ONLINE
 * with PUT /api/v1/rider/availability; only an online rider is offered a job, and the job reaches
 * the rider by WhatsApp (the dev inbox here) with the pickup and drop-off, the recipient's phone
 * included only while the job is the rider's.
 */
import { AdminUserId, OrderId, ZoneId } from "../../domain/ids.js"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { transitionOrder } from "../../application/orders/transition-order.js"
import { onboardRider } from "../../application/riders/onboard-rider.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, drainOutbox, login, newBuyer, randomPhone, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>
let sellerToken = ""
const ADMIN: AdminActor = { id: AdminUserId.make("adm_riders_api"), email: "ops@amana.test", role: "PLATFORM_ADMIN" }

beforeAll(async () => {
  shop = await seedShop(db.sql)
  api = await startApi(db.sql)
  sellerToken = await sessionFor(db.sql, shop.seller.id)
  await db.sql`insert into admin_users (id, email, password_hash, role) values (${ADMIN.id}, ${ADMIN.email}, 'x', 'PLATFORM_ADMIN')`
  await db.sql`insert into stock_locations (id, store_id, name, location_id, address) values (${`${shop.storeId}_shop`}, ${shop.storeId}, 'Shop', 'KE-047-westlands', 'Shop 4, Sarit Centre')
               on conflict do nothing`
})
afterAll(async () => {
  await api?.close()
})

/** A paid order of the shop, accepted by the seller: ready to dispatch. */
const acceptedOrder = async (label: string) => {
  const placed = await checkoutOneBasket(api, db.sql, shop, label)
  const paid = await api.runtime.runPromise(
    Effect.either(transitionOrder({ orderId: OrderId.make(placed.orderId), to: "PAID", actor: { kind: "SYSTEM", id: "test" } as never }))
  )
  expect(Either.isRight(paid)).toBe(true)
  const accepted = await call(api, "POST", `/api/v1/seller/orders/${placed.orderId}/accept`, { token: sellerToken })
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
  return placed
}

const riderMessages = async (phone: string) =>
  ((await call(api, "GET", `/dev/messages?to=${phone}`)).body.items as Array<{ template: string; params: Array<string>; text: string }>).filter(
    (m) => m.template === "rider_job"
  )

describe("rider availability and jobs", () => {
  it("onboarded OFFLINE, a rider gets no job; ONLINE, the next dispatch is theirs and reaches them by WhatsApp with pickup and drop-off; OFFLINE again, none", async () => {
    const phone = randomPhone()
    const onboarded = await api.runtime.runPromise(
      Effect.either(onboardRider(ADMIN, { phone: `0${phone.slice(3)}`, name: "Achieng", zones: [ZoneId.make("zone_nbi_api")], vehicle: "MOTORBIKE" }))
    )
    expect(Either.isRight(onboarded)).toBe(true)
    const rider = await login(api, phone)

    const first = await acceptedOrder("rider-offline")
    const refused = await call(api, "POST", `/api/v1/seller/orders/${first.orderId}/dispatch`, { token: sellerToken })
    expect(refused.status, JSON.stringify(refused.body)).toBe(409)
    expect(refused.body.code).toBe("DISPATCH.NO_CARRIER_AVAILABLE")

    const online = await call(api, "PUT", "/api/v1/rider/availability", { token: rider.token, body: { availability: "ONLINE" } })
    expect(online.status, JSON.stringify(online.body)).toBe(200)
    expect(online.body).toEqual({ availability: "ONLINE", changed: true })
    const dispatched = await call(api, "POST", `/api/v1/seller/orders/${first.orderId}/dispatch`, { token: sellerToken })
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200)
    expect(dispatched.body).toMatchObject({ carrier: "RIDER", riderName: "Achieng", riderPhone: phone })

    expect(await drainOutbox(api, db.sql)).toEqual([])
    const [job] = await riderMessages(phone)
    expect(job?.params).toEqual([
      first.orderId,
      "Duka " + shop.storeId.slice(4) + ", Shop 4, Sarit Centre, Westlands",
      shop.seller.phone,
      "Westlands, Nairobi",
      first.buyer.phone
    ])
    expect(job?.text).toContain(`Deliver to Westlands, Nairobi (recipient ${first.buyer.phone})`)

    // delivery details given at checkout (frozen in the snapshot) name the recipient and where exactly
    const buyer = await newBuyer(db.sql)
    const recipient = randomPhone()
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `rider-details-${buyer.id}` },
      body: {
        destination: "KE-047-westlands",
        items: [{ variantId: shop.basket.variantId, quantity: 1 }],
        delivery: { recipientName: "Mama Otieno", recipientPhone: recipient, addressLine: "House 12, Mvuli Road", landmark: "the blue gate" }
      }
    })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    const detailed: string = placed.body.orders[0].orderId
    await api.runtime.runPromise(transitionOrder({ orderId: OrderId.make(detailed), to: "PAID", actor: { kind: "SYSTEM", id: "test" } as never }))
    expect((await call(api, "POST", `/api/v1/seller/orders/${detailed}/accept`, { token: sellerToken })).status).toBe(200)
    expect((await call(api, "POST", `/api/v1/seller/orders/${detailed}/dispatch`, { token: sellerToken })).body).toMatchObject({ riderPhone: phone })
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const detailedJob = (await riderMessages(phone)).find((m) => m.params[0] === detailed)
    expect(detailedJob?.params.slice(3)).toEqual(["Mama Otieno, House 12, Mvuli Road, near the blue gate, Westlands, Nairobi", recipient])

    const offline = await call(api, "PUT", "/api/v1/rider/availability", { token: rider.token, body: { availability: "OFFLINE" } })
    expect(offline.body).toEqual({ availability: "OFFLINE", changed: true })
    const second = await acceptedOrder("rider-offline-again")
    expect((await call(api, "POST", `/api/v1/seller/orders/${second.orderId}/dispatch`, { token: sellerToken })).status).toBe(409)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect(await riderMessages(phone)).toHaveLength(2)
  })

  it("a job that is no longer the rider's by the time the message would go sends nothing (no phone leaves)", async () => {
    const phone = randomPhone()
    const onboarded = await api.runtime.runPromise(
      Effect.either(onboardRider(ADMIN, { phone, name: "Kamau", zones: [ZoneId.make("zone_nbi_api")], vehicle: "BICYCLE" }))
    )
    expect(Either.isRight(onboarded)).toBe(true)
    await db.sql`update riders set availability = 'OFFLINE' where availability = 'ONLINE'`
    const rider = await login(api, phone)
    expect((await call(api, "PUT", "/api/v1/rider/availability", { token: rider.token, body: { availability: "ONLINE" } })).status).toBe(200)
    const order = await acceptedOrder("rider-gone")
    const dispatched = await call(api, "POST", `/api/v1/seller/orders/${order.orderId}/dispatch`, { token: sellerToken })
    expect(dispatched.body).toMatchObject({ carrier: "RIDER", riderPhone: phone })
    await db.sql`update deliveries set status = 'FAILED', failed_at = now(), failure_reason = 'test' where id = ${dispatched.body.jobId}`
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect(await riderMessages(phone)).toEqual([])
  })

  it("only riders set availability; the body is checked; without a session it is 401", async () => {
    const buyer = await sessionFor(db.sql, shop.seller.id)
    const notRider = await call(api, "PUT", "/api/v1/rider/availability", { token: buyer, body: { availability: "ONLINE" } })
    expect([notRider.status, notRider.body.code]).toEqual([403, "RIDER.NOT_A_RIDER"])
    const anonymous = await call(api, "PUT", "/api/v1/rider/availability", { body: { availability: "ONLINE" } })
    expect(anonymous.status).toBe(401)
    const phone = randomPhone()
    await api.runtime.runPromise(onboardRider(ADMIN, { phone, name: "Njeri", zones: [ZoneId.make("zone_nbi_api")], vehicle: "CAR" }).pipe(Effect.orDie))
    const token = (await login(api, phone)).token
    for (const body of [{ availability: "BUSY" }, {}, { availability: "online" }]) {
      const bad = await call(api, "PUT", "/api/v1/rider/availability", { token, body })
      expect(bad.status, JSON.stringify(bad.body)).toBe(400)
      expect(bad.headers.get("content-type")).toContain("application/problem+json")
    }
    expect(await db.sql`select availability from riders r join users u on u.id = r.user_id where u.phone = ${phone}`).toEqual([{ availability: "OFFLINE" }])
  })
})
