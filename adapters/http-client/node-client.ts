/**
 * The outbound HttpClient (Daraja, WhatsApp Cloud API, the riders' partner, Meta, OTLP) over
 * `node:http`/`node:https` with keep-alive agents, instead of FetchHttpClient's `fetch` (undici).
 *
 * Why: a JSON POST costs the caller ~530 µs of CPU through Node 20's fetch and ~350 µs this way
 * (`npm run bench:http-client` prints both in one run); a paid checkout makes ~6-10 such calls in
 * production (push, query, the buyer's and seller's WhatsApp messages). docs/decisions.md, tenth session.
 *
 * What it does differently from fetch, on purpose:
 * - Redirects are not followed: a 3xx is returned as it is. No partner API we call redirects, and
 *   a redirect is a way to point a request somewhere its URL did not say.
 * - The response body is read whole, up to `maxResponseBytes` (default 8 MiB); a longer one fails
 *   the request (a partner's bug or an attack must not fill the heap). The adapters read JSON.
 * - A GET, HEAD or OPTIONS that meets a kept-alive socket the server had closed is sent once more on a
 *   new one; a POST never is (an STK push or a B2C request sent twice moves money twice).
 * - FormData and streamed request bodies are refused (none of the adapters sends one).
 * As fetch does: header values lose leading and trailing whitespace, a URL with credentials is refused,
 * a request that can not be sent is a RequestError (never a defect), and interruption (Effect.timeout,
 * a fiber's end) aborts the request and destroys its socket. A server silent for `silenceMs` fails it.
 */
import * as http from "node:http"
import * as https from "node:https"
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientError, HttpClientResponse } from "@effect/platform"
import type { HttpClientRequest } from "@effect/platform"

export interface NodeHttpClientOptions {
  /** Sockets per host (default MAX_SOCKETS, 64). */
  readonly maxSockets?: number
  /** A response body longer than this fails the request (default 8 MiB). */
  readonly maxResponseBytes?: number
  /** A request whose server sends nothing for this long fails (default 300 s, undici's own header and body timeouts). */
  readonly silenceMs?: number
}

/** Statuses whose response has no body (the Fetch standard's null body statuses). */
const NULL_BODY = new Set([101, 103, 204, 205, 304])

const transport = (request: HttpClientRequest.HttpClientRequest, cause: unknown) => new HttpClientError.RequestError({ request, reason: "Transport", cause })

/** Idle keep-alive sockets are closed after this, before a server's own idle timeout (Node's is 5 s) can race a new request. */
const IDLE_SOCKET_MS = 4_000
/** Methods safe to send again when a reused keep-alive socket turns out closed before any answer. */
const RETRIABLE = new Set(["GET", "HEAD", "OPTIONS"])
/** Headers node writes for the connection itself; a caller's are dropped (content-length is the bytes sent). */
const OWN_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade"])
const HTTP_WHITESPACE_ENDS = /^[\t\n\r ]+|[\t\n\r ]+$/g
const USER_AGENT = "amana"
const MAX_SOCKETS = 64

const makeAgents = (maxSockets: number) => ({
  http: new http.Agent({ keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS }),
  https: new https.Agent({ keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS })
})

