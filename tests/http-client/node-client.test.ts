/**
 * The outbound HttpClient over node:http (adapters/http-client/node-client.ts) against a real HTTP
 * server: what it sends, what it hands back, and where it stops (body cap, interruption, redirects,
 * a kept-alive socket the server closed).
 */
import { createServer } from "node:http"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { createServer as createTcpServer } from "node:net"
import type { AddressInfo, Socket } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Cause, Duration, Effect, Exit, Option, Stream } from "effect"
import { HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import { NodeHttpClientLive } from "../../adapters/http-client/node-client.js"

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse, connection: { id: number; requests: number }) => void
let handler: Handler = (_req, _body, res) => res.end()
let server: Server
let base = ""
let connections = 0
const closed: Array<number> = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const socket = req.socket as typeof req.socket & { amana?: { id: number; requests: number } }
      socket.amana!.requests++
      handler(req, Buffer.concat(chunks), res, socket.amana!)
    })
  })
  server.on("connection", (socket: Socket & { amana?: { id: number; requests: number } }) => {
    const id = ++connections
    socket.amana = { id, requests: 0 }
    socket.on("close", () => closed.push(id))
  })
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((ok) => server.close(() => ok())))

const run = <A, E>(effect: Effect.Effect<A, E, HttpClient.HttpClient>) =>
  Effect.runPromiseExit(effect.pipe(Effect.scoped, Effect.provide(NodeHttpClientLive({ maxResponseBytes: 1024 }))))
const failure = (exit: Exit.Exit<unknown, unknown>) => {
  const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
  return error instanceof HttpClientError.RequestError ? error : undefined
}
const execute = (request: HttpClientRequest.HttpClientRequest) => Effect.flatMap(HttpClient.HttpClient, (c) => c.execute(request))

