/**
 * The direct path (adapters/http/direct.ts) answers the endpoints' plain requests without express, and
 * leaves every other request to express. Two servers on one database, one with the direct path and one
 * without (HTTP_DIRECT=off), are sent the same requests byte for byte: every answer must be the same
 * (status, every header but the connection's own, body), and each request must be taken by the
 * direct path or left to express exactly as the direct path's rules say (counted at the express app's door).
 */
import { request } from "node:http"
import type { IncomingHttpHeaders, Server } from "node:http"
import { gzipSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makePool } from "../../adapters/postgres/database.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { startServer } from "../../composition/http.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import { useTestDatabase } from "../support/test-database.js"
import { newBuyer, seedShop } from "./support.js"

const db = useTestDatabase()
let pool: Sql
let runtime: PlatformRuntime
let direct: { server: Server; port: number; express: () => number }
let plain: { server: Server; port: number; express: () => number }

const start = async (directPath: boolean) => {
  if (!directPath) process.env["HTTP_DIRECT"] = "off"
  try {
    const server = await startServer(runtime, { port: 0, production: false })
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    // count the requests that reach the express app (the direct path's listener keeps it as `app`)
    const { app } = server.listeners("request")[0] as unknown as { app: { handle: (...a: Array<unknown>) => unknown } }
    let reached = 0
    const handle = app.handle.bind(app)
    app.handle = (...a: Array<unknown>) => (reached++, handle(...a))
    return { server, port, express: () => reached }
  } finally {
    delete process.env["HTTP_DIRECT"]
  }
}

beforeAll(async () => {
  pool = makePool(db.url, { max: 4 })
  runtime = makePlatformRuntime(pool)
  direct = await start(true)
  plain = await start(false)
}, 60_000)
afterAll(async () => {
  for (const s of [direct, plain]) {
    s?.server.closeAllConnections()
    await new Promise((done) => s?.server.close(done))
  }
  await runtime?.dispose()
  await pool?.end({ timeout: 5 })
})

interface Sent {
  readonly method: string
  readonly path: string
  readonly headers?: Record<string, string>
  readonly body?: Buffer | string
}
interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

const send = (port: number, s: Sent) =>
  new Promise<Answer>((ok, fail) => {
    const body = s.body === undefined ? undefined : Buffer.from(s.body)
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: s.method,
        path: s.path,
        headers: { "x-request-id": "direct-test-1", ...(body !== undefined && { "content-length": String(body.length) }), ...s.headers }
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }))
      }
    )
    req.on("error", fail)
    req.end(body)
  })

/** The answer without what belongs to the connection and the moment (Date, keep-alive). */
const comparable = (a: Answer) => {
  const { date: _d, connection: _c, "keep-alive": _k, ...headers } = a.headers
  return { status: a.status, headers, body: a.body }
}

/** The same request to both servers: the same answer; and whether the direct path took it. */
const both = async (s: Sent) => {
  const before = { direct: direct.express(), plain: plain.express() }
  const a = await send(direct.port, s)
  const b = await send(plain.port, s)
  expect(comparable(a), `${s.method} ${s.path}`).toEqual(comparable(b))
  expect(plain.express() - before.plain).toBe(1)
  return { answer: a, taken: direct.express() === before.direct }
}

