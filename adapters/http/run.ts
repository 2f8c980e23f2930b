/**
 * Running a described endpoint: decode, authenticate, run ONE use case through the platform
 * runtime, encode the answer, and turn every failure into an RFC 9457 problem. Shared by every
 * route module so there is one way to answer and one status table (problems.ts).
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http"
import type { Request, Response } from "express"
import { Cause, Clock, Effect, Exit, FiberRef, FiberRefs, HashMap, HashSet, Option, Runtime } from "effect"
import { authenticate } from "../../application/auth/login.js"
import { Unauthenticated } from "../../application/auth/auth.errors.js"
import { AuthStore } from "../../application/auth/auth.port.js"
import type { Session } from "../../application/auth/auth.port.js"
import type { PlatformRuntime, PlatformServices } from "../../composition/platform.js"
import { effectLogger, log } from "../system/logging.js"
import { parentFromTraceParent } from "../system/trace-context.js"
import type { HttpConfig } from "./config.js"
import type { Endpoint, RequestContext } from "./endpoint.js"
import { clientAddressKey } from "./client-address.js"
import { problem, toProblem } from "./problems.js"
import type { MappedError, Problem } from "./problems.js"

export { log }

export const sendProblem = (res: Response, p: Problem) => {
  const body: Problem = { ...p, instance: res.req.originalUrl.split("?")[0] ?? "", requestId: String(res.locals["requestId"] ?? "") }
  if (p.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(p.retryAfterSeconds))
  res.status(p.status).type("application/problem+json").send(JSON.stringify(body))
}

const bearer = (h: string | undefined): string | undefined | null => {
  if (h === undefined) return undefined
  const m = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(h.trim())
  return m ? m[1]! : null
}

/** What an error says about itself, for the log only (a database's or a provider's text). */
const internalText = (e: unknown): string => {
  if (typeof e !== "object" || e === null) return String(e)
  const r = e as { _tag?: unknown; message?: unknown; detail?: unknown }
  const text = typeof r.message === "string" && r.message !== "" ? r.message : typeof r.detail === "string" ? r.detail : JSON.stringify(e)
  return `${String(r._tag ?? "error")}: ${text}`
}

/**
 * The route pattern that answered (`/api/v1/checkouts/:id`, the back-office's router mount
 * included), never the raw path: ids and secrets stay out of metric labels and span names, and
 * the set of values stays bounded. "unmatched" when no route answered (a 404, a refused request).
 */
export const routePattern = (req: Request): string => {
  const route: unknown = req.route
  if (typeof route !== "object" || route === null || !("path" in route)) return "unmatched"
  return `${req.baseUrl}${String(route.path)}`
}

/** The request's loggers: built once (a HashSet per request hashed the logger every time). */
const requestLoggers = HashSet.make(effectLogger)

/**
 * The platform's runtime with the request's loggers set, made once per built runtime: a request
 * then starts its fiber with its loggers and log annotations already in place (Runtime.setFiberRef)
 * instead of setting them around its program (Effect.locally and Effect.annotateLogs: ~20 µs of
 * CPU a request, measured, for the same values).
 */
const withRequestLoggers = new WeakMap<Runtime.Runtime<PlatformServices>, Runtime.Runtime<PlatformServices>>()
const requestRuntime = (built: Runtime.Runtime<PlatformServices>, requestId: string, route: string) => {
  let base = withRequestLoggers.get(built)
  if (base === undefined) {
    base = Runtime.setFiberRef(built, FiberRef.currentLoggers, requestLoggers)
    withRequestLoggers.set(built, base)
  }
  // what Effect.annotateLogs({ requestId, route }) adds, in its order
  const annotations = HashMap.set(
    HashMap.set(FiberRefs.getOrDefault(base.fiberRefs, FiberRef.currentLogAnnotations), "requestId", requestId as unknown),
    "route",
    route
  )
  return Runtime.setFiberRef(base, FiberRef.currentLogAnnotations, annotations)
}

/** Runs a request's program: on the platform's built runtime (requestRuntime), else (not built yet, or disposed) as it answers. */
export const runRequest = async <A, E>(runtime: PlatformRuntime, requestId: string, route: string, program: Effect.Effect<A, E, PlatformServices>) => {
  const built = await runtime.runtime().catch(() => undefined)
  if (built === undefined)
    return runtime.runPromiseExit(program.pipe(Effect.annotateLogs({ requestId, route }), Effect.locally(FiberRef.currentLoggers, requestLoggers)))
  return Runtime.runPromiseExit(requestRuntime(built, requestId, route))(program)
}

