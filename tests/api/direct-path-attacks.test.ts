/**
 * Attacks on the direct path (adapters/http/direct.ts): requests shaped to make it answer otherwise
 * than express, take what it cannot read as express does, crash, hang, or lose the client's address.
 * Two servers on one database (with and without the direct path, HTTP_DIRECT=off) are sent the same
 * bytes; every answer must be equal, and the direct path must take (or leave) each as its rules say.
 * A few probes drive makeDirectPath itself over a synthetic endpoint, next to a bare express app.
 */
import { connect } from "node:net"
import { createServer } from "node:http"
import type { OutgoingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import express from "express"
import { describe, expect, it } from "vitest"
import { makeDirectPath } from "../../adapters/http/direct.js"
import type { Endpoint } from "../../adapters/http/endpoint.js"
import type { Exchange } from "../../adapters/http/run.js"
import type { TrustProxy } from "../../adapters/http/client-address.js"
import { useTestDatabase } from "../support/test-database.js"
import { send, useServerPair } from "./direct-support.js"
import type { Sent } from "./direct-support.js"
import { checkoutOneBasket, newBuyer, seedShop } from "./support.js"

const db = useTestDatabase()
const pair = useServerPair(db)
const both = pair.both

/** Raw bytes on a fresh connection (Connection: close): the whole reply as text. */
const raw = (port: number, bytes: string | Buffer, hold = 0) =>
  new Promise<string>((ok) => {
    const socket = connect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    socket.on("data", (c: Buffer) => chunks.push(c))
    socket.on("error", () => undefined)
    socket.on("close", () => ok(Buffer.concat(chunks).toString("latin1")))
    socket.write(bytes)
    if (hold > 0) setTimeout(() => socket.destroy(), hold)
  })

/** A raw reply without what belongs to the moment and the connection. */
const rawComparable = (reply: string) =>
  reply
    .split("\r\n")
    .filter((l) => !/^(date|connection|keep-alive):/i.test(l))
    .join("\r\n")

/** makeDirectPath alone over one synthetic GET endpoint (anything else: 599), on a server of its own. */
const serveWith = async (trustProxy: TrustProxy, serve: (x: Exchange) => Promise<void>, path = "/probe") => {
  const endpoint = { method: "get", path, auth: "none" } as unknown as Endpoint
  const handler = makeDirectPath({
    endpoints: [endpoint],
    serve: () => serve,
    production: false,
    trustProxy,
    jsonLimit: 100,
    textLimit: 100,
    requestId: () => "id",
    observe: () => undefined
  })
  const server = createServer((req, res) => void (handler(req, res) || res.writeHead(599).end()))
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  return server
}

const json = { "content-type": "application/json" }

describe("the direct path under attack: findings", () => {
  // content-type's parser (body-parser's) reads a quoted parameter value whole and takes the first
  // charset; the direct path's CHARSET regex read a charset inside a quoted value, or a prefix of one
  it("a charset hidden in a quoted parameter, or followed by junk: express's charset, not the regex's", async () => {
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const body = JSON.stringify({ variantId: "var_nope", quantity: 1 })
    const cases: Array<[string, number]> = [
      // express decodes UTF-16: not JSON (400); the direct path read UTF-8 (422)
      ['application/json; a="; charset=utf-8"; charset=utf-16', 400],
      // express: an unknown charset (415); the direct path read 'utf-8' (422)
      ['application/json; charset=utf-8"x"', 415],
      ["application/json; charset=utf-8=x", 415],
      // a text body (the Daraja callback) declared Latin-1 behind a decoy
      ['text/plain; a="; charset=utf-8"; charset=latin1', 404]
    ]
    for (const [type, status] of cases) {
      const path = type.startsWith("text/") ? "/api/v1/payments/mpesa/callback/wrong" : "/api/v1/cart/items"
      const { answer } = await both({ method: "POST", path, headers: { ...auth, "content-type": type }, body })
      expect(answer.status, type).toBe(status)
    }
  })

  // parseurl (express's req.query) reads a URL with '#' through url.parse, which drops the fragment
  it("a fragment after the query: express's query has no fragment", async () => {
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const { answer, taken } = await both({ method: "GET", path: "/api/v1/checkouts/chk_nope?wait=1#x", headers: auth })
    expect(answer.status).toBe(404) // the direct path answered 400 (wait = "1#x")
    expect(taken).toBe(false)
    const cart = await both({ method: "GET", path: "/api/v1/cart?destination=KE-047-westlands#frag", headers: auth })
    expect(cart.answer.status).toBe(200)
  })

  // express reads req.ip when the handler starts; the direct path read x.ip when serveEndpoint
  // built the context, after authentication's database round trip: by then a client that hung up
  // has no address (socket.remoteAddress is undefined), and its rate limits fall in "unknown"
  it("the client's address is the one it connected from, even when it hangs up before the handler reads it", async () => {
    const seen: Array<string | undefined> = []
    const server = await serveWith(
      false,
      async (x: Exchange) => {
        await new Promise((r) => setTimeout(r, 200))
        seen.push(x.ip)
        x.json(200, {})
      },
      "/slow"
    )
    try {
      await raw((server.address() as AddressInfo).port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", 20)
      await new Promise((r) => setTimeout(r, 400))
      expect(seen).toEqual(["127.0.0.1"])
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})

// A finding of both servers (the review, eighth session): a deeply nested body answered 500 (and was
// logged at error level): the endpoint's Schema refused it, and formatting that ParseError (effect's
// Inspectable, recursive) overflowed the stack. The edge now refuses nesting deeper than
// MAX_BODY_DEPTH (edge.ts, bodyRefusal) with a 400, before any Schema sees the value.
describe("a finding of both servers", () => {
  it("deeply nested JSON within the size limit: a 400 REQUEST.TOO_DEEP, not a 500; at the limit it is read", async () => {
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    for (const body of ["[".repeat(50_000) + "]".repeat(50_000), '{"a":'.repeat(15_000) + "1" + "}".repeat(15_000), "[".repeat(65) + "]".repeat(65)]) {
      const r = await both({ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json }, body })
      expect(r.taken).toBe(true)
      expect(r.answer.status, body.slice(0, 20)).toBe(400)
      expect(JSON.parse(r.answer.body).code, body.slice(0, 20)).toBe("REQUEST.TOO_DEEP")
    }
    // 64 levels: read, and refused by the endpoint's Schema as any other wrong body
    const r = await both({ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json }, body: "[".repeat(64) + "]".repeat(64) })
    expect(r.answer.status).toBe(400)
    expect(JSON.parse(r.answer.body).code).toBe("REQUEST.INVALID")
  })
})

describe("the direct path under attack: probes that hold", () => {
  it("odd characters in a path segment: the same answer, taken", async () => {
    const shop = await seedShop(db.sql)
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const segments = ["a;b=c", "a,b", "a@b:c", "a+b", "a!b$c", "a'b", "(a)*", "a&b=c", "..", ".", "~a", "-", "a.b"]
    for (const s of segments) {
      for (const sent of [
        { method: "GET", path: `/api/v1/checkouts/${s}`, headers: auth },
        { method: "GET", path: `/api/v1/products/${s}` },
        { method: "DELETE", path: `/api/v1/cart/items/${s}`, headers: auth },
        { method: "GET", path: `/r/${s}` }
      ]) {
        const { answer, taken } = await both(sent)
        expect(answer.status, sent.path).toBeGreaterThanOrEqual(400)
        // "." and ".." are plain to the direct path (node does not normalise a request target)
        expect(taken, sent.path).toBe(true)
      }
    }
    // the product's own id with a matrix-style suffix is another id, not the product
    const { answer } = await both({ method: "GET", path: `/api/v1/products/${shop.dress.productId};x=1` })
    expect(answer.status).toBe(400)
  })

  it("paths and methods it must leave to express: the same answer, not taken", async () => {
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const cases: Array<Sent> = [
      { method: "GET", path: "/api/v1/checkouts/%63hk", headers: auth },
      { method: "GET", path: "/api/v1//checkouts/x", headers: auth },
      { method: "GET", path: "/api/v1/Checkouts/x", headers: auth },
      { method: "GET", path: "/api/v1/checkouts/x/", headers: auth },
      { method: "GET", path: "/api/v1/checkouts/a%2Fb", headers: auth },
      { method: "GET", path: "/api/v1/checkouts/a%", headers: auth },
      { method: "GET", path: '/api/v1/checkouts/a"b', headers: auth },
      { method: "GET", path: "/api/v1/checkouts/a[b]", headers: auth },
      { method: "HEAD", path: "/api/v1/cart", headers: auth },
      { method: "OPTIONS", path: "/api/v1/cart/items", headers: auth },
      { method: "TRACE", path: "/healthz" },
      { method: "GET", path: "/feeds/meta/x.csv" },
      { method: "GET", path: "/api/v1/cart", headers: { ...auth, "if-modified-since": "Sun, 29 Nov 2026 00:00:00 GMT" } }
    ]
    for (const sent of cases) {
      const { taken } = await both(sent)
      expect(taken, `${sent.method} ${sent.path}`).toBe(false)
    }
  })

  it("charset spellings: quoted, capitalised, other names and empty ones", async () => {
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const body = JSON.stringify({ variantId: "var_nope", quantity: 1 })
    const cases: Array<[string, boolean, number]> = [
      ['application/json; charset="UTF-8"', true, 422],
      ["application/json; Charset=utf-8", true, 422],
      ["application/json;charset=utf-8", true, 422],
      ["text/anything", true, 422],
      ["application/json; charset=utf8", false, 415],
      ["application/json; charset=latin1", false, 415],
      ["application/json; charset=utf-16", false, 400],
      ["application/json; charset=", false, 422],
      ["application/json; charset=utf-16; charset=utf-8", false, 400]
    ]
    for (const [type, taken, status] of cases) {
      const r = await both({ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, "content-type": type }, body })
      expect(r.answer.status, type).toBe(status)
      expect(r.taken, type).toBe(taken)
    }
  })

  it("Content-Encoding and Content-Length spellings", async () => {
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const body = JSON.stringify({ variantId: "var_nope", quantity: 1 })
    const cases: Array<[OutgoingHttpHeaders, boolean, number]> = [
      [{ "content-encoding": "identity" }, true, 422],
      [{ "content-encoding": "IDENTITY" }, true, 422],
      [{ "content-encoding": "identity, gzip" }, false, 415],
      [{ "content-encoding": "br" }, false, 400],
      [{ "content-length": `000${Buffer.byteLength(body)}` }, true, 422]
    ]
    for (const [headers, taken, status] of cases) {
      const r = await both({ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json, ...headers }, body })
      expect(r.answer.status, JSON.stringify(headers)).toBe(status)
      expect(r.taken, JSON.stringify(headers)).toBe(taken)
    }
    // what node's parser refuses never reaches either: the same 400 from node itself
    for (const length of ["+48", "48, 48", "0x30", "48\r\nContent-Length: 48", "-1"]) {
      const bytes = `POST /api/v1/cart/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`
      const a = await raw(pair.direct.port, bytes)
      expect(a.split("\r\n")[0], length).toBe("HTTP/1.1 400 Bad Request")
      expect(rawComparable(a)).toBe(rawComparable(await raw(pair.plain.port, bytes)))
    }
  })

  it("JSON bodies: __proto__ keys, deep nesting at the limit, a BOM, numbers, duplicate keys", async () => {
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const bodies: Array<[string, number]> = [
      ['{"__proto__":{"admin":true},"variantId":"var_nope","quantity":1}', 422],
      ['{"constructor":{"prototype":{"x":1}},"variantId":"var_nope","quantity":1}', 422],
      ['{"variantId":"var_nope","variantId":"\\u0000","quantity":1}', 400],
      ['{"variantId":"var_nope","quantity":1e400}', 400],
      ['"\\ud800"', 400],
      ["null", 400],
      ["\ufeff\ufeff{}", 400]
    ]
    for (const [body, status] of bodies) {
      const r = await both({ method: "POST", path: "/api/v1/cart/items", headers: { ...auth, ...json }, body })
      expect(r.answer.status, body.slice(0, 40)).toBe(status)
      expect(r.taken).toBe(true)
    }
    // the server is still there
    expect((await send(pair.direct.port, { method: "GET", path: "/healthz" })).status).toBe(200)
  })

  it("queries: repeated keys, __proto__, thousands of keys, a '?' in a value, encoded NUL", async () => {
    const buyer = await newBuyer(db.sql)
    const auth = { authorization: `Bearer ${buyer.token}` }
    const many = Array.from({ length: 2000 }, (_, i) => `${i}=`).join("&")
    for (const q of [
      "destination=KE-047-westlands&destination=KE-047-westlands",
      "__proto__=x&destination=KE-047-westlands",
      "constructor=x&hasOwnProperty=y&destination=KE-047-westlands",
      `${many}&destination=KE-047-westlands`,
      "destination=KE-047-westlands?x=1",
      "destination=KE%2D047-westlands",
      "destination=%00",
      "destination=%C0%80",
      "destination=+KE-047-westlands+",
      "destination"
    ]) {
      const r = await both({ method: "GET", path: `/api/v1/cart?${q}`, headers: auth })
      expect(r.answer.status, q.slice(0, 60)).toBeGreaterThanOrEqual(200)
    }
  })

  it("duplicate headers: Authorization, X-Request-Id, Idempotency-Key, X-Cart-Token", async () => {
    const a = await newBuyer(db.sql)
    const b = await newBuyer(db.sql)
    // two header lines of one name (OutgoingHttpHeaders types Authorization as one string)
    const twice = (name: string, values: Array<string>): OutgoingHttpHeaders => ({ [name]: values })
    const cases: Array<OutgoingHttpHeaders> = [
      twice("authorization", [`Bearer ${a.token}`, `Bearer ${b.token}`]),
      twice("authorization", [`Bearer x`, `Bearer ${b.token}`]),
      { authorization: `Bearer ${a.token}`, "x-request-id": ["one", "two"] },
      { authorization: `Bearer ${a.token}`, "x-cart-token": ["a", "b"] },
      { authorization: `Bearer ${a.token}`, "x-cart-token": "\u00e9" },
      { authorization: ` Bearer ${a.token} ` },
      { authorization: `bearer ${a.token}` }
    ]
    for (const headers of cases) {
      // two X-Request-Id: neither is taken, each server makes its own
      const r = await both({ method: "GET", path: "/api/v1/cart?destination=KE-047-westlands", headers }, ["x-request-id"])
      expect(r.answer.headers["x-request-id"]).toMatch(/^(direct-test-1|one|[0-9a-f-]{36})$/)
    }
  })

  it("a body shorter than declared, then a hang-up: no answer, no crash; Expect: 100-continue answered the same", async () => {
    const buyer = await newBuyer(db.sql)
    const head = `POST /api/v1/cart/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${buyer.token}\r\nContent-Type: application/json\r\n`
    const short = await raw(pair.direct.port, `${head}Content-Length: 100\r\n\r\n{"variantId":`, 200)
    expect(short).toBe("")
    const body = JSON.stringify({ variantId: "var_nope", quantity: 1 })
    const bytes = `${head}Expect: 100-continue\r\nContent-Length: ${body.length}\r\nX-Request-Id: r1\r\nConnection: close\r\n\r\n${body}`
    const a = await raw(pair.direct.port, bytes)
    expect(a.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 422")).toBe(true)
    expect(rawComparable(a)).toBe(rawComparable(await raw(pair.plain.port, bytes)))
    // a body longer than declared: the rest is the next request (node's), answered the same by both
    const longer = `${head}Content-Length: ${body.length}\r\nX-Request-Id: r2\r\n\r\n${body}GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: r3\r\nConnection: close\r\n\r\n`
    const l = await raw(pair.direct.port, longer)
    expect(l.match(/HTTP\/1.1 \d+/g)).toEqual(["HTTP/1.1 422", "HTTP/1.1 200"])
    expect(rawComparable(l)).toBe(rawComparable(await raw(pair.plain.port, longer)))
    expect((await send(pair.direct.port, { method: "GET", path: "/healthz" })).status).toBe(200)
  })

  it("a waiting poll whose client hangs up, and many requests at once", async () => {
    const shop = await seedShop(db.sql)
    const placed = await checkoutOneBasket({ url: `http://127.0.0.1:${pair.direct.port}` }, db.sql, shop, "attack-poll")
    const auth = { authorization: `Bearer ${placed.buyer.token}` }
    const poll = `GET /api/v1/checkouts/${placed.checkoutId}?wait=20 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${placed.buyer.token}\r\n\r\n`
    await Promise.all(Array.from({ length: 20 }, () => raw(pair.direct.port, poll, 50)))
    const { answer } = await both({ method: "GET", path: `/api/v1/checkouts/${placed.checkoutId}?wait=0`, headers: auth })
    expect(answer.status).toBe(200)
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        send(
          pair.direct.port,
          i % 2 === 0 ? { method: "GET", path: "/healthz" } : { method: "GET", path: `/api/v1/checkouts/${placed.checkoutId}`, headers: auth }
        )
      )
    )
    // every poll answered (200, or 429 from the per-user limit), every probe 200
    expect(new Set(answers.filter((_, i) => i % 2 === 0).map((a) => a.status))).toEqual(new Set([200]))
    expect(answers.filter((_, i) => i % 2 === 1).every((a) => a.status === 200 || a.status === 429)).toBe(true)
    expect((await send(pair.direct.port, { method: "GET", path: "/healthz" })).status).toBe(200)
  }, 30_000)
})

