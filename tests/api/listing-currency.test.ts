/**
 * A listing's prices are in one currency, the product's: a price override or a new base price in
 * another currency is refused (422 CATALOGUE.INVALID_LISTING), never stored as the same number in the product's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>
let seller: string

beforeAll(async () => {
  shop = await seedShop(db.sql, { promotions: false })
  api = await startApi(db.sql)
  seller = await sessionFor(db.sql, shop.seller.id)
})
afterAll(async () => {
  await api?.close()
})

const stored = async (productId: string) =>
  db.sql<Array<{ base_price: number; currency: string; price_override: number | null }>>`
    select p.base_price::int, trim(p.currency) as currency, v.price_override::int from products p join variants v on v.product_id = p.id where p.id = ${productId}`

describe("a listing's prices are in the product's currency", () => {
  it("a variant priced in another currency than the product is refused, and nothing is stored", async () => {
    const sku = `CUR-${Date.now()}`
    const created = await call(api, "POST", "/api/v1/seller/products", {
      token: seller,
      body: {
        title: "Leso",
        basePrice: { amount: 1_000_00, currency: "KES" },
        variants: [{ sku, priceOverride: { amount: 1_500_00, currency: "UGX" }, weightGrams: 200 }]
      }
    })
    expect(created).toMatchObject({ status: 422, body: { code: "CATALOGUE.INVALID_LISTING" } })
    expect(await db.sql`select 1 from variants where sku = ${sku}`).toHaveLength(0)
  })

  it("an edit cannot re-price a product or a variant in another currency", async () => {
    const before = await stored(shop.dress.productId)
    const rebased = await call(api, "PATCH", `/api/v1/seller/products/${shop.dress.productId}`, {
      token: seller,
      body: { basePrice: { amount: 9_000_00, currency: "TZS" } }
    })
    expect(rebased).toMatchObject({ status: 422, body: { code: "CATALOGUE.INVALID_LISTING" } })
    const overridden = await call(api, "PATCH", `/api/v1/seller/products/${shop.dress.productId}`, {
      token: seller,
      body: { variants: [{ id: shop.dress.variantId, sku: `DRESS-X-${Date.now()}`, priceOverride: { amount: 3_000_00, currency: "TZS" }, weightGrams: 400 }] }
    })
    expect(overridden).toMatchObject({ status: 422, body: { code: "CATALOGUE.INVALID_LISTING" } })
    expect(await stored(shop.dress.productId)).toEqual(before)
  })
})
