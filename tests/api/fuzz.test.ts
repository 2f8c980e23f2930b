/**
 * Fuzz every endpoint with random and mutated requests (bodies, path ids, query strings, malformed
 * JSON), including what a database cannot hold or a server should not swallow whole: NUL bytes,
 * invalid UTF-8 (raw bytes, bad percent-escapes, lone surrogates) and oversized fields. Invariants: never a 5xx; every 4xx is application/problem+json with a stable code; and a
 * refused request leaves nothing half-written (no table gains or loses a row, no stock is held).
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { endpoints } from "../../adapters/http/server.js"
import { useTestDatabase } from "../support/test-database.js"
import { insertUser } from "../../adapters/postgres/seed.js"
import { call, newBuyer, randomPhone, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>
let buyerTokens: Array<string> = []
let sellerTokens: Array<string> = []
let leaver = ""
let known: { checkoutId: string; orderId: string; phone: string }

const TABLES = [
  "users",
  "otp_codes",
  "user_sessions",
  "carts",
  "cart_items",
  "checkouts",
  "orders",
  "order_lines",
  "order_snapshots",
  "order_timeline",
  "inventory_reservations",
  "incentive_burns",
  "loyalty_ledger",
  "ledger_transactions",
  "ledger_entries",
  "mpesa_stk_requests",
  "mpesa_callbacks",
  "outbox",
  "exceptions",
  "notifications",
  "products",
  "variants",
  "inventory",
  "disputes",
  "commissions",
  "stores",
  "store_members",
  "uploads",
  "step_up_codes",
  "audit_log",
  "affiliate_applications",
  "affiliate_clicks",
  "affiliate_attributions",
  "referrals",
  "cart_recovery",
  "whatsapp_opt_outs",
  "conversations",
  "conversation_messages",
  "product_aliases"
]
const fingerprint = async () => {
  const counts = await db.sql.unsafe(`select ${TABLES.map((t) => `(select count(*) from ${t})::int as ${t}`).join(", ")},
    (select coalesce(sum(reserved), 0) from inventory)::int as reserved, (select coalesce(sum(on_hand), 0) from inventory)::int as on_hand,
    (select string_agg(state, ',' order by id) from orders) as order_states, (select string_agg(state || version, ',' order by id) from products) as products`)
  return counts[0]
}

beforeAll(async () => {
  shop = await seedShop(db.sql)
  api = await startApi(db.sql)
  const buyer = await newBuyer(db.sql)
  // Many sessions, so the 100-requests-per-minute limit does not hide the endpoints behind 429s.
  buyerTokens = await Promise.all(Array.from({ length: 12 }, () => sessionFor(db.sql, buyer.id)))
  sellerTokens = await Promise.all(Array.from({ length: 12 }, () => sessionFor(db.sql, shop.seller.id)))
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: buyerTokens[0]!,
    headers: { "idempotency-key": "fuzz-seed" },
    body: { destination: "KE-047-westlands", items: [{ variantId: shop.basket.variantId, quantity: 1 }] }
  })
  leaver = (await newBuyer(db.sql)).id
  // a store with a slug, so /stores/:slug reaches its products
  await db.sql`update stores set slug = 'fuzz-duka' where id = ${shop.storeId}`
  // an approved affiliate, so /r/:code reaches past the code lookup
  await insertUser(db.sql, { id: "usr_fuzz_affiliate", phone: randomPhone(), roles: ["BUYER", "AFFILIATE"], affiliateCode: "FUZZAFF" })
  known = { checkoutId: placed.body.checkoutId, orderId: placed.body.orders[0].orderId, phone: buyer.phone }
})
afterAll(async () => {
  await api?.close()
})

/** A valid-looking body per endpoint, for mutation. */
const examples = (): Record<string, unknown> => ({
  "post /api/v1/auth/otp": { phone: "0712345678" },
  "post /api/v1/auth/token": { phone: "0712345678", code: "123456", referralCode: "RABC12345" },
  "post /api/v1/cart/items": { variantId: shop.dress.variantId, quantity: 1 },
  "patch /api/v1/cart/items/:id": { quantity: 2 },
  "post /api/v1/checkouts": {
    destination: "KE-047-westlands",
    discountCode: "KARIBU",
    items: [{ variantId: shop.dress.variantId, quantity: 1 }],
    delivery: { recipientName: "Wanjiru", recipientPhone: "0712345678", addressLine: "Mvuli Rd", landmark: "Total", notes: "blue gate" }
  },
  "post /api/v1/checkouts/:id/payments": { phone: known.phone },
  "post /api/v1/orders/:id/disputes": { description: "torn", attachments: ["https://x.example/a.jpg"] },
  "post /api/v1/seller/products": { title: "Kikoi", basePrice: { amount: 100000, currency: "KES" }, variants: [{ sku: "K-1", weightGrams: 300, stock: 3 }] },
  "patch /api/v1/seller/products/:id": { title: "Kitenge dress", basePrice: { amount: 250000, currency: "KES" } },
  "put /api/v1/seller/products/:id/commission": { commissionRateBps: 500 },
  "put /api/v1/seller/inventory/:id": { onHand: 10 },
  "post /api/v1/seller/orders/:id/reject": { reason: "sold out" },
  "put /api/v1/rider/availability": { availability: "ONLINE" },
  "post /api/v1/seller/stores": { name: "Duka", slug: "duka-fuzz", mainCategoryId: "cat_fuzz", locationId: "KE-047-westlands", contactPhone: "0712345678" },
  "put /api/v1/seller/store/kyc": { idType: "NATIONAL_ID", idNumber: "12345678", kraPin: "A123456789B", documentIds: ["upl_fuzz"] },
  "put /api/v1/seller/store/payout-method": { method: "TILL", tillNumber: "123456", code: "123456" },
  "post /api/v1/seller/staff": { phone: "0712345678", role: "STAFF" },
  "post /api/v1/affiliate/apply": { pitch: "I share kitenge deals with 300 people on WhatsApp", channel: "WhatsApp" },
  "post /api/v1/payments/mpesa/callback/:secret": {
    Body: { stkCallback: { MerchantRequestID: "1", CheckoutRequestID: "ws_CO_1", ResultCode: 1032, ResultDesc: "Request cancelled by user" } }
  }
})

