/** Browsing over HTTP: sellable products only, search in English and Swahili with typos, product page, geography. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { insertProduct, insertVariant } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, seedShop, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  shop = await seedShop(db.sql)
  // Not sellable: pending review, and verified but out of stock.
  await insertProduct(db.sql, { id: "prd_pending", storeId: shop.storeId, title: "Kitenge shirt", price: 900_00, state: "PENDING_REVIEW" })
  await insertVariant(db.sql, { id: "var_pending", productId: "prd_pending", sku: "SHIRT-P", weightGrams: 200, storeId: shop.storeId, onHand: 5 })
  await insertProduct(db.sql, { id: "prd_empty", storeId: shop.storeId, title: "Kitenge scarf", price: 500_00 })
  await insertVariant(db.sql, { id: "var_empty", productId: "prd_empty", sku: "SCARF-0", weightGrams: 100, storeId: shop.storeId, onHand: 0 })
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

const titles = async (q: string) => (await call(api, "GET", `/api/v1/products?q=${encodeURIComponent(q)}`)).body.items.map((p: { title: string }) => p.title)

describe("catalogue over HTTP", () => {
  it("lists only sellable products (verified, KYC-verified store, in stock)", async () => {
    const all = (await call(api, "GET", "/api/v1/products")).body.items.map((p: { id: string }) => p.id).sort()
    expect(all).toEqual([shop.basket.productId, shop.dress.productId].sort())
    expect(await titles("kitenge")).toEqual(["Kitenge dress"])
  })

  it.each([
    ["English, stemmed", "dresses", "Kitenge dress"],
    ["Swahili word from the description", "nguo", "Kitenge dress"],
    ["Swahili, as typed", "kiondo", "Sisal kiondo basket"],
    ["a typo", "kitnge", "Kitenge dress"],
    ["another typo", "baskit", "Sisal kiondo basket"]
  ])("search: %s (%s)", async (_what, q, expected) => {
    expect((await titles(q))[0]).toBe(expected)
  })

  it("product page: variants, prices, availability; a product not on sale is 404", async () => {
    const page = await call(api, "GET", `/api/v1/products/${shop.dress.productId}`)
    expect(page.body).toMatchObject({
      id: shop.dress.productId,
      price: { amount: 2_500_00, currency: "KES" },
      sellable: true,
      variants: [{ id: shop.dress.variantId, available: 50 }]
    })
    expect((await call(api, "GET", "/api/v1/products/prd_pending")).body.code).toBe("PRODUCT.NOT_FOUND")
    expect((await call(api, "GET", "/api/v1/products/prd_empty")).body).toMatchObject({ sellable: false, available: 0 })
  })

  it("geography: 47 counties, children by parent, pickup points by name or address", async () => {
    const counties = (await call(api, "GET", "/api/v1/locations")).body.items
    expect(counties).toHaveLength(47)
    expect(counties[0]).toMatchObject({ id: "KE-001", name: "Mombasa", kind: "COUNTY" })
    const towns = (await call(api, "GET", "/api/v1/locations?parent=KE-047")).body.items.map((l: { id: string }) => l.id)
    expect(towns).toContain("KE-047-westlands")
    expect((await call(api, "GET", "/api/v1/locations?parent=KE-999")).status).toBe(404)
    const lockers = (await call(api, "GET", "/api/v1/pickup-points?q=sarit")).body.items
    expect(lockers[0]).toMatchObject({ id: "KE-047-sarit-centre-locker", kind: "PICKUP_POINT" })
    expect(typeof lockers[0].lat).toBe("number")
  })

  it("categories (flat, each with its parent) and only verified brands, for a seller to choose from", async () => {
    await db.owner`insert into categories (id, name, slug) values ('cat_t_fashion', 'Fashion T', 'fashion-t')`
    await db.owner`insert into categories (id, name, slug, parent_id) values ('cat_t_shoes', 'Shoes T', 'shoes-t', 'cat_t_fashion')`
    await db.owner`insert into brands (id, name, state) values ('brd_t_ok', 'Bata T', 'VERIFIED'), ('brd_t_pending', 'Fake T', 'PENDING'), ('brd_t_gone', 'Gone T', 'SUSPENDED')`
    const cats = (await call(api, "GET", "/api/v1/categories")).body.items
    expect(cats.filter((c: { slug: string }) => c.slug.endsWith("-t"))).toEqual([
      { id: "cat_t_fashion", name: "Fashion T", slug: "fashion-t" },
      { id: "cat_t_shoes", name: "Shoes T", slug: "shoes-t", parentId: "cat_t_fashion" }
    ])
    const brands = (await call(api, "GET", "/api/v1/brands")).body.items.map((b: { id: string }) => b.id)
    expect(brands).toContain("brd_t_ok")
    expect(brands).not.toContain("brd_t_pending")
    expect(brands).not.toContain("brd_t_gone")
  })
})
