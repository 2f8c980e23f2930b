/**
 * Meta's catalogue over HTTP (issue 15): the feed at /feeds/meta/:storeSlug.csv (only what buyers
 * may see, every row checked against Meta's column rules by domain/meta-feed.ts's validator and read
 * back by an independent RFC 4180 reader; cached and dropped on product events), the owner's
 * connection (the token sealed, never shown, logged or audited) and the sync by the Catalog Batch
 * API against a fake Graph server (tests/fakes/meta-graph-server.ts) through the outbox.
 */
import fc from "fast-check"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { validateFeedRow } from "../../domain/meta-feed.js"
import { submitCatalogueSync } from "../../application/meta-catalogue/sync.js"
import { invalidateStoreCache } from "../../application/storefront/storefront.js"
import { makeSecretBox } from "../../adapters/system/secret-box.js"
import { insertProduct, insertUser, insertVariant } from "../../adapters/postgres/seed.js"
import { StoreId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { csvObjects } from "../support/csv.js"
import { startFakeMetaGraph } from "../fakes/meta-graph-server.js"
import type { FakeMetaGraph } from "../fakes/meta-graph-server.js"
import { call, drainOutbox, randomPhone, seedShop, sessionFor, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api
let graph: FakeMetaGraph
let shop: Awaited<ReturnType<typeof seedShop>>
let owner: string
let dressSku: string
let basketSku: string
const SLUG = "duka-meta"
const CATALOG = "4455667788990011"
let TOKEN: string
const IMG = "https://images.amana.example/"

const feed = async (slug = SLUG) => {
  const res = await fetch(`${api.url}/feeds/meta/${slug}.csv`)
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() }
}
const rowsOf = (text: string) => csvObjects(text)

const product = async (
  id: string,
  over: { title?: string; state?: string; brandId?: string; media?: Array<string>; onHand?: number; description?: string } = {}
) => {
  await insertProduct(db.sql, {
    id,
    storeId: shop.storeId,
    title: over.title ?? id,
    description: over.description ?? `About ${id}`,
    price: 1_500_00,
    ...(over.state !== undefined && { state: over.state }),
    ...(over.brandId !== undefined && { brandId: over.brandId }),
    media: over.media ?? [`${IMG}${id}.jpg`]
  })
  await insertVariant(db.sql, { id: `var_${id}`, productId: id, sku: `SKU-${id}`, weightGrams: 300, storeId: shop.storeId, onHand: over.onHand ?? 5 })
}

beforeAll(async () => {
  graph = await startFakeMetaGraph()
  TOKEN = graph.addCatalog(CATALOG)
  process.env["META_GRAPH_BASE_URL"] = graph.baseUrl
  process.env["STOREFRONT_BASE_URL"] = "https://shop.amana.example"
  shop = await seedShop(db.sql, { promotions: false })
  owner = await sessionFor(db.sql, shop.seller.id)
  const skus = await db.sql<Array<{ id: string; sku: string }>>`select id, sku from variants where id in (${shop.dress.variantId}, ${shop.basket.variantId})`
  dressSku = skus.find((v) => v.id === shop.dress.variantId)!.sku
  basketSku = skus.find((v) => v.id === shop.basket.variantId)!.sku
  await db.sql`update stores set slug = ${SLUG}, name = ${'Duka "Meta", Nairobi'} where id = ${shop.storeId}`
  await db.sql`update products set media = ${db.sql.json([`${IMG}dress.jpg`, `${IMG}dress-2.jpg`])} where id = ${shop.dress.productId}`
  await db.sql`insert into brands (id, name, state) values ('brd_jua', 'Jua Kali', 'VERIFIED'), ('brd_pending', 'Pending Co', 'PENDING')`
  await product("prd_nasty", { title: `Kanga "Jua", red\nnew 😀 ${"ndefu ".repeat(25)}`, description: 'Line one\r\nline "two", three\u0007' })
  await product("prd_branded", { brandId: "brd_jua" })
  await product("prd_pending_brand", { brandId: "brd_pending" })
  await product("prd_in_review", { state: "PENDING_REVIEW" })
  await product("prd_sold_out", { onHand: 0 })
  await product("prd_archived")
  await db.sql`update products set archived_at = now() where id = 'prd_archived'`
  api = await startApi(db.sql)
}, 60_000)
afterAll(async () => {
  await api?.close()
  await graph?.close()
  delete process.env["META_GRAPH_BASE_URL"]
  delete process.env["STOREFRONT_BASE_URL"]
})

describe("the Meta feed", () => {
  it("lists exactly what buyers may see, one row per SKU, every row within Meta's column rules", async () => {
    const { status, type, text } = await feed()
    expect(status).toBe(200)
    expect(type).toBe("text/csv; charset=utf-8")
    const rows = rowsOf(text)
    for (const r of rows) expect(validateFeedRow(r)).toEqual([])
    // the basket has no image (Meta requires one): left out; in review, archived, pending brand: not sold
    expect(rows.map((r) => r["id"]).sort()).toEqual(["SKU-prd_branded", "SKU-prd_nasty", "SKU-prd_sold_out", dressSku].sort())
    const byId = new Map(rows.map((r) => [r["id"], r]))
    expect(byId.get(dressSku)).toMatchObject({
      title: "Kitenge dress",
      price: "2500.00 KES",
      availability: "in stock",
      condition: "new",
      brand: 'Duka "Meta", Nairobi',
      link: `https://shop.amana.example/products/${shop.dress.productId}`,
      image_link: `${IMG}dress.jpg`,
      item_group_id: shop.dress.productId
    })
    expect(byId.get("SKU-prd_branded")?.["brand"]).toBe("Jua Kali")
    expect(byId.get("SKU-prd_sold_out")?.["availability"]).toBe("out of stock")
    const nasty = byId.get("SKU-prd_nasty")!
    expect(nasty["title"]!.startsWith('Kanga "Jua", red new 😀 ndefu')).toBe(true)
    expect(nasty["title"]!.length).toBeLessThanOrEqual(200)
    expect(nasty["description"]).toBe('Line one\nline "two", three')
  })

  it("is described in the OpenAPI document, as CSV, beside the owner's connection endpoints", async () => {
    const doc = await call(api, "GET", "/api/openapi.json")
    expect(Object.keys(doc.body.paths["/feeds/meta/{storeSlug}.csv"].get.responses["200"].content)).toEqual(["text/csv"])
    expect(Object.keys(doc.body.paths["/api/v1/seller/store/meta-catalogue"]).sort()).toEqual(["delete", "get", "put"])
  })

  it("an unknown store, or one not KYC-verified, is 404 problem+json; a slug that cannot be one is 400", async () => {
    const unknown = await call(api, "GET", "/feeds/meta/nobody-here.csv")
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get("content-type")).toContain("application/problem+json")
    expect(unknown.body.code).toBe("STORE.NOT_FOUND")
    const pendingOwner = `usr_pending_${Date.now()}`
    await insertUser(db.sql, { id: pendingOwner, phone: randomPhone(), roles: ["SELLER_OWNER"] })
    await db.sql`insert into stores (id, owner_user_id, name, slug, kyc_state) values ('sto_pending_meta', ${pendingOwner}, 'Pending', 'duka-pending', 'PENDING')`
    expect((await call(api, "GET", "/feeds/meta/duka-pending.csv")).status).toBe(404)
    const bad = await call(api, "GET", "/feeds/meta/x.csv")
    expect(bad.status).toBe(400)
    expect(bad.body.code).toBe("REQUEST.INVALID")
  })

  it("is cached, and a product event drops it: stock set to 0 by the seller shows out of stock once the outbox has run", async () => {
    const before = rowsOf((await feed()).text)
    // a change no event announces is not seen while the copy lives
    await db.sql`update products set description = 'changed behind the cache' where id = 'prd_branded'`
    expect(rowsOf((await feed()).text)).toEqual(before)
    const set = await call(api, "PUT", "/api/v1/seller/inventory/var_prd_branded", { token: owner, body: { onHand: 0 } })
    expect(set.status, JSON.stringify(set.body)).toBe(200)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const after = new Map(rowsOf((await feed()).text).map((r) => [r["id"], r]))
    expect(after.get("SKU-prd_branded")).toMatchObject({ availability: "out of stock", description: "changed behind the cache" })
  })

  it("property: whatever a seller types into titles and descriptions, every row passes and the CSV reads back to what was stored", async () => {
    // PostgreSQL text cannot hold NUL (domain/meta-feed's tests cover it); everything else a seller might paste
    const piece = fc.oneof(
      fc.constantFrom('"', ",", "\r\n", "\n", "\r", "\t", "\u0007", "\u0085", "😀", "👩‍👩‍👧", "🇰🇪", "é", " ", "Kanga", ";", "'"),
      fc.string({ unit: "grapheme", maxLength: 6 })
    )
    const text = (max: number) => fc.array(piece, { minLength: 1, maxLength: max }).map((p) => p.join(""))
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ title: text(120), description: text(60) }), { minLength: 3, maxLength: 3 }), async (edits) => {
        const ids = ["prd_nasty", "prd_branded", "prd_sold_out"]
        for (const [k, e] of edits.entries()) {
          const title = e.title
            // eslint-disable-next-line no-control-regex -- control characters are what this looks for
            .replace(/\u0000/g, "")
            .slice(0, 200)
            .padEnd(1, "x")
          // eslint-disable-next-line no-control-regex -- control characters are what this looks for
          await db.sql`update products set title = ${title}, description = ${e.description.replace(/\u0000/g, "")} where id = ${ids[k]!}`
        }
        await api.runtime.runPromise(invalidateStoreCache(StoreId.make(shop.storeId)))
        const { status, text: csv } = await feed()
        expect(status).toBe(200)
        const rows = rowsOf(csv)
        for (const r of rows) expect(validateFeedRow(r)).toEqual([])
        // a title with nothing printable is left out; the others are there with their SKU
        const kept = rows.map((r) => r["id"])
        for (const [k, e] of edits.entries())
          // eslint-disable-next-line no-control-regex -- control characters are what this looks for
          if (e.title.replace(/[\s\u0000-\u001f\u007f-\u009f]/g, "") !== "" && e.title.length <= 200) expect(kept).toContain(`SKU-${ids[k]}`)
      }),
      { numRuns: 15 }
    )
    // the sync tests below expect printable titles again
    await db.sql`update products set title = id where id in ('prd_nasty', 'prd_branded', 'prd_sold_out')`
    await api.runtime.runPromise(invalidateStoreCache(StoreId.make(shop.storeId)))
  })
})

