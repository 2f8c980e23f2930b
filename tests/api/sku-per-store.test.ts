/**
 * A SKU is the store's own code (and its Meta catalogue item id): unique within a store, not across
 * the platform. Another store's SKU neither blocks a listing nor is revealed by a refusal; a SKU a
 * store removed from a product can be listed on it again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let a: Awaited<ReturnType<typeof seedShop>>
let b: Awaited<ReturnType<typeof seedShop>>
let sellerA: string
let sellerB: string

beforeAll(async () => {
  a = await seedShop(db.sql, { promotions: false })
  b = await seedShop(db.sql, { promotions: false })
  api = await startApi(db.sql)
  sellerA = await sessionFor(db.sql, a.seller.id)
  sellerB = await sessionFor(db.sql, b.seller.id)
})
afterAll(async () => {
  await api?.close()
})

const skuOf = async (variantId: string) => (await db.sql<Array<{ sku: string }>>`select sku from variants where id = ${variantId}`)[0]!.sku

const listing = (sku: string) => ({
  title: "Samsung Galaxy A14",
  basePrice: { amount: 18_000_00, currency: "KES" },
  variants: [{ sku, attributes: { colour: "black" }, weightGrams: 300, stock: 3 }]
})

describe("SKUs are unique per store", () => {
  it("a store lists a SKU another store already uses; inside one store it is still 409 CATALOGUE.SKU_TAKEN", async () => {
    const taken = await skuOf(a.dress.variantId)
    const other = await call(api, "POST", "/api/v1/seller/products", { token: sellerB, body: listing(taken) })
    expect(other.status).toBe(201)
    expect(other.body.variants[0].sku).toBe(taken)
    const same = await call(api, "POST", "/api/v1/seller/products", { token: sellerA, body: listing(taken) })
    expect(same).toMatchObject({ status: 409, body: { code: "CATALOGUE.SKU_TAKEN" } })
  })

  it("a SKU removed from a product can be listed on it again (the same variant comes back, for review)", async () => {
    const created = await call(api, "POST", "/api/v1/seller/products", {
      token: sellerA,
      body: {
        title: "Kanga",
        basePrice: { amount: 900_00, currency: "KES" },
        variants: [
          { sku: `KANGA-RED-${Date.now()}`, attributes: { colour: "red" }, weightGrams: 200, stock: 4 },
          { sku: `KANGA-BLUE-${Date.now()}`, attributes: { colour: "blue" }, weightGrams: 200, stock: 2 }
        ]
      }
    })
    expect(created.status).toBe(201)
    const [red, blue] = created.body.variants as Array<{ id: string; sku: string; attributes: Record<string, string>; weightGrams: number }>
    await db.sql`update products set state = 'VERIFIED' where id = ${created.body.id}`
    const keepRed = { id: red!.id, sku: red!.sku, attributes: red!.attributes, weightGrams: red!.weightGrams }
    const removed = await call(api, "PATCH", `/api/v1/seller/products/${created.body.id}`, { token: sellerA, body: { variants: [keepRed] } })
    expect(removed.status).toBe(200)
    expect(removed.body.variants.map((v: { sku: string }) => v.sku)).toEqual([red!.sku])

    const back = await call(api, "PATCH", `/api/v1/seller/products/${created.body.id}`, {
      token: sellerA,
      body: { variants: [keepRed, { sku: blue!.sku, attributes: { colour: "navy" }, weightGrams: 250 }] }
    })
    expect(back.status).toBe(200)
    expect(back.body.state).toBe("PENDING_REVIEW")
    const again = (back.body.variants as Array<{ id: string; sku: string; attributes: Record<string, string>; onHand: number }>).find(
      (v) => v.sku === blue!.sku
    )
    expect(again).toMatchObject({ id: blue!.id, attributes: { colour: "navy" }, onHand: 2 })
    expect(await db.sql`select id from variants where sku = ${blue!.sku}`).toHaveLength(1)
  })
})
