/**
 * The HTTP server: express 5. Every handler decodes its input with Schemas, runs ONE application use
 * case through the platform runtime and encodes the answer; every failure becomes an RFC 9457
 * problem (problems.ts). Each request has a correlation id (X-Request-Id, accepted or made) that is
 * echoed, put on every log line the request causes, and logged as one structured JSON line.
 */
import { randomUUID } from "node:crypto"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import express from "express"
import type { NextFunction, Request, Response } from "express"
import { Cause, Effect, Exit, FiberRef, HashSet, Logger } from "effect"
import { authenticate } from "../../application/auth/login.js"
import { Unauthenticated } from "../../application/auth/auth.errors.js"
import type { Session } from "../../application/auth/auth.port.js"
import type { PlatformRuntime } from "../platform.js"
import { httpConfigFromEnv } from "./config.js"
import type { HttpConfig } from "./config.js"
import type { Endpoint, RequestContext } from "./endpoint.js"
import { docsPage, openApiDocument } from "./openapi.js"
import { problem, toProblem } from "./problems.js"
import type { Problem } from "./problems.js"
import { authRoutes } from "./routes/auth.js"
import { cartRoutes } from "./routes/cart.js"
import { catalogueRoutes } from "./routes/catalogue.js"
import { checkoutRoutes } from "./routes/checkout.js"
import { devRoutes } from "./routes/dev.js"
import { orderRoutes } from "./routes/orders.js"
import { sellerRoutes } from "./routes/seller.js"
import { mountBackoffice } from "../../backoffice/mount.js"
import { mountFulfilment } from "./routes/fulfilment.js"

export interface HttpOptions {
  readonly port: number
  readonly production: boolean
  /** where Daraja reaches the callback; default PUBLIC_BASE_URL, else this server's own address */
  readonly publicBaseUrl?: string
}

export const endpoints: ReadonlyArray<Endpoint> = [...authRoutes, ...catalogueRoutes, ...cartRoutes, ...checkoutRoutes, ...orderRoutes, ...sellerRoutes, ...devRoutes]

const API_VERSION = "1.0.0"
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
const jsonLogger = Logger.withConsoleLog(Logger.jsonLogger)

const log = (level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown>) =>
  console.log(JSON.stringify({ level, at: new Date().toISOString(), msg, ...fields }))

const sendProblem = (res: Response, p: Problem) => {
  const body: Problem = { ...p, instance: res.req.originalUrl.split("?")[0] ?? "", requestId: String(res.locals["requestId"] ?? "") }
  if (p.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(p.retryAfterSeconds))
  res.status(p.status).type("application/problem+json").send(JSON.stringify(body))
}

const bearer = (req: Request): string | undefined | null => {
  const h = req.headers.authorization
  if (h === undefined) return undefined
  const m = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(h.trim())
  return m ? m[1]! : null
}

const runEndpoint = (runtime: PlatformRuntime, config: HttpConfig, e: Endpoint) => async (req: Request, res: Response) => {
  const requestId = String(res.locals["requestId"])
  const token = bearer(req)
  const program = Effect.gen(function* () {
    let session: Session | undefined
    if (e.auth !== "none" && token !== undefined) {
      if (token === null) return yield* new Unauthenticated({ reason: "INVALID" })
      session = yield* authenticate(token)
      res.locals["userId"] = session.user.id
    } else if (e.auth === "required") return yield* new Unauthenticated({ reason: "MISSING" })
    const ctx: RequestContext = {
      requestId,
      headers: req.headers,
      remoteAddr: req.socket.remoteAddress,
      config,
      session,
      rawBody: e.rawBody && typeof req.body === "string" ? req.body : undefined,
      setHeader: (name, value) => void res.setHeader(name, value)
    }
    return yield* e.run({ params: req.params, query: req.query, body: e.rawBody ? undefined : req.body, ctx })
  }).pipe(
    Effect.withSpan(`${e.method.toUpperCase()} ${e.path}`),
    Effect.annotateLogs({ requestId, route: `${e.method.toUpperCase()} ${e.path}` }),
    Effect.locally(FiberRef.currentLoggers, HashSet.make(jsonLogger))
  )
  const exit = await runtime.runPromiseExit(program)
  if (Exit.isSuccess(exit)) {
    res.status(e.status).json(exit.value)
    return
  }
  const failure = Cause.failureOption(exit.cause)
  const mapped = failure._tag === "Some" ? toProblem(failure.value) : undefined
  if (mapped) {
    if (mapped.status >= 500) log("warn", "request failed", { requestId, code: mapped.code, detail: mapped.detail })
    return sendProblem(res, mapped)
  }
  if (Cause.isInterruptedOnly(exit.cause)) return sendProblem(res, problem(503, "SERVICE.INTERRUPTED", "the server is shutting down; try again"))
  log("error", "unhandled failure", { requestId, cause: Cause.pretty(exit.cause) })
  sendProblem(res, problem(500, "INTERNAL", "something went wrong on our side; the request id identifies it in our logs"))
}

