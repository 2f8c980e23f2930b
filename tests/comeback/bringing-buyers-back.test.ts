/**
 * Bringing buyers back (issue 14), over HTTP with the worker running:
 *   - an abandoned cart gets its three WhatsApp templates (dev inbox) at 1 h, 24 h and 72 h, run by
 *     the `carts__recover_abandoned` task under a TestClock; the 24 h code works exactly once;
 *   - the sequence stops on checkout and on an inbound "STOP"; nothing goes out in Nairobi's quiet hours;
 *   - a referral pays both sides once, on the referred buyer's first completed order (a replayed
 *     event changes nothing); self-referral and a seller's own staff are refused.
 */
import { createHmac } from "node:crypto"
import { Effect, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { recoverAbandonedCarts } from "../../application/cart-recovery/recover-carts.js"
import { rewardReferral } from "../../application/referrals/referrals.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { tasks, crontab } from "../../composition/event-handlers.js"
import { OrderId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, randomPhone, seedShop, sessionFor } from "../api/support.js"
import { eventually, inboxMessage, seedRider, startPlatform, waitForState, WA_APP_SECRET } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
let api: Platform
let shop: Awaited<ReturnType<typeof seedShop>>
const H = 3_600_000
const DAY = 24 * H
// yesterday 10:00 in Nairobi (07:00 UTC): the 24 h code (valid 72 h) is still good when the test checks out for real
const T0 = Math.floor(Date.now() / DAY) * DAY - DAY + 7 * H
const RIDER = { id: "usr_rider_comeback", phone: "254722000919", name: "Akinyi" }

beforeAll(async () => {
  api = await startPlatform(db)
  shop = await seedShop(db.sql)
  await seedRider(db.sql, RIDER.id, RIDER.phone, "zone_nbi_api", RIDER.name)
}, 60_000)
afterAll(async () => {
  await api?.close()
})

/** The cron task as the worker runs it, at `now` (TestClock). */
const sweepAt = (now: number) =>
  api.runtime.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      return yield* recoverAbandonedCarts()
    }).pipe(Effect.provide(TestContext.TestContext))
  )

type Message = { template: string; params: Array<string>; text: string }
const inbox = async (phone: string): Promise<Array<Message>> =>
  (await call(api, "GET", `/dev/messages?to=${phone}&limit=100`)).body.items.filter((m: Message) => m.template.startsWith("cart_"))

/** A buyer with a cart of two dresses, last touched at `touchedAt` (the database's clock is moved back to it). */
const abandonedCart = async (touchedAt: number) => {
  const buyer = await newBuyer(db.sql)
  const added = await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId: shop.dress.variantId, quantity: 2 } })
  expect(added.status, JSON.stringify(added.body)).toBeLessThan(300)
  const cartId = String((await db.sql`select id from carts where buyer_id = ${buyer.id} and state = 'ACTIVE'`)[0]!["id"])
  await db.owner`update carts set updated_at = ${new Date(touchedAt)}, created_at = ${new Date(touchedAt)} where id = ${cartId}`
  await db.owner`update cart_items set added_at = ${new Date(touchedAt)} where cart_id = ${cartId}`
  return { ...buyer, cartId }
}

const recovery = async (cartId: string) => (await db.sql`select steps_sent, stopped, discount_code_id from cart_recovery where cart_id = ${cartId}`)[0]

