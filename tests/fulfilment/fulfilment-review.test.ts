/**
 * Fulfilment, riders and delivery reviewed as an attacker (thirteenth session): late steps against
 * the SLA promise, dispatches racing for a rider's last free slot, and what carriers may report.
 * The whole platform over HTTP with the worker running, as in journey.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { MAX_LIVE_JOBS } from "../../application/riders/assignment.js"
import { checkSlaBreaches } from "../../application/fulfilment/sla.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, randomPhone, seedShop, sessionFor } from "../api/support.js"
import { eventually, inboxMessage, seedRider, startPlatform, waitForState } from "./support.js"
import type { Platform } from "./support.js"

const db = useTestDatabase()
let api: Platform
const RIDER = { id: "usr_rider_review13", phone: "254722000213", name: "Akinyi" }

beforeAll(async () => {
  api = await startPlatform(db)
  await seedShop(db.sql) // the zone every shop below shares
  await seedRider(db.sql, RIDER.id, RIDER.phone, "zone_nbi_api", RIDER.name)
  await db.sql`insert into zone_slas (zone_id, dispatch_within_minutes, deliver_within_minutes, compensation_points) values ('zone_nbi_api', 120, 240, 50)`
}, 60_000)
afterAll(async () => {
  await api?.close()
})

type Shop = Awaited<ReturnType<typeof seedShop>> & { readonly sellerToken: string }
const openShop = async (): Promise<Shop> => {
  const shop = await seedShop(db.sql)
  await db.sql`update stores set payout_method = 'B2C', payout_phone = ${randomPhone()} where id = ${shop.storeId}`
  return { ...shop, sellerToken: await sessionFor(db.sql, shop.seller.id) }
}

/** Checkout over HTTP, paid by STK push, accepted by the seller. */
const accepted = async (shop: Shop, extra: Record<string, unknown> = {}) => {
  const buyer = await newBuyer(db.sql)
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: buyer.token,
    headers: { "idempotency-key": `review13-${buyer.id}` },
    body: { destination: "KE-047-westlands", items: [{ variantId: shop.dress.variantId, quantity: 1 }], ...extra }
  })
  expect(placed.status, JSON.stringify(placed.body)).toBe(201)
  const orderId: string = placed.body.orders[0].orderId
  const pay = await call(api, "POST", `/api/v1/checkouts/${placed.body.checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
  expect(pay.status, JSON.stringify(pay.body)).toBe(202)
  await api.fake.sendCallback(pay.body.checkoutRequestId)
  await waitForState(db.sql, orderId, "PAID")
  const accept = await call(api, "POST", `/api/v1/seller/orders/${orderId}/accept`, { token: shop.sellerToken })
  expect(accept.body.state, JSON.stringify(accept.body)).toBe("ACCEPTED")
  return { buyer, orderId }
}

const dispatch = (shop: Shop, orderId: string) => call(api, "POST", `/api/v1/seller/orders/${orderId}/dispatch`, { token: shop.sellerToken })

const assigneeToken = async (jobId: string) =>
  sessionFor(db.sql, String((await db.sql`select rider_user_id from deliveries where id = ${jobId}`)[0]?.["rider_user_id"]))
const jobStatus = async (jobId: string, body: Record<string, unknown>) =>
  call(api, "POST", `/api/v1/rider/jobs/${jobId}/status`, { token: await assigneeToken(jobId), body })

/** Only this rider is active while `f` runs (the others' live jobs would change who the pool picks). */
const onlyRider = async <A>(riderId: string, f: () => Promise<A>): Promise<A> => {
  const others = await db.sql<
    Array<{ user_id: string }>
  >`update riders set status = 'INACTIVE' where status = 'ACTIVE' and user_id <> ${riderId} returning user_id`
  try {
    return await f()
  } finally {
    if (others.length > 0) await db.sql`update riders set status = 'ACTIVE' where user_id = any(${others.map((o) => o.user_id)})`
  }
}

const liveJobs = async (riderId: string) =>
  Number(
    (await db.sql`select count(*)::int as n from deliveries where rider_user_id = ${riderId} and status in ('ASSIGNED', 'PICKED_UP', 'IN_TRANSIT')`)[0]!["n"]
  )

describe("fulfilment, riders and delivery (thirteenth session's review)", () => {
  it("a step taken after its SLA promise is a breach even when the checker has not run yet: exception and compensation, once per timer", async () => {
    const shop = await openShop()
    await onlyRider(RIDER.id, async () => {
      const o = await accepted(shop)
      await eventually(
        "dispatch timer",
        async () => (await db.sql`select 1 from sla_timers where order_id = ${o.orderId} and kind = 'DISPATCH' and status = 'OPEN'`).length === 1
      )
      // accepted three hours ago, promised within two: the seller dispatches an hour late, before the minute's checker runs
      await db.sql`update sla_timers set started_at = now() - interval '3 hours', due_at = now() - interval '1 hour' where order_id = ${o.orderId} and kind = 'DISPATCH'`
      const sent = await dispatch(shop, o.orderId)
      expect(sent.status, JSON.stringify(sent.body)).toBe(200)
      const jobId: string = sent.body.jobId
      const code = (await inboxMessage(api, o.buyer.phone, "order_dispatched_with_code")).params[3]!
      expect((await jobStatus(jobId, { status: "PICKED_UP" })).status).toBe(200)
      expect((await jobStatus(jobId, { status: "IN_TRANSIT" })).status).toBe(200)
      // the promised delivery time passed an hour ago; the rider hands over now, before the checker runs
      await db.sql`update sla_timers set started_at = now() - interval '5 hours', due_at = now() - interval '1 hour' where order_id = ${o.orderId} and kind = 'DELIVERY'`
      await db.sql`update deliveries set due_at = now() - interval '1 hour' where id = ${jobId}`
      const done = await jobStatus(jobId, { status: "DELIVERED", handoverCode: code })
      expect(done.status, JSON.stringify(done.body)).toBe(200)
      // neither late step may count as met
      expect(await db.sql`select kind, status from sla_timers where order_id = ${o.orderId} and status = 'MET'`).toEqual([])
      expect(await api.runtime.runPromise(checkSlaBreaches())).toBeGreaterThanOrEqual(2)
      expect(await db.sql`select kind, status from sla_timers where order_id = ${o.orderId} order by kind`).toEqual([
        { kind: "DELIVERY", status: "BREACHED" },
        { kind: "DISPATCH", status: "BREACHED" }
      ])
      expect(await db.sql`select 1 from exceptions where kind = 'SLA_BREACH' and entity_id = ${o.orderId}`).toHaveLength(2)
      expect(await db.sql`select points from loyalty_ledger where buyer_id = ${o.buyer.id} and order_id = ${o.orderId} and reason = 'ADJUSTED'`).toEqual([
        { points: 50 },
        { points: 50 }
      ])
      expect(await api.runtime.runPromise(checkSlaBreaches())).toBe(0)
    })
  })

  it(`two dispatches racing for a rider's last free slot never give the rider more than ${MAX_LIVE_JOBS} live jobs: the loser goes to the partner`, async () => {
    const rider = { id: "usr_rider_race13", phone: "254722000214", name: "Kamau" }
    await seedRider(db.sql, rider.id, rider.phone, "zone_nbi_api", rider.name)
    const shop = await openShop()
    await onlyRider(rider.id, async () => {
      const orders = await Promise.all(Array.from({ length: MAX_LIVE_JOBS + 1 }, () => accepted(shop)))
      for (const o of orders.slice(0, MAX_LIVE_JOBS - 1)) {
        const r = await dispatch(shop, o.orderId)
        expect(r.body.carrier, JSON.stringify(r.body)).toBe("RIDER")
      }
      expect(await liveJobs(rider.id)).toBe(MAX_LIVE_JOBS - 1)
      // Both dispatches read the rider's load (one slot free) before either commits: a third party
      // holds the rider's row until both are waiting on a lock.
      const racers = orders.slice(MAX_LIVE_JOBS - 1)
      const reserved = await db.sql.reserve()
      let results: Array<Awaited<ReturnType<typeof dispatch>>>
      try {
        await reserved`begin`
        await reserved`select 1 from riders where user_id = ${rider.id} for update`
        const pending = Promise.all(racers.map((o) => dispatch(shop, o.orderId)))
        await eventually(
          "both dispatches waiting on the rider's row",
          async () =>
            Number(
              (
                await db.sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%riders%'`
              )[0]!["n"]
            ) >= 2
        )
        await reserved`commit`
        results = await pending
      } finally {
        reserved.release()
      }
      for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200)
      expect(results.map((r) => r.body.carrier as string).sort()).toEqual(["PARTNER", "RIDER"])
      expect(await liveJobs(rider.id)).toBe(MAX_LIVE_JOBS)
    })
  })

  it("the logistics partner is given the phone of the recipient the buyer named at checkout, not the payer's", async () => {
    const shop = await openShop()
    const recipientPhone = randomPhone()
    await db.sql`update riders set status = 'INACTIVE' where status = 'ACTIVE'`
    try {
      const o = await accepted(shop, { delivery: { recipientName: "Mama Njeri", recipientPhone, addressLine: "Block C, door 4" } })
      const sent = await dispatch(shop, o.orderId)
      expect(sent.status, JSON.stringify(sent.body)).toBe(200)
      expect(sent.body.carrier).toBe("PARTNER")
      const created = api.partner.deliveries.find((d) => d.reference === sent.body.jobId)
      expect(created?.body["recipientPhone"]).toBe(recipientPhone)
      // without a recipient's phone the partner calls the phone that paid
      const plain = await accepted(shop)
      const sentPlain = await dispatch(shop, plain.orderId)
      expect(api.partner.deliveries.find((d) => d.reference === sentPlain.body.jobId)?.body["recipientPhone"]).toBe(plain.buyer.phone)
    } finally {
      await db.sql`update riders set status = 'ACTIVE' where status = 'INACTIVE'`
    }
  })

  it("a dispatch whose transaction is retried cancels the partner delivery its first try created when the retry gives the job to a rider", async () => {
    const shop = await openShop()
    const idle = await db.sql<Array<{ user_id: string }>>`update riders set status = 'INACTIVE' where status = 'ACTIVE' returning user_id`
    try {
      const o = await accepted(shop)
      await eventually(
        "dispatch timer",
        async () => (await db.sql`select 1 from sla_timers where order_id = ${o.orderId} and kind = 'DISPATCH' and status = 'OPEN'`).length === 1
      )
      // A third party holds the order's dispatch timer, then waits for the order the dispatch holds: a
      // deadlock the dispatch loses after the partner created its delivery. Before the retry, a rider comes back.
      const reserved = await db.sql.reserve()
      let sent: Awaited<ReturnType<typeof dispatch>>
      try {
        await reserved`begin`
        await reserved`select 1 from sla_timers where order_id = ${o.orderId} and kind = 'DISPATCH' for update`
        const pending = dispatch(shop, o.orderId)
        await eventually(
          "the dispatch waiting on the timer",
          async () =>
            Number(
              (
                await db.sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%sla_timers%'`
              )[0]!["n"]
            ) >= 1
        )
        expect(api.partner.deliveries.filter((d) => d.body["orderId"] === o.orderId)).toHaveLength(1)
        await reserved`select 1 from orders where id = ${o.orderId} for update`
        await reserved`update riders set status = 'ACTIVE' where user_id = ${RIDER.id}`
        await reserved`commit`
        sent = await pending
      } finally {
        reserved.release()
      }
      expect(sent.status, JSON.stringify(sent.body)).toBe(200)
      expect(sent.body.carrier).toBe("RIDER")
      // the partner's delivery from the first try is not left waiting for a parcel no one will hand it
      const created = api.partner.deliveries.filter((d) => d.body["orderId"] === o.orderId)
      expect(created.map((d) => d.cancelled)).toEqual([true])
    } finally {
      await db.sql`update riders set status = 'ACTIVE' where user_id = any(${idle.map((r) => r.user_id)})`
    }
  })

  it("a dispatch waiting on a slow partner (every rider busy) does not hold the busy riders' rows: a rider can still go offline meanwhile", async () => {
    const rider = { id: "usr_rider_busy13", phone: "254722000215", name: "Chebet" }
    await seedRider(db.sql, rider.id, rider.phone, "zone_nbi_api", rider.name)
    const shop = await openShop()
    await onlyRider(rider.id, async () => {
      const orders = await Promise.all(Array.from({ length: MAX_LIVE_JOBS + 1 }, () => accepted(shop)))
      for (const o of orders.slice(0, MAX_LIVE_JOBS)) expect((await dispatch(shop, o.orderId)).body.carrier).toBe("RIDER")
      api.partner.delay(2_000)
      try {
        const finished: Array<string> = []
        const toPartner = dispatch(shop, orders[MAX_LIVE_JOBS]!.orderId).then((r) => (finished.push("dispatch"), r))
        await eventually("the partner asked", async () => api.partner.deliveries.some((d) => d.body["orderId"] === orders[MAX_LIVE_JOBS]!.orderId))
        const offline = await call(api, "PUT", "/api/v1/rider/availability", { token: await sessionFor(db.sql, rider.id), body: { availability: "OFFLINE" } })
        finished.push("offline")
        expect(offline.status, JSON.stringify(offline.body)).toBe(200)
        expect((await toPartner).body.carrier).toBe("PARTNER")
        expect(finished).toEqual(["offline", "dispatch"])
      } finally {
        api.partner.delay(0)
        await db.sql`update riders set availability = 'ONLINE' where user_id = ${rider.id}`
      }
    })
  })
})
