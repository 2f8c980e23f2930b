/**
 * A SKU is the item's id in the store's Meta catalogue. A seller renaming a variant's SKU (not a
 * material edit: the product stays on sale) must take the old id out of the catalogue; otherwise it
 * stays listed on Facebook and Instagram as it was, in stock, and outlives even the product's archiving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { startFakeMetaGraph } from "../fakes/meta-graph-server.js"
import type { FakeMetaGraph } from "../fakes/meta-graph-server.js"
import { call, drainOutbox, seedShop, sessionFor, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api
let graph: FakeMetaGraph
let shop: Awaited<ReturnType<typeof seedShop>>
let owner: string
const CATALOG = "5566778899001122"
let TOKEN: string

beforeAll(async () => {
  graph = await startFakeMetaGraph()
  TOKEN = graph.addCatalog(CATALOG)
  graph.pollsBeforeFinished = 0
  process.env["META_GRAPH_BASE_URL"] = graph.baseUrl
  process.env["STOREFRONT_BASE_URL"] = "https://shop.amana.example"
  shop = await seedShop(db.sql, { promotions: false })
  owner = await sessionFor(db.sql, shop.seller.id)
  await db.sql`update stores set slug = 'duka-renamed' where id = ${shop.storeId}`
  await db.sql`update products set media = ${db.sql.json(["https://images.amana.example/dress.jpg"])} where id = ${shop.dress.productId}`
  api = await startApi(db.sql)
}, 60_000)
afterAll(async () => {
  await api?.close()
  await graph?.close()
  delete process.env["META_GRAPH_BASE_URL"]
  delete process.env["STOREFRONT_BASE_URL"]
})

describe("a renamed SKU in the Meta catalogue", () => {
  it("leaves the catalogue when the seller renames it, and nothing of the product is left once it is archived", async () => {
    const connected = await call(api, "PUT", "/api/v1/seller/store/meta-catalogue", { token: owner, body: { catalogId: CATALOG, accessToken: TOKEN } })
    expect(connected.status).toBe(200)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const [old] = await db.sql<Array<{ sku: string }>>`select sku from variants where id = ${shop.dress.variantId}`
    const items = () => [...graph.items.get(CATALOG)!.keys()].sort()
    expect(items()).toEqual([old!.sku])

    const renamed = `${old!.sku}-NEW`
    const edit = await call(api, "PATCH", `/api/v1/seller/products/${shop.dress.productId}`, {
      token: owner,
      body: { variants: [{ id: shop.dress.variantId, sku: renamed, weightGrams: 400 }] }
    })
    expect(edit.status, JSON.stringify(edit.body)).toBe(200)
    expect(edit.body.state).toBe("VERIFIED")
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect(items()).toEqual([renamed])

    expect((await call(api, "DELETE", `/api/v1/seller/products/${shop.dress.productId}`, { token: owner })).status).toBe(200)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect(items()).toEqual([])
  })
})