/** What a request's run needs to know of it, whichever server took it (express, or the direct path: direct.ts). */
export interface RunInfo {
  readonly requestId: string
  /** the span's name: method and route pattern */
  readonly route: string
  readonly method: string
  /** the route pattern (never the raw path) */
  readonly httpRoute: string
  readonly traceparent: string | ReadonlyArray<string> | undefined
}

/**
 * Runs a program for a request: `answer` on success, `refuse` with a problem on failure. The
 * program runs in a server span named for the route (continuing the caller's trace when it sent a
 * W3C traceparent) with the request id on the span and on every log line.
 */
export const runForAnswer = async <A>(
  runtime: PlatformRuntime,
  info: RunInfo,
  /** Fails only with errors problems.ts maps (MappedError): anything else does not compile. */
  program: Effect.Effect<A, MappedError, PlatformServices>,
  answer: (a: A) => void,
  refuse: (p: Problem) => void
) => {
  const { requestId } = info
  const parent = parentFromTraceParent(typeof info.traceparent === "string" ? info.traceparent : undefined)
  const exit = await runRequest(
    runtime,
    requestId,
    info.route,
    program.pipe(
      Effect.withSpan(info.route, {
        kind: "server",
        // the call site (this function, for every request) says nothing: not captured (an Error per request)
        captureStackTrace: false,
        attributes: { "http.request.method": info.method, "http.route": info.httpRoute, "amana.request_id": requestId },
        ...(parent !== undefined && { parent })
      })
    )
  )
  if (Exit.isSuccess(exit)) return answer(exit.value)
  const failure = Cause.failureOption(exit.cause)
  const error = failure._tag === "Some" ? failure.value : undefined
  const mapped = toProblem(error)
  if (mapped) {
    if (mapped.status >= 500) log("warn", "request failed", { requestId, code: mapped.code, error: internalText(error) })
    return refuse(mapped)
  }
  if (Cause.isInterruptedOnly(exit.cause)) return refuse(problem(503, "SERVICE.INTERRUPTED", "the server is shutting down; try again"))
  log("error", "unhandled failure", { requestId, cause: Cause.pretty(exit.cause) })
  refuse(problem(500, "INTERNAL", "something went wrong on our side; the request id identifies it in our logs"))
}

/** runForAnswer for an express handler (the signed webhooks' routes). */
export const runAndAnswer = <A>(
  runtime: PlatformRuntime,
  res: Response,
  program: Effect.Effect<A, MappedError, PlatformServices>,
  answer: (a: A) => void,
  route = `${res.req.method} ${routePattern(res.req)}`
) =>
  runForAnswer(
    runtime,
    {
      requestId: String(res.locals["requestId"] ?? ""),
      route,
      method: res.req.method,
      httpRoute: routePattern(res.req),
      traceparent: res.req.headers.traceparent
    },
    program,
    answer,
    (p) => sendProblem(res, p)
  )

/** Completes when the response's connection closes (the client went away, or the answer was sent). */
export const closed = (res: ServerResponse): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const gone = () => resume(Effect.void)
    if (res.closed) return gone()
    res.once("close", gone)
    return Effect.sync(() => void res.off("close", gone))
  })

/**
 * One request to a described endpoint, as serveEndpoint sees it: what it came with (decoded by the
 * server that took it: express, or the direct path) and how to answer it.
 */
export interface Exchange {
  readonly method: string
  readonly requestId: string
  readonly headers: IncomingHttpHeaders
  readonly params: unknown
  readonly query: unknown
  /** the parsed body (JSON), the text (rawBody endpoints) or the bytes (binaryBody endpoints); undefined when none was sent */
  readonly body: unknown
  /** the client's address (TRUST_PROXY honoured) */
  readonly ip: string | undefined
  readonly setHeader: (name: string, value: string) => void
  readonly hasHeader: (name: string) => boolean
  /** the request was authenticated as this user (the request's log line names them) */
  readonly signedIn: (userId: string) => void
  /** completes when the client goes away */
  readonly closed: () => Effect.Effect<void>
  readonly json: (status: number, value: unknown) => void
  readonly empty: (status: number) => void
  readonly file: (status: number, contentType: string, bytes: Buffer) => void
  readonly problem: (p: Problem) => void
}

