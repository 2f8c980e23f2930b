/**
 * A fake Graph API for the Catalog Batch API (shared/protocols/META.md) on a random local port:
 *
 * - `POST /<version>/<catalog id>/items_batch` with `item_type=PRODUCT_ITEM` and `requests`, a JSON
 *   array of `{"method":"CREATE"|"UPDATE"|"DELETE","data":{"id":...,...}}` (a JSON body, or a form
 *   body whose `requests` is JSON text, as Graph takes either); answers `{"handles":[<handle>]}`.
 * - `GET [/<version>]/<catalog id>/check_batch_request_status?handle=...`: `{"data":[{"handle",
 *   "status":"in_progress"|"finished","errors_total_count","errors":[{"line","id","message"}],
 *   "warnings_total_count","warnings"}]}`; a batch reports in_progress `pollsBeforeFinished` times first.
 * - Auth: the catalogue's access token, as `Authorization: Bearer` or `access_token`; a wrong one is
 *   Graph's 190 OAuthException (401); an unknown catalogue is 100 (400). Requests malformed as a whole are 100.
 * - Each item is checked on its own as Meta does: a CREATE (or an UPDATE of an item not yet there:
 *   upserts are on) needs every required field; availability, condition, price and the lengths are
 *   checked; an item with errors is not applied and is listed in the batch's errors, the others are.
 * - `failNext("rate_limit" | "server_error" | "bad_token")` scripts Graph errors for the next calls;
 *   `rejectImageLinks` lists images Meta "cannot download" (the item is refused with that error).
 */
import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

export type GraphFailure = "rate_limit" | "server_error" | "bad_token"

const FAILURES: Record<GraphFailure, { status: number; code: number; message: string; type: string }> = {
  rate_limit: { status: 400, code: 80014, message: "(#80014) There have been too many calls for the catalog batch API.", type: "OAuthException" },
  server_error: { status: 500, code: 2, message: "An unexpected error has occurred. Please retry your request later.", type: "OAuthException" },
  bad_token: { status: 401, code: 190, message: "Error validating access token: The session has been invalidated.", type: "OAuthException" }
}

export const REQUIRED_FIELDS = ["id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand"] as const

export interface FakeBatch {
  readonly handle: string
  readonly catalogId: string
  readonly requests: ReadonlyArray<{ readonly method: string; readonly data: Readonly<Record<string, unknown>> }>
  readonly errors: ReadonlyArray<{ readonly line: number; readonly id: string | undefined; readonly message: string }>
  polls: number
}

export interface RecordedCall {
  readonly method: string
  readonly url: string
  readonly authorization: string | undefined
  readonly status: number
}

export interface FakeMetaGraph {
  readonly baseUrl: string
  /** catalogue id -> its token (add more with addCatalog) */
  readonly catalogs: ReadonlyMap<string, string>
  /** what each catalogue holds now: id -> fields */
  readonly items: ReadonlyMap<string, Map<string, Readonly<Record<string, unknown>>>>
  readonly batches: ReadonlyArray<FakeBatch>
  readonly calls: ReadonlyArray<RecordedCall>
  addCatalog(catalogId: string, token?: string): string
  failNext(failure: GraphFailure): void
  /** image links Meta "cannot download": an item with one is refused with that error */
  readonly rejectImageLinks: Set<string>
  /** how many status polls answer in_progress before a batch is finished (default 1) */
  pollsBeforeFinished: number
  close(): Promise<void>
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const graphError = (code: number, message: string, type = "OAuthException") => ({
  error: { message, type, code, fbtrace_id: `A${randomBytes(8).toString("hex")}` }
})

const PRICE = /^\d+(\.\d{1,2})? [A-Z]{3}$/
const LIMITS: Readonly<Record<string, number>> = { id: 100, title: 200, description: 9999 }

/** Meta's own checks of one item (an independent reading of the rules, not domain/meta-feed.ts). */
const itemErrors = (method: string, data: Readonly<Record<string, unknown>>, exists: boolean): Array<string> => {
  const errors: Array<string> = []
  if (method === "DELETE") return errors
  if (method === "CREATE" || (method === "UPDATE" && !exists))
    for (const f of REQUIRED_FIELDS) if (typeof data[f] !== "string" || (data[f] as string).trim() === "") errors.push(`Required field missing: ${f}`)
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== "string") {
      errors.push(`Invalid value for ${k}: expected a string`)
      continue
    }
    if (LIMITS[k] !== undefined && [...v].length > LIMITS[k]!) errors.push(`${k} is too long (max ${LIMITS[k]})`)
    // eslint-disable-next-line no-control-regex -- control characters are what this looks for
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(v)) errors.push(`${k} contains control characters`)
  }
  if (data["availability"] !== undefined && !["in stock", "out of stock"].includes(data["availability"] as string))
    errors.push(`Invalid availability: ${String(data["availability"])}`)
  if (data["condition"] !== undefined && !["new", "refurbished", "used"].includes(data["condition"] as string))
    errors.push(`Invalid condition: ${String(data["condition"])}`)
  if (data["price"] !== undefined && !PRICE.test(String(data["price"]))) errors.push(`Invalid price: ${String(data["price"])}`)
  return errors
}