const makeNodeHttpClient = (options: NodeHttpClientOptions, agents: ReturnType<typeof makeAgents>): HttpClient.HttpClient => {
  const maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024
  const silenceMs = options.silenceMs ?? 300_000
  return HttpClient.make((request, url, signal) => {
    const body = request.body
    if (body._tag === "FormData" || body._tag === "Stream")
      return Effect.fail(transport(request, new TypeError(`a ${body._tag} request body is not supported (no adapter sends one)`)))
    let payload: string | Uint8Array | undefined
    if (body._tag === "Uint8Array") payload = body.body
    else if (body._tag === "Raw") {
      if (typeof body.body === "string" || body.body instanceof Uint8Array) payload = body.body
      else return Effect.fail(transport(request, new TypeError("a raw request body must be a string or bytes")))
    }
    const agent = url.protocol === "https:" ? agents.https : url.protocol === "http:" ? agents.http : undefined
    if (agent === undefined) return Effect.fail(transport(request, new TypeError(`unsupported protocol ${url.protocol}`)))
    // as fetch: a URL with credentials in it is refused (they would go out as Basic auth)
    if (url.username !== "" || url.password !== "") return Effect.fail(transport(request, new TypeError("a URL with credentials is refused")))
    const headers: Record<string, string> = { "user-agent": USER_AGENT }
    for (const [name, value] of Object.entries(request.headers)) {
      // the connection's own headers are node's to write; the length is the bytes sent
      if (OWN_HEADERS.has(name)) continue
      // as fetch normalises a value: leading and trailing HTTP whitespace dropped (a secret read from a file ends in \n)
      headers[name] = value.replace(HTTP_WHITESPACE_ENDS, "")
    }
    if (payload !== undefined) headers["content-length"] = String(typeof payload === "string" ? Buffer.byteLength(payload) : payload.byteLength)
    else if (request.method !== "GET" && request.method !== "HEAD") headers["content-length"] = "0"
    return Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
      let settled = false
      let current: http.ClientRequest | undefined
      const fail = (cause: unknown) => {
        if (settled) return
        settled = true
        current?.destroy()
        resume(Effect.fail(transport(request, cause)))
      }
      const send = (attempt: number) => {
        let answered = false
        let retrying = false
        let req: http.ClientRequest
        try {
          req = (url.protocol === "https:" ? https : http).request(url, { method: request.method, headers, agent, signal }, (res) => {
            answered = true
            const chunks: Array<Buffer> = []
            let length = 0
            res.on("data", (chunk: Buffer) => {
              length += chunk.length
              if (length > maxResponseBytes) return fail(new Error(`response body over ${maxResponseBytes} bytes`))
              chunks.push(chunk)
            })
            res.on("error", fail)
            res.on("close", () => {
              if (!res.complete) fail(new Error("the connection closed before the response's end"))
            })
            res.on("end", () => {
              if (settled) return
              const status = res.statusCode ?? 0
              const responseHeaders = new Headers()
              for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!)
              let web: Response
              try {
                web = new Response(
                  NULL_BODY.has(status) || request.method === "HEAD" ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length),
                  {
                    status,
                    statusText: res.statusMessage ?? "",
                    headers: responseHeaders
                  }
                )
              } catch (cause) {
                // a status outside 200-599 (the Fetch standard's Response refuses it, as fetch would)
                return fail(cause)
              }
              settled = true
              resume(Effect.succeed(HttpClientResponse.fromWeb(request, web)))
            })
          })
        } catch (cause) {
          // a header node refuses (a control character, a non-Latin-1 value): thrown before anything is sent
          return fail(cause)
        }
        current = req
        // a partner that takes the request and then says nothing: the socket is closed after silenceMs of silence
        req.setTimeout(silenceMs, () => req.destroy(new Error(`no data from the server for ${silenceMs} ms`)))
        req.on("error", (cause) => {
          // a kept-alive socket the server had closed: once more on a new one, when sending again is safe
          if (!answered && !settled && attempt === 0 && req.reusedSocket && RETRIABLE.has(request.method) && !signal.aborted) {
            retrying = true
            send(1)
          } else fail(cause)
        })
        // closed with no response and no error (a 101 answer, an upgrade): never left waiting
        req.on("close", () => {
          if (!answered && !retrying) fail(new Error("the connection closed before a response"))
        })
        req.end(payload)
      }
      send(0)
      return Effect.sync(() => {
        settled = true
        current?.destroy()
      })
    })
  })
}

/** The HttpClient layer the composition root provides: node:http with keep-alive. */
export const NodeHttpClientLive = (options: NodeHttpClientOptions = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => makeAgents(options.maxSockets ?? MAX_SOCKETS)),
        (agents) =>
          Effect.sync(() => {
            agents.http.destroy()
            agents.https.destroy()
          })
      ),
      (agents) => makeNodeHttpClient(options, agents)
    )
  )