export const makeApp = (runtime: PlatformRuntime, options: HttpOptions): express.Express => {
  const config = httpConfigFromEnv(options)
  const app = express()
  app.disable("x-powered-by")
  app.set("trust proxy", false)
  app.locals["config"] = config

  // Correlation id and one structured log line per request.
  app.use((req, res, next) => {
    const given = req.headers["x-request-id"]
    const requestId = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID()
    res.locals["requestId"] = requestId
    res.setHeader("X-Request-Id", requestId)
    const started = process.hrtime.bigint()
    res.on("finish", () => {
      log(res.statusCode >= 500 ? "error" : "info", "http", {
        requestId,
        method: req.method,
        route: req.route?.path ?? null,
        path: req.path,
        status: res.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        userId: res.locals["userId"] ?? null
      })
    })
    next()
  })

  app.get("/health", (_req, res) => {
    res.json({ status: "ok" })
  })
  const document = openApiDocument(endpoints, { version: API_VERSION })
  app.get("/api/openapi.json", (_req, res) => {
    res.json(document)
  })
  app.get("/api/docs", (_req, res) => {
    res.type("html").send(docsPage(endpoints))
  })

  mountBackoffice(app, runtime, { production: options.production, sessionSecret: process.env["ADMIN_SESSION_SECRET"] })
  const json = express.json({ limit: "100kb", strict: false, type: () => true })
  const text = express.text({ limit: "64kb", type: () => true })
  for (const e of endpoints) {
    const handler = runEndpoint(runtime, config, e)
    const withBody = e.method === "post" || e.method === "put" || e.method === "patch"
    if (withBody) app[e.method](e.path, e.rawBody ? text : json, handler)
    else app[e.method](e.path, handler)
  }

  mountFulfilment(app, runtime, { production: options.production })
  app.use((_req, res) => sendProblem(res, problem(404, "ROUTE.NOT_FOUND", "there is no such endpoint; see /api/docs")))
  // Body parsing and URL decoding failures: the client's, never a 500.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string }
    if (e.type === "entity.parse.failed") return sendProblem(res, problem(400, "REQUEST.MALFORMED_JSON", "the body is not valid JSON"))
    if (e.type === "entity.too.large") return sendProblem(res, problem(413, "REQUEST.TOO_LARGE", "the body is too large"))
    if (err instanceof URIError) return sendProblem(res, problem(400, "REQUEST.MALFORMED_URL", "the URL is not valid"))
    if (typeof e.status === "number" && e.status >= 400 && e.status < 500) return sendProblem(res, problem(e.status, "REQUEST.UNREADABLE", e.message ?? "the request could not be read"))
    log("error", "unhandled error", { requestId: res.locals["requestId"], error: err instanceof Error ? err.stack : String(err) })
    sendProblem(res, problem(500, "INTERNAL", "something went wrong on our side"))
  })
  return app
}

export const startHttp = (runtime: PlatformRuntime, options: HttpOptions): Promise<Server> =>
  new Promise((ok, fail) => {
    const app = makeApp(runtime, options)
    const server = app.listen(options.port, () => {
      const config = app.locals["config"] as HttpConfig
      // Port 0 (tests): the callback URL can only be known now.
      if (options.publicBaseUrl === undefined && process.env["PUBLIC_BASE_URL"] === undefined)
        config.publicBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      ok(server)
    })
    server.once("error", fail)
  })
