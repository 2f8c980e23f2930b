/**
 * Route dispatch: a request to a buyer's hot route never meets express's scan of every endpoint (the
 * direct path answers it, adapters/http/direct.ts; it was dispatchByPrefix in server.ts before); and
 * what express still answers is what its own scan gave (case-insensitive paths, a trailing slash,
 * HEAD on a GET route, a parameter that does not decode, OPTIONS, an unknown path under a known
 * prefix, the route pattern in the metrics).
 */
import type { Server } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makePool } from "../../adapters/postgres/database.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { startServer } from "../../composition/http.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, seedShop } from "./support.js"

const db = useTestDatabase()
let pool: Sql
let runtime: PlatformRuntime
let server: Server
let api: { url: string }
/** calls to the app's own layers' match for the endpoints under /api/v1 */
let scanned = 0

beforeAll(async () => {
  pool = makePool(db.url, { max: 4 })
  runtime = makePlatformRuntime(pool)
  server = await startServer(runtime, { port: 0, production: false })
  const address = server.address()
  api = { url: `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}` }
  // the request listener is the direct path with the express app behind it (adapters/http/server.ts, makeHandler)
  const { app } = server.listeners("request")[0] as unknown as {
    app: { router: { stack: Array<{ route?: { path: string }; match: (p: string) => unknown }> } }
  }
  for (const layer of app.router.stack)
    if (layer.route?.path.startsWith("/api/v1/") === true) {
      const match = layer.match.bind(layer)
      layer.match = (p) => (scanned++, match(p))
    }
}, 60_000)
afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((done) => server?.close(done))
  await runtime?.dispose()
  await pool?.end({ timeout: 5 })
})

describe("route dispatch by prefix", () => {
  it("the buyer's hot routes are answered without express's scan of every endpoint", async () => {
    const shop = await seedShop(db.sql)
    const buyer = await newBuyer(db.sql)
    scanned = 0
    const added = await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId: shop.dress.variantId } })
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    expect((await call(api, "GET", "/api/v1/cart?destination=KE-047-westlands", { token: buyer.token })).status).toBe(200)
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `d-${buyer.id}` },
      body: { destination: "KE-047-westlands" }
    })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    const id = placed.body.checkoutId as string
    expect((await call(api, "GET", `/api/v1/checkouts/${id}`, { token: buyer.token })).status).toBe(200)
    expect((await call(api, "POST", "/api/v1/payments/mpesa/callback/wrong-secret", { raw: "{}" })).status).toBeGreaterThanOrEqual(400)
    expect(scanned).toBe(0)
    // the route pattern still names the route (metrics, logs, spans)
    const metrics = await fetch(`${api.url}/metrics`).then((r) => r.text())
    expect(metrics).toMatch(/route="\/api\/v1\/checkouts\/:id"/)
    expect(metrics).toMatch(/route="\/api\/v1\/cart\/items"/)
  })

  it("answers as express's own scan: case, trailing slash, HEAD, undecodable parameters, OPTIONS, unknown paths", async () => {
    const shape = async (method: string, path: string, raw?: string) => {
      const r = await call(api, method, path, raw === undefined ? {} : { raw })
      return [r.status, typeof r.body === "object" && r.body !== null ? (r.body as { code?: string }).code : undefined]
    }
    expect(await shape("GET", "/API/V1/Checkouts/chk_x")).toEqual([401, "AUTH.REQUIRED"])
    expect(await shape("GET", "/api/v1/checkouts/chk_x/")).toEqual([401, "AUTH.REQUIRED"])
    expect(await shape("GET", "/api/v1/checkouts/%ZZ")).toEqual([400, "REQUEST.MALFORMED_URL"])
    expect(await shape("GET", "/api/v1/checkouts")).toEqual([404, "ROUTE.NOT_FOUND"])
    expect(await shape("GET", "/api/v1/checkouts/a/b/c")).toEqual([404, "ROUTE.NOT_FOUND"])
    expect(await shape("OPTIONS", "/api/v1/cart")).toEqual([404, "ROUTE.NOT_FOUND"])
    expect(await shape("GET", "/api/v1/nothing/here")).toEqual([404, "ROUTE.NOT_FOUND"])
    expect(await shape("GET", "/api/v1/%63heckouts/chk_x")).toEqual([404, "ROUTE.NOT_FOUND"])
    const head = await fetch(`${api.url}/api/v1/products`, { method: "HEAD" })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe("")
    // the short routes (fewer than three literal segments: the app's own layers)
    expect((await shape("GET", "/healthz"))[0]).toBe(200)
    expect((await shape("GET", "/HEALTHZ/"))[0]).toBe(200)
  })
})