const idFor = () =>
  fc.constantFrom(
    known.checkoutId,
    known.orderId,
    shop.dress.productId,
    shop.dress.variantId,
    shop.seller.id,
    "FUZZAFF",
    "fuzz-duka",
    "nope",
    "x".repeat(120),
    "%00",
    "..",
    "a b",
    "ord_1",
    "a\u0000b"
  )

/** Sent as they are (not re-encoded): NUL, bytes that are not UTF-8, an overlong and a surrogate encoding. */
const rawSegment = () => fc.constantFrom("%00", "%FF", "abc%C3", "%ED%A0%80", "%C0%AF", "x%00y")

/** Strings a database cannot hold, and ones too big to be anybody's field. */
const hostile = () =>
  fc.oneof(fc.constantFrom("\u0000", "a\u0000b", "\ud800", "x\udfffy", "x".repeat(20_000), "é".repeat(5_000)), fc.string({ unit: "binary" }))

const mutate = (base: unknown): fc.Arbitrary<unknown> =>
  typeof base !== "object" || base === null || Object.keys(base).length === 0
    ? fc.jsonValue()
    : fc.oneof(
        fc.jsonValue(),
        fc.constant(base),
        fc
          .record({
            key: fc.constantFrom(...Object.keys(base), "extra"),
            value: fc.oneof(fc.jsonValue(), fc.constant(null), fc.constant(-1), fc.constant(1e308), fc.string(), hostile())
          })
          .map(({ key, value }) => ({ ...base, [key]: value })),
        fc.record({ key: fc.constantFrom(...Object.keys(base)), value: hostile() }).map(({ key, value }) => ({ ...base, [`${key}\u0000`]: value })),
        fc.constantFrom(...Object.keys(base)).map((key) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== key)))
      )

const QUERY_KEYS = ["q", "limit", "offset", "destination", "code", "parent", "to", "perPage", "page", "p"] as const