describe("makeDirectPath itself", () => {
  it("X-Forwarded-For games: the client's address is express's req.ip, TRUST_PROXY a hop count or a list", async () => {
    const forwarded = ["", "1.2.3.4", "1.2.3.4, 5.6.7.8", "1.2.3.4,,5.6.7.8", "garbage, 9.9.9.9", "::1, 10.0.0.1", "1.2.3.4 , 127.0.0.1", "x".repeat(5000)]
    for (const trust of [1, 2, ["loopback"], ["127.0.0.1", "10.0.0.0/8"]] as Array<TrustProxy>) {
      const server = await serveWith(trust, async (x) => x.json(200, { ip: x.ip ?? null }))
      const app = express()
      app.set("trust proxy", trust)
      app.get("/probe", (req, res) => void res.json({ ip: req.ip ?? null }))
      const other = app.listen(0, "127.0.0.1")
      await new Promise((ok) => other.once("listening", ok))
      try {
        for (const xff of forwarded) {
          const headers = xff === "" ? {} : { "x-forwarded-for": [xff, "7.7.7.7"] }
          const a = await send((server.address() as AddressInfo).port, { method: "GET", path: "/probe", headers })
          const b = await send((other.address() as AddressInfo).port, { method: "GET", path: "/probe", headers })
          expect(a.body, `${JSON.stringify(trust)} ${xff.slice(0, 30)}`).toBe(b.body)
        }
      } finally {
        server.close()
        other.close()
      }
    }
  })

  it("a handler that sets a header with CR/LF: 500, nothing injected, the server still serves", async () => {
    const server = await serveWith(false, async (x) => {
      x.setHeader("X-Evil", "a\r\nSet-Cookie: pwned=1")
      x.json(200, { ok: true })
    })
    try {
      const port = (server.address() as AddressInfo).port
      const a = await send(port, { method: "GET", path: "/probe" })
      expect(a.status).toBe(500)
      expect(a.headers["set-cookie"]).toBeUndefined()
      expect(a.headers["x-evil"]).toBeUndefined()
      expect(JSON.parse(a.body)).toMatchObject({ status: 500, code: "INTERNAL", instance: "/probe", requestId: "id" })
      expect((await send(port, { method: "GET", path: "/probe" })).status).toBe(500)
    } finally {
      server.close()
    }
  })
})
