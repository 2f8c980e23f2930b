/**
 * Issue 11 items 4 and 9: bytes a database cannot hold are refused at the edge (400, one place for
 * the URL, the headers we read and JSON bodies), a database failure never reaches the client as
 * text (a stable code and the request id; the text goes to the log under that id), and a listing
 * that fails its schema answers with the fields that failed, not a schema dump.
 */
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, seedShop, sessionFor, startApi } from "../api/support.js"
import type { Api, Reply } from "../api/support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>
let seller: string
let buyer: Awaited<ReturnType<typeof newBuyer>>

beforeAll(async () => {
  shop = await seedShop(db.sql)
  api = await startApi(db.sql)
  seller = await sessionFor(db.sql, shop.seller.id)
  buyer = await newBuyer(db.sql)
})
afterAll(async () => {
  await api?.close()
})

/** Raw bytes on the wire (fetch would re-encode them). */
const rawRequest = (method: string, path: string, body?: Buffer, headers: Record<string, string> = {}) =>
  new Promise<Pick<Reply, "status" | "body">>((done, fail) => {
    const url = new URL(api.url)
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...(body && { "content-type": "application/json", "content-length": String(body.length) }), ...headers }
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          done({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined })
        })
      }
    )
    req.on("error", fail)
    if (body) req.write(body)
    req.end()
  })

const expectBadText = (res: Pick<Reply, "status" | "body">) => {
  expect(res.status, JSON.stringify(res.body)).toBe(400)
  expect(res.body.code).toBe("REQUEST.INVALID_TEXT")
  expect(JSON.stringify(res.body)).not.toMatch(/invalid byte sequence|UTF8|0x00/)
}

describe("bytes a database cannot hold are refused at the edge with 400", () => {
  it("NUL and invalid UTF-8 in a query string: products search, pickup points, the dev inbox", async () => {
    expectBadText(await call(api, "GET", "/api/v1/products?q=%00"))
    expectBadText(await call(api, "GET", "/api/v1/products?q=kitenge%00dress"))
    expectBadText(await call(api, "GET", "/api/v1/products?q=%FF%FE"))
    expectBadText(await call(api, "GET", "/api/v1/pickup-points?q=%C3"))
    expectBadText(await call(api, "GET", "/dev/messages?to=%00"))
    // a well-formed non-ASCII search still works
    expect((await call(api, "GET", "/api/v1/products?q=%C3%A9t%C3%A9")).status).toBe(200)
  })

  it("NUL and invalid UTF-8 in a path parameter", async () => {
    expectBadText(await call(api, "GET", "/api/v1/products/%00"))
    expectBadText(await call(api, "GET", "/api/v1/products/abc%ED%A0%80"))
  })

  it("NUL in a JSON string: a product title, a discount code, an object key; a lone surrogate", async () => {
    const product = { title: "Kikoi\u0000", basePrice: { amount: 100000, currency: "KES" }, variants: [{ sku: `K-${Date.now()}`, weightGrams: 300, stock: 3 }] }
    expectBadText(await call(api, "POST", "/api/v1/seller/products", { token: seller, body: product }))
    expectBadText(
      await call(api, "POST", "/api/v1/checkouts", {
        token: buyer.token,
        headers: { "idempotency-key": `nul-${Date.now()}` },
        body: { destination: "KE-047-westlands", discountCode: "KARI\u0000BU", items: [{ variantId: shop.dress.variantId, quantity: 1 }] }
      })
    )
    expectBadText(
      await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, raw: `{"variantId":"${shop.dress.variantId}","quantity":1,"a\\u0000":1}` })
    )
    expectBadText(await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, raw: `{"variantId":"x\\ud800","quantity":1}` }))
  })

  it("invalid UTF-8 bytes in a JSON body", async () => {
    const body = Buffer.concat([
      Buffer.from('{"title":"Kik'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('oi","basePrice":{"amount":100000,"currency":"KES"},"variants":[]}')
    ])
    expectBadText(await rawRequest("POST", "/api/v1/seller/products", body, { authorization: `Bearer ${seller}` }))
  })

  it("a header the API reads (Idempotency-Key) with bytes outside visible ASCII", async () => {
    const res = await rawRequest(
      "POST",
      "/api/v1/checkouts",
      Buffer.from(JSON.stringify({ destination: "KE-047-westlands", items: [{ variantId: shop.dress.variantId, quantity: 1 }] })),
      {
        authorization: `Bearer ${buyer.token}`,
        "idempotency-key": "key-\u00ff\u00fe"
      }
    )
    expect(res.status).toBe(400)
    expect(res.body.code).toMatch(/^REQUEST\./)
  })
})

describe("a database error's text never reaches the client", () => {
  it("the client gets STORE.UNAVAILABLE and the request id; the log line has the database's text under that id", async () => {
    const lines: Array<string> = []
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)))
    await db.owner`alter table products rename to products_gone`
    try {
      const res = await call(api, "GET", "/api/v1/products?q=kikoi", { headers: { "x-request-id": "req-db-text-1" } })
      expect(res.status).toBe(503)
      expect(res.body).toMatchObject({ code: "STORE.UNAVAILABLE", requestId: "req-db-text-1" })
      expect(JSON.stringify(res.body)).not.toMatch(/relation|does not exist|products_gone/)
      expect(lines.some((l) => l.includes("req-db-text-1") && l.includes("does not exist"))).toBe(true)
    } finally {
      await db.owner`alter table products_gone rename to products`
      spy.mockRestore()
    }
  })
})

describe("a listing that fails its schema names the fields that failed, not the schema", () => {
  it("422 CATALOGUE.INVALID_LISTING with an errors member of {path, message}", async () => {
    const created = await call(api, "POST", "/api/v1/seller/products", {
      token: seller,
      body: { title: "Kikoi", basePrice: { amount: 100000, currency: "KES" }, variants: [{ sku: `K-${Date.now()}`, weightGrams: 300, stock: 3 }] }
    })
    expect(created.status).toBe(201)
    // a blank title passes the wire schema but not the domain's
    const res = await call(api, "PATCH", `/api/v1/seller/products/${created.body.id}`, { token: seller, body: { title: " " } })
    expect(res.status, JSON.stringify(res.body)).toBe(422)
    expect(res.body.code).toBe("CATALOGUE.INVALID_LISTING")
    expect(res.body.errors.length).toBeGreaterThan(0)
    for (const e of res.body.errors) expect(Object.keys(e).sort()).toEqual(["message", "path"])
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain("title")
    expect(res.body.detail).not.toMatch(/readonly|\{ |└─|Struct|Refinement|Transformation/)
  })
})
