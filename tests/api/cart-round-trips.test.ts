/**
 * What a cart request costs in PostgreSQL round trips, pinned (bench:flow is CPU-bound on them:
 * each statement is a loopback write, a wake-up and the Effect/postgres.js plumbing). Counted with
 * postgres.js's `debug` hook on the real pool the API runs on (statements) and with
 * tests/support/pg-relay.ts in front of the server (round trips, as in checkout-round-trips); the
 * first test's requests are a guest's, so no session is read at all, the last tests' a signed-in
 * buyer's, whose session is read in the same statement as the cart (authenticateWithCart: the
 * endpoints' `authenticateWith`). BEGIN and COMMIT count: they are trips.
 *
 *   - an add to a new cart, an add to a cart holding another store's item, a preview with shipping,
 *     a quantity change and a removal each issue a known number of statements;
 *   - the add answers from what its write read and returned: the cart, its items and the variant
 *     are read once, not once more to build the answer;
 *   - and that answer is the one a GET right after it gives (lines, preview, code, issues), for an
 *     add, a quantity change and a removal; refusals keep their status and code.
 * Before this (main at 76da631): 14, 13, 6, 13 and 8 statements; at 20cad2f: 7, 7, 4, 7 and 5 (a write
 * was BEGIN, the cart, the variants, the write, COMMIT, the promotions; a preview read the cart, its
 * variants and the promotions apart). Now each request reads the cart, its items' catalogue (and the
 * added variant's), the promotions, the shipping revision and the code in ONE statement
 * (CheckoutStore.loadCartPricing), and a write is that read and one statement, without a transaction
 * (the read locks nothing: BEGIN and COMMIT changed nothing but cost two statements).
 * A signed-in buyer's request read its session first, a statement and a round trip of its own (main
 * at 00cdc1a: an add 4 statements in 4 trips, a preview 3 in 3, a change and a removal 4 in 4); the
 * session is now found by the cart's read (3, 2, 3, 3), refused and rate-limited as before.
 * A regression that re-adds a read fails here; an intended change updates the numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, refusedTokens, seedShop, startRelayedApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let relayed: Awaited<ReturnType<typeof startRelayedApi>> | undefined
let a: Awaited<ReturnType<typeof seedShop>>
let b: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  a = await seedShop(db.sql)
  b = await seedShop(db.sql, { promotions: false })
  // the application's pool (makePool: its sockets have TCP_NODELAY) behind the relay, with its statement hook
  relayed = await startRelayedApi(db.url)
  api = relayed.api
  // Once per pool and process, not per request: postgres.js's array types, the shipping cache.
  const warm = await call(api, "POST", "/api/v1/cart/items?destination=KE-047-westlands", { body: { variantId: b.dress.variantId } })
  expect(warm.status, JSON.stringify(warm.body)).toBe(201)
}, 60_000)
afterAll(async () => {
  await relayed?.close()
})

/** The statements one request issued and its round trips (startRelayedApi). */
const counted = (...args: Parameters<NonNullable<typeof relayed>["counted"]>) => relayed!.counted(...args)

const cartReads = (statements: ReadonlyArray<string>) => statements.filter((s) => /\bfrom carts\b/.test(s) && !/^(insert|update)/.test(s))
const variantReads = (statements: ReadonlyArray<string>) => statements.filter((s) => /from variants v join products p/.test(s))
const sessionReads = (statements: ReadonlyArray<string>) => statements.filter((s) => /from user_sessions s join users u/.test(s))

