/**
 * Affiliates over HTTP against a real database: apply, an admin's decision (audited, with events),
 * links that count one click per visitor per day, ignore robots, never redirect off the storefront,
 * keep the attribution with the visitor's cart (through login), and a checkout without a code that
 * pays the affiliate; then the affiliate's own figures.
 */
import type { AdminUserId } from "../../domain/ids.js"
import { Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decideAffiliateApplication } from "../../application/affiliates/affiliates.js"
import { createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { insertUser } from "../../adapters/postgres/seed.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, drainOutbox, login, newBuyer, randomPhone, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
const STOREFRONT = "https://shop.amana.test"
const BROWSER = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>
let admin: AdminActor
let reviewer: AdminActor

/** Follows nothing: the 302 and its Location are what we check. */
const follow = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${api.url}${path}`, { redirect: "manual", headers: { "user-agent": BROWSER, ...headers } })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text === "" ? undefined : JSON.parse(text) }
}

const applicant = async () => {
  const user = await newBuyer(db.sql)
  const applied = await call(api, "POST", "/api/v1/affiliate/apply", {
    token: user.token,
    body: { pitch: "I run a WhatsApp group of 300 mums in Kisumu", channel: "WhatsApp" }
  })
  expect(applied.status).toBe(201)
  return { ...user, applicationId: applied.body.applicationId as string }
}

const approved = async () => {
  const a = await applicant()
  const decided = await api.runtime.runPromise(decideAffiliateApplication(admin, { applicationId: a.applicationId, decision: "APPROVE" }))
  return { ...a, code: decided.code! }
}

beforeAll(async () => {
  shop = await seedShop(db.sql)
  await db.sql`update stores set slug = 'duka-la-api' where id = ${shop.storeId}`
  process.env["STOREFRONT_BASE_URL"] = `${STOREFRONT}/`
  try {
    api = await startApi(db.sql)
  } finally {
    delete process.env["STOREFRONT_BASE_URL"]
  }
  await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: "affiliates@amana.test", ADMIN_PASSWORD: "affiliates-admin-password" }, () => undefined)
  const [first] = await db.sql<Array<{ id: AdminUserId }>>`select id from admin_users where email = 'affiliates@amana.test'`
  admin = { id: first!.id, email: "affiliates@amana.test", role: "PLATFORM_ADMIN" }
  const created = await api.runtime.runPromise(
    createAdminUser(admin, { email: "reviewer@amana.test", role: "CATALOG_REVIEWER", password: "catalogue-reviewer-pass" })
  )
  reviewer = { id: created.id, email: "reviewer@amana.test", role: "CATALOG_REVIEWER" }
})
afterAll(async () => {
  await api?.close()
})

describe("applying and the admin's decision", () => {
  it("a logged-in user applies once; a second open application is 409; not yet an affiliate: /me is 403", async () => {
    const a = await applicant()
    const again = await call(api, "POST", "/api/v1/affiliate/apply", { token: a.token, body: { pitch: "again" } })
    expect(again).toMatchObject({ status: 409, body: { code: "AFFILIATE.APPLICATION_OPEN" } })
    const mine = await call(api, "GET", "/api/v1/affiliate/me", { token: a.token })
    expect(mine).toMatchObject({ status: 403, body: { code: "AFFILIATE.NOT_APPROVED" } })
    expect(mine.body.detail).toContain("PENDING")
    const blank = await call(api, "POST", "/api/v1/affiliate/apply", { token: (await newBuyer(db.sql)).token, body: { pitch: "   " } })
    expect(blank).toMatchObject({ status: 422, body: { code: "AFFILIATE.INVALID_APPLICATION" } })
    expect((await call(api, "POST", "/api/v1/affiliate/apply", { body: { pitch: "x" } })).status).toBe(401)
    const [event] = await db.sql`select payload from outbox where event_type = 'AFFILIATE_APPLIED' and payload->>'applicationId' = ${a.applicationId}`
    expect(event?.["payload"]).toMatchObject({ userId: a.id })
    const [audit] = await db.sql`select actor_kind, actor_id, action from audit_log where entity_id = ${a.applicationId}`
    expect(audit).toEqual({ actor_kind: "USER", actor_id: a.id, action: "AFFILIATE.APPLY" })
  })

  it("approval gives the AFFILIATE role and a unique code, audited with an event; a second decision is refused", async () => {
    const a = await applicant()
    const decided = await api.runtime.runPromise(
      decideAffiliateApplication(admin, { applicationId: a.applicationId, decision: "APPROVE", reason: "good reach" })
    )
    expect(decided.code).toMatch(/^[0-9A-Z]{8}$/)
    const [user] = await db.sql`select roles, affiliate_code from users where id = ${a.id}`
    expect(user).toMatchObject({ affiliate_code: decided.code })
    expect(user!["roles"]).toContain("AFFILIATE")
    const [audit] = await db.sql`select actor_id, action, after from audit_log where entity_id = ${a.applicationId} and actor_kind = 'ADMIN'`
    expect(audit).toMatchObject({ actor_id: admin.id, action: "AFFILIATE.APPROVE", after: { state: "APPROVED", code: decided.code } })
    const [event] = await db.sql`select payload from outbox where event_type = 'AFFILIATE_APPROVED' and aggregate_id = ${a.id}`
    expect(event?.["payload"]).toMatchObject({ code: decided.code, adminId: admin.id })
    const twice = await api.runtime.runPromiseExit(
      decideAffiliateApplication(admin, { applicationId: a.applicationId, decision: "REJECT", reason: "changed my mind" })
    )
    expect(Exit.isFailure(twice) && String(twice.cause)).toContain("AdminIllegalChange")
    const already = await call(api, "POST", "/api/v1/affiliate/apply", { token: a.token, body: { pitch: "more" } })
    expect(already).toMatchObject({ status: 409, body: { code: "AFFILIATE.ALREADY_APPROVED" } })
  })

  it("a rejection needs a reason, leaves no code, and the user may apply again; a catalogue reviewer may not decide", async () => {
    const a = await applicant()
    const forbidden = await api.runtime.runPromiseExit(decideAffiliateApplication(reviewer, { applicationId: a.applicationId, decision: "APPROVE" }))
    expect(Exit.isFailure(forbidden) && String(forbidden.cause)).toContain("AdminForbidden")
    const noReason = await api.runtime.runPromiseExit(decideAffiliateApplication(admin, { applicationId: a.applicationId, decision: "REJECT" }))
    expect(Exit.isFailure(noReason) && String(noReason.cause)).toContain("AdminInvalidInput")
    await api.runtime.runPromise(decideAffiliateApplication(admin, { applicationId: a.applicationId, decision: "REJECT", reason: "no channel given" }))
    const [row] = await db.sql`select state, reason, code from affiliate_applications where id = ${a.applicationId}`
    expect(row).toEqual({ state: "REJECTED", reason: "no channel given", code: null })
    expect((await db.sql`select affiliate_code from users where id = ${a.id}`)[0]?.["affiliate_code"]).toBeNull()
    expect((await call(api, "POST", "/api/v1/affiliate/apply", { token: a.token, body: { pitch: "now with a channel" } })).status).toBe(201)
  })
})

describe("affiliate links", () => {
  it("redirects to the product on the storefront, counts one click per visitor per day, and hands a new visitor a cart token", async () => {
    const aff = await approved()
    const first = await follow(`/r/${aff.code.toLowerCase()}?p=${shop.dress.productId}`)
    expect(first.status).toBe(302)
    const token = first.headers.get("x-cart-token")!
    expect(first.headers.get("location")).toBe(`${STOREFRONT}/products/${shop.dress.productId}#cartToken=${encodeURIComponent(token)}`)
    expect(first.body).toMatchObject({ target: { kind: "PRODUCT", productId: shop.dress.productId }, counted: true, attributed: true, cartToken: token })
    const again = await follow(`/r/${aff.code}?p=duka-la-api`, { "x-cart-token": token })
    expect(again.status).toBe(302)
    expect(again.headers.get("location")).toBe(`${STOREFRONT}/stores/duka-la-api`)
    expect(again.body).toMatchObject({ counted: true, attributed: true })
    expect(again.body.cartToken).toBeUndefined()
    const sameDay = await follow(`/r/${aff.code}`, { "x-cart-token": token })
    expect(sameDay.body).toMatchObject({ target: { kind: "HOME", path: "/" }, counted: false, attributed: true })
    const clicks = await db.sql`select visitor from affiliate_clicks where affiliate_user_id = ${aff.id} order by created_at`
    // the first click had no cart token yet: counted by the keyed hash of the address, never the address itself
    expect(clicks.map((c) => String(c["visitor"]).split(":")[0])).toEqual(["addr", "guest"])
    expect(JSON.stringify(clicks)).not.toContain("127.0.0.1")
  })

  it("a link preview or crawler is redirected but leaves no click, no attribution and no cart", async () => {
    const aff = await approved()
    for (const ua of ["WhatsApp/2.23.20.0 A", "facebookexternalhit/1.1", "Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.4.0", ""]) {
      const res = await follow(`/r/${aff.code}?p=${shop.basket.productId}`, { "user-agent": ua })
      expect(res.status, ua).toBe(302)
      expect(res.headers.get("location")).toBe(`${STOREFRONT}/products/${shop.basket.productId}`)
      expect(res.headers.get("x-cart-token")).toBeNull()
      expect(res.body).toMatchObject({ counted: false, attributed: false })
    }
    expect(await db.sql`select 1 from affiliate_clicks where affiliate_user_id = ${aff.id}`).toHaveLength(0)
    expect(await db.sql`select 1 from affiliate_attributions where affiliate_user_id = ${aff.id}`).toHaveLength(0)
  })

  it("an unknown code, or one whose owner is not an approved affiliate, is a 404 problem that records nothing", async () => {
    const pending = await applicant()
    await db.sql`update users set affiliate_code = 'NOTYET' where id = ${pending.id}`
    for (const code of ["NOSUCHCODE", "NOTYET"]) {
      const res = await follow(`/r/${code}?p=${shop.dress.productId}`)
      expect(res.status).toBe(404)
      expect(res.headers.get("content-type")).toContain("application/problem+json")
      expect(res.body.code).toBe("AFFILIATE.CODE_NOT_FOUND")
      expect(res.headers.get("location")).toBeNull()
    }
    expect(await db.sql`select 1 from affiliate_clicks c join users u on u.id = c.affiliate_user_id where u.affiliate_code = 'NOTYET'`).toHaveLength(0)
  })

  it("p is checked and never chooses the host: a URL is 400, an unknown or hidden target goes to the storefront's home", async () => {
    const aff = await approved()
    for (const p of ["https://evil.example", "//evil.example", "../admin", "a b", "x".repeat(101)]) {
      const res = await follow(`/r/${aff.code}?p=${encodeURIComponent(p)}`)
      expect(res.status, p).toBe(400)
      expect(res.headers.get("location")).toBeNull()
    }
    await db.sql`update products set state = 'SUSPENDED', rejection_reason = 'test' where id = ${shop.basket.productId}`
    try {
      for (const p of ["no-such-store", shop.basket.productId]) {
        const res = await follow(`/r/${aff.code}?p=${p}`)
        expect(res.status).toBe(302)
        expect(res.headers.get("location")!.split("#")[0]).toBe(`${STOREFRONT}/`)
      }
    } finally {
      await db.sql`update products set state = 'VERIFIED', rejection_reason = null where id = ${shop.basket.productId}`
    }
  })

  it("a guest's click goes with their cart through login; the checkout without a code pays the affiliate; last click wins", async () => {
    const first = await approved()
    const second = await approved()
    const clicked = await follow(`/r/${first.code}?p=${shop.dress.productId}`)
    const cartToken = clicked.headers.get("x-cart-token")!
    await follow(`/r/${second.code}?p=${shop.dress.productId}`, { "x-cart-token": cartToken })
    const added = await call(api, "POST", "/api/v1/cart/items", {
      headers: { "x-cart-token": cartToken },
      body: { variantId: shop.dress.variantId, quantity: 1 }
    })
    expect(added.status).toBe(201)
    const phone = randomPhone()
    const buyer = await login(api, phone, cartToken)
    expect(await db.sql`select 1 from affiliate_attributions where owner like 'guest:%' and affiliate_user_id = ${second.id}`).toHaveLength(0)
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `aff-${phone}` },
      body: { destination: "KE-047-westlands", payerPhone: phone }
    })
    expect(placed.status).toBe(201)
    const [checkout] = await db.sql`select affiliate_user_id from checkouts where id = ${placed.body.checkoutId}`
    expect(checkout?.["affiliate_user_id"]).toBe(second.id)

    const pay = await call(api, "POST", `/api/v1/checkouts/${placed.body.checkoutId}/payments`, { token: buyer.token, body: { phone } })
    expect(pay.status).toBe(202)
    await api.fake.sendCallback(pay.body.checkoutRequestId)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const mine = await call(api, "GET", "/api/v1/affiliate/me", { token: second.token })
    expect(mine.status).toBe(200)
    expect(mine.body).toMatchObject({
      code: second.code,
      links: { home: `${api.url}/r/${second.code}`, product: `${api.url}/r/${second.code}?p={productId}` },
      clicks: 1,
      conversions: 1,
      topTargets: [{ kind: "PRODUCT", target: shop.dress.productId, clicks: 1 }],
      nextPayout: { minimum: { amount: 1_000_00, currency: "KES" } },
      commissionRateRanges: [{ minBps: 0, maxBps: 5_000 }]
    })
    // the dress offers 10%: KES 250.00 on its KES 2,500 base price, PENDING until the order completes
    expect(mine.body.earnings).toEqual([
      { state: "PENDING", amount: { amount: 250_00, currency: "KES" }, count: 1 },
      { state: "APPROVED", amount: { amount: 0, currency: "KES" }, count: 0 },
      { state: "REJECTED", amount: { amount: 0, currency: "KES" }, count: 0 },
      { state: "PAID", amount: { amount: 0, currency: "KES" }, count: 0 }
    ])
    const next = new Date(mine.body.nextPayout.selectedAt)
    expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([5, 3, 0])
    expect(mine.body.nextPayout.selectedAt).toBeGreaterThan(Date.now())
  })

  it("an explicit affiliateCode in the checkout wins over the link followed; nobody earns on their own link", async () => {
    const linked = await approved()
    const typed = await approved()
    const buyer = await newBuyer(db.sql)
    await follow(`/r/${linked.code}`, { authorization: `Bearer ${buyer.token}` })
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `aff-typed-${buyer.id}` },
      body: { destination: "KE-047-westlands", affiliateCode: typed.code, items: [{ variantId: shop.basket.variantId, quantity: 1 }] }
    })
    expect((await db.sql`select affiliate_user_id from checkouts where id = ${placed.body.checkoutId}`)[0]?.["affiliate_user_id"]).toBe(typed.id)

    const self = await approved()
    await follow(`/r/${self.code}`, { authorization: `Bearer ${self.token}` })
    const own = await call(api, "POST", "/api/v1/checkouts", {
      token: self.token,
      headers: { "idempotency-key": `aff-self-${self.id}` },
      body: { destination: "KE-047-westlands", items: [{ variantId: shop.basket.variantId, quantity: 1 }] }
    })
    expect(own.status).toBe(201)
    expect((await db.sql`select affiliate_user_id from checkouts where id = ${own.body.checkoutId}`)[0]?.["affiliate_user_id"]).toBeNull()
  })

  it("without a storefront configured the link answers the same facts as JSON (200, no Location)", async () => {
    const aff = await approved()
    const bare = await startApi(db.sql)
    try {
      const res = await fetch(`${bare.url}/r/${aff.code}?p=duka-la-api`, { redirect: "manual", headers: { "user-agent": BROWSER } })
      expect(res.status).toBe(200)
      expect(res.headers.get("location")).toBeNull()
      expect(await res.json()).toMatchObject({ location: null, target: { kind: "STORE", slug: "duka-la-api", path: "/stores/duka-la-api" }, counted: true })
    } finally {
      await bare.close()
    }
  })
})

describe("the OpenAPI document", () => {
  it("describes the affiliate endpoints, the link's 302 with its Location, and its 404 problem", async () => {
    const doc = await call(api, "GET", "/api/openapi.json")
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/api/v1/affiliate/apply", "/api/v1/affiliate/me", "/r/{code}"]))
    const link = doc.body.paths["/r/{code}"].get
    expect(link.responses["302"].headers.Location).toBeDefined()
    expect(Object.keys(link.responses)).toEqual(expect.arrayContaining(["200", "302", "400", "404"]))
    expect(link.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["code", "p"]))
  })
})

describe("a seeded affiliate code keeps working", () => {
  it("users with a code and the AFFILIATE role from before applications existed are followed", async () => {
    await insertUser(db.sql, { id: "usr_legacy_aff", phone: randomPhone(), roles: ["BUYER", "AFFILIATE"], affiliateCode: "LEGACY1" })
    const res = await follow("/r/legacy1")
    expect(res.status).toBe(302)
    const token = await sessionFor(db.sql, "usr_legacy_aff")
    expect((await call(api, "GET", "/api/v1/affiliate/me", { token })).body).toMatchObject({ code: "LEGACY1", clicks: 1 })
  })
})