describe("node:http HttpClient", () => {
  it("sends a JSON body with its type and length, and hands back status, headers, cookies and JSON", async () => {
    let seen: Record<string, string | undefined> = {}
    handler = (req, body, res) => {
      seen = {
        method: req.method,
        type: req.headers["content-type"],
        length: req.headers["content-length"],
        auth: req.headers.authorization,
        body: body.toString()
      }
      res.writeHead(201, [
        ["content-type", "application/json"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
        ["x-request-id", "r-7"]
      ])
      res.end(JSON.stringify({ ResponseCode: "0", amount: 1500 }))
    }
    const exit = await run(
      Effect.gen(function* () {
        const res = yield* execute(
          HttpClientRequest.post(`${base}/mpesa/stkpush`).pipe(
            HttpClientRequest.bearerToken("tok"),
            HttpClientRequest.bodyUnsafeJson({ Amount: 1500, note: "ünï" })
          )
        )
        return { status: res.status, header: res.headers["x-request-id"], cookies: [...Object.keys(res.cookies.cookies)], json: yield* res.json }
      })
    )
    expect(exit).toEqual(Exit.succeed({ status: 201, header: "r-7", cookies: ["a", "b"], json: { ResponseCode: "0", amount: 1500 } }))
    expect(seen).toEqual({
      method: "POST",
      type: "application/json",
      length: String(Buffer.byteLength(JSON.stringify({ Amount: 1500, note: "ünï" }))),
      auth: "Bearer tok",
      body: JSON.stringify({ Amount: 1500, note: "ünï" })
    })
  })

  it("keeps one connection alive across sequential requests", async () => {
    handler = (_req, _body, res) => res.end("ok")
    const before = connections
    const exit = await run(Effect.forEach([1, 2, 3, 4, 5], () => Effect.flatMap(execute(HttpClientRequest.get(`${base}/x`)), (r) => r.text)))
    expect(exit).toEqual(Exit.succeed(["ok", "ok", "ok", "ok", "ok"]))
    expect(connections - before).toBe(1)
  })

  it("hands back error statuses and empty bodies as responses, and does not follow a redirect", async () => {
    handler = (req, _body, res) => {
      if (req.url === "/gone") res.writeHead(204).end()
      else if (req.url === "/moved") res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data" }).end()
      else res.writeHead(500, { "content-type": "application/json" }).end('{"errorCode":"500.001.1001"}')
    }
    const exit = await run(
      Effect.all([
        Effect.flatMap(execute(HttpClientRequest.del(`${base}/gone`)), (r) => Effect.map(r.text, (t) => [r.status, t] as const)),
        Effect.flatMap(execute(HttpClientRequest.get(`${base}/moved`)), (r) => Effect.succeed([r.status, r.headers["location"]] as const)),
        Effect.flatMap(execute(HttpClientRequest.post(`${base}/fail`)), (r) => Effect.map(r.json, (j) => [r.status, j] as const))
      ])
    )
    expect(exit).toEqual(
      Exit.succeed([
        [204, ""],
        [302, "http://169.254.169.254/latest/meta-data"],
        [500, { errorCode: "500.001.1001" }]
      ])
    )
  })

  it("fails a response body over the cap as a transport error", async () => {
    handler = (_req, _body, res) => res.end("x".repeat(4096))
    const exit = await run(execute(HttpClientRequest.get(`${base}/big`)))
    const error = failure(exit)
    expect(error?.reason).toBe("Transport")
    expect(String(error?.cause)).toContain("response body over 1024 bytes")
  })

  it("fails a refused connection as a transport error", async () => {
    const idle = createServer()
    await new Promise<void>((ok) => idle.listen(0, "127.0.0.1", ok))
    const port = (idle.address() as AddressInfo).port
    await new Promise<void>((ok) => idle.close(() => ok()))
    const exit = await run(execute(HttpClientRequest.get(`http://127.0.0.1:${port}/`)))
    const error = failure(exit)
    expect(error?.reason).toBe("Transport")
    expect(JSON.stringify(error?.cause)).toContain("ECONNREFUSED")
  })

  it("aborts the request and closes its socket when the caller gives up", async () => {
    let held: ServerResponse | undefined
    let on = 0
    handler = (_req, _body, res, connection) => {
      held = res
      on = connection.id
    }
    const exit = await run(Effect.timeout(execute(HttpClientRequest.post(`${base}/slow`)), Duration.millis(100)))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(JSON.stringify(exit)).toContain("TimeoutException")
    await new Promise((r) => setTimeout(r, 50))
    expect(on).toBeGreaterThan(0)
    expect(closed).toContain(on)
    held?.end()
  })

  it("sends a GET again on a new socket when a kept-alive one was closed under it, and never a POST", async () => {
    // the server drops each connection's second request without an answer (as a server closing an idle socket does)
    handler = (_req, _body, res, connection) => {
      if (connection.requests === 2) res.socket?.destroy()
      else res.end(`answered on ${connection.id}`)
    }
    const get = await run(Effect.forEach([1, 2], () => Effect.flatMap(execute(HttpClientRequest.get(`${base}/g`)), (r) => r.text)))
    expect(Exit.isSuccess(get)).toBe(true)
    const [first, second] = Exit.isSuccess(get) ? get.value : []
    expect(first).not.toBe(second) // the second answer came on a new connection

    let posts = 0
    handler = (req, _body, res, connection) => {
      if (req.method === "POST") posts++
      if (connection.requests === 2) res.socket?.destroy()
      else res.end("ok")
    }
    const post = await run(Effect.forEach([1, 2], () => Effect.flatMap(execute(HttpClientRequest.post(`${base}/p`)), (r) => r.text)))
    expect(Exit.isFailure(post)).toBe(true)
    expect(posts).toBe(2) // the push is not sent a third time
  })

  it("sends a secret read with a trailing newline as fetch would (trimmed), and refuses a value node can not send as a RequestError", async () => {
    let auth: string | undefined
    handler = (req, _body, res) => {
      auth = req.headers.authorization
      res.end("ok")
    }
    const trimmed = await run(Effect.flatMap(execute(HttpClientRequest.post(`${base}/t`).pipe(HttpClientRequest.bearerToken("tok\n"))), (r) => r.text))
    expect(trimmed).toEqual(Exit.succeed("ok"))
    expect(auth).toBe("Bearer tok")
    const refused = await run(execute(HttpClientRequest.post(`${base}/t`).pipe(HttpClientRequest.setHeader("x-key", "a\nb"))))
    expect(failure(refused)?.reason).toBe("Transport") // a failure the adapters map, not a defect
  })

  it("fails, instead of waiting for ever, when the server answers 101 or goes silent", async () => {
    const raw = createTcpServer((s) => {
      s.on("data", (d) => {
        if (d.toString().includes("/upgrade")) s.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n")
        // else: says nothing
      })
      s.on("error", () => undefined)
    })
    await new Promise<void>((ok) => raw.listen(0, "127.0.0.1", ok))
    const at = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`
    try {
      const started = Date.now()
      const upgraded = await Effect.runPromiseExit(execute(HttpClientRequest.post(`${at}/upgrade`)).pipe(Effect.scoped, Effect.provide(NodeHttpClientLive())))
      expect(failure(upgraded)?.reason).toBe("Transport")
      const silent = await Effect.runPromiseExit(
        execute(HttpClientRequest.post(`${at}/silent`)).pipe(Effect.scoped, Effect.provide(NodeHttpClientLive({ silenceMs: 200 })))
      )
      expect(String(failure(silent)?.cause)).toContain("no data from the server for 200 ms")
      expect(Date.now() - started).toBeLessThan(3_000)
    } finally {
      raw.close()
    }
  })

  it("refuses what fetch refuses or what it can not send: credentials in the URL, a streamed body", async () => {
    handler = (_req, _body, res) => res.end("ok")
    const withCredentials = await run(execute(HttpClientRequest.get(base.replace("http://", "http://user:secret@"))))
    expect(String(failure(withCredentials)?.cause)).toContain("credentials")
    const streamed = await run(execute(HttpClientRequest.post(`${base}/s`).pipe(HttpClientRequest.bodyStream(Stream.make(new Uint8Array([1]))))))
    expect(String(failure(streamed)?.cause)).toContain("not supported")
  })
})