describe("abandoned carts", () => {
  it("the task is on the worker's crontab", () => {
    expect(crontab).toMatch(/carts__recover_abandoned/)
    expect(typeof tasks.carts__recover_abandoned).toBe("function")
  })

  it("three messages at 1 h, 24 h and 72 h, each once; the 24 h code is one-use and platform-funded, and works exactly once", async () => {
    const buyer = await abandonedCart(T0)
    await sweepAt(T0 + H - 60_000)
    expect(await inbox(buyer.phone)).toEqual([])
    await sweepAt(T0 + H)
    await sweepAt(T0 + H + 5 * 60_000) // the next run: nothing new
    expect((await inbox(buyer.phone)).map((m) => m.template)).toEqual(["cart_reminder"])
    expect((await inbox(buyer.phone))[0]!.params).toEqual(["2 items"])
    await sweepAt(T0 + 12 * H)
    expect(await inbox(buyer.phone)).toHaveLength(1)
    await sweepAt(T0 + DAY)
    await sweepAt(T0 + DAY + 5 * 60_000)
    const withCode = (await inbox(buyer.phone)).filter((m) => m.template === "cart_discount_code")
    expect(withCode).toHaveLength(1)
    const code = withCode[0]!.params[2]!
    expect(code).toMatch(/^BACK[0-9A-Z]{8}$/)
    expect(withCode[0]!.text).toContain(code)
    const rule = (
      await db.sql`select d.status, d.created_by, v.global_limit, v.per_buyer_limit, v.expires_at, v.effect from discount_codes d
                     join discount_code_versions v on v.discount_code_id = d.id and v.version = d.current_version where d.code = ${code}`
    )[0]!
    expect(rule).toMatchObject({ status: "ACTIVE", created_by: null, global_limit: 1, per_buyer_limit: 1, effect: { _tag: "PERCENT_OFF", bps: 1_000 } })
    expect(new Date(String(rule["expires_at"])).getTime()).toBe(T0 + DAY + 72 * H)
    await sweepAt(T0 + 3 * DAY)
    await sweepAt(T0 + 4 * DAY)
    expect((await inbox(buyer.phone)).map((m) => m.template).sort()).toEqual(["cart_discount_code", "cart_last_call", "cart_reminder"])
    expect(await recovery(buyer.cartId)).toMatchObject({ steps_sent: 3, stopped: null })

    // the code, at a real checkout of the cart: one promotion (10%), then the code, on what remains
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `comeback-${buyer.id}` },
      body: { destination: "KE-047-westlands", discountCode: code.toLowerCase() }
    })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    // 2 x KES 2,500 = 5,000; promotion 10% capped at 500 -> 4,500; the code 10% of that -> 4,050; + KES 250 shipping
    expect(placed.body.total).toEqual({ amount: 4_300_00, currency: "KES" })
    const burns = await db.sql`select count(*)::int as n from incentive_burns b join discount_codes d on d.id = b.discount_code_id where d.code = ${code}`
    expect(burns[0]!["n"]).toBe(1)
    // a second use, by anyone, is refused: one use in all
    const other = await newBuyer(db.sql)
    const again = await call(api, "POST", "/api/v1/checkouts", {
      token: other.token,
      headers: { "idempotency-key": `comeback-again-${other.id}` },
      body: { destination: "KE-047-westlands", discountCode: code, items: [{ variantId: shop.dress.variantId, quantity: 1 }] }
    })
    expect(again.status, JSON.stringify(again.body)).toBeGreaterThanOrEqual(400)
    expect(again.status).toBeLessThan(500)
    expect(again.headers.get("content-type")).toContain("application/problem+json")
  })

  it("checking out stops the sequence: no code after the reminder", async () => {
    const buyer = await abandonedCart(T0)
    await sweepAt(T0 + H)
    expect((await inbox(buyer.phone)).map((m) => m.template)).toEqual(["cart_reminder"])
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `comeback-stop-${buyer.id}` },
      body: { destination: "KE-047-westlands" }
    })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    await sweepAt(T0 + DAY)
    await sweepAt(T0 + 3 * DAY)
    expect((await inbox(buyer.phone)).map((m) => m.template)).toEqual(["cart_reminder"])
    expect(await recovery(buyer.cartId)).toMatchObject({ steps_sent: 1, stopped: "CHECKED_OUT", discount_code_id: null })
  })

  it("an inbound WhatsApp STOP stops it and is kept as the phone's opt-out", async () => {
    const buyer = await abandonedCart(T0)
    await sweepAt(T0 + H)
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "WABA",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { phone_number_id: "PNID" },
                messages: [
                  { from: buyer.phone, id: `wamid.STOP.${buyer.id}`, timestamp: String(Math.floor((T0 + 2 * H) / 1000)), type: "text", text: { body: "Stop" } }
                ]
              }
            }
          ]
        }
      ]
    })
    const signature = `sha256=${createHmac("sha256", WA_APP_SECRET).update(body).digest("hex")}`
    const posted = await call(api, "POST", "/api/v1/webhooks/whatsapp", { raw: body, headers: { "x-hub-signature-256": signature } })
    expect(posted.status, JSON.stringify(posted.body)).toBe(200)
    await sweepAt(T0 + DAY)
    await sweepAt(T0 + 3 * DAY)
    expect((await inbox(buyer.phone)).map((m) => m.template)).toEqual(["cart_reminder"])
    expect(await recovery(buyer.cartId)).toMatchObject({ steps_sent: 1, stopped: "OPTED_OUT" })
    expect(await db.sql`select wamid from whatsapp_opt_outs where phone = ${buyer.phone}`).toEqual([{ wamid: `wamid.STOP.${buyer.id}` }])
  })

  it("quiet hours: a cart touched at 20:30 Nairobi gets its reminder at 08:00, not at 21:30", async () => {
    const evening = T0 + 10.5 * H // 20:30 EAT
    const buyer = await abandonedCart(evening)
    await sweepAt(evening + H) // 21:30
    await sweepAt(T0 + 21 * H - 60_000) // 07:59 the next morning
    expect(await inbox(buyer.phone)).toEqual([])
    await sweepAt(T0 + 22 * H) // 08:00
    expect((await inbox(buyer.phone)).map((m) => m.template)).toEqual(["cart_reminder"])
  })

  it("a guest cart (no phone) and an empty cart get nothing", async () => {
    const guest = await call(api, "POST", "/api/v1/cart/items", { body: { variantId: shop.dress.variantId, quantity: 1 } })
    expect(guest.status, JSON.stringify(guest.body)).toBeLessThan(300)
    const emptied = await abandonedCart(T0)
    await db.owner`delete from cart_items where cart_id = ${emptied.cartId}`
    const before = Number((await db.sql`select count(*)::int as n from cart_recovery`)[0]!["n"])
    await db.owner`update carts set updated_at = ${new Date(T0)} where buyer_id is null`
    await sweepAt(T0 + H)
    expect(await inbox(emptied.phone)).toEqual([])
    expect(Number((await db.sql`select count(*)::int as n from cart_recovery r join carts c on c.id = r.cart_id where c.buyer_id is null`)[0]!["n"])).toBe(0)
    expect(Number((await db.sql`select count(*)::int as n from cart_recovery`)[0]!["n"])).toBe(before)
  })
})

