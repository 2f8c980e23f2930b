/**
 * Issue 11 item 6, over HTTP against the real server with /admin mounted (the browser suite,
 * tests/backoffice/backoffice.browser.test.ts, drives the same guards through the real UI):
 * - the role gate reads the path as Express routes it (case, `//`, trailing slash, percent-escapes);
 * - a list's query is checked: `perPage=abc` or a bad date filter is a 400 naming it, never a 500;
 * - cross-site requests are refused twice: Origin check and CSRF token, the login form included;
 * - security headers on the API and on /admin (a nonce CSP AdminJS runs under);
 * - incentive amounts typed into the back-office are bounded (issue 11 item 5).
 */
import type { AdminUserId } from "../../domain/ids.js"
import fc from "fast-check"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createAdminUser, LOGIN_LIMIT } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { seedDemo } from "../../adapters/postgres/seed.js"
import { API_CSP } from "../../adapters/http/security-headers.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { AdminBrowser as Browser } from "../support/admin-browser.js"
import { useTestDatabase } from "../support/test-database.js"
import { startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
const ADMIN = { email: "root@amana.test", password: "a-long-enough-password-1" }
const AUDITOR = { email: "auditor@amana.test", password: "a-long-enough-password-2" }
// logins are limited to 5 per email per 15 minutes: one shared session, and colleagues for the tests that log in again
const COLLEAGUE = { email: "colleague-1@amana.test", password: "a-long-enough-password-3" }
const LEAVER = { email: "colleague-2@amana.test", password: "a-long-enough-password-4" }
const EVIL = "https://evil.example"
let api: Api
let admin: Browser

const loggedIn = (who: { email: string; password: string }) => new Browser(api.url).login(who)

beforeAll(async () => {
  await seedDemo(db.sql)
  api = await startApi(db.sql)
  await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, () => undefined)
  const [first] = await db.sql<Array<{ id: AdminUserId }>>`select id from admin_users where email = ${ADMIN.email}`
  const root: AdminActor = { id: first!.id, email: ADMIN.email, role: "PLATFORM_ADMIN" }
  await api.runtime.runPromise(Effect.asVoid(createAdminUser(root, { ...AUDITOR, role: "AUDITOR" })))
  for (const colleague of [COLLEAGUE, LEAVER]) await api.runtime.runPromise(Effect.asVoid(createAdminUser(root, { ...colleague, role: "PLATFORM_ADMIN" })))
  admin = await loggedIn(ADMIN)
})
afterAll(async () => {
  await api?.close()
})

describe("the role gate reads the path the way Express routes it", () => {
  it("an auditor's forged suspend is refused by the gate however the path is spelled, and nothing changes", async () => {
    const auditor = await loggedIn(AUDITOR)
    const spellings = [
      "/admin/api/resources/products/records/prd_maasai_shuka/suspend",
      "/admin/API/resources/products/records/prd_maasai_shuka/suspend",
      "/admin/api/RESOURCES/products/Records/prd_maasai_shuka/suspend",
      "/admin//api//resources/products/records/prd_maasai_shuka/suspend",
      "/admin/api/resources/products/records/prd_maasai_shuka/suspend/",
      "/admin/%61pi/resources/products/records/prd_maasai_shuka/suspend",
      "/admin/api/resources/products/records/prd_maasai_shuka/%73uspend",
      "/admin/api/resources/product%73/records/prd_maasai_shuka/suspend",
      "/admin/api/resources/products/records/prd_maasai_shuka/edit",
      "/admin/api/resources/products/actions/new",
      "/admin/refresh",
      "/admin/api/pages/anything"
    ]
    for (const path of spellings) {
      const r = await auditor.send("POST", path, { json: { reason: "forged" } })
      expect([path, r.status, r.json?.code]).toEqual([path, 403, "ADMIN.FORBIDDEN"])
      expect(r.headers.get("content-type")).toContain("application/problem+json")
    }
    // /ADMIN is routed to the back-office too, but neither the browser nor express-session sends the /admin session there
    const upper = await auditor.send("POST", "/ADMIN/api/resources/products/records/prd_maasai_shuka/suspend", { json: { reason: "forged" } })
    expect(upper.status).toBe(403)
    const bad = await auditor.send("POST", "/admin/api/resources/products/records/prd_maasai_shuka/%E0%A4%A", { json: {} })
    expect(bad.status).toBeGreaterThanOrEqual(400)
    expect(bad.status).toBeLessThan(500)
    const [shuka] = await db.sql`select state from products where id = 'prd_maasai_shuka'`
    expect(shuka).toEqual({ state: "VERIFIED" })
    expect(await db.sql`select 1 from audit_log where actor_role = 'AUDITOR'`).toHaveLength(0)
  })

  it("a platform admin's write under another spelling still reaches the action only when the role allows it", async () => {
    const r = await admin.send("POST", "/admin/API/resources/exceptions/records/nope/resolve", { json: { note: "x" } })
    // the gate lets a permitted action through (AdminJS then looks the record up)
    expect(r.json?.code).not.toBe("ADMIN.FORBIDDEN")
    expect(r.status).toBeLessThan(500)
  })
})

