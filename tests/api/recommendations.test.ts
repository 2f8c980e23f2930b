/**
 * "Bought together" over HTTP (issue 15): counted from ORDER_COMPLETED through the outbox handlers,
 * shown on the product page and in the cart preview.
 *   - one completed checkout is below the minimum support (2): the page falls back to the store's best sellers;
 *   - two are enough: the own store first, then another store's product bought in the same checkout;
 *   - a replayed ORDER_COMPLETED (a new event for the same order) and two orders of a checkout counted
 *     at once change no count twice;
 *   - never the product itself, what is in the cart, or a product that cannot be sold (archived, out of stock);
 *   - on a store's own host, only that store's products (the product page and the cart preview).
 */
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { insertProduct, insertVariant } from "../../adapters/postgres/seed.js"
import { dispatchEvent } from "../../adapters/postgres/worker.js"
import { handlers } from "../../composition/event-handlers.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, drainOutbox, newBuyer, seedShop, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let a: Awaited<ReturnType<typeof seedShop>>
let b: Awaited<ReturnType<typeof seedShop>>
const shuka = { productId: "prd_rec_shuka", variantId: "var_rec_shuka" }
const DOMAIN = "duka.test"

beforeAll(async () => {
  a = await seedShop(db.sql)
  b = await seedShop(db.sql, { promotions: false })
  await insertProduct(db.sql, { id: shuka.productId, storeId: a.storeId, title: "Maasai shuka", description: "Red checked shuka", price: 1_800_00 })
  await insertVariant(db.sql, { id: shuka.variantId, productId: shuka.productId, sku: "REC-SHUKA", weightGrams: 300, storeId: a.storeId, onHand: 20 })
  await db.sql`update stores set slug = 'duka-pamoja' where id = ${a.storeId}`
  process.env["STORE_DOMAIN"] = DOMAIN
  try {
    api = await startApi(db.sql)
  } finally {
    delete process.env["STORE_DOMAIN"]
  }
}, 60_000)
afterAll(async () => {
  await api?.close()
})

let n = 0
/** A checkout of `items` over HTTP, its orders then (as if walked to the end) COMPLETED; returns the ORDER_COMPLETED event ids. */
const completedCheckout = async (items: ReadonlyArray<{ variantId: string; quantity: number }>) => {
  const buyer = await newBuyer(db.sql)
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: buyer.token,
    headers: { "idempotency-key": `rec-${++n}-${buyer.id}` },
    body: { destination: "KE-047-westlands", items }
  })
  expect(placed.status, JSON.stringify(placed.body)).toBe(201)
  const orders = placed.body.orders as Array<{ orderId: string; storeId: string }>
  await db.owner`update orders set state = 'COMPLETED', completed_at = now() where id = any(${orders.map((o) => o.orderId)})`
  return completedEvents(orders)
}
const completedEvents = async (orders: ReadonlyArray<{ orderId: string; storeId: string }>) => {
  const ids: Array<string> = []
  for (const o of orders) {
    const [row] = await db.sql<Array<{ id: string }>>`insert into outbox (event_type, aggregate_type, aggregate_id, payload)
      values ('ORDER_COMPLETED', 'ORDER', ${o.orderId}, ${db.sql.json({ orderId: o.orderId, storeId: o.storeId, from: "DELIVERED", to: "COMPLETED" } as never)}) returning id`
    ids.push(row!.id)
  }
  return ids
}

const shown = async (productId: string) => {
  const r = await call(api, "GET", `/api/v1/products/${productId}`)
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return (r.body.recommendations as Array<{ id: string; title: string; price: unknown; available: number }>).map((p) => p.id)
}
/** The product page on store A's own host (fetch will not let a caller set Host). */
const shownOnStoreHost = (productId: string): Promise<Array<string>> =>
  new Promise((done, fail) => {
    const u = new URL(api.url)
    const req = request({ host: u.hostname, port: u.port, path: `/api/v1/products/${productId}`, headers: { host: `duka-pamoja.${DOMAIN}` } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => done((JSON.parse(Buffer.concat(chunks).toString("utf8")).recommendations as Array<{ id: string }>).map((p) => p.id)))
    })
    req.on("error", fail)
    req.end()
  })
/** Any GET on a store's own host, as that buyer (fetch will not let a caller set Host). */
const onStoreHost = (path: string, token: string, host = `duka-pamoja.${DOMAIN}`): Promise<{ status: number; body: Record<string, unknown> }> =>
  new Promise((done, fail) => {
    const u = new URL(api.url)
    const req = request({ host: u.hostname, port: u.port, path, headers: { host, authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => done({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> }))
    })
    req.on("error", fail)
    req.end()
  })
const pairs = () => db.sql`select product_id, other_id, baskets from product_pair_counts order by product_id, other_id`
const sales = () => db.sql`select product_id, units::int as units from product_sales_counts order by product_id`

