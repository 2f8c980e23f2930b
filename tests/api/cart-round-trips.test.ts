/**
 * What a cart request costs in PostgreSQL round trips, pinned (bench:flow is CPU-bound on them:
 * each statement is a loopback write, a wake-up and the Effect/postgres.js plumbing). Counted with
 * postgres.js's `debug` hook on the real pool the API runs on; the requests are a guest's, so no
 * session lookup is counted (auth is not the cart's to pin). BEGIN and COMMIT count: they are trips.
 *
 *   - an add to a new cart, an add to a cart holding another store's item, a preview with shipping,
 *     a quantity change and a removal each issue a known number of statements;
 *   - the add answers from what its write read and returned: the cart, its items and the variant
 *     are read once, not once more to build the answer;
 *   - and that answer is the one a GET right after it gives (lines, preview, code, issues), for an
 *     add, a quantity change and a removal; refusals keep their status and code.
 * Before this (main at 76da631): 14, 13, 6, 13 and 8 statements. A regression that re-adds a read fails here; an intended change updates the numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makePool } from "../../adapters/postgres/database.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, seedShop, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let pool: Sql
let a: Awaited<ReturnType<typeof seedShop>>
let b: Awaited<ReturnType<typeof seedShop>>
let recording: Array<string> | undefined

beforeAll(async () => {
  a = await seedShop(db.sql)
  b = await seedShop(db.sql, { promotions: false })
  // The application's pool (adapters/postgres/database.ts makePool), with its statement hook.
  pool = makePool(db.url, { max: 4, onStatement: (query) => void recording?.push(query.replace(/\s+/g, " ").trim()) })
  api = await startApi(pool)
  // Once per pool and process, not per request: postgres.js's array types, the shipping cache.
  const warm = await call(api, "POST", "/api/v1/cart/items?destination=KE-047-westlands", { body: { variantId: b.dress.variantId } })
  expect(warm.status, JSON.stringify(warm.body)).toBe(201)
}, 60_000)
afterAll(async () => {
  await api?.close()
  await pool?.end({ timeout: 5 })
})

/** The statements one request issued (the API answers after its last statement settles). */
const counted = async (method: string, path: string, options: Parameters<typeof call>[3] = {}) => {
  recording = []
  try {
    const reply = await call(api, method, path, options)
    return { reply, statements: recording }
  } finally {
    recording = undefined
  }
}

const cartReads = (statements: ReadonlyArray<string>) => statements.filter((s) => /\bfrom carts\b/.test(s) && !/^(insert|update)/.test(s))
const variantReads = (statements: ReadonlyArray<string>) => statements.filter((s) => /from variants v join products p/.test(s))

describe("cart requests in round trips", () => {
  it("add, add another store's item, preview with shipping, change quantity, remove: each a pinned number of statements", async () => {
    const first = await counted("POST", "/api/v1/cart/items", { body: { variantId: a.dress.variantId, quantity: 2 } })
    expect(first.reply.status, JSON.stringify(first.reply.body)).toBe(201)
    const token = first.reply.headers.get("x-cart-token")!
    const headers = { "x-cart-token": token }
    expect(first.reply.body.lines).toHaveLength(1)
    expect(first.reply.body.preview.subtotal).toEqual({ amount: 5_000_00, currency: "KES" })
    // begin, cart with items, variants, the new cart with its line, commit, promotions with the shipping revision, recommendations
    expect(first.statements, first.statements.join("\n")).toHaveLength(7)
    expect(cartReads(first.statements)).toHaveLength(1)
    expect(variantReads(first.statements)).toHaveLength(1)

    const second = await counted("POST", "/api/v1/cart/items", { body: { variantId: b.basket.variantId }, headers })
    expect(second.reply.status, JSON.stringify(second.reply.body)).toBe(201)
    expect(second.reply.body.lines.map((l: { variantId: string }) => l.variantId)).toEqual([a.dress.variantId, b.basket.variantId])
    // begin, cart with items, variants (the new one and the one in the cart), upsert returning the items, commit, promotions + revision, recommendations
    expect(second.statements, second.statements.join("\n")).toHaveLength(7)
    expect(cartReads(second.statements)).toHaveLength(1)
    expect(variantReads(second.statements)).toHaveLength(1)

    const preview = await counted("GET", "/api/v1/cart?destination=KE-047-westlands", { headers })
    expect(preview.reply.status).toBe(200)
    expect(preview.reply.body.preview.shippingQuoted).toBe(true)
    // cart with items, variants, promotions + revision, recommendations
    expect(preview.statements, preview.statements.join("\n")).toHaveLength(4)

    const change = await counted("PATCH", `/api/v1/cart/items/${b.basket.variantId}`, { body: { quantity: 3 }, headers })
    expect(change.reply.status, JSON.stringify(change.reply.body)).toBe(200)
    expect(change.reply.body.lines.find((l: { variantId: string }) => l.variantId === b.basket.variantId).quantity).toBe(3)
    // begin, cart with items, variants, upsert returning the items, commit, promotions + revision, recommendations
    expect(change.statements, change.statements.join("\n")).toHaveLength(7)

    const removal = await counted("DELETE", `/api/v1/cart/items/${b.basket.variantId}`, { headers })
    expect(removal.reply.status, JSON.stringify(removal.reply.body)).toBe(200)
    expect(removal.reply.body.lines.map((l: { variantId: string }) => l.variantId)).toEqual([a.dress.variantId])
    // cart, delete returning the items left, variants, promotions + revision, recommendations
    expect(removal.statements, removal.statements.join("\n")).toHaveLength(5)
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
})