/** Serves one described endpoint: authenticate, run it through the platform runtime, answer. */
export const serveEndpoint = (runtime: PlatformRuntime, config: HttpConfig, e: Endpoint) => {
  const route = `${e.method.toUpperCase()} ${e.path}`
  const body = (x: Exchange): unknown => (e.rawBody || e.binaryBody !== undefined ? undefined : x.body)
  return async (x: Exchange): Promise<void> => {
    const token = bearer(x.headers.authorization)
    const program = Effect.gen(function* () {
      let session: Session | undefined
      let prefetched: unknown
      if (e.auth !== "none" && token !== undefined) {
        if (token === null) return yield* new Unauthenticated({ reason: "INVALID" })
        // the session found by the endpoint's own read (one statement), else by itself
        const along = e.authenticateWith?.(token, { params: x.params, query: x.query, body: body(x) })
        if (along === undefined) session = yield* authenticate(token)
        else ({ session, read: prefetched } = yield* along)
        x.signedIn(session.user.id)
      } else if (e.auth === "required") return yield* new Unauthenticated({ reason: "MISSING" })
      const ctx: RequestContext = {
        requestId: x.requestId,
        headers: x.headers,
        remoteAddr: x.ip,
        clientAddress: clientAddressKey(x.ip),
        config,
        session,
        rawBody: e.rawBody && typeof x.body === "string" ? x.body : undefined,
        rawBytes: e.binaryBody !== undefined ? (Buffer.isBuffer(x.body) ? new Uint8Array(x.body) : new Uint8Array()) : undefined,
        setHeader: (name, value) => x.setHeader(name, value),
        // made when asked for (only a waiting poll does), not for every request
        get abandoned() {
          return x.closed()
        }
      }
      return yield* e.run({ params: x.params, query: x.query, body: body(x), ctx, prefetched })
    })
    const answer = (value: unknown) => {
      if (e.status === 204) return x.empty(204)
      // a redirecting endpoint that set a Location answers 302 with the same body
      if (e.binaryResponse === undefined) return x.json(e.redirects && x.hasHeader("location") ? 302 : e.status, value)
      const file = value as { readonly contentType: string; readonly bytes: Uint8Array }
      // a file of ours, never cached by a shared cache, never sniffed into another type
      x.setHeader("Cache-Control", "private, no-store")
      x.setHeader("Content-Disposition", "inline")
      x.file(e.status, file.contentType, Buffer.from(file.bytes))
    }
    await runForAnswer(
      runtime,
      { requestId: x.requestId, route, method: x.method, httpRoute: e.path, traceparent: x.headers.traceparent },
      program,
      answer,
      (p) => x.problem(p)
    )
  }
}

/**
 * Before a file endpoint's body (up to MAX_UPLOAD_BYTES, far more than a JSON body) is read: the
 * bearer token must name a live session, judged from the headers alone, or the answer is 401 at
 * once and the connection closes; no one without a session makes us hold a file in memory. Only
 * looked up here: the endpoint's own authentication (and its rate limit) runs as for every request.
 */
export const sessionBeforeBody =
  (runtime: PlatformRuntime) =>
  (req: Request, res: Response, next: (error?: unknown) => void): Promise<void> => {
    const token = bearer(req.headers.authorization)
    const program = Effect.gen(function* () {
      if (token === undefined || token === null) return yield* new Unauthenticated({ reason: token === undefined ? "MISSING" : "INVALID" })
      const now = yield* Clock.currentTimeMillis
      const session = yield* Effect.flatMap(AuthStore, (store) => store.findSession(token, now))
      if (Option.isNone(session)) return yield* new Unauthenticated({ reason: "INVALID" })
    })
    const info = {
      requestId: String(res.locals["requestId"] ?? ""),
      route: `${req.method} ${routePattern(req)}`,
      method: req.method,
      httpRoute: routePattern(req),
      traceparent: req.headers.traceparent
    }
    const refuse = (p: Problem) => {
      // the body was not read: the connection cannot carry another request
      res.setHeader("Connection", "close")
      sendProblem(res, p)
    }
    return runForAnswer(runtime, info, program, () => next(), refuse).catch(next)
  }

/** The express handler for one described endpoint (what the direct path does not take: direct.ts). */
export const runEndpoint = (serve: (x: Exchange) => Promise<void>) => {
  return (req: Request, res: Response) =>
    serve({
      method: req.method,
      requestId: String(res.locals["requestId"]),
      headers: req.headers,
      params: req.params,
      query: req.query,
      body: req.body,
      ip: req.ip ?? req.socket.remoteAddress,
      setHeader: (name, value) => void res.setHeader(name, value),
      hasHeader: (name) => res.getHeader(name) !== undefined,
      signedIn: (userId) => void (res.locals["userId"] = userId),
      closed: () => closed(res),
      json: (status, value) => void res.status(status).json(value),
      empty: (status) => void res.status(status).end(),
      file: (status, contentType, bytes) => void res.status(status).type(contentType).send(bytes),
      problem: (p) => sendProblem(res, p)
    })
}