describe("list queries are checked before AdminJS reads them", () => {
  const list = "/admin/api/resources/promotions/actions/list"
  it("perPage, page, sortBy, direction and filters that cannot be what they name are a 400 saying which; never a 500", async () => {
    const refused: Array<[string, string]> = [
      ["perPage=abc", "perPage"],
      ["perPage=0", "perPage"],
      ["perPage=100000", "perPage"],
      ["page=abc", "page"],
      ["page=1e300", "page"],
      ["page=-1", "page"],
      ["direction=sideways", "direction"],
      ["sortBy=password_hash", "sortBy"],
      ["filters.created_at~~from=garbage", "filters.created_at~~from"],
      ["filters.created_at~~to=2026-13-45", "filters.created_at~~to"],
      ["filters.starts_at=yesterday", "filters.starts_at"],
      ["filters.nope=1", "filters.nope"],
      ["perPage=10&perPage=20", "perPage"]
    ]
    for (const [query, param] of refused) {
      const r = await admin.page(`${list}?${query}`)
      const body = JSON.parse(r.html) as { code: string; detail: string }
      expect([query, r.res.status, body.code]).toEqual([query, 400, "ADMIN.INVALID_LIST_QUERY"])
      expect(body.detail.startsWith(param)).toBe(true)
    }
    const ok = await admin.page(
      `${list}?perPage=5&page=1&sortBy=created_at&direction=desc&filters.created_at~~from=2020-01-01T00:00:00.000Z&filters.created_at~~to=2099-12-31&filters.phase=LIVE`
    )
    expect(ok.res.status).toBe(200)
    expect((JSON.parse(ok.html) as { meta: { perPage: number } }).meta.perPage).toBe(5)
    const none = await admin.page("/admin/api/resources/nope/actions/list")
    expect(none.res.status).toBe(404)
  })

  it("any list query (random keys and values, all lists) answers below 500", async () => {
    const resources = ["products", "promotions", "discount_codes", "orders", "audit_log", "admin_users", "payouts", "users", "conversations"]
    const key = fc.constantFrom(
      "page",
      "perPage",
      "sortBy",
      "direction",
      "filters.created_at~~from",
      "filters.created_at~~to",
      "filters.id",
      "filters.state",
      "filters.amount",
      "filters.starts_at",
      "filters.x~~y~~z",
      "query"
    )
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer().map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom("NaN", "Infinity", "-0", "1e999", "0x10", "asc", "desc", "2026-02-30")
    )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...resources), fc.array(fc.tuple(key, value), { maxLength: 5 }), async (resource, params) => {
        const query = new URLSearchParams(params).toString()
        const r = await admin.page(`/admin/api/resources/${resource}/actions/list?${query}`)
        expect([query, r.res.status < 500]).toEqual([query, true])
      }),
      { numRuns: 60 }
    )
  }, 120_000)
})