describe("cart requests in round trips", () => {
  it("add, add another store's item, preview with shipping, change quantity, remove: each a pinned number of statements", async () => {
    const first = await counted("POST", "/api/v1/cart/items", { body: { variantId: a.dress.variantId, quantity: 2 } })
    expect(first.reply.status, JSON.stringify(first.reply.body)).toBe(201)
    const token = first.reply.headers.get("x-cart-token")!
    const headers = { "x-cart-token": token }
    expect(first.reply.body.lines).toHaveLength(1)
    expect(first.reply.body.preview.subtotal).toEqual({ amount: 5_000_00, currency: "KES" })
    // the cart with its items' and the variant's catalogue, the promotions and the shipping revision; the new cart with its line; recommendations
    expect(first.statements, first.statements.join("\n")).toHaveLength(3)
    expect(first.statements.filter((s) => /^(begin|commit)/i.test(s))).toEqual([])
    expect(cartReads(first.statements)).toHaveLength(1)
    expect(variantReads(first.statements)).toHaveLength(1)

    const second = await counted("POST", "/api/v1/cart/items", { body: { variantId: b.basket.variantId }, headers })
    expect(second.reply.status, JSON.stringify(second.reply.body)).toBe(201)
    expect(second.reply.body.lines.map((l: { variantId: string }) => l.variantId)).toEqual([a.dress.variantId, b.basket.variantId])
    // the cart with its items' and the new variant's catalogue + promotions + revision, upsert returning the items, recommendations
    expect(second.statements, second.statements.join("\n")).toHaveLength(3)
    expect(cartReads(second.statements)).toHaveLength(1)
    expect(variantReads(second.statements)).toHaveLength(1)

    const preview = await counted("GET", "/api/v1/cart?destination=KE-047-westlands", { headers })
    expect(preview.reply.status).toBe(200)
    expect(preview.reply.body.preview.shippingQuoted).toBe(true)
    // the cart with its items' catalogue, promotions + revision; recommendations
    expect(preview.statements, preview.statements.join("\n")).toHaveLength(2)
    expect(cartReads(preview.statements)).toHaveLength(1)
    expect(variantReads(preview.statements)).toHaveLength(1)

    const change = await counted("PATCH", `/api/v1/cart/items/${b.basket.variantId}`, { body: { quantity: 3 }, headers })
    expect(change.reply.status, JSON.stringify(change.reply.body)).toBe(200)
    expect(change.reply.body.lines.find((l: { variantId: string }) => l.variantId === b.basket.variantId).quantity).toBe(3)
    // the cart with its items' catalogue + promotions + revision, upsert returning the items, recommendations
    expect(change.statements, change.statements.join("\n")).toHaveLength(3)

    const removal = await counted("DELETE", `/api/v1/cart/items/${b.basket.variantId}`, { headers })
    expect(removal.reply.status, JSON.stringify(removal.reply.body)).toBe(200)
    expect(removal.reply.body.lines.map((l: { variantId: string }) => l.variantId)).toEqual([a.dress.variantId])
    // the cart with its items' catalogue + promotions + revision, delete returning the items left, recommendations
    expect(removal.statements, removal.statements.join("\n")).toHaveLength(3)
  })

  it("a write answers what a read right after it answers: the same lines, preview, code and issues", async () => {
    const buyer = await newBuyer(db.sql)
    const query = "?destination=KE-047-westlands&code=karibu"
    const same = async (write: Awaited<ReturnType<typeof call>>, status: number) => {
      expect(write.status, JSON.stringify(write.body)).toBe(status)
      const read = await call(api, "GET", `/api/v1/cart${query}`, { token: buyer.token })
      expect(read.status).toBe(200)
      expect(write.body).toEqual(read.body)
      return write.body
    }
    const one = await same(await call(api, "POST", `/api/v1/cart/items${query}`, { token: buyer.token, body: { variantId: a.dress.variantId } }), 201)
    expect(one.preview.code).toEqual({ code: "KARIBU", discount: { amount: 200_00, currency: "KES" } })
    await same(await call(api, "POST", `/api/v1/cart/items${query}`, { token: buyer.token, body: { variantId: b.basket.variantId, quantity: 2 } }), 201)
    const again = await same(await call(api, "POST", `/api/v1/cart/items${query}`, { token: buyer.token, body: { variantId: a.dress.variantId } }), 201)
    expect(again.lines.map((l: { variantId: string; quantity: number }) => [l.variantId, l.quantity])).toEqual([
      [a.dress.variantId, 2],
      [b.basket.variantId, 2]
    ])
    await same(await call(api, "PATCH", `/api/v1/cart/items/${a.dress.variantId}${query}`, { token: buyer.token, body: { quantity: 5 } }), 200)
    const left = await same(await call(api, "DELETE", `/api/v1/cart/items/${a.dress.variantId}${query}`, { token: buyer.token }), 200)
    expect(left.lines.map((l: { variantId: string }) => l.variantId)).toEqual([b.basket.variantId])
    const none = await same(await call(api, "DELETE", `/api/v1/cart/items/${b.basket.variantId}${query}`, { token: buyer.token }), 200)
    expect(none).toMatchObject({ lines: [], preview: null })
    // refusals are unchanged, and leave the cart as it was
    const missing = await call(api, "DELETE", `/api/v1/cart/items/${b.basket.variantId}`, { token: buyer.token })
    expect([missing.status, missing.body.code]).toEqual([404, "CART.ITEM_NOT_FOUND"])
    const tooMany = await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId: a.dress.variantId, quantity: 51 } })
    expect([tooMany.status, tooMany.body.code]).toEqual([409, "CHECKOUT.OUT_OF_STOCK"])
    expect((await call(api, "GET", "/api/v1/cart", { token: buyer.token })).body.lines).toEqual([])
  })

  it("a signed-in buyer's add, preview, change and removal: a pinned number of statements and round trips, the session and the code read with the cart", async () => {
    const buyer = await newBuyer(db.sql)
    const add = (variantId: string) =>
      counted("POST", "/api/v1/cart/items?destination=KE-047-westlands&code=karibu", { token: buyer.token, body: { variantId } })
    const preview = () => counted("GET", "/api/v1/cart?destination=KE-047-westlands&code=karibu", { token: buyer.token })
    // warm up: a statement is prepared per connection (postgres.js describes it first, a trip of its own)
    for (let i = 0; i < 4; i++) {
      expect((await add(a.dress.variantId)).reply.status).toBe(201)
      expect((await preview()).reply.status).toBe(200)
    }
    const added = await add(b.basket.variantId)
    expect(added.reply.status, JSON.stringify(added.reply.body)).toBe(201)
    expect(added.reply.body.preview.code).toEqual({ code: "KARIBU", discount: { amount: 200_00, currency: "KES" } })
    // the session with the cart, its items' and the variant's catalogue, promotions, revision and code; the upsert; recommendations
    expect(added.statements, added.statements.join("\n")).toHaveLength(3)
    expect(added.trips, added.statements.join("\n")).toBe(3)
    expect(added.statements.filter((s) => /from discount_codes d/.test(s))).toHaveLength(1)
    expect(sessionReads(added.statements)).toEqual([added.statements[0]])
    expect(added.statements[0]).toMatch(/from carts\b/)
    const seen = await preview()
    expect(seen.reply.status).toBe(200)
    expect(seen.reply.body.lines).toEqual(added.reply.body.lines)
    expect(seen.reply.body.preview).toEqual(added.reply.body.preview)
    // the session with the cart, its items' catalogue, promotions, revision and code; recommendations
    expect(seen.statements, seen.statements.join("\n")).toHaveLength(2)
    expect(seen.trips, seen.statements.join("\n")).toBe(2)
    expect(sessionReads(seen.statements)).toHaveLength(1)

    for (let i = 0; i < 3; i++) {
      const warm = await counted("PATCH", `/api/v1/cart/items/${a.dress.variantId}?destination=KE-047-westlands&code=karibu`, {
        token: buyer.token,
        body: { quantity: 2 }
      })
      expect(warm.reply.status).toBe(200)
    }
    const change = await counted("PATCH", `/api/v1/cart/items/${b.basket.variantId}?destination=KE-047-westlands&code=karibu`, {
      token: buyer.token,
      body: { quantity: 2 }
    })
    expect(change.reply.status, JSON.stringify(change.reply.body)).toBe(200)
    // the session with the cart and the rest; the upsert; recommendations
    expect(change.statements, change.statements.join("\n")).toHaveLength(3)
    expect(change.trips, change.statements.join("\n")).toBe(3)
    expect(sessionReads(change.statements)).toHaveLength(1)
    const removal = await counted("DELETE", `/api/v1/cart/items/${b.basket.variantId}?destination=KE-047-westlands&code=karibu`, { token: buyer.token })
    expect(removal.reply.status, JSON.stringify(removal.reply.body)).toBe(200)
    expect(removal.reply.body.lines.map((l: { variantId: string }) => l.variantId)).toEqual([a.dress.variantId])
    // the session with the cart and the rest; the delete; recommendations
    expect(removal.statements, removal.statements.join("\n")).toHaveLength(3)
    expect(sessionReads(removal.statements)).toHaveLength(1)
  })

  it("a guest's request reads no session, whatever the cart token", async () => {
    const first = await counted("POST", "/api/v1/cart/items", { body: { variantId: a.dress.variantId } })
    expect(first.reply.status).toBe(201)
    expect(sessionReads(first.statements)).toEqual([])
    const seen = await counted("GET", "/api/v1/cart", { headers: { "x-cart-token": first.reply.headers.get("x-cart-token")! } })
    expect([seen.reply.status, seen.reply.body.lines.length]).toEqual([200, 1])
    expect(sessionReads(seen.statements)).toEqual([])
    const forged = await counted("GET", "/api/v1/cart", { headers: { "x-cart-token": "forged" } })
    expect([forged.reply.status, forged.reply.body.code]).toEqual([400, "CART.INVALID_TOKEN"])
    expect(forged.statements).toEqual([])
  })
})