describe("recommendations", () => {
  it("nothing sold yet: nothing to recommend, and the field is there", async () => {
    expect(await shown(a.dress.productId)).toEqual([])
  })

  it("one checkout is below the minimum support: the dress's page shows its store's best sellers, a new product the same", async () => {
    expect(await drainOutbox(api, db.sql)).toEqual([])
    await completedCheckout([
      { variantId: a.dress.variantId, quantity: 1 },
      { variantId: a.basket.variantId, quantity: 2 },
      { variantId: b.dress.variantId, quantity: 1 }
    ])
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect(await sales()).toEqual(
      [
        { product_id: a.basket.productId, units: 2 },
        { product_id: a.dress.productId, units: 1 },
        { product_id: b.dress.productId, units: 1 }
      ].sort((x, y) => x.product_id.localeCompare(y.product_id))
    )
    expect(await shown(a.dress.productId)).toEqual([a.basket.productId])
    // cold start: the shuka was never bought; its store's best sellers, most units first
    expect(await shown(shuka.productId)).toEqual([a.basket.productId, a.dress.productId])
  })

  it("a second checkout: bought together, own store first; two of its orders counted at once and a replay count once", async () => {
    const events = await completedCheckout([
      { variantId: a.dress.variantId, quantity: 1 },
      { variantId: a.basket.variantId, quantity: 1 },
      { variantId: b.dress.variantId, quantity: 1 }
    ])
    const counting = handlers.filter((h) => h.name === "recommendations.count")
    await Promise.all(events.map((id) => api.runtime.runPromise(dispatchEvent(counting, id, 1, 8))))
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const after = { pairs: await pairs(), sales: await sales() }
    expect(after.pairs).toHaveLength(6)
    for (const p of after.pairs) expect(p["baskets"]).toBe(2)

    expect(await shown(a.dress.productId)).toEqual([a.basket.productId, b.dress.productId])
    // on store A's own host only its own products
    expect(await shownOnStoreHost(a.dress.productId)).toEqual([a.basket.productId])
    // B's dress: A's products bought with it (support 2 each; the basket sold more units), B's basket never sold
    expect(await shown(b.dress.productId)).toEqual([a.basket.productId, a.dress.productId])

    // a replay of the same orders' completion (new events) changes no count
    const [orders] = [
      await db.sql<
        Array<{ orderId: string; storeId: string }>
      >`select aggregate_id as "orderId", payload->>'storeId' as "storeId" from outbox where id = any(${events})`
    ]
    await completedEvents(orders)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    expect({ pairs: await pairs(), sales: await sales() }).toEqual(after)
  })

  it("never a product that cannot be sold now: archived or out of stock", async () => {
    await db.owner`update products set archived_at = now() where id = ${a.basket.productId}`
    await db.owner`update inventory set on_hand = reserved where variant_id = ${b.dress.variantId}`
    try {
      expect(await shown(a.dress.productId)).toEqual([])
    } finally {
      await db.owner`update products set archived_at = null where id = ${a.basket.productId}`
      await db.owner`update inventory set on_hand = 50 where variant_id = ${b.dress.variantId}`
    }
    expect(await shown(a.dress.productId)).toEqual([a.basket.productId, b.dress.productId])
  })

  it("the cart preview: bought with what is in the cart, never what is in it already", async () => {
    const buyer = await newBuyer(db.sql)
    const add = async (variantId: string) =>
      expect((await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId, quantity: 1 } })).status).toBeLessThan(300)
    const recommended = async () => {
      const r = await call(api, "GET", "/api/v1/cart", { token: buyer.token })
      expect(r.status).toBe(200)
      return (r.body.recommendations as Array<{ id: string }>).map((p) => p.id)
    }
    expect(await recommended()).toEqual([])
    await add(a.dress.variantId)
    expect(await recommended()).toEqual([a.basket.productId, b.dress.productId])
    await add(a.basket.variantId)
    // with the basket too: B's dress (bought with both: support 4), then store A's best sellers not in the cart (none sold but these)
    expect(await recommended()).toEqual([b.dress.productId])
    await add(b.dress.variantId)
    expect(await recommended()).toEqual([])
  })

  it("the cart preview on a store's own host: only that store's products, never another store's", async () => {
    const buyer = await newBuyer(db.sql)
    const added = await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId: a.dress.variantId, quantity: 1 } })
    expect(added.status).toBeLessThan(300)
    // on the marketplace: A's basket, then B's dress (bought with A's dress twice)
    expect((await call(api, "GET", "/api/v1/cart", { token: buyer.token })).body.recommendations.map((p: { id: string }) => p.id)).toEqual([
      a.basket.productId,
      b.dress.productId
    ])
    const onHost = await onStoreHost(`/api/v1/cart`, buyer.token)
    expect(onHost.status).toBe(200)
    expect((onHost.body["recommendations"] as Array<{ id: string }>).map((p) => p.id)).toEqual([a.basket.productId])
    // a host naming no store we know: the cart still answers, with nothing recommended
    const unknown = await onStoreHost(`/api/v1/cart`, buyer.token, `hakuna-duka.${DOMAIN}`)
    expect(unknown.status).toBe(200)
    expect(unknown.body["recommendations"]).toEqual([])
  })
})