describe("connecting a Meta catalogue", () => {
  // every line any logger writes while the token is connected, used and refused (checked last)
  const printed: Array<string> = []
  beforeAll(() => {
    for (const stream of ["log", "info", "warn", "error", "debug"] as const)
      vi.spyOn(console, stream).mockImplementation(
        (...args: Array<unknown>) => void printed.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "))
      )
    const write = process.stdout.write.bind(process.stdout)
    vi.spyOn(process.stdout, "write").mockImplementation(((chunk: unknown, ...rest: Array<never>) => {
      printed.push(String(chunk))
      return write(chunk as string, ...rest)
    }) as typeof process.stdout.write)
  })
  afterAll(() => {
    vi.restoreAllMocks()
  })
  it("only the owner connects; a bad catalogue id or token is 400 and the refusal never quotes the token", async () => {
    const staff = `usr_staff_meta_${Date.now()}`
    await insertUser(db.sql, { id: staff, phone: randomPhone(), roles: ["SELLER_STAFF"] })
    await db.sql`insert into store_members (store_id, user_id, role) values (${shop.storeId}, ${staff}, 'STAFF')`
    const byStaff = await call(api, "PUT", "/api/v1/seller/store/meta-catalogue", {
      token: await sessionFor(db.sql, staff),
      body: { catalogId: CATALOG, accessToken: TOKEN }
    })
    expect(byStaff.status).toBe(403)
    const badToken = "short secret with spaces"
    const bad = await call(api, "PUT", "/api/v1/seller/store/meta-catalogue", { token: owner, body: { catalogId: "12ab", accessToken: badToken } })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).not.toContain(badToken)
    expect(JSON.stringify(bad.body)).toContain("catalogId")
  })

  it("connects: the token is never returned, audited, put in an event or stored in clear; the whole store is synced at once", async () => {
    const put = await call(api, "PUT", "/api/v1/seller/store/meta-catalogue", { token: owner, body: { catalogId: CATALOG, accessToken: TOKEN } })
    expect(put.status, JSON.stringify(put.body)).toBe(200)
    expect(put.body).toEqual({ connected: true, catalogId: CATALOG, connectedAt: expect.any(Number) })
    const [row] = await db.sql<Array<{ token_sealed: string }>>`select token_sealed from meta_catalogue_connections where store_id = ${shop.storeId}`
    expect(row!.token_sealed).toMatch(/^v1:/)
    expect(row!.token_sealed).not.toContain(TOKEN)
    const everywhere = JSON.stringify([
      await db.sql`select * from audit_log where entity_id = ${shop.storeId}`,
      await db.sql`select * from outbox where aggregate_id = ${shop.storeId}`
    ])
    expect(everywhere).toContain("STORE.META_CATALOGUE_CONNECT")
    expect(everywhere).not.toContain(TOKEN)

    expect((await drainOutbox(api, db.sql)).join()).toContain("meta-catalogue.check-batch")
    const [batch] = graph.batches
    expect(graph.batches).toHaveLength(1)
    // every variant of the store: listed ones as UPDATE with the feed's fields, the rest DELETE
    const byMethod = (m: string) => batch!.requests.filter((r) => r.method === m).map((r) => r.data["id"])
    expect(byMethod("UPDATE").sort()).toEqual(
      rowsOf((await feed()).text)
        .map((r) => r["id"])
        .sort()
    )
    expect(byMethod("DELETE").sort()).toEqual(["SKU-prd_archived", "SKU-prd_in_review", "SKU-prd_pending_brand", basketSku].sort())
    for (const r of batch!.requests.filter((r) => r.method === "UPDATE")) expect(validateFeedRow(r.data as Record<string, string>)).toEqual([])
    // the token went as a Bearer header, never in a URL
    expect(graph.calls.every((c) => c.authorization === `Bearer ${TOKEN}` && !c.url.includes(TOKEN))).toBe(true)

    const view = await call(api, "GET", "/api/v1/seller/store/meta-catalogue", { token: owner })
    expect(JSON.stringify(view.body)).not.toContain(TOKEN)
    expect(view.body).toMatchObject({
      connected: true,
      catalogId: CATALOG,
      batches: [{ status: expect.stringMatching(/SUBMITTED|FINISHED/), items: batch!.requests.length }]
    })
    // the status poll was in progress once (a routine retry: the event stays unpublished); now finished, no item errors
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const done = await call(api, "GET", "/api/v1/seller/store/meta-catalogue", { token: owner })
    expect(done.body.batches[0]).toMatchObject({ status: "FINISHED", errors: [], finishedAt: expect.any(Number) })
    expect([...graph.items.get(CATALOG)!.keys()].sort()).toEqual(byMethod("UPDATE").sort())
    graph.pollsBeforeFinished = 0
  })

  it("a product change is one items_batch call with the product's variants as they are now; replaying the request changes nothing", async () => {
    const calls = graph.batches.length
    const archived = await call(api, "DELETE", `/api/v1/seller/products/${shop.dress.productId}`, { token: owner })
    expect(archived.status).toBe(200)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect(graph.batches).toHaveLength(calls + 1)
    const last = graph.batches.at(-1)!
    expect(last.requests).toEqual([{ method: "DELETE", data: { id: dressSku } }])
    expect(graph.items.get(CATALOG)!.has(dressSku)).toBe(false)

    // the same request handled twice (at least once delivery): a second call with the same whole state
    const before = JSON.stringify([...graph.items.get(CATALOG)!.entries()])
    await api.runtime.runPromise(submitCatalogueSync({ storeId: shop.storeId, productIds: ["prd_branded"] }))
    await api.runtime.runPromise(submitCatalogueSync({ storeId: shop.storeId, productIds: ["prd_branded"] }))
    expect(JSON.stringify([...graph.items.get(CATALOG)!.entries()])).toBe(before)
    expect(await drainOutbox(api, db.sql)).toEqual([])
  })

  it("Meta throttling is retried by the outbox; per-item errors are recorded for the seller; a revoked token is REFUSED, not retried", async () => {
    graph.failNext("rate_limit")
    const set = await call(api, "PUT", "/api/v1/seller/inventory/var_prd_nasty", { token: owner, body: { onHand: 7 } })
    expect(set.status).toBe(200)
    const first = await drainOutbox(api, db.sql, 2)
    expect(first.join()).toContain("80014")
    expect(first.join()).not.toContain(TOKEN)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const item = graph.items.get(CATALOG)!.get("SKU-prd_nasty")!
    expect(item["availability"]).toBe("in stock")

    // Meta refuses one item (it cannot fetch its image): listed per item for the seller
    graph.rejectImageLinks.add(`${IMG}prd_nasty.jpg`)
    await call(api, "PUT", "/api/v1/seller/inventory/var_prd_nasty", { token: owner, body: { onHand: 6 } })
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const view = await call(api, "GET", "/api/v1/seller/store/meta-catalogue", { token: owner })
    expect(view.body.batches[0]).toMatchObject({
      status: "FINISHED",
      errors: [{ id: "SKU-prd_nasty", message: `Image could not be downloaded: ${IMG}prd_nasty.jpg` }]
    })
    graph.rejectImageLinks.clear()

    graph.failNext("bad_token")
    await call(api, "PUT", "/api/v1/seller/inventory/var_prd_nasty", { token: owner, body: { onHand: 8 } })
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const refused = await call(api, "GET", "/api/v1/seller/store/meta-catalogue", { token: owner })
    expect(refused.body.batches[0]).toMatchObject({ status: "REFUSED", errors: [{ message: expect.stringContaining("190") }] })
    expect(JSON.stringify(refused.body)).not.toContain(TOKEN)
  })

  it("disconnecting stops the sync; a store without a connection causes no call", async () => {
    const off = await call(api, "DELETE", "/api/v1/seller/store/meta-catalogue", { token: owner })
    expect(off.body).toEqual({ connected: false })
    const calls = graph.calls.length
    await call(api, "PUT", "/api/v1/seller/inventory/var_prd_nasty", { token: owner, body: { onHand: 3 } })
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect(graph.calls.length).toBe(calls)
    expect((await call(api, "GET", "/api/v1/seller/store/meta-catalogue", { token: owner })).body.connected).toBe(false)
  })

  it("no log line, of any logger, ever carried the token", () => {
    expect(printed.length).toBeGreaterThan(10)
    expect(printed.join("\n")).toContain("Meta refused a catalogue batch")
    expect(printed.filter((line) => line.includes(TOKEN))).toEqual([])
  })
})

describe("the secret box", () => {
  it("opens only under its key and for what it was sealed for; the sealed text holds nothing of the token", async () => {
    const box = makeSecretBox(Redacted.make("k".repeat(40)))
    const sealed = await Effect.runPromise(box.seal(Redacted.make(TOKEN), "sto_a"))
    expect(sealed).not.toContain(TOKEN)
    expect(Redacted.value(await Effect.runPromise(box.open(sealed, "sto_a")))).toBe(TOKEN)
    expect((await Effect.runPromise(Effect.either(box.open(sealed, "sto_b"))))._tag).toBe("Left")
    const other = makeSecretBox(Redacted.make("j".repeat(40)))
    expect((await Effect.runPromise(Effect.either(other.open(sealed, "sto_a"))))._tag).toBe("Left")
    expect((await Effect.runPromise(Effect.either(box.open(`${sealed.slice(0, -4)}AAAA`, "sto_a"))))._tag).toBe("Left")
  })
})
