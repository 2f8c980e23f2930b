/**
 * A listing names its brand and category by id: one that does not exist is a 422 naming the field,
 * never a 503 ("the database is unavailable") from the foreign key, and nothing is written.
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

const product = (over: Record<string, unknown>) => ({
  title: "Maasai shuka",
  basePrice: { amount: 1_200_00, currency: "KES" },
  variants: [{ sku: `SHUKA-${Date.now()}-${Math.random()}`, weightGrams: 300 }],
  ...over
})

describe("a listing's brand and category must exist", () => {
  it("creating with an unknown brand or category is 422 CATALOGUE.INVALID_LISTING naming the field; nothing is written", async () => {
    for (const [field, value] of [
      ["brandId", "brd_nobody"],
      ["categoryId", "cat_nowhere"]
    ] as const) {
      const res = await call(api, "POST", "/api/v1/seller/products", { token: seller, body: product({ [field]: value }) })
      expect(res.status, JSON.stringify(res.body)).toBe(422)
      expect(res.body.code).toBe("CATALOGUE.INVALID_LISTING")
      expect(JSON.stringify(res.body)).toContain(field)
    }
    expect(await db.sql`select 1 from products where store_id = ${shop.storeId} and title = 'Maasai shuka'`).toHaveLength(0)
  })

  it("an edit naming an unknown brand or category is 422 too, and the product is unchanged", async () => {
    const [before] = await db.sql`select brand_id, category_id, state, version from products where id = ${shop.dress.productId}`
    for (const body of [{ brandId: "brd_nobody" }, { categoryId: "cat_nowhere" }]) {
      const res = await call(api, "PATCH", `/api/v1/seller/products/${shop.dress.productId}`, { token: seller, body })
      expect(res.status, JSON.stringify(res.body)).toBe(422)
      expect(res.body.code).toBe("CATALOGUE.INVALID_LISTING")
    }
    expect((await db.sql`select brand_id, category_id, state, version from products where id = ${shop.dress.productId}`)[0]).toEqual(before)
  })
})