describe("cross-site requests are refused (Origin check and CSRF token)", () => {
  const createAdmin = "/admin/api/resources/admin_users/actions/createAdmin"
  const victim = { email: "planted@evil.example", role: "PLATFORM_ADMIN", password: "planted-by-a-forged-form" }
  const planted = async () => (await db.sql`select 1 from admin_users where email = ${victim.email}`).length

  it("a cross-site form post with the admin's cookies does not create an admin: 403, with or without an Origin header", async () => {
    // what an attacker's page submits: a form, the browser adds the cookies (and its own Origin)
    const crossSite = await admin.send("POST", createAdmin, { form: victim, headers: { origin: EVIL } })
    expect([crossSite.status, crossSite.json?.code]).toEqual([403, "ADMIN.CROSS_SITE"])
    const fetchSite = await admin.send("POST", createAdmin, { form: victim, headers: { origin: "", "sec-fetch-site": "cross-site" } })
    expect(fetchSite.status).toBe(403)
    const nullOrigin = await admin.send("POST", createAdmin, { form: victim, headers: { origin: "null" } })
    expect([nullOrigin.status, nullOrigin.json?.code]).toEqual([403, "ADMIN.CROSS_SITE"])
    // an old browser that sends no Origin: the token is still missing
    const noToken = await admin.send("POST", createAdmin, { form: victim, headers: { origin: "" } })
    expect([noToken.status, noToken.json?.code]).toEqual([403, "ADMIN.CSRF_TOKEN"])
    // an XHR with a made-up token, or another browser's token
    const madeUp = await admin.send("POST", createAdmin, { json: victim, token: "x".repeat(43) })
    expect([madeUp.status, madeUp.json?.code]).toEqual([403, "ADMIN.CSRF_TOKEN"])
    const other = await loggedIn(COLLEAGUE)
    const othersToken = await admin.send("POST", createAdmin, { json: victim, token: other.token })
    expect([othersToken.status, othersToken.json?.code]).toEqual([403, "ADMIN.CSRF_TOKEN"])
    expect(await planted()).toBe(0)
    // the same request from the back-office's own page goes through
    const own = await admin.send("POST", createAdmin, { json: { ...victim, email: "new-colleague@amana.test", role: "AUDITOR" } })
    expect(own.status).toBe(200)
    expect(own.json?.notice).toMatchObject({ type: "success" })
    expect((await db.sql`select role from admin_users where email = 'new-colleague@amana.test'`)[0]).toEqual({ role: "AUDITOR" })
  })

  it("the login form needs the page's token and our origin; a token from before the login is stale after it", async () => {
    const browser = new Browser(api.url)
    await browser.page("/admin/login")
    const before = browser.token
    expect(before).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const noToken = await browser.send("POST", "/admin/login", { form: { email: COLLEAGUE.email, password: COLLEAGUE.password } })
    expect([noToken.status, noToken.json?.code]).toEqual([403, "ADMIN.CSRF_TOKEN"])
    const crossSite = await browser.send("POST", "/admin/login", {
      form: { email: COLLEAGUE.email, password: COLLEAGUE.password, _csrf: before },
      headers: { origin: EVIL }
    })
    expect([crossSite.status, crossSite.json?.code]).toEqual([403, "ADMIN.CROSS_SITE"])
    const ok = await browser.send("POST", "/admin/login", { form: { email: COLLEAGUE.email, password: COLLEAGUE.password, _csrf: before } })
    expect([ok.status, ok.headers.get("location")]).toEqual([302, "/admin"])
    const stale = await browser.send("POST", "/admin/api/resources/admin_users/actions/createAdmin", { json: victim, token: before })
    expect([stale.status, stale.json?.code]).toEqual([403, "ADMIN.CSRF_TOKEN"])
    expect(await planted()).toBe(0)
  })

  it("logging out from another site is refused; from our page it ends the session", async () => {
    const leaver = await loggedIn(LEAVER)
    const crossSite = await fetch(`${api.url}/admin/logout`, { headers: { cookie: leaver.cookie, "sec-fetch-site": "cross-site" }, redirect: "manual" })
    expect(crossSite.status).toBe(403)
    const foreignReferer = await fetch(`${api.url}/admin/logout`, { headers: { cookie: leaver.cookie, referer: `${EVIL}/page` }, redirect: "manual" })
    expect(foreignReferer.status).toBe(403)
    expect((await leaver.page("/admin")).res.status).toBe(200)
    const own = await fetch(`${api.url}/admin/logout`, { headers: { cookie: leaver.cookie, "sec-fetch-site": "same-origin" }, redirect: "manual" })
    expect(own.status).toBe(302)
    expect((await leaver.page("/admin")).res.status).toBe(302)
  })
})

