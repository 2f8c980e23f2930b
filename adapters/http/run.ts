/**
 * Running a described endpoint: decode, authenticate, run ONE use case through the platform
 * runtime, encode the answer, and turn every failure into an RFC 9457 problem. Shared by every
 * route module so there is one way to answer and one status table (problems.ts).
 */
import type { Request, Response } from "express"
import { Cause, Effect, Exit, FiberRef, FiberRefs, HashMap, HashSet, Runtime } from "effect"
import { authenticate } from "../../application/auth/login.js"
import { Unauthenticated } from "../../application/auth/auth.errors.js"
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

const bearer = (req: Request): string | undefined | null => {
  const h = req.headers.authorization
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

/**
 * Runs a program for a request and answers: `answer` on success, a problem on failure. The program
 * runs in a server span named for the route (continuing the caller's trace when it sent a W3C
 * traceparent) with the request id on the span and on every log line.
 */
export const runAndAnswer = async <A>(
  runtime: PlatformRuntime,
  res: Response,
  /** Fails only with errors problems.ts maps (MappedError): anything else does not compile. */
  program: Effect.Effect<A, MappedError, PlatformServices>,
  answer: (a: A) => void,
  route = `${res.req.method} ${routePattern(res.req)}`
) => {
  const requestId = String(res.locals["requestId"] ?? "")
  const parent = parentFromTraceParent(res.req.headers.traceparent)
  const exit = await runRequest(
    runtime,
    requestId,
    route,
    program.pipe(
      Effect.withSpan(route, {
        kind: "server",
        // the call site (this function, for every request) says nothing: not captured (an Error per request)
        captureStackTrace: false,
        attributes: { "http.request.method": res.req.method, "http.route": routePattern(res.req), "amana.request_id": requestId },
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
    return sendProblem(res, mapped)
  }
  if (Cause.isInterruptedOnly(exit.cause)) return sendProblem(res, problem(503, "SERVICE.INTERRUPTED", "the server is shutting down; try again"))
  log("error", "unhandled failure", { requestId, cause: Cause.pretty(exit.cause) })
  sendProblem(res, problem(500, "INTERNAL", "something went wrong on our side; the request id identifies it in our logs"))
}

/** Completes when the response's connection closes (the client went away, or the answer was sent). */
const closed = (res: Response): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const gone = () => resume(Effect.void)
    if (res.closed) return gone()
    res.once("close", gone)
    return Effect.sync(() => void res.off("close", gone))
  })

/** The body an endpoint decodes (none when it takes it raw or as a file). */
const requestBody = (e: Endpoint, req: Request): unknown => (e.rawBody || e.binaryBody !== undefined ? undefined : req.body)

/** The express handler for one described endpoint. */
export const runEndpoint = (runtime: PlatformRuntime, config: HttpConfig, e: Endpoint) => async (req: Request, res: Response) => {
  const requestId = String(res.locals["requestId"])
  const token = bearer(req)
  const route = `${e.method.toUpperCase()} ${e.path}`
  const program = Effect.gen(function* () {
    let session: Session | undefined
    let prefetched: unknown
    if (e.auth !== "none" && token !== undefined) {
      if (token === null) return yield* new Unauthenticated({ reason: "INVALID" })
      // the session found by the endpoint's own read (one statement), else by itself
      const along = e.authenticateWith?.(token, { params: req.params, query: req.query, body: requestBody(e, req) })
      if (along === undefined) session = yield* authenticate(token)
      else ({ session, read: prefetched } = yield* along)
      res.locals["userId"] = session.user.id
    } else if (e.auth === "required") return yield* new Unauthenticated({ reason: "MISSING" })
    const ctx: RequestContext = {
      requestId,
      headers: req.headers,
      remoteAddr: req.ip ?? req.socket.remoteAddress,
      clientAddress: clientAddressKey(req.ip ?? req.socket.remoteAddress),
      config,
      session,
      rawBody: e.rawBody && typeof req.body === "string" ? req.body : undefined,
      rawBytes: e.binaryBody !== undefined ? (Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array()) : undefined,
      setHeader: (name, value) => void res.setHeader(name, value),
      // made when asked for (only a waiting poll does), not for every request
      get abandoned() {
        return closed(res)
      }
    }
    return yield* e.run({ params: req.params, query: req.query, body: requestBody(e, req), ctx, prefetched })
  })
  const answer = (value: unknown) => {
    if (e.status === 204) return void res.status(204).end()
    // a redirecting endpoint that set a Location answers 302 with the same body
    if (e.binaryResponse === undefined) return void res.status(e.redirects && res.getHeader("location") !== undefined ? 302 : e.status).json(value)
    const file = value as { readonly contentType: string; readonly bytes: Uint8Array }
    // a file of ours, never cached by a shared cache, never sniffed into another type
    res.setHeader("Cache-Control", "private, no-store")
    res.setHeader("Content-Disposition", "inline")
    res.status(e.status).type(file.contentType).send(Buffer.from(file.bytes))
  }
  await runAndAnswer(runtime, res, program, answer, route)
}