/** A body that is not UTF-8: valid JSON around bytes that are not (0xC3 0x28, a lone 0xFF, an encoded surrogate). */
const badUtf8Body = (base: unknown) =>
  fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80])).map((bad) => {
    const text = JSON.stringify(typeof base === "object" && base !== null ? { ...base, extra: "@@" } : { extra: "@@" })
    const [head, tail] = text.split("@@") as [string, string]
    return Buffer.concat([Buffer.from(head), bad, Buffer.from(tail)])
  })

const requestFor = (e: (typeof endpoints)[number]) => {
  const base = examples()[`${e.method} ${e.path}`] ?? {}
  return fc.record({
    id: fc.oneof({ weight: 4, arbitrary: idFor().map((id) => encodeURIComponent(id)) }, { weight: 1, arbitrary: rawSegment() }),
    query: fc.dictionary(
      fc.constantFrom(...QUERY_KEYS),
      fc.oneof(fc.string(), fc.constantFrom("-1", "1e9", "KE-047", "0", "abc", "\u0000", "\ud800", "x".repeat(1_500)))
    ),
    rawQuery: fc.option(
      fc.tuple(fc.constantFrom(...QUERY_KEYS), rawSegment()).map(([k, v]) => `${k}=${v}`),
      { nil: undefined }
    ),
    body: fc.oneof(
      { weight: 3, arbitrary: mutate(base).map((b) => ({ json: b })) },
      { weight: 1, arbitrary: fc.string().map((raw) => ({ raw })) },
      { weight: 1, arbitrary: badUtf8Body(base).map((raw) => ({ raw })) },
      { weight: 1, arbitrary: fc.constant({ raw: JSON.stringify({ ...(typeof base === "object" && base), pad: "x".repeat(150_000) }) }) }
    ),
    idempotencyKey: fc.oneof(fc.constant(undefined), fc.string(), fc.uuid(), fc.constant("k".repeat(5_000)))
  })
}

let t = 0
describe("fuzzing every endpoint", () => {
  for (const e of endpoints) {
    it(`${e.method.toUpperCase()} ${e.path}: never a 5xx, every refusal a coded problem, nothing half-written`, async () => {
      await fc.assert(
        fc.asyncProperty(requestFor(e), async (r) => {
          const path = e.path.replace(/:secret/, "dev-callback-secret").replace(/:[A-Za-z]+/g, r.id)
          const qs = [new URLSearchParams(r.query).toString(), r.rawQuery].filter((p) => p !== undefined && p !== "").join("&")
          // logging out ends tokens: those endpoints get a fresh token of a buyer of their own, so the others keep theirs
          const token = e.path.startsWith("/api/v1/auth/logout")
            ? await sessionFor(db.sql, leaver)
            : e.path.includes("/seller/")
              ? sellerTokens[t++ % sellerTokens.length]!
              : buyerTokens[t++ % buyerTokens.length]!
          // /readyz is 503 without a worker (a state, not an input): a worker "runs" for it here
          if (e.path === "/readyz")
            await db.sql`insert into worker_heartbeats (worker_id, process) values ('worker-fuzz', 'fuzz:1') on conflict (worker_id) do update set seen_at = now()`
          const before = await fingerprint()
          const withBody = e.method !== "get" && e.method !== "delete"
          const res = await call(api, e.method.toUpperCase(), `${path}${qs ? `?${qs}` : ""}`, {
            token,
            ...(r.idempotencyKey !== undefined &&
              /^[\x21-\x7e]*$/.test(r.idempotencyKey) &&
              r.idempotencyKey !== "" && { headers: { "idempotency-key": r.idempotencyKey } }),
            ...(withBody && ("raw" in r.body ? { raw: r.body.raw } : { body: r.body.json }))
          })
          expect(res.status, `${e.method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(500)
          if (res.status >= 400) {
            expect(res.headers.get("content-type")).toContain("application/problem+json")
            expect(res.body.code).toMatch(/^[A-Z_]+(\.[A-Z0-9_]+)*$/)
            expect(typeof res.body.detail).toBe("string")
            expect(await fingerprint(), `${e.method} ${path} -> ${res.status} ${res.body.code} wrote something`).toEqual(before)
          }
        }),
        { numRuns: Number(process.env["FUZZ_RUNS"] ?? 15) }
      )
    }, 120_000)
  }
})
