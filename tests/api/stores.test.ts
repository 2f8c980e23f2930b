/**
 * Stores as tenants over HTTP: a store and its products by slug (only what buyers may see), the
 * catalogue scoped to the store named by the Host (<slug>.STORE_DOMAIN) or, behind a trusted edge,
 * X-Store-Subdomain; and the cache (Redis when REDIS_URL is set, in-process otherwise): a change is
 * not seen while cached, and is seen once the change's event has invalidated it.
 */
import { request } from "node:http"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cacheKeyPrefix } from "../../adapters/redis/cache.js"
import { insertProduct, insertStore, insertUser, insertVariant } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, drainOutbox, randomPhone, seedShop, sessionFor, startApi } from "./support.js"
import type { Api, Reply } from "./support.js"

const db = useTestDatabase()
const DOMAIN = "shops.amana.test"
let api: Api
let trusted: Api
let shop: Awaited<ReturnType<typeof seedShop>>
let other: Awaited<ReturnType<typeof seedShop>>

/** A GET with a Host of our choosing (fetch will not let a caller set Host). */
const withHost = (base: Api, path: string, headers: Record<string, string>): Promise<Reply> =>
  new Promise((done, fail) => {
    const u = new URL(base.url)
    const req = request({ host: u.hostname, port: u.port, path, method: "GET", headers }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        done({ status: res.statusCode ?? 0, headers: new Headers(res.headers as Record<string, string>), body: text === "" ? undefined : JSON.parse(text) })
      })
    })
    req.on("error", fail)
    req.end()
  })

const ids = (r: Reply) => (r.body.items as Array<{ id: string }>).map((p) => p.id).sort()

beforeAll(async () => {
  shop = await seedShop(db.sql)
  other = await seedShop(db.sql, { promotions: false })
  await db.sql`update stores set slug = 'duka-moja' where id = ${shop.storeId}`
  await db.sql`update stores set slug = 'duka-mbili' where id = ${other.storeId}`
  // not for buyers: a product under review, an archived one; shown with 0 available: a verified one out of stock
  await insertProduct(db.sql, { id: `prd_review_${shop.storeId}`, storeId: shop.storeId, title: "Under review", price: 100_00, state: "PENDING_REVIEW" })
  await insertProduct(db.sql, { id: `prd_gone_${shop.storeId}`, storeId: shop.storeId, title: "Archived", price: 100_00 })
  await db.sql`update products set archived_at = now() where id = ${`prd_gone_${shop.storeId}`}`
  await insertProduct(db.sql, { id: `prd_empty_${shop.storeId}`, storeId: shop.storeId, title: "Sold out scarf", price: 500_00 })
  await insertVariant(db.sql, {
    id: `var_empty_${shop.storeId}`,
    productId: `prd_empty_${shop.storeId}`,
    sku: `EMPTY-${shop.storeId}`,
    weightGrams: 100,
    storeId: shop.storeId,
    onHand: 0
  })
  await insertUser(db.sql, { id: "usr_pending_owner", phone: randomPhone(), roles: ["SELLER_OWNER"] })
  await insertStore(db.sql, { id: "sto_pending", ownerId: "usr_pending_owner", name: "Not yet", kyc: "PENDING" })
  await db.sql`update stores set slug = 'bado' where id = 'sto_pending'`
  process.env["STORE_DOMAIN"] = DOMAIN
  try {
    api = await startApi(db.sql)
    process.env["TRUST_PROXY"] = "loopback"
    trusted = await startApi(db.sql)
  } finally {
    delete process.env["STORE_DOMAIN"]
    delete process.env["TRUST_PROXY"]
  }
})
afterAll(async () => {
  await api?.close()
  await trusted?.close()
})

