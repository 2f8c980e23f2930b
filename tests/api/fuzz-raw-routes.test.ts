/**
 * The routes fuzz.test.ts does not reach (it walks the JSON endpoints): the signed webhooks that read
 * raw bytes (logistics partner, WhatsApp, Instagram, Daraja B2C) and the back-office (login form, list and
 * action calls). Bodies carry NUL (raw and as a JSON escape), bytes that are not UTF-8 and oversized
 * fields, and are signed correctly half the time, so they reach the parsers and the database.
 * Invariants: never a 5xx, and a refusal never carries a database's text.
 */
import { randomBytes } from "node:crypto"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { seedDemo } from "../../adapters/postgres/seed.js"
import { partnerSignature } from "../../adapters/logistics-partner/webhook.js"
import { signatureOf } from "../../adapters/whatsapp/webhook.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { useTestDatabase } from "../support/test-database.js"
import { startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
const SECRETS = {
  WHATSAPP_APP_SECRET: randomBytes(24).toString("hex"),
  WHATSAPP_VERIFY_TOKEN: randomBytes(24).toString("hex"),
  INSTAGRAM_APP_SECRET: randomBytes(24).toString("hex"),
  INSTAGRAM_VERIFY_TOKEN: randomBytes(24).toString("hex"),
  LOGISTICS_PARTNER_WEBHOOK_SECRET: randomBytes(24).toString("hex")
}
const ADMIN = { email: "fuzz@amana.test", password: "a-long-enough-password-9" }
const DB_TEXT = /invalid byte sequence|unsupported Unicode escape|syntax for type|violates|relation "|column "|postgres/i
let api: Api

beforeAll(async () => {
  await seedDemo(db.sql)
  // chat messages reach a store's conversations (and the parser) rather than stopping at routing
  await db.sql`insert into channel_accounts (channel, account_id, store_id) values ('WHATSAPP', '106540352242922', 'sto_kitenge_house'), ('INSTAGRAM', '17841400000000001', 'sto_kitenge_house')`
  const saved = Object.fromEntries(Object.keys(SECRETS).map((k) => [k, process.env[k]]))
  Object.assign(process.env, SECRETS)
  try {
    api = await startApi(db.sql)
    await api.runtime.runtime()
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
  }
  await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, () => undefined)
})
afterAll(async () => {
  await api?.close()
})

/** Text a database cannot hold, and text too big to be anybody's field. */
const hostile = () =>
  fc.oneof(fc.constantFrom("\u0000", "a\u0000b", "\ud800", "x\udfffy", "x".repeat(20_000), "é".repeat(5_000)), fc.string({ unit: "binary" }), fc.string())

/** A JSON body around a base example: a field replaced by hostile text, raw bad bytes spliced in, or an oversized pad. */
const bodyAround = (base: Record<string, unknown>, paths: ReadonlyArray<(b: Record<string, unknown>, v: unknown) => Record<string, unknown>>) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...paths), hostile()).map(([set, v]) => Buffer.from(JSON.stringify(set(base, v)))),
    fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x00])).map((bad) => {
      const [head, tail] = JSON.stringify({ ...base, extra: "@@" }).split("@@") as [string, string]
      return Buffer.concat([Buffer.from(head), bad, Buffer.from(tail)])
    }),
    fc.constant(Buffer.from(JSON.stringify({ ...base, pad: "x".repeat(300_000) }))),
    fc.string({ unit: "binary" }).map((s) => Buffer.from(s)),
    fc.jsonValue().map((j) => Buffer.from(JSON.stringify(j)))
  )