describe("the direct path", () => {
  it("answers the endpoints' plain requests as express does, without express", async () => {
    const shop = await seedShop(db.sql)
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const json = { "content-type": "application/json" }
    const cases: Array<[Sent, number]> = [
      [{ method: "GET", path: "/healthz" }, 200],
      [{ method: "GET", path: "/api/v1/checkouts/chk_nope" }, 401],
      [{ method: "GET", path: "/api/v1/checkouts/chk_nope", headers: { authorization: "Bearer short" } }, 401],
      [{ method: "GET", path: "/api/v1/checkouts/chk_nope", headers: auth }, 404],
      [{ method: "GET", path: "/api/v1/checkouts/chk_nope?wait=abc", headers: auth }, 400],
      [{ method: "GET", path: "/api/v1/checkouts/chk_nope?wait=1&wait=2", headers: auth }, 400],
      [{ method: "GET", path: `/api/v1/products/${shop.dress.productId}` }, 200],
      [{ method: "GET", path: "/api/v1/cart?destination=KE-047-westlands", headers: auth }, 200],
      // bodies: malformed JSON, bytes that are not UTF-8, a NUL, a byte order mark, empty, none
      [{ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json }, body: "{not json" }, 400],
      [{ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json }, body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) }, 400],
      [{ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json }, body: JSON.stringify({ variantId: "a\u0000b", quantity: 1 }) }, 400],
      [{ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json }, body: `\ufeff${JSON.stringify({ variantId: 5 })}` }, 400],
      [{ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json }, body: "" }, 400],
      [{ method: "POST", path: "/api/v1/cart/items", headers: auth }, 400],
      [{ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, "content-type": "text/plain; charset=UTF-8" }, body: "[1]" }, 400],
      [{ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json }, body: JSON.stringify({ variantId: "var_nope", quantity: 1 }) }, 422],
      [{ method: "DELETE", path: "/api/v1/cart/items/nope", headers: auth }, 404],
      // a raw text body (the Daraja callback), to a wrong secret
      [{ method: "POST", path: "/api/v1/payments/mpesa/callback/wrong", headers: json, body: "{}" }, 404]
    ]
    for (const [sent, status] of cases) {
      const { answer, taken } = await both(sent)
      expect(answer.status, `${sent.method} ${sent.path}`).toBe(status)
      expect(taken, `the direct path takes ${sent.method} ${sent.path}`).toBe(true)
    }
    // a changing request: the same answer's shape, its ETag its body's
    const added = await send(direct.port, {
      method: "POST",
      path: "/api/v1/cart/items",
      headers: { ...auth, ...json },
      body: JSON.stringify({ variantId: shop.dress.variantId })
    })
    expect(added.status, added.body).toBe(201)
    expect(added.headers["content-type"]).toBe("application/json; charset=utf-8")
    expect(added.headers["x-request-id"]).toBe("direct-test-1")
    expect(added.headers["content-security-policy"]).toContain("default-src 'none'")
    expect(added.headers["etag"]).toMatch(/^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/)
    // a request id made when none (or a bad one) was sent
    const made = await send(direct.port, { method: "GET", path: "/healthz", headers: { "x-request-id": "bad id" } })
    expect(made.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("leaves to express what only express reads: the same answers", async () => {
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const json = { "content-type": "application/json" }
    const etag = (await send(direct.port, { method: "GET", path: "/healthz" })).headers["etag"]!
    const cases: Array<Sent> = [
      { method: "HEAD", path: "/healthz" },
      { method: "OPTIONS", path: "/api/v1/cart" },
      { method: "GET", path: "/healthz", headers: { "if-none-match": etag } },
      { method: "GET", path: "/HEALTHZ" },
      { method: "GET", path: "/healthz/" },
      { method: "GET", path: "/api/v1/checkouts/%ZZ", headers: auth },
      { method: "GET", path: "/api/v1/check%6Futs/chk_nope", headers: auth },
      { method: "GET", path: "/api/v1/checkouts/chk_%00", headers: auth },
      { method: "GET", path: "/api/v1/checkouts/chk_nope", headers: { authorization: "Bearer \u00e9" } },
      { method: "GET", path: "/api/v1/nothing/here" },
      { method: "GET", path: "/health" },
      { method: "GET", path: "/api/openapi.json" },
      { method: "POST", path: "/api/v1/cart/items", headers: { ...auth, "content-type": "application/json; charset=utf-16" }, body: "{}" },
      { method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json, "content-encoding": "gzip" }, body: gzipSync('{"variantId":"var_nope"}') },
      { method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json }, body: JSON.stringify({ variantId: "x".repeat(110 * 1024) }) },
      { method: "GET", path: "/feeds/meta/nope.csv" }
    ]
    for (const sent of cases) {
      const { taken } = await both(sent)
      expect(taken, `the direct path leaves ${sent.method} ${sent.path} to express`).toBe(false)
    }
  })
})