describe("a store by slug", () => {
  it("answers a verified store; an unknown or unverified one is 404 STORE.NOT_FOUND; a malformed slug is 400", async () => {
    const store = await call(api, "GET", "/api/v1/stores/DUKA-MOJA")
    expect(store).toMatchObject({
      status: 200,
      body: { id: shop.storeId, slug: "duka-moja", name: expect.stringContaining("Duka"), currency: "KES", productCount: 3 }
    })
    for (const slug of ["no-such-duka", "bado"]) {
      const missing = await call(api, "GET", `/api/v1/stores/${slug}/products`)
      expect(missing).toMatchObject({ status: 404, body: { code: "STORE.NOT_FOUND" } })
    }
    expect((await call(api, "GET", "/api/v1/stores/a.b")).body.code).toBe("REQUEST.INVALID")
  })

  it("lists only what buyers may see: verified, not archived; out of stock with 0 available", async () => {
    const listed = await call(api, "GET", "/api/v1/stores/duka-moja/products")
    expect(listed.status).toBe(200)
    expect(ids(listed)).toEqual([shop.basket.productId, shop.dress.productId, `prd_empty_${shop.storeId}`].sort())
    expect(listed.body.items.find((p: { id: string }) => p.id === `prd_empty_${shop.storeId}`).available).toBe(0)
    expect(listed.body.store.slug).toBe("duka-moja")
    const page = await call(api, "GET", "/api/v1/stores/duka-moja/products?limit=1&offset=1")
    expect(page.body.items).toHaveLength(1)
  })
})

describe("the catalogue on a store's own host", () => {
  it("<slug>.STORE_DOMAIN scopes search and product pages to that store; an unknown one is 404", async () => {
    const everything = await call(api, "GET", "/api/v1/products")
    expect(ids(everything)).toEqual(expect.arrayContaining([shop.dress.productId, other.dress.productId]))
    const scoped = await withHost(api, "/api/v1/products", { host: `duka-mbili.${DOMAIN}` })
    expect(ids(scoped)).toEqual([other.basket.productId, other.dress.productId].sort())
    const withPort = await withHost(api, "/api/v1/products?q=kitenge", { host: `DUKA-MOJA.${DOMAIN}:443` })
    expect(ids(withPort)).toEqual([shop.dress.productId])
    expect((await withHost(api, `/api/v1/products/${shop.dress.productId}`, { host: `duka-mbili.${DOMAIN}` })).body.code).toBe("PRODUCT.NOT_FOUND")
    expect((await withHost(api, `/api/v1/products/${other.dress.productId}`, { host: `duka-mbili.${DOMAIN}` })).status).toBe(200)
    for (const host of [`hakuna.${DOMAIN}`, `bado.${DOMAIN}`, `a.b.${DOMAIN}`]) {
      const unknown = await withHost(api, "/api/v1/products", { host })
      expect(unknown, host).toMatchObject({ status: 404, body: { code: "STORE.NOT_FOUND" } })
    }
    // the marketplace's own host and others are not scoped
    expect(ids(await withHost(api, "/api/v1/products", { host: DOMAIN }))).toEqual(ids(everything))
    expect(ids(await withHost(api, "/api/v1/products", { host: `duka-mbili.evil.example` }))).toEqual(ids(everything))
  })

  it("X-Store-Subdomain is believed only behind a trusted edge (TRUST_PROXY)", async () => {
    const untrusted = await withHost(api, "/api/v1/products", { host: "127.0.0.1", "x-store-subdomain": "duka-mbili" })
    expect(ids(untrusted)).toEqual(expect.arrayContaining([shop.dress.productId, other.dress.productId]))
    const edge = await withHost(trusted, "/api/v1/products", { host: "127.0.0.1", "x-store-subdomain": "duka-mbili" })
    expect(ids(edge)).toEqual([other.basket.productId, other.dress.productId].sort())
    expect((await withHost(trusted, "/api/v1/products", { host: "127.0.0.1", "x-store-subdomain": "hakuna" })).status).toBe(404)
  })
})