describe("security headers", () => {
  it("the API: nosniff, no framing, a CSP that allows nothing, no referrer", async () => {
    for (const path of ["/health", "/api/v1/products", "/api/openapi.json", "/no/such/route"]) {
      const r = await fetch(`${api.url}${path}`)
      expect(r.headers.get("content-security-policy"), path).toBe(API_CSP)
      expect(r.headers.get("x-content-type-options")).toBe("nosniff")
      expect(r.headers.get("x-frame-options")).toBe("DENY")
      expect(r.headers.get("referrer-policy")).toBe("no-referrer")
      expect(r.headers.get("cross-origin-opener-policy")).toBe("same-origin")
      expect(r.headers.get("x-powered-by")).toBeNull()
    }
    const docs = await fetch(`${api.url}/api/docs`)
    expect(docs.headers.get("content-security-policy")).toContain("frame-ancestors 'none'")
    expect(docs.headers.get("content-security-policy")).toContain("script-src 'self' https://cdn.jsdelivr.net")
  })

  it("in production: HSTS, and the CSRF cookie is __Host- (Secure, Path=/, no Domain) so a sibling subdomain cannot plant one", async () => {
    const saved = process.env["ADMIN_SESSION_SECRET"]
    process.env["ADMIN_SESSION_SECRET"] = "9f0c3e1a7b5d2c4e6f8091a3b5c7d9e1f2a4b6c8d0e2f4a6"
    let prod: Api | undefined
    try {
      prod = await startApi(db.sql, { production: true })
      const health = await fetch(`${prod.url}/health`)
      expect(health.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains")
      const page = await fetch(`${prod.url}/admin/login`)
      const csrf = page.headers.getSetCookie().find((c) => c.startsWith("__Host-amana_admin_csrf="))
      expect(csrf).toBeDefined()
      expect(csrf).toMatch(/; Path=\/;/)
      expect(csrf).toContain("; Secure")
      expect(csrf).toContain("; HttpOnly")
      expect(csrf).not.toMatch(/Domain=/i)
    } finally {
      if (saved === undefined) delete process.env["ADMIN_SESSION_SECRET"]
      else process.env["ADMIN_SESSION_SECRET"] = saved
      await prod?.close()
    }
    expect((await fetch(`${api.url}/health`)).headers.get("strict-transport-security")).toBeNull()
  })

  it("/admin pages: a nonce CSP every script of the page carries, frame-ancestors 'none', no Google Fonts, the token first", async () => {
    const browser = new Browser(api.url)
    const { res, html } = await browser.page("/admin/login")
    const csp = res.headers.get("content-security-policy") ?? ""
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
    expect(nonce).toBeDefined()
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/)
    expect(res.headers.get("x-content-type-options")).toBe("nosniff")
    expect(res.headers.get("referrer-policy")).toBe("same-origin")
    const scripts = html.match(/<script\b[^>]*>/g) ?? []
    expect(scripts.length).toBeGreaterThan(4)
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`)
    expect(html).not.toContain("fonts.googleapis.com")
    expect(html.indexOf('name="amana-csrf"')).toBeLessThan(html.indexOf("REDUX_STATE"))
    const second = await browser.page("/admin/login")
    expect(second.res.headers.get("content-security-policy")).not.toContain(`'nonce-${nonce}'`)
  })

  it("text in AdminJS's page state cannot close its script: an admin email holding </script> stays inside", async () => {
    const [root] = await db.sql<Array<{ id: AdminUserId }>>`select id from admin_users where email = ${ADMIN.email}`
    const sneaky = { email: "a</script><script>alert(1)</script>@x.io", password: "another-long-enough-password" }
    await api.runtime.runPromise(Effect.asVoid(createAdminUser({ id: root!.id, email: ADMIN.email, role: "PLATFORM_ADMIN" }, { ...sneaky, role: "AUDITOR" })))
    const browser = await loggedIn(sneaky)
    const { html } = await browser.page("/admin")
    expect(html).toContain("a\\u003c/script>\\u003cscript>alert(1)\\u003c/script>@x.io")
    expect(html).not.toContain("<script>alert(1)")
  })
})

describe("incentive amounts typed into the back-office are bounded", () => {
  it("a promotion of KES 1,000,001 off is refused with the limit in the notice; nothing is stored", async () => {
    const local = (ms: number) => new Date(ms + 3 * 3_600_000).toISOString().slice(0, 16)
    const form = {
      name: "Far too generous",
      priority: "1",
      starts_at: local(Date.now()),
      ends_at: local(Date.now() + 86_400_000),
      scope: "EVERYTHING",
      effect: "AMOUNT_OFF"
    }
    const r = await admin.send("POST", "/admin/api/resources/promotions/actions/createPromotion", { json: { ...form, amount: "1000000.01" } })
    expect(r.json?.notice, `${r.status} ${r.text.slice(0, 400)}`).toEqual({ type: "error", message: "the amount off must be between 0 and KES 1,000,000.00" })
    const code = await admin.send("POST", "/admin/api/resources/discount_codes/actions/createCode", {
      json: { code: "HUGE", expires_at: local(Date.now() + 86_400_000), effect: "PERCENT_OFF", percent: "10", cap: "999999999999" }
    })
    expect(code.json?.notice).toEqual({ type: "error", message: "the cap must be between 0 and KES 1,000,000.00" })
    expect(await db.sql`select 1 from promotions where name = ${form.name}`).toHaveLength(0)
    expect(await db.sql`select 1 from discount_codes where code = 'HUGE'`).toHaveLength(0)
  })
})

describe("a payout paid by hand (application/admin/manual-payouts.ts) is a FINANCE write", () => {
  it("an auditor's 'paid by hand' is refused by the gate; an admin's records it once, posted and audited", async () => {
    await db.sql.begin(async (tx) => {
      const [t] = await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', 'seed:paid-by-hand') returning id`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values
        (${t!["id"]}, 'ESCROW', 'ord_seed', 'TZS', 50000), (${t!["id"]}, 'SELLER_PAYABLE', 'sto_kitenge_house', 'TZS', -50000)`
      const [b] = await tx`insert into payout_batches (week_key, currency) values ('2026-11-20', 'TZS') returning id`
      await tx`insert into payouts (id, batch_id, payee_kind, payee_id, method, destination, currency, amount, status)
        values ('pay_by_hand', ${b!["id"]}, 'SELLER', 'sto_kitenge_house', 'B2C', '254700000000', 'TZS', 50000, 'MANUAL_PENDING')`
    })
    const path = "/admin/api/resources/payouts/records/pay_by_hand/paidByHand"
    const auditor = await loggedIn(AUDITOR)
    const forged = await auditor.send("POST", path, { json: { reference: "FORGED", rail: "BANK" } })
    expect([forged.status, forged.json?.code]).toEqual([403, "ADMIN.FORBIDDEN"])
    expect(await db.sql`select status, manual_reference from payouts where id = 'pay_by_hand'`).toEqual([{ status: "MANUAL_PENDING", manual_reference: null }])

    const done = await admin.send("POST", path, { json: { reference: "TZ-0001", rail: "BANK" } })
    expect(done.json?.notice, `${done.status} ${done.text.slice(0, 400)}`).toEqual({
      type: "success",
      message: "Recorded as paid by hand: the balance is no longer owed"
    })
    const again = await admin.send("POST", path, { json: { reference: "TZ-0001", rail: "BANK" } })
    // a second submit: the action no longer applies to a SUCCEEDED payout (AdminJS refuses it); nothing posts twice
    expect(again.json?.record?.baseError?.type).toBe("ForbiddenError")
    expect(await db.sql`select status, manual_reference from payouts where id = 'pay_by_hand'`).toEqual([{ status: "SUCCEEDED", manual_reference: "TZ-0001" }])
    expect(await db.sql`select 1 from ledger_transactions where kind = 'PAYOUT' and idempotency_key like '%pay_by_hand%'`).toHaveLength(1)
    expect(await db.sql`select actor_role from audit_log where action = 'PAYOUT.PAID_BY_HAND' and entity_id = 'pay_by_hand'`).toEqual([
      { actor_role: "PLATFORM_ADMIN" }
    ])
  })
})

describe("TRUST_PROXY: behind a reverse proxy each admin has its own login bucket", () => {
  it("with TRUST_PROXY=loopback, an address that spent its login attempts does not lock out an admin logging in from another", async () => {
    const saved = process.env["TRUST_PROXY"]
    process.env["TRUST_PROXY"] = "loopback"
    let proxied: Api | undefined
    try {
      proxied = await startApi(db.sql)
      const attempt = async (who: { email: string; password: string }, address: string) => {
        const browser = new Browser(proxied!.url)
        await browser.page("/admin/login")
        return browser.send("POST", "/admin/login", {
          form: { email: who.email, password: who.password, _csrf: browser.token },
          headers: { "x-forwarded-for": address }
        })
      }
      const attacker = `198.51.100.${Math.floor(Math.random() * 250) + 1}`
      for (let i = 0; i < LOGIN_LIMIT.perAddress; i++) {
        const r = await attempt({ email: `guess-${i}@amana.test`, password: "not-the-password" }, attacker)
        expect(r.text).toContain(`"errorMessage":"invalidCredentials"`)
      }
      const throttled = await attempt({ email: "guess-x@amana.test", password: "not-the-password" }, attacker)
      expect(throttled.text).toContain(`"errorMessage":"tooManyRequests"`)
      // the colleague behind the same proxy, from their own address, still logs in
      const colleague = await attempt(AUDITOR, `203.0.113.${Math.floor(Math.random() * 250) + 1}`)
      expect([colleague.status, colleague.headers.get("location")]).toEqual([302, "/admin"])
    } finally {
      if (saved === undefined) delete process.env["TRUST_PROXY"]
      else process.env["TRUST_PROXY"] = saved
      await proxied?.close()
    }
  }, 60_000)
})
