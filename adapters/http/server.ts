/**
 * The HTTP server: node's, with the direct path (direct.ts) taking the API's plain requests and
 * express 5 everything else, the same answers either way. Every handler decodes its input with Schemas, runs ONE application use
 * case through the platform runtime and encodes the answer; every failure becomes an RFC 9457
 * problem (problems.ts). Each request has a correlation id (X-Request-Id, accepted or made) that is
 * echoed, put on every log line the request causes, and logged as one structured JSON line.
 */
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import express from "express"
import type { NextFunction, Request, Response } from "express"
import type { PlatformRuntime } from "../../composition/platform.js"
import { loadHttpConfig } from "./config.js"
import type { HttpConfig, LoadedHttpConfig } from "./config.js"
import type { Endpoint } from "./endpoint.js"
import { bodyNotUtf8Problem, isBodyNotUtf8, refuseBadBody, refuseBadUrlAndHeaders, verifyUtf8 } from "./edge.js"
import { docsPage, openApiDocument } from "./openapi.js"
import { bodyLimit, MAX_BODY_BYTES, META_WEBHOOK_MAX_BYTES, META_WEBHOOK_PATHS } from "./body-limit.js"
import { problem } from "./problems.js"
import { securityHeaders } from "./security-headers.js"
import { log, routePattern, runEndpoint, sendProblem, serveEndpoint, sessionBeforeBody } from "./run.js"
import type { Exchange } from "./run.js"
import { makeDirectPath } from "./direct.js"
import type { Observed } from "./direct.js"
import { affiliateRoutes } from "./routes/affiliates.js"
import { storeRoutes } from "./routes/stores.js"
import { metaCatalogueRoutes } from "./routes/meta-catalogue.js"
import { authRoutes } from "./routes/auth.js"
import { cartRoutes } from "./routes/cart.js"
import { catalogueRoutes } from "./routes/catalogue.js"
import { checkoutRoutes } from "./routes/checkout.js"
import { devRoutes } from "./routes/dev.js"
import { orderRoutes } from "./routes/orders.js"
import { sellerRoutes } from "./routes/seller.js"
import { insightRoutes } from "./routes/insights.js"
import { conversationRoutes } from "./routes/conversations.js"
import { onboardingRoutes } from "./routes/onboarding.js"
import { fulfilmentEndpoints, mountFulfilmentWebhooks } from "./routes/fulfilment.js"
import { healthRoutes } from "./routes/health.js"

export interface HttpOptions {
  readonly port: number
  readonly production: boolean
  /** where Daraja reaches the callback; default PUBLIC_BASE_URL, else this server's own address */
  readonly publicBaseUrl?: string
  /** other apps mounted before any body parser (the back-office), by the composition root */
  readonly mounts?: ReadonlyArray<(app: express.Express) => void>
  /** told of every answered request (metrics, by the composition root): its route pattern, never the raw path */
  readonly observeRequest?: (r: { readonly method: string; readonly route: string; readonly status: number; readonly seconds: number }) => void
}

export const endpoints: ReadonlyArray<Endpoint> = [
  ...healthRoutes,
  ...authRoutes,
  ...catalogueRoutes,
  ...cartRoutes,
  ...checkoutRoutes,
  ...orderRoutes,
  ...sellerRoutes,
  ...insightRoutes,
  ...conversationRoutes,
  ...onboardingRoutes,
  ...fulfilmentEndpoints,
  ...affiliateRoutes,
  ...storeRoutes,
  ...metaCatalogueRoutes,
  ...devRoutes
]

const API_VERSION = "1.0.0"
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The request's correlation id: the one it came with, when it is a sane one, else a new one. */
const requestIdOf = (given: string | ReadonlyArray<string> | undefined): string => (typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID())

/** A request's one structured log line, and the metrics it is counted in. */
const observer =
  (options: HttpOptions) =>
  (r: Observed, line: Record<string, unknown>): void => {
    log(r.status >= 500 ? "error" : "info", "http", line)
    options.observeRequest?.(r)
  }

const JSON_LIMIT = 100 * 1024
const TEXT_LIMIT = 64 * 1024

/**
 * The server's request handler over configuration read once (loadHttpConfig): the direct path (direct.ts)
 * takes the endpoints' plain requests, the express app everything else. HTTP_DIRECT=off: express alone.
 */
export const makeHandler = (runtime: PlatformRuntime, options: HttpOptions, loaded: LoadedHttpConfig) => {
  // one configuration object for both paths (startHttp sets its publicBaseUrl once the port is known)
  const { webhooks, ...rest } = loaded
  const config: HttpConfig = rest
  // each endpoint's runner, made once for both paths
  const served = new Map(endpoints.map((e) => [e, serveEndpoint(runtime, config, e)] as const))
  const serve = (e: Endpoint) => served.get(e)!
  const app = makeApp(runtime, options, config, webhooks, serve)
  if (process.env["HTTP_DIRECT"] === "off") return { app, handle: (req: IncomingMessage, res: ServerResponse) => void app(req, res) }
  const direct = makeDirectPath({
    endpoints,
    serve,
    production: options.production,
    trustProxy: config.trustProxy,
    jsonLimit: JSON_LIMIT,
    textLimit: TEXT_LIMIT,
    requestId: requestIdOf,
    observe: observer(options)
  })
  return { app, handle: (req: IncomingMessage, res: ServerResponse) => void (direct(req, res) || app(req, res)) }
}

