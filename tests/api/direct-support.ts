/**
 * Two servers on one database, one with the direct path (adapters/http/direct.ts) and one without
 * (HTTP_DIRECT=off), for tests that send both the same bytes: `both` asserts the answers are equal
 * (status, every header but the connection's own and those named, body) and says whether the direct
 * path took the request (counted at its express app's door) or left it to express.
 */
import { request } from "node:http"
import type { IncomingHttpHeaders, OutgoingHttpHeaders, Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, expect } from "vitest"
import { makePool } from "../../adapters/postgres/database.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { startServer } from "../../composition/http.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"

export interface Sent {
  readonly method: string
  readonly path: string
  readonly headers?: OutgoingHttpHeaders
  readonly body?: Buffer | string
}
export interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}
interface Started {
  readonly server: Server
  readonly port: number
  /** requests that reached the express app so far */
  readonly express: () => number
}

/** One request on its own, with a fixed X-Request-Id unless the headers name one. */
export const send = (port: number, s: Sent) =>
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

/** The answer without what belongs to the connection and the moment (Date, keep-alive), and the headers named. */
export const comparable = (a: Answer, ignore: ReadonlyArray<string> = []) => {
  const { date: _d, connection: _c, "keep-alive": _k, ...headers } = a.headers
  for (const name of ignore) delete headers[name]
  return { status: a.status, headers, body: a.body }
}

const start = async (runtime: PlatformRuntime, directPath: boolean): Promise<Started> => {
  if (!directPath) process.env["HTTP_DIRECT"] = "off"
  try {
    const server = await startServer(runtime, { port: 0, production: false })
    const port = (server.address() as AddressInfo).port
    // the request listener keeps the express app behind the direct path as `app` (server.ts, makeHandler)
    const { app } = server.listeners("request")[0] as unknown as { app: { handle: (...a: Array<unknown>) => unknown } }
    let reached = 0
    const handle = app.handle.bind(app)
    app.handle = (...a: Array<unknown>) => (reached++, handle(...a))
    return { server, port, express: () => reached }
  } finally {
    delete process.env["HTTP_DIRECT"]
  }
}

/** The two servers, started before the file's tests and closed after them. */
export const useServerPair = (db: { readonly url: string }) => {
  let pool: Sql | undefined
  let runtime: PlatformRuntime | undefined
  let direct: Started | undefined
  let plain: Started | undefined
  beforeAll(async () => {
    pool = makePool(db.url, { max: 4 })
    runtime = makePlatformRuntime(pool)
    direct = await start(runtime, true)
    plain = await start(runtime, false)
  }, 60_000)
  afterAll(async () => {
    for (const s of [direct, plain]) {
      s?.server.closeAllConnections()
      await new Promise((done) => s?.server.close(done))
    }
    await runtime?.dispose()
    await pool?.end({ timeout: 5 })
  })
  const started = () => {
    if (direct === undefined || plain === undefined) throw new Error("the servers start in beforeAll")
    return { direct, plain }
  }
  return {
    get direct(): Started {
      return started().direct
    },
    get plain(): Started {
      return started().plain
    },
    /** The same request to both servers: the same answer; and whether the direct path took it. */
    both: async (s: Sent, ignore: ReadonlyArray<string> = []) => {
      const { direct, plain } = started()
      const before = { direct: direct.express(), plain: plain.express() }
      const a = await send(direct.port, s)
      const b = await send(plain.port, s)
      expect(comparable(a, ignore), `${s.method} ${s.path} ${JSON.stringify(s.headers ?? {})}`).toEqual(comparable(b, ignore))
      expect(plain.express() - before.plain).toBe(1)
      return { answer: a, taken: direct.express() === before.direct }
    }
  }
}
