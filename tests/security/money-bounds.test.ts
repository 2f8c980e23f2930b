/**
 * Issue 11 item 5: money is bounded where it enters. A seller could list a base price of
 * 9,007,199,254,740,991 (2^53 - 1); after review, adding 2 to a cart was a 500 (MoneyInvariantError).
 * Now a price above Money.MAX_ENTERED_MINOR is a 422 naming the limit, and the largest price allowed
 * times the largest quantities allowed stays exact all the way to checkout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { MAX_ENTERED_MINOR } from "../../domain/money.js"
import { insertProduct, insertVariant } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, seedShop, sessionFor, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>
let seller: string

beforeAll(async () => {
  shop = await seedShop(db.sql)
  api = await startApi(db.sql)
  seller = await sessionFor(db.sql, shop.seller.id)
})
afterAll(async () => {
  await api?.close()
})

const HUGE = { amount: Number.MAX_SAFE_INTEGER, currency: "KES" }
const listing = (over: Record<string, unknown> = {}) => ({
  title: "Gold kiondo",
  basePrice: { amount: 1_500_00, currency: "KES" },
  variants: [{ sku: `G-${Date.now()}-${Math.random()}`, weightGrams: 300, stock: 3 }],
  ...over
})

describe("prices are bounded where they enter", () => {
  it("a base price or a variant's price above the limit is a 422 naming the limit; at the limit is accepted", async () => {
    const base = await call(api, "POST", "/api/v1/seller/products", { token: seller, body: listing({ basePrice: HUGE }) })
    expect(base.status, JSON.stringify(base.body)).toBe(422)
    expect(base.body).toMatchObject({ code: "CATALOGUE.INVALID_LISTING", errors: [{ path: "basePrice" }] })
    expect(base.body.detail).toContain("KES 1,000,000.00")

    const variant = await call(api, "POST", "/api/v1/seller/products", {
      token: seller,
      body: listing({ variants: [{ sku: `G-${Date.now()}`, weightGrams: 300, priceOverride: { amount: MAX_ENTERED_MINOR.KES + 1, currency: "KES" } }] })
    })
    expect(variant.status).toBe(422)
    expect(variant.body.detail).toContain("at most KES 1,000,000.00")

    const atLimit = await call(api, "POST", "/api/v1/seller/products", {
      token: seller,
      body: listing({ basePrice: { amount: MAX_ENTERED_MINOR.KES, currency: "KES" } })
    })
    expect(atLimit.status).toBe(201)
    const edited = await call(api, "PATCH", `/api/v1/seller/products/${atLimit.body.id}`, { token: seller, body: { basePrice: HUGE } })
    expect(edited.status).toBe(422)
    expect(edited.body.code).toBe("CATALOGUE.INVALID_LISTING")
  })

  it("the largest price at the largest quantities: the cart adds up exactly and the checkout's total is exact and refused with a 422 (never a 500)", async () => {
    const productId = `prd_max_${Date.now()}`
    const variantIds = Array.from({ length: 3 }, (_, i) => `var_max_${Date.now()}_${i}`)
    await insertProduct(db.sql, { id: productId, storeId: shop.storeId, title: "Most expensive", price: MAX_ENTERED_MINOR.KES })
    for (const [i, id] of variantIds.entries())
      await insertVariant(db.sql, { id, productId, sku: `MAX-${Date.now()}-${i}`, weightGrams: 500, storeId: shop.storeId, onHand: 1_000 })
    const buyer = await newBuyer(db.sql)
    for (const variantId of variantIds) {
      const added = await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId, quantity: 99 } })
      expect(added.status, JSON.stringify(added.body)).toBeLessThan(300)
    }
    const cart = await call(api, "GET", "/api/v1/cart", { token: buyer.token })
    expect(cart.status).toBe(200)
    expect(cart.body.preview.subtotal.amount).toBe(MAX_ENTERED_MINOR.KES * 99 * 3)
    const checkout = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `max-${Date.now()}` },
      body: { destination: "KE-047-westlands", items: variantIds.map((variantId) => ({ variantId, quantity: 99 })) }
    })
    // more than one M-Pesa charge carries: a 422 whose total is exact (the 10% promotion is capped at KES 500; shipping is free)
    expect(checkout.status, JSON.stringify(checkout.body)).toBe(422)
    expect(checkout.body.code).toBe("CHECKOUT.CHARGE_ABOVE_MPESA_LIMIT")
    expect(checkout.body.detail).toContain("KES 296,999,500.00")
  })
})
