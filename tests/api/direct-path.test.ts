/**
 * The direct path (adapters/http/direct.ts) answers the endpoints' plain requests without express, and
 * leaves every other request to express. Two servers on one database, one with the direct path and one
 * without (HTTP_DIRECT=off), are sent the same requests byte for byte: every answer must be the same
 * (status, every header but the connection's own, body), and each request must be taken by the
 * direct path or left to express exactly as the direct path's rules say (counted at the express app's door).
 */
import { gzipSync } from "node:zlib"
import { describe, expect, it, vi } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { send, useServerPair } from "./direct-support.js"
import type { Sent } from "./direct-support.js"
import { newBuyer, seedShop } from "./support.js"

const db = useTestDatabase()
const pair = useServerPair(db)
const both = pair.both

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
    const added = await send(pair.direct.port, {
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
    const made = await send(pair.direct.port, { method: "GET", path: "/healthz", headers: { "x-request-id": "bad id" } })
    expect(made.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("writes the request's log line as express's path does: the same fields, the signed-in user's id", async () => {
    const buyer = await newBuyer(db.sql)
    const lines: Array<Record<string, unknown>> = []
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      const parsed = JSON.parse(String(line)) as Record<string, unknown>
      if (parsed["msg"] === "http") lines.push(parsed)
    })
    try {
      const line = async (port: number, s: Sent) => {
        lines.length = 0
        await send(port, s)
        await new Promise((r) => setTimeout(r, 50)) // express logs at the response's "finish"
        expect(lines, `${s.method} ${s.path}`).toHaveLength(1)
        const { at: _at, ms, ...rest } = lines[0]!
        expect(typeof ms).toBe("number")
        return rest
      }
      for (const sent of [
        { method: "GET", path: "/api/v1/checkouts/chk_nope?wait=1", headers: { authorization: `Bearer ${buyer.token}` } },
        { method: "GET", path: "/api/v1/checkouts/chk_nope" },
        { method: "GET", path: "/healthz" }
      ]) {
        const direct = await line(pair.direct.port, sent)
        expect(direct).toEqual(await line(pair.plain.port, sent))
        expect(direct).toMatchObject({ level: "info", requestId: "direct-test-1", method: "GET", path: sent.path.split("?")[0] })
      }
      expect(
        await line(pair.direct.port, { method: "GET", path: "/api/v1/checkouts/chk_nope", headers: { authorization: `Bearer ${buyer.token}` } })
      ).toMatchObject({
        route: "/api/v1/checkouts/:id",
        status: 404,
        userId: buyer.id
      })
    } finally {
      spy.mockRestore()
    }
  })

  it("leaves to express what only express reads: the same answers", async () => {
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const json = { "content-type": "application/json" }
    const etag = (await send(pair.direct.port, { method: "GET", path: "/healthz" })).headers["etag"]!
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