export const startFakeMetaGraph = async (options: { readonly version?: string } = {}): Promise<FakeMetaGraph> => {
  const version = options.version ?? "v21.0"
  const catalogs = new Map<string, string>()
  const items = new Map<string, Map<string, Readonly<Record<string, unknown>>>>()
  const batches: Array<FakeBatch> = []
  const calls: Array<RecordedCall> = []
  const script: Array<GraphFailure> = []
  const fake: { pollsBeforeFinished: number } = { pollsBeforeFinished: 1 }
  const rejectImageLinks = new Set<string>()

  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake")
      const answer = (status: number, json: unknown) => {
        calls.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, status })
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json))
      }
      const raw = Buffer.concat(chunks).toString("utf8")
      let params: Record<string, unknown> = Object.fromEntries(url.searchParams)
      if (req.method === "POST" && raw !== "") {
        const type = req.headers["content-type"] ?? ""
        try {
          if (type.startsWith("application/json")) {
            const body: unknown = JSON.parse(raw)
            if (!isRecord(body)) return answer(400, graphError(100, "(#100) The body must be an object"))
            params = { ...params, ...body }
          } else if (type.startsWith("application/x-www-form-urlencoded")) {
            const form = Object.fromEntries(new URLSearchParams(raw))
            params = { ...params, ...form, ...(form["requests"] !== undefined && { requests: JSON.parse(form["requests"]) }) }
          } else return answer(400, graphError(100, "(#100) Unsupported content type"))
        } catch {
          return answer(400, graphError(100, "(#100) Param requests must be a JSON array"))
        }
      }
      const bearer = req.headers.authorization?.startsWith("Bearer ") ? req.headers.authorization.slice(7) : undefined
      const token = bearer ?? (typeof params["access_token"] === "string" ? params["access_token"] : undefined)
      const path = url.pathname.split("/").filter((p) => p !== "")
      const versioned = path[0] === version
      const rest = versioned ? path.slice(1) : path
      const [catalogId, edge] = rest
      if (rest.length !== 2 || catalogId === undefined) return answer(400, graphError(100, `(#100) Unknown path components: ${url.pathname}`))
      if (token === undefined) return answer(400, graphError(2500, "An active access token must be used to query information about the current user."))
      const expected = catalogs.get(catalogId)
      if (expected === undefined)
        return answer(
          400,
          graphError(
            100,
            `Unsupported post request. Object with ID '${catalogId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
            "GraphMethodException"
          )
        )
      if (token !== expected) return answer(401, graphError(190, "Invalid OAuth access token - Cannot parse access token"))
      const failure = script.shift()
      if (failure !== undefined) return answer(FAILURES[failure].status, graphError(FAILURES[failure].code, FAILURES[failure].message, FAILURES[failure].type))

      if (req.method === "POST" && edge === "items_batch" && versioned) {
        if (params["item_type"] !== "PRODUCT_ITEM") return answer(400, graphError(100, "(#100) param item_type must be one of {PRODUCT_ITEM, ...}"))
        const requests = params["requests"]
        if (!Array.isArray(requests) || requests.length === 0 || requests.length > 5000)
          return answer(400, graphError(100, "(#100) param requests must be an array of 1 to 5000 requests"))
        for (const r of requests)
          if (
            !isRecord(r) ||
            Object.keys(r).sort().join() !== "data,method" ||
            !["CREATE", "UPDATE", "DELETE"].includes(r["method"] as string) ||
            !isRecord(r["data"]) ||
            typeof r["data"]["id"] !== "string"
          )
            return answer(400, graphError(100, '(#100) each request is {"method":"CREATE"|"UPDATE"|"DELETE","data":{"id":...}}'))
        const catalogue = items.get(catalogId)!
        const errors: Array<{ line: number; id: string | undefined; message: string }> = []
        ;(requests as Array<{ method: string; data: Record<string, unknown> }>).forEach((r, line) => {
          const id = r.data["id"] as string
          const problems = itemErrors(r.method, r.data, catalogue.has(id))
          if (typeof r.data["image_link"] === "string" && rejectImageLinks.has(r.data["image_link"]))
            problems.push(`Image could not be downloaded: ${r.data["image_link"]}`)
          if (problems.length > 0) return problems.forEach((message) => errors.push({ line, id, message }))
          if (r.method === "DELETE") catalogue.delete(id)
          else catalogue.set(id, { ...(catalogue.get(id) ?? {}), ...r.data })
        })
        const handle = `AcxQ${randomBytes(12).toString("base64url")}`
        batches.push({ handle, catalogId, requests: requests as FakeBatch["requests"], errors, polls: 0 })
        return answer(200, { handles: [handle] })
      }
      if (req.method === "GET" && edge === "check_batch_request_status") {
        const handle = url.searchParams.get("handle")
        const batch = batches.find((b) => b.handle === handle && b.catalogId === catalogId)
        if (batch === undefined) return answer(400, graphError(100, "(#100) Invalid handle"))
        batch.polls++
        const finished = batch.polls > fake.pollsBeforeFinished
        return answer(200, {
          data: [
            {
              handle: batch.handle,
              status: finished ? "finished" : "in_progress",
              errors_total_count: finished ? batch.errors.length : 0,
              errors: finished ? batch.errors : [],
              warnings_total_count: 0,
              warnings: []
            }
          ]
        })
      }
      return answer(400, graphError(100, `(#100) Unsupported ${req.method} request to ${edge}`))
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const port = (server.address() as AddressInfo).port
  return Object.assign(fake, {
    baseUrl: `http://127.0.0.1:${port}/${version}`,
    catalogs,
    items,
    batches,
    calls,
    rejectImageLinks,
    addCatalog: (catalogId: string, token?: string) => {
      const t = token ?? `EAAG${randomBytes(24).toString("hex")}`
      catalogs.set(catalogId, t)
      items.set(catalogId, new Map())
      return t
    },
    failNext: (failure: GraphFailure) => void script.push(failure),
    close: () => new Promise<void>((done) => server.close(() => done()))
  })
}