const post = async (path: string, body: Buffer, headers: Record<string, string> = {}) => {
  const res = await fetch(`${api.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body })
  return { status: res.status, text: await res.text() }
}
const noServerError = (what: string, r: { status: number; text: string }) => {
  expect(r.status, `${what}: ${r.text.slice(0, 300)}`).toBeLessThan(500)
  expect(r.text, what).not.toMatch(DB_TEXT)
}

/** Every byte percent-encoded (a lone surrogate becomes U+FFFD's bytes), or raw escapes that are not UTF-8. */
const pct = (text: string) => Array.from(Buffer.from(text), (b) => `%${b.toString(16).padStart(2, "0")}`).join("")
const segment = () => fc.oneof(hostile().map(pct), fc.constantFrom("%00", "%FF", "abc%C3", "%ED%A0%80", "%C0%AF", "x%00y"))

const runs = { numRuns: Number(process.env["FUZZ_RUNS"] ?? 25) }

describe("signed webhooks: bad bytes, signed or not, never a 5xx", () => {
  it("POST /api/v1/fulfilment/partners/:partner/webhook", async () => {
    const base = { eventId: "ev_1", deliveryId: "dlv_1", status: "IN_TRANSIT", reason: "traffic", handoverCode: "123456" }
    const set = (k: string) => (b: Record<string, unknown>, v: unknown) => ({ ...b, [k]: v })
    await fc.assert(
      fc.asyncProperty(bodyAround(base, ["eventId", "deliveryId", "status", "reason", "handoverCode"].map(set)), fc.boolean(), async (body, signed) => {
        const ts = String(Math.floor(Date.now() / 1000))
        const headers = {
          "x-partner-timestamp": ts,
          "x-partner-signature": signed ? partnerSignature(SECRETS.LOGISTICS_PARTNER_WEBHOOK_SECRET, ts, body) : "sha256=00"
        }
        noServerError("partner webhook", await post("/api/v1/fulfilment/partners/partner/webhook", body, headers))
      }),
      runs
    )
  }, 120_000)

  it("GET and POST /api/v1/webhooks/whatsapp", async () => {
    const status = { id: "wamid.A", status: "delivered", timestamp: "1750000000", recipient_id: "254708374149" }
    const message = { from: "254708374149", id: "wamid.M", timestamp: "1750000000", type: "text", text: { body: "Habari" } }
    const envelope = (value: Record<string, unknown>) => ({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "1",
          changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { phone_number_id: "106540352242922" }, ...value } }]
        }
      ]
    })
    const base = envelope({ statuses: [status], messages: [message] })
    const paths = [
      (_b: Record<string, unknown>, v: unknown) => envelope({ statuses: [{ ...status, id: v }] }),
      (_b: Record<string, unknown>, v: unknown) => envelope({ statuses: [{ ...status, recipient_id: v }] }),
      (_b: Record<string, unknown>, v: unknown) => envelope({ messages: [{ ...message, text: { body: v } }] }),
      (_b: Record<string, unknown>, v: unknown) => envelope({ messages: [{ ...message, from: v }] }),
      (_b: Record<string, unknown>, v: unknown) => envelope({ statuses: [{ ...status, errors: [{ code: 131026, title: v }] }] })
    ]
    await fc.assert(
      fc.asyncProperty(bodyAround(base, paths), fc.boolean(), async (body, signed) => {
        noServerError(
          "whatsapp webhook",
          await post("/api/v1/webhooks/whatsapp", body, { "x-hub-signature-256": signed ? signatureOf(body, SECRETS.WHATSAPP_APP_SECRET) : "sha256=00" })
        )
      }),
      runs
    )
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom("hub.mode", "hub.verify_token", "hub.challenge"), hostile()), async (query) => {
        const res = await fetch(`${api.url}/api/v1/webhooks/whatsapp?${new URLSearchParams(query).toString()}`)
        noServerError("whatsapp subscription", { status: res.status, text: await res.text() })
      }),
      runs
    )
  }, 120_000)

  it("GET and POST /api/v1/webhooks/instagram", async () => {
    const event = {
      sender: { id: "IGSID-1" },
      recipient: { id: "17841400000000001" },
      timestamp: 1_750_000_000_000,
      message: { mid: "m1", text: "nataka kitenge" }
    }
    const envelope = (e: Record<string, unknown>) => ({ object: "instagram", entry: [{ id: "17841400000000001", time: 1_750_000_000_000, messaging: [e] }] })
    const base = envelope(event)
    const paths = [
      (_b: Record<string, unknown>, v: unknown) => envelope({ ...event, message: { mid: "m1", text: v } }),
      (_b: Record<string, unknown>, v: unknown) => envelope({ ...event, message: { mid: v, text: "x" } }),
      (_b: Record<string, unknown>, v: unknown) => envelope({ ...event, sender: { id: v } }),
      (_b: Record<string, unknown>, v: unknown) => envelope({ ...event, recipient: { id: v } })
    ]
    await fc.assert(
      fc.asyncProperty(bodyAround(base, paths), fc.boolean(), async (body, signed) => {
        noServerError(
          "instagram webhook",
          await post("/api/v1/webhooks/instagram", body, { "x-hub-signature-256": signed ? signatureOf(body, SECRETS.INSTAGRAM_APP_SECRET) : "sha256=00" })
        )
      }),
      runs
    )
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom("hub.mode", "hub.verify_token", "hub.challenge"), hostile()), async (query) => {
        const res = await fetch(`${api.url}/api/v1/webhooks/instagram?${new URLSearchParams(query).toString()}`)
        noServerError("instagram subscription", { status: res.status, text: await res.text() })
      }),
      runs
    )
  }, 120_000)

  it("POST /api/v1/payments/mpesa/b2c/* (the callback secret in the path)", async () => {
    const result = {
      ResultType: 0,
      ResultCode: 0,
      ResultDesc: "The service request is processed successfully.",
      OriginatorConversationID: "10571-7910404-1",
      ConversationID: "AG_20191219_00004e48cf7e3533f581",
      TransactionID: "NLJ41HAY6Q"
    }
    const base = { Result: result }
    const paths = ["ResultDesc", "OriginatorConversationID", "ConversationID", "TransactionID", "ResultCode"].map(
      (k) => (_b: Record<string, unknown>, v: unknown) => ({ Result: { ...result, [k]: v } })
    )
    const routes = [
      "/result/dev-callback-secret",
      "/timeout/dev-callback-secret",
      "/result/dev-callback-secret/tok_1",
      "/status/result/dev-callback-secret/tok_%00",
      "/result/not-the-secret"
    ]
    await fc.assert(
      fc.asyncProperty(bodyAround(base, paths), fc.constantFrom(...routes), async (body, route) => {
        noServerError(`b2c ${route}`, await post(`/api/v1/payments/mpesa/b2c${route}`, body))
      }),
      runs
    )
  }, 120_000)
})

describe("the back-office: bad bytes in forms and calls, never a 5xx nor a database's text", () => {
  it("POST /admin/login with hostile fields", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostile(),
          hostile().map((h) => `a${h}@amana.test`),
          fc.constant("a\u0000b@amana.test")
        ),
        hostile(),
        async (email, password) => {
          const page = await fetch(`${api.url}/admin/login`)
          const cookie = page.headers
            .getSetCookie()
            .map((c) => c.split(";")[0])
            .join("; ")
          const token = /name="amana-csrf" content="([^"]+)"/.exec(await page.text())?.[1] ?? ""
          const res = await fetch(`${api.url}/admin/login`, {
            method: "POST",
            headers: { cookie, origin: api.url, "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ email, password, _csrf: token }).toString(),
            redirect: "manual"
          })
          noServerError("admin login", { status: res.status, text: await res.text() })
        }
      ),
      { numRuns: 15 }
    )
  }, 120_000)

  it("back-office calls (lists, searches, actions) with hostile values", async () => {
    const page = await fetch(`${api.url}/admin/login`)
    let cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ")
    const loginToken = /name="amana-csrf" content="([^"]+)"/.exec(await page.text())?.[1] ?? ""
    const login = await fetch(`${api.url}/admin/login`, {
      method: "POST",
      headers: { cookie, origin: api.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...ADMIN, _csrf: loginToken }).toString(),
      redirect: "manual"
    })
    expect(login.status).toBe(302)
    cookie = [cookie.split("; ").find((c) => c.startsWith("amana_admin_csrf="))!, ...login.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ")
    const home = await fetch(`${api.url}/admin`, { headers: { cookie } })
    const token = /name="amana-csrf" content="([^"]+)"/.exec(await home.text())?.[1] ?? ""
    const actions: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
      [
        "/admin/api/resources/promotions/actions/createPromotion",
        ["name", "priority", "starts_at", "ends_at", "scope", "scope_ids", "effect", "percent", "amount", "cap", "min_subtotal", "global_limit"]
      ],
      ["/admin/api/resources/discount_codes/actions/createCode", ["code", "expires_at", "effect", "percent", "amount", "min_subtotal"]],
      ["/admin/api/resources/admin_users/actions/createAdmin", ["email", "role", "password"]],
      ["/admin/api/resources/products/records/prd_maasai_shuka/reject", ["reason"]],
      ["/admin/api/resources/exceptions/records/%00/resolve", ["note"]],
      ["/admin/api/resources/users/records/usr_demo_buyer/revokeSessions", ["reason"]],
      ["/admin/api/resources/users/records/usr_demo_seller/suspend", ["reason"]],
      ["/admin/api/resources/shipping_zones/actions/newZone", ["name", "covers"]],
      ["/admin/api/resources/shipping_zones/records/zone_nairobi/addRate", ["kind", "name", "amount", "base", "per_kg", "threshold"]],
      ["/admin/api/resources/shipping_zones/records/zone_nairobi/setSla", ["dispatch", "deliver", "points"]],
      ["/admin/api/resources/shipping_rates/records/rate_nairobi_flat/revise", ["kind", "name", "amount", "reason"]],
      ["/admin/api/resources/locations/actions/newLocation", ["kind", "parent_id", "name", "address", "lat", "lng"]],
      ["/admin/api/resources/categories/actions/newCategory", ["name", "slug", "parent_id"]],
      ["/admin/api/resources/brands/actions/newBrand", ["name", "verify"]],
      ["/admin/api/resources/riders/actions/onboard", ["phone", "name", "zones", "vehicle"]]
    ]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actions), fc.array(hostile(), { minLength: 1, maxLength: 4 }), async ([path, fields], values) => {
        const json = Object.fromEntries(fields.map((f, i) => [f, values[i % values.length]]))
        const res = await fetch(`${api.url}${path}`, {
          method: "POST",
          headers: { cookie, origin: api.url, "x-csrf-token": token, "content-type": "application/json" },
          body: JSON.stringify(json)
        })
        noServerError(path, { status: res.status, text: await res.text() })
      }),
      runs
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("products", "orders", "promotions", "users", "audit_log", "shipping_zones", "shipping_rates", "locations", "categories", "riders"),
        segment(),
        async (resource, q) => {
          for (const url of [
            `/admin/api/resources/${resource}/search/${q}`,
            `/admin/api/resources/${resource}/actions/list?filters.id=${q}`,
            `/admin/api/resources/${resource}/records/${q}/show`
          ]) {
            const res = await fetch(`${api.url}${url}`, { headers: { cookie } })
            noServerError(url, { status: res.status, text: await res.text() })
          }
        }
      ),
      runs
    )
  }, 180_000)
})
