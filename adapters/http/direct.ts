/**
 * The direct path: the described endpoints served by node's HTTP server directly, without express, for
 * the requests whose every part it reads exactly as express reads them. It decides from the request
 * line and headers alone, before it writes or reads anything; what it does not take (HEAD, OPTIONS,
 * a path with a percent escape, an upper-case letter where the route has a lower-case one, a
 * trailing slash, a conditional request, a chunked, compressed or non-UTF-8 body, a body over its
 * parser's limit, a file, text the edge refuses, and whatever is not an endpoint) goes on to the
 * express app, which answers it as it always has. What the direct path takes it answers as express would:
 * the same request id, security headers, body parsing and refusals, route and parameters, answer
 * (ETag included), problem, log line and metrics, all from the same functions where they exist.
 *
 * Why: express's router, its middleware chain and its response helpers were ~40% of the node CPU
 * of a GET /healthz and ~15% of a poll (docs/benchmarks.md, eighth session); the buyer's hot routes
 * pay that on every request. HTTP_DIRECT=off sends everything through express (to compare, or as an
 * escape hatch).
 */
import { isUtf8 } from "node:buffer"
import { hash } from "node:crypto"
import { validateHeaderName, validateHeaderValue } from "node:http"
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http"
import { parse as parseQuery } from "node:querystring"
import type { Effect } from "effect"
import proxyaddr from "proxy-addr"
import type { TrustProxy } from "./client-address.js"
import { MAX_BODY_BYTES } from "./body-limit.js"
import { badUrlOrHeaders, bodyNotUtf8Problem, bodyRefusal } from "./edge.js"
import type { Endpoint } from "./endpoint.js"
import { problem } from "./problems.js"
import type { Problem } from "./problems.js"
import { closed, log } from "./run.js"
import type { Exchange } from "./run.js"
import { apiSecurityHeaders } from "./security-headers.js"

/** What the request's log line and metrics get (server.ts writes the same for express's requests). */
export interface Observed {
  readonly method: string
  readonly route: string
  readonly status: number
  readonly seconds: number
}

export interface DirectPathOptions {
  /** every endpoint, in the order express matches them */
  readonly endpoints: ReadonlyArray<Endpoint>
  readonly serve: (e: Endpoint) => (x: Exchange) => Promise<void>
  readonly production: boolean
  readonly trustProxy: TrustProxy
  /** the JSON and text parsers' limits (express.json and express.text in server.ts) */
  readonly jsonLimit: number
  readonly textLimit: number
  readonly requestId: (given: string | ReadonlyArray<string> | undefined) => string
  readonly observe: (r: Observed, line: Record<string, unknown>) => void
}

type Segment = { readonly literal: string } | { readonly param: string } | "complex"

interface Route {
  readonly e: Endpoint
  readonly segments: ReadonlyArray<Segment>
  /** how its body is read; undefined: the direct path does not serve it (a file in or out) */
  readonly body: "json" | "text" | "none" | undefined
  readonly serve: (x: Exchange) => Promise<void>
}

const METHODS: Record<string, Endpoint["method"]> = { GET: "get", POST: "post", PUT: "put", PATCH: "patch", DELETE: "delete" }
/** A path the direct path reads as express does: segments of unreserved and sub-delim characters, no escapes, no trailing slash. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/
const PARAM = /^:([A-Za-z_$][A-Za-z0-9_$]*)$/
const LITERAL = /^[A-Za-z0-9._~-]+$/
/**
 * A Content-Type whose charset body-parser (content-type's parser) reads as UTF-8 or none: no
 * parameter but one charset=utf-8. Anything else (a quoted parameter that may hide a `; charset=`,
 * a second charset, junk after the value) goes to express: a regex that picks a charset out of the
 * header reads `a="; charset=utf-8"; charset=utf-16` and `charset=utf-8"x"` otherwise than it does.
 */