/** The express app over configuration read once (loadHttpConfig). */
export const makeApp = (
  runtime: PlatformRuntime,
  options: HttpOptions,
  config: HttpConfig,
  webhooks: LoadedHttpConfig["webhooks"],
  serve: (e: Endpoint) => (x: Exchange) => Promise<void>
): express.Express => {
  const app = express()
  app.disable("x-powered-by")
  // req.ip is the client: the TCP peer, or what the trusted proxies say (TRUST_PROXY, client-address.ts)
  app.set("trust proxy", config.trustProxy === false ? false : Array.isArray(config.trustProxy) ? [...config.trustProxy] : config.trustProxy)
  app.locals["config"] = config

  // Correlation id and one structured log line per request.
  const observe = observer(options)
  app.use((req, res, next) => {
    const requestId = requestIdOf(req.headers["x-request-id"])
    res.locals["requestId"] = requestId
    res.setHeader("X-Request-Id", requestId)
    const started = process.hrtime.bigint()
    res.on("finish", () => {
      const ms = Number((process.hrtime.bigint() - started) / 1000n) / 1000
      observe(
        { method: req.method, route: routePattern(req), status: res.statusCode, seconds: ms / 1000 },
        { requestId, method: req.method, route: req.route?.path ?? null, path: req.path, status: res.statusCode, ms, userId: res.locals["userId"] ?? null }
      )
    })
    next()
  })
  // Every answer carries the security headers (the back-office's pages replace the CSP with their own).
  app.use(securityHeaders({ production: options.production }))
  // NUL and invalid UTF-8 stop here, for every route (the back-office included).
  app.use(refuseBadUrlAndHeaders(sendProblem))

  // Every body is bounded before it is read: 1 MB, Meta's signed webhooks 3 MiB (body-limit.ts);
  // files (binaryBody endpoints) have their own, larger, limit on their own route. One lookup a request.
  const jsonLimit = bodyLimit(MAX_BODY_BYTES)
  const metaLimit = bodyLimit(META_WEBHOOK_MAX_BYTES)
  const limitFor = new Map<string, express.RequestHandler>([
    ...endpoints.filter((e) => e.binaryBody !== undefined).map((e): [string, express.RequestHandler] => [e.path, (_req, _res, next) => next()]),
    ...[...META_WEBHOOK_PATHS].map((path): [string, express.RequestHandler] => [path, metaLimit])
  ])
  app.use((req, res, next) => (limitFor.get(req.path) ?? jsonLimit)(req, res, next))

  // the older liveness path, kept for whoever probes it (/healthz is the documented one)
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

  for (const mount of options.mounts ?? []) mount(app)
  const json = express.json({ limit: JSON_LIMIT, strict: false, type: () => true, verify: verifyUtf8 })
  const text = express.text({ limit: TEXT_LIMIT, type: () => true, verify: verifyUtf8 })
  const cleanBody = refuseBadBody(sendProblem)
  const mounted = endpoints.map((e) => {
    const handler = runEndpoint(serve(e))
    const withBody = e.method === "post" || e.method === "put" || e.method === "patch"
    const handlers: Array<express.RequestHandler> =
      withBody && e.binaryBody !== undefined
        ? [
            bodyLimit(e.binaryBody.maxBytes),
            ...(e.auth === "required" ? [sessionBeforeBody(runtime)] : []),
            express.raw({ limit: e.binaryBody.maxBytes, type: () => true }),
            handler
          ]
        : withBody
          ? [e.rawBody ? text : json, cleanBody, handler]
          : [handler]
    return { e, handlers }
  })
  // (the endpoints' plain requests never reach these: the direct path answers them, makeHandler)
  for (const { e, handlers } of mounted) app[e.method](e.path, ...handlers)

  // Signed webhooks (logistics partner, WhatsApp, Daraja B2C) read raw bytes: their own routes.
  mountFulfilmentWebhooks(app, runtime, webhooks)
  app.use((_req, res) => sendProblem(res, problem(404, "ROUTE.NOT_FOUND", "there is no such endpoint; see /api/docs")))
  // Body parsing and URL decoding failures: the client's, never a 500.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string }
    if (isBodyNotUtf8(err)) return sendProblem(res, bodyNotUtf8Problem())
    if (e.type === "entity.parse.failed") return sendProblem(res, problem(400, "REQUEST.MALFORMED_JSON", "the body is not valid JSON"))
    if (e.type === "entity.too.large") return sendProblem(res, problem(413, "REQUEST.TOO_LARGE", "the body is too large"))
    if (err instanceof URIError) return sendProblem(res, problem(400, "REQUEST.MALFORMED_URL", "the URL is not valid"))
    if (typeof e.status === "number" && e.status >= 400 && e.status < 500)
      return sendProblem(res, problem(e.status, "REQUEST.UNREADABLE", e.message ?? "the request could not be read"))
    log("error", "unhandled error", { requestId: res.locals["requestId"], error: err instanceof Error ? err.stack : String(err) })
    sendProblem(res, problem(500, "INTERNAL", "something went wrong on our side"))
  })
  return app
}

export const startHttp = async (runtime: PlatformRuntime, options: HttpOptions): Promise<Server> => {
  const loaded = await loadHttpConfig(runtime, options)
  return new Promise((ok, fail) => {
    const { app, handle } = makeHandler(runtime, options, loaded)
    // the express app behind the direct path, for whoever inspects the server (tests/api/route-dispatch.test.ts)
    const server = createServer(Object.assign(handle, { app }))
    server.listen(options.port, () => {
      const config = app.locals["config"] as HttpConfig
      // Port 0 (tests): the callback URL can only be known now.
      if (options.publicBaseUrl === undefined && process.env["PUBLIC_BASE_URL"] === undefined)
        config.publicBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      ok(server)
    })
    server.once("error", fail)
  })
}
