/**
 * A cart's first line, where two carts of one owner would break the "one open cart" rule: a buyer's
 * double tap on "add" before there is any cart, and a guest's token whose cart was merged into the
 * buyer's cart at login (the browser keeps the token: a logged-out tab, a second tab). Both were a
 * 503 "database unavailable" (a unique violation) for something a person does every day.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, login, newBuyer, randomPhone, seedShop, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let a: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  a = await seedShop(db.sql)
  api = await startApi(db.sql)
}, 60_000)
afterAll(async () => {
  await api?.close()
})

describe("a cart's first line", () => {
  it("a buyer's two adds at once with no cart yet: both are added to one cart (never a 503)", async () => {
    for (let i = 0; i < 5; i++) {
      const buyer = await newBuyer(db.sql)
      const replies = await Promise.all(
        [a.dress.variantId, a.basket.variantId].map((variantId) => call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId } }))
      )
      expect(
        replies.map((r) => r.status),
        JSON.stringify(replies.map((r) => r.body))
      ).toEqual([201, 201])
      const cart = await call(api, "GET", "/api/v1/cart", { token: buyer.token })
      expect(cart.body.lines.map((l: { variantId: string }) => l.variantId).sort()).toEqual([a.dress.variantId, a.basket.variantId].sort())
    }
  })

  it("a guest's token whose cart was merged at login starts a new guest cart (never a 503)", async () => {
    const first = await call(api, "POST", "/api/v1/cart/items", { body: { variantId: a.dress.variantId } })
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    const cartToken = first.body.cartToken as string
    const buyer = await login(api, randomPhone(), cartToken)
    // the buyer's cart has the guest's line
    const mine = await call(api, "GET", "/api/v1/cart", { token: buyer.token })
    expect(mine.body.lines.map((l: { variantId: string }) => l.variantId)).toEqual([a.dress.variantId])
    // the same browser, logged out, still sends the token
    const again = await call(api, "POST", "/api/v1/cart/items", { headers: { "x-cart-token": cartToken }, body: { variantId: a.basket.variantId } })
    expect(again.status, JSON.stringify(again.body)).toBe(201)
    expect(again.body.lines.map((l: { variantId: string }) => l.variantId)).toEqual([a.basket.variantId])
    // and the buyer's cart is untouched by it
    const still = await call(api, "GET", "/api/v1/cart", { token: buyer.token })
    expect(still.body.lines.map((l: { variantId: string }) => l.variantId)).toEqual([a.dress.variantId])
  })
})