const UTF8_OR_NO_CHARSET = /^[^;"]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i
/** What makes parseurl (express's req.query and req.path) read the URL with url.parse, which drops a `#` fragment. */
const URL_PARSE = /[\t\n\f\r #\u00a0\ufeff]/

const segmentsOf = (path: string): ReadonlyArray<Segment> =>
  path
    .split("/")
    .slice(1)
    .map((s): Segment => {
      const param = PARAM.exec(s)
      if (param !== null) return { param: param[1]! }
      return LITERAL.test(s) ? { literal: s } : "complex"
    })

/** express's weak ETag for a body (etag's: the length and SHA-1, base64, of the bytes). */
const weakEtag = (body: string): string => {
  if (body.length === 0) return 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"'
  // the one-shot hash: createHash's object costs more than the hashing of a small answer
  return `W/"${Buffer.byteLength(body).toString(16)}-${hash("sha1", body, "base64").substring(0, 27)}"`
}

export const makeDirectPath = (options: DirectPathOptions) => {
  const table = new Map<string, Map<number, Array<Route>>>()
  for (const e of options.endpoints) {
    const segments = segmentsOf(e.path)
    const withBody = e.method === "post" || e.method === "put" || e.method === "patch"
    const route: Route = {
      e,
      segments,
      body: e.binaryBody !== undefined || e.binaryResponse !== undefined ? undefined : !withBody ? "none" : e.rawBody ? "text" : "json",
      serve: options.serve(e)
    }
    const byCount = table.get(e.method) ?? new Map<number, Array<Route>>()
    table.set(e.method, byCount)
    const routes = byCount.get(segments.length) ?? []
    byCount.set(segments.length, routes)
    routes.push(route)
  }
  const shared: Shared = {
    security: apiSecurityHeaders({ production: options.production }),
    trust:
      options.trustProxy === false ? undefined : typeof options.trustProxy === "number" ? hops(options.trustProxy) : proxyaddr.compile([...options.trustProxy]),
    observe: options.observe
  }

  /** The first route express would match, if the direct path can tell which (undefined: express decides). */
  const find = (method: string, path: string): { route: Route; params: Record<string, string> } | undefined => {
    const routes = table.get(method)
    if (routes === undefined) return undefined
    const parts = path.split("/")
    const candidates = routes.get(parts.length - 1)
    if (candidates === undefined) return undefined
    for (const route of candidates) {
      let exact = true
      let params: Record<string, string> | undefined
      for (let i = 0; i < route.segments.length && exact; i++) {
        const s = route.segments[i]!
        const part = parts[i + 1]!
        if (s === "complex") return undefined // a pattern only express reads: it decides
        if ("param" in s) (params ??= {})[s.param] = part
        else if (s.literal !== part) {
          if (s.literal.toLowerCase() === part.toLowerCase()) return undefined // express matches case-insensitively
          exact = false
        }
      }
      if (exact) return { route, params: params ?? {} }
    }
    return undefined
  }

  /** Takes the request (true) or leaves it to express (false, nothing written or read). */
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const method = METHODS[req.method ?? ""]
    const url = req.url ?? ""
    if (method === undefined) return false
    const q = url.indexOf("?")
    const path = q === -1 ? url : url.slice(0, q)
    if (!PLAIN_PATH.test(path)) return false
    if (q !== -1 && URL_PARSE.test(url)) return false
    const headers = req.headers
    // a conditional request may be answered 304 (express's freshness check)
    if (headers["if-none-match"] !== undefined || headers["if-modified-since"] !== undefined) return false
    if (badUrlOrHeaders(url, headers) !== undefined) return false
    const found = find(method, path)
    if (found === undefined || found.route.body === undefined) return false
    const { route, params } = found
    const length = headers["content-length"]
    const declared = length === undefined ? undefined : Number(length)
    if (declared !== undefined && !(declared <= MAX_BODY_BYTES)) return false
    if (route.body !== "none") {
      if (headers["transfer-encoding"] !== undefined) return false
      const encoding = headers["content-encoding"]
      if (encoding !== undefined && encoding.toLowerCase() !== "identity") return false
      const type = headers["content-type"]
      if (type !== undefined && !UTF8_OR_NO_CHARSET.test(type)) return false
      if (declared !== undefined && declared > (route.body === "json" ? options.jsonLimit : options.textLimit)) return false
    }

    // Taken: from here on this request is the direct path's.
    // the client's address now, as express reads req.ip when the handler starts: read later (after
    // authentication's round trip) a client that hung up has none, and its limits would fall in "unknown"
    const ip = shared.trust === undefined ? req.socket.remoteAddress : proxyaddr(req, shared.trust)
    const x = new DirectExchange(shared, req, res, route, path, url, q, params, options.requestId(headers["x-request-id"]), ip)
    // what express's body parsers would have found (none when nothing was declared: body-parser's hasBody)
    if (route.body === "none" || declared === undefined) {
      x.serve(undefined)
      return true
    }
    const chunks: Array<Buffer> = []
    // a client that goes away mid-body gets no answer (there is no one to read it)
    req.on("error", ignore)
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.once("end", () => x.bodyRead(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    return true
  }
}

const ignore = () => undefined

/** What every request of one direct path shares. */
interface Shared {
  readonly security: ReadonlyArray<readonly [string, string]>
  readonly trust: ((address: string, i: number) => boolean) | undefined
  readonly observe: DirectPathOptions["observe"]
}

/** One request the direct path took: what serveEndpoint reads of it, and its answer (a class: no closures made per request). */
class DirectExchange implements Exchange {
  readonly started = process.hrtime.bigint()
  readonly extra: Array<[string, string]> = []
  userId: string | null = null
  body: unknown = undefined
  constructor(
    readonly shared: Shared,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly route: Route,
    readonly path: string,
    readonly url: string,
    readonly q: number,
    readonly params: Record<string, string>,
    readonly requestId: string,
    readonly ip: string | undefined
  ) {}
  get method(): string {
    return this.req.method!
  }
  get headers(): IncomingHttpHeaders {
    return this.req.headers
  }
  #query: unknown = undefined
  get query(): unknown {
    return (this.#query ??= parseQuery(this.q === -1 ? "" : this.url.slice(this.q + 1)))
  }
  setHeader(name: string, value: string): void {
    // refused where express's res.setHeader refuses it: in the handler, not later at writeHead
    validateHeaderName(name)
    validateHeaderValue(name, value)
    const at = this.extra.findIndex(([n]) => n.toLowerCase() === name.toLowerCase())
    if (at === -1) this.extra.push([name, value])
    else this.extra[at] = [name, value]
  }
  hasHeader(name: string): boolean {
    return this.extra.some(([n]) => n.toLowerCase() === name.toLowerCase())
  }
  signedIn(userId: string): void {
    this.userId = userId
  }
  closed(): Effect.Effect<void> {
    return closed(this.res)
  }
  json(status: number, value: unknown): void {
    this.send(status, "application/json; charset=utf-8", JSON.stringify(value) ?? "")
  }
  empty(status: number): void {
    this.send(status, undefined, "")
  }
  file(): void {
    throw new Error("bug: the direct path does not serve files")
  }
  problem(p: Problem): void {
    if (p.retryAfterSeconds !== undefined) this.setHeader("Retry-After", String(p.retryAfterSeconds))
    this.send(p.status, "application/problem+json; charset=utf-8", JSON.stringify({ ...p, instance: this.path, requestId: this.requestId }))
  }
  send(status: number, contentType: string | undefined, body: string): void {
    const out: Array<string> = ["X-Request-Id", this.requestId]
    for (const [name, value] of this.shared.security) out.push(name, value)
    for (const [name, value] of this.extra) out.push(name, value)
    if (contentType !== undefined) out.push("Content-Type", contentType, "Content-Length", String(Buffer.byteLength(body)), "ETag", weakEtag(body))
    this.res.writeHead(status, out)
    this.res.end(contentType === undefined ? undefined : body)
    const ms = Number((process.hrtime.bigint() - this.started) / 1000n) / 1000
    const route = this.route.e.path
    this.shared.observe(
      { method: this.req.method!, route, status, seconds: ms / 1000 },
      { requestId: this.requestId, method: this.req.method, route, path: this.path, status, ms, userId: this.userId }
    )
  }
  /** The body as express's JSON or text parser (and refuseBadBody) would have left it, or its refusal. */
  bodyRead(bytes: Buffer): void {
    if (!isUtf8(bytes)) return this.problem(bodyNotUtf8Problem())
    // body-parser decodes with iconv-lite, which drops a leading byte order mark
    let text = bytes.toString("utf8")
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    let body: unknown = text
    if (this.route.body === "json") {
      try {
        body = text.length === 0 ? {} : JSON.parse(text)
      } catch {
        return this.problem(problem(400, "REQUEST.MALFORMED_JSON", "the body is not valid JSON"))
      }
    }
    const refused = bodyRefusal(body)
    if (refused !== undefined) return this.problem(refused)
    this.serve(body)
  }
  serve(body: unknown): void {
    this.body = body
    this.route.serve(this).catch((error: unknown) => this.failed(error))
  }
  /** A bug (a header node refuses, say): logged, and answered 500 without the headers the handler set. */
  failed(error: unknown): void {
    log("error", "unhandled error", { requestId: this.requestId, error: error instanceof Error ? error.stack : String(error) })
    this.extra.length = 0
    try {
      if (!this.res.headersSent) this.problem(problem(500, "INTERNAL", "something went wrong on our side"))
    } catch {
      this.res.destroy()
    }
  }
}

/** express's `trust proxy` as a number of hops. */
const hops =
  (n: number) =>
  (_address: string, i: number): boolean =>
    i < n