describe("the cache", () => {
  it("a product change is not seen while cached, and is seen once its event has invalidated the store's cache", async () => {
    const before = await call(api, "GET", "/api/v1/stores/duka-mbili/products")
    const dress = () => before.body.items.find((p: { id: string }) => p.id === other.dress.productId)
    expect(dress().description).not.toBe("Now in indigo")
    const redis = process.env["REDIS_URL"]?.trim() ? new Redis(process.env["REDIS_URL"]) : undefined
    try {
      if (redis) expect(await redis.keys(`${cacheKeyPrefix()}store:duka-mbili:*`)).toHaveLength(2)
      const seller = await sessionFor(db.sql, other.seller.id)
      const edited = await call(api, "PATCH", `/api/v1/seller/products/${other.dress.productId}`, { token: seller, body: { description: "Now in indigo" } })
      expect(edited.status).toBe(200)
      const cached = await call(api, "GET", "/api/v1/stores/duka-mbili/products")
      expect(cached.body.items.find((p: { id: string }) => p.id === other.dress.productId).description).toBe(dress().description)
      expect(await drainOutbox(api, db.sql)).toEqual([])
      if (redis) expect(await redis.keys(`${cacheKeyPrefix()}store:duka-mbili:*`)).toEqual([])
      const fresh = await call(api, "GET", "/api/v1/stores/duka-mbili/products")
      expect(fresh.body.items.find((p: { id: string }) => p.id === other.dress.productId).description).toBe("Now in indigo")
    } finally {
      await redis?.quit()
    }
  })

  it("a seller's stock change is audited and invalidates the store's cached product list (STOCK_SET); an unchanged figure records nothing", async () => {
    const seller = await sessionFor(db.sql, other.seller.id)
    const available = async () =>
      (await call(api, "GET", "/api/v1/stores/duka-mbili/products")).body.items.find((p: { id: string }) => p.id === other.basket.productId).available
    const was: number = await available()
    const set = await call(api, "PUT", `/api/v1/seller/inventory/${other.basket.variantId}`, { token: seller, body: { onHand: was + 7 } })
    expect(set.status, JSON.stringify(set.body)).toBe(200)
    expect(await available()).toBe(was)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect(await available()).toBe(was + 7)
    const entries = await db.sql<Array<{ action: string; actor_id: string; actor_role: string; before: unknown; after: unknown }>>`
      select action, actor_id, actor_role, before, after from audit_log where entity_id = ${other.basket.variantId} order by seq`
    expect(entries).toEqual([{ action: "STOCK.SET", actor_id: other.seller.id, actor_role: "OWNER", before: { onHand: was }, after: { onHand: was + 7 } }])
    const [event] =
      await db.sql`select event_type, aggregate_id from outbox where event_type = 'STOCK_SET' and payload->>'variantId' = ${other.basket.variantId}`
    expect(event).toEqual({ event_type: "STOCK_SET", aggregate_id: other.basket.productId })
    // the same figure again changes nothing, so nothing is recorded
    expect((await call(api, "PUT", `/api/v1/seller/inventory/${other.basket.variantId}`, { token: seller, body: { onHand: was + 7 } })).status).toBe(200)
    expect(await db.sql`select 1 from audit_log where entity_id = ${other.basket.variantId}`).toHaveLength(1)
  })

  it("a store whose KYC is suspended disappears once the decision's event is handled", async () => {
    expect((await call(api, "GET", "/api/v1/stores/duka-moja")).status).toBe(200)
    await db.sql`update stores set kyc_state = 'SUSPENDED', kyc_reason = 'test' where id = ${shop.storeId}`
    await db.sql`insert into outbox (event_type, aggregate_type, aggregate_id, payload)
      values ('SELLER_KYC_SUSPENDED', 'STORE', ${shop.storeId}, ${db.sql.json({ storeId: shop.storeId, from: "VERIFIED", to: "SUSPENDED" } as never)})`
    expect((await call(api, "GET", "/api/v1/stores/duka-moja")).status).toBe(200)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect((await call(api, "GET", "/api/v1/stores/duka-moja")).status).toBe(404)
  })
})