describe("a signed-in buyer's cart request: its session read with the cart, answering as the ordinary authentication does", () => {
  const requests = () => [
    { method: "GET", path: "/api/v1/cart?destination=KE-047-westlands" },
    { method: "POST", path: "/api/v1/cart/items", body: { variantId: a.dress.variantId } },
    { method: "PATCH", path: `/api/v1/cart/items/${a.dress.variantId}`, body: { quantity: 1 } },
    { method: "DELETE", path: `/api/v1/cart/items/${a.dress.variantId}` }
  ]

  it("401 for a malformed, an unknown, a revoked or an expired token or a suspended user, as GET /api/v1/me answers; the guest's cart token never stands in", async () => {
    const buyer = await newBuyer(db.sql)
    const { revoked, expired, suspended } = await refusedTokens(db.sql, buyer.id)
    const guest = await call(api, "POST", "/api/v1/cart/items", { body: { variantId: a.dress.variantId } })
    const headers = { "x-cart-token": guest.headers.get("x-cart-token")! }
    const ordinary = async (token: string) => {
      const r = await call(api, "GET", "/api/v1/me", { token })
      return [r.status, r.body?.code] as const
    }
    for (const token of ["short", "x".repeat(43), revoked, expired, suspended.token]) {
      const expected = await ordinary(token)
      expect(expected[0], token).toBe(401)
      for (const r of requests()) {
        const got = await call(api, r.method, r.path, { token, headers, ...(r.body && { body: r.body }) })
        expect([got.status, got.body?.code], `${r.method} ${r.path} ${token}`).toEqual(expected)
      }
    }
  })

  it("a request that does not decode: 401 first for a bad token, else 400, as before; a good one answers the buyer's own cart, never the guest's", async () => {
    const buyer = await newBuyer(db.sql)
    const guest = await call(api, "POST", "/api/v1/cart/items", { body: { variantId: b.basket.variantId } })
    const headers = { "x-cart-token": guest.headers.get("x-cart-token")! }
    const bad = [
      { method: "GET", path: `/api/v1/cart?code=${"x".repeat(40)}` },
      { method: "POST", path: "/api/v1/cart/items", body: { variantId: a.dress.variantId, quantity: 0 } },
      { method: "PATCH", path: `/api/v1/cart/items/${a.dress.variantId}`, body: { quantity: "two" } },
      { method: "DELETE", path: "/api/v1/cart/items/bad!id" }
    ]
    for (const r of bad) {
      const refused = await call(api, r.method, r.path, { token: "x".repeat(43), ...(r.body && { body: r.body }) })
      expect([refused.status, refused.body.code], `${r.method} ${r.path}`).toEqual([401, "AUTH.REQUIRED"])
      const invalid = await call(api, r.method, r.path, { token: buyer.token, ...(r.body && { body: r.body }) })
      expect(invalid.status, `${r.method} ${r.path}`).toBe(400)
    }
    const added = await call(api, "POST", "/api/v1/cart/items?code=karibu", { token: buyer.token, headers, body: { variantId: a.dress.variantId } })
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    expect(added.body.lines.map((l: { variantId: string }) => l.variantId)).toEqual([a.dress.variantId])
    expect(added.body.cartToken).toBeUndefined()
    const missing = await call(api, "PATCH", `/api/v1/cart/items/${b.basket.variantId}`, { token: buyer.token, headers, body: { quantity: 1 } })
    expect([missing.status, missing.body.code]).toEqual([404, "CART.ITEM_NOT_FOUND"])
  })

  it("counts against the session's rate limit: the 101st request of a minute is 429 with Retry-After", async () => {
    const buyer = await newBuyer(db.sql)
    const statuses: Array<number> = []
    for (let i = 0; i < 100; i++) statuses.push((await call(api, "GET", "/api/v1/cart", { token: buyer.token })).status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(100)
    const refused = await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId: a.dress.variantId } })
    expect([refused.status, refused.body.code]).toEqual([429, "RATE_LIMIT.EXCEEDED"])
    expect(refused.headers.get("retry-after")).not.toBeNull()
  })
})