// ---------------------------------------------------------------------------------------------
// Referrals

/** Log in by OTP as a person would, giving a referral code at the token exchange. */
const loginWith = async (phone: string, referralCode?: string) => {
  const sent = await call(api, "POST", "/api/v1/auth/otp", { body: { phone } })
  expect(sent.status, JSON.stringify(sent.body)).toBe(202)
  const message = await inboxMessage(api, phone, "login_code")
  const token = await call(api, "POST", "/api/v1/auth/token", { body: { phone, code: message.params[0], ...(referralCode !== undefined && { referralCode }) } })
  expect(token.status, JSON.stringify(token.body)).toBe(200)
  return { token: token.body.token as string, userId: token.body.user.id as string, referral: token.body.referral as string | undefined }
}

/** Checkout, M-Pesa, accept, dispatch, deliver with the handover code, confirm: COMPLETED (ORDER_COMPLETED to the worker). */
const completeAnOrder = async (buyer: { token: string; phone: string }) => {
  const sellerToken = await sessionFor(db.sql, shop.seller.id)
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: buyer.token,
    headers: { "idempotency-key": `ref-${buyer.phone}-${Date.now()}` },
    body: { destination: "KE-047-westlands", items: [{ variantId: shop.basket.variantId, quantity: 1 }] }
  })
  expect(placed.status, JSON.stringify(placed.body)).toBe(201)
  const orderId: string = placed.body.orders[0].orderId
  const pay = await call(api, "POST", `/api/v1/checkouts/${placed.body.checkoutId}/payments`, { token: buyer.token, body: { phone: buyer.phone } })
  expect(pay.status, JSON.stringify(pay.body)).toBe(202)
  await api.fake.sendCallback(pay.body.checkoutRequestId)
  await waitForState(db.sql, orderId, "PAID")
  expect((await call(api, "POST", `/api/v1/seller/orders/${orderId}/accept`, { token: sellerToken })).status).toBe(200)
  const dispatched = await call(api, "POST", `/api/v1/seller/orders/${orderId}/dispatch`, { token: sellerToken })
  expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200)
  const code = await eventually("the handover code", async () => {
    const messages: Array<Message> = (await call(api, "GET", `/dev/messages?to=${buyer.phone}&limit=100`)).body.items
    return messages.find((m) => m.template === "order_dispatched_with_code" && m.params[0] === orderId)?.params[3]
  })
  const riderToken = await sessionFor(
    db.sql,
    String((await db.sql`select rider_user_id from deliveries where id = ${dispatched.body.jobId}`)[0]!["rider_user_id"])
  )
  for (const body of [
    { status: "PICKED_UP" },
    { status: "IN_TRANSIT" },
    { status: "DELIVERED", handoverCode: code, location: { lat: -1.2676, lng: 36.8108 } }
  ]) {
    const moved = await call(api, "POST", `/api/v1/rider/jobs/${dispatched.body.jobId}/status`, { token: riderToken, body })
    expect(moved.status, JSON.stringify(moved.body)).toBe(200)
  }
  expect((await call(api, "POST", `/api/v1/orders/${orderId}/confirm`, { token: buyer.token })).body.state).toBe("COMPLETED")
  return orderId
}

const referralRows = async (userId: string) =>
  (await db.sql`select points, order_id, note from loyalty_ledger where buyer_id = ${userId} and reason = 'REFERRAL' order by id`).map((r) =>
    Number(r["points"])
  )

const decided = (referredUserId: string) =>
  eventually(`referral of ${referredUserId} decided`, async () => {
    const row = (await db.sql`select outcome, points from referrals where referred_user_id = ${referredUserId} and outcome is not null`)[0]
    return row === undefined ? undefined : { outcome: String(row["outcome"]), points: Number(row["points"]) }
  })

describe("referrals", () => {
  it("every buyer has a code on /me and /me/loyalty; a new buyer who signs up with it and completes a first order earns both sides 100 points, once", async () => {
    const referrer = await newBuyer(db.sql)
    const me = await call(api, "GET", "/api/v1/me", { token: referrer.token })
    expect(me.status).toBe(200)
    const referralCode: string = me.body.referralCode
    expect(referralCode).toMatch(/^[A-Z0-9]{4,16}$/)
    expect((await call(api, "GET", "/api/v1/me/loyalty", { token: referrer.token })).body.referralCode).toBe(referralCode)

    const phone = randomPhone()
    const referred = await loginWith(phone, ` ${referralCode.toLowerCase()} `)
    expect(referred.referral).toBe("APPLIED")
    const orderId = await completeAnOrder({ token: referred.token, phone })
    expect(await decided(referred.userId)).toEqual({ outcome: "REWARDED", points: 100 })
    await eventually("both credited", async () => (await referralRows(referrer.id)).length === 1 && (await referralRows(referred.userId)).length === 1)
    expect(await referralRows(referrer.id)).toEqual([100])
    expect(await referralRows(referred.userId)).toEqual([100])

    // visible in the loyalty history, to both
    const history = await call(api, "GET", "/api/v1/me/loyalty", { token: referred.token })
    expect(history.body.items).toContainEqual(expect.objectContaining({ reason: "REFERRAL", points: 100, orderId }))
    const theirs = await call(api, "GET", "/api/v1/me/loyalty", { token: referrer.token })
    expect(theirs.body.items).toEqual([expect.objectContaining({ reason: "REFERRAL", points: 100 })])
    expect(theirs.body.items[0].orderId).toBeUndefined()

    // the ORDER_COMPLETED handler replayed (and a second completed order): nothing changes
    const replay = await api.runtime.runPromise(Effect.flatMap(UnitOfWork, (uow) => uow.transaction(rewardReferral(OrderId.make(orderId)))))
    expect(replay).toBe("ALREADY_DECIDED")
    await completeAnOrder({ token: referred.token, phone })
    await new Promise((r) => setTimeout(r, 500))
    expect(await referralRows(referrer.id)).toEqual([100])
    expect(await referralRows(referred.userId)).toEqual([100])

    // logging in again with a code: not a new buyer; the referral stays as it was
    expect((await loginWith(phone, referralCode)).referral).toBe("NOT_A_NEW_BUYER")
    expect(await db.sql`select referrer_user_id from referrals where referred_phone = ${phone}`).toEqual([{ referrer_user_id: referrer.id }])
  }, 60_000)

  it("self-referral is refused; an unknown code is reported and the login still succeeds", async () => {
    const phone = randomPhone()
    const first = await loginWith(phone)
    expect(first.referral).toBeUndefined()
    const own: string = (await call(api, "GET", "/api/v1/me", { token: first.token })).body.referralCode
    expect((await loginWith(phone, own)).referral).toBe("SELF_REFERRAL")
    expect((await loginWith(randomPhone(), "NOSUCHCODE1")).referral).toBe("UNKNOWN_CODE")
    expect(await db.sql`select 1 from referrals where referred_user_id = ${first.userId}`).toHaveLength(0)
    const bad = await call(api, "POST", "/api/v1/auth/token", { body: { phone, code: "123456", referralCode: "no spaces inside!" } })
    expect(bad.status).toBe(400)
  })

  it("a seller's own staff (a member of the store that sold the first order) earns nothing, and neither does the buyer", async () => {
    const staff = await newBuyer(db.sql)
    await db.owner`insert into store_members (store_id, user_id, role) values (${shop.storeId}, ${staff.id}, 'STAFF')`
    const staffCode: string = (await call(api, "GET", "/api/v1/me", { token: staff.token })).body.referralCode
    const phone = randomPhone()
    const referred = await loginWith(phone, staffCode)
    expect(referred.referral).toBe("APPLIED")
    await completeAnOrder({ token: referred.token, phone })
    expect(await decided(referred.userId)).toEqual({ outcome: "REFUSED_STAFF", points: 0 })
    expect(await referralRows(staff.id)).toEqual([])
    expect(await referralRows(referred.userId)).toEqual([])
  }, 60_000)
})

describe("the OpenAPI document", () => {
  it("describes referralCode on the token exchange, the referral outcome, the code on /me and /me/loyalty, and REFERRAL entries", async () => {
    const doc = (await call(api, "GET", "/api/openapi.json")).body
    const schemas = doc.components.schemas
    const resolve = (s: { $ref?: string }) => (s.$ref === undefined ? s : schemas[s.$ref.split("/").pop()!])
    const ok = (path: string, method: string) => resolve(doc.paths[path][method].responses["200"].content["application/json"].schema)
    const token = doc.paths["/api/v1/auth/token"].post
    expect(Object.keys(resolve(token.requestBody.content["application/json"].schema).properties)).toContain("referralCode")
    expect(ok("/api/v1/auth/token", "post").properties.referral.enum).toEqual(["APPLIED", "UNKNOWN_CODE", "SELF_REFERRAL", "NOT_A_NEW_BUYER"])
    expect(ok("/api/v1/me", "get").required).toContain("referralCode")
    expect(ok("/api/v1/me/loyalty", "get").required).toContain("referralCode")
    expect(JSON.stringify(schemas.LoyaltyEntry)).toContain('"REFERRAL"')
  })
})
