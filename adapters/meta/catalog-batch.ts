/**
 * The Catalog Batch API over @effect/platform's HttpClient (shared/protocols/META.md):
 * `POST <base>/<catalog id>/items_batch` with `{"item_type":"PRODUCT_ITEM","requests":[{method,data}]}`
 * answers `{"handles":[...]}`; `GET <base>/<catalog id>/check_batch_request_status?handle=...`
 * answers `{"data":[{"handle","status","errors":[{"id","message",...}],...}]}`. The store's access
 * token goes as a Bearer header (never in a URL, so never in a proxy's log). Graph's error envelope
 * `{"error":{"message","code",...}}`: throttling (4, 17, 32, 613, 80004, 80014) and outages (1, 2,
 * 5xx) are CatalogRetryLater; the rest (190 a bad token, 100 an unknown catalogue, 10 / 200 a missing
 * permission) CatalogRefused. Neither ever carries the token.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpClientResponse } from "@effect/platform"
import { Config, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { CatalogBatchApi, CatalogRefused, CatalogRetryLater } from "../../application/meta-catalogue/meta-catalogue.port.js"
import type { BatchRequest, BatchStatus } from "../../application/meta-catalogue/meta-catalogue.port.js"

export const DEFAULT_GRAPH_BASE_URL = "https://graph.facebook.com/v21.0"
export const GraphBaseUrl = Config.string("META_GRAPH_BASE_URL").pipe(Config.withDefault(DEFAULT_GRAPH_BASE_URL))

const TIMEOUT = Duration.seconds(30)
const RETRY_LATER_CODES: ReadonlySet<number> = new Set([1, 2, 4, 17, 32, 613, 80004, 80014])

const GraphError = Schema.Struct({
  error: Schema.Struct({ message: Schema.String, code: Schema.Number, type: Schema.optional(Schema.String), error_subcode: Schema.optional(Schema.Number) })
})
const SubmitReply = Schema.Struct({ handles: Schema.NonEmptyArray(Schema.NonEmptyString) })
const StatusReply = Schema.Struct({
  data: Schema.NonEmptyArray(
    Schema.Struct({
      handle: Schema.optional(Schema.String),
      status: Schema.String,
      errors: Schema.optional(Schema.Array(Schema.Struct({ id: Schema.optional(Schema.String), message: Schema.String }))),
      errors_total_count: Schema.optional(Schema.Number)
    })
  )
})

/** What a non-2xx answer means for us. */
export const classifyGraphFailure = (status: number, body: unknown): CatalogRetryLater | CatalogRefused =>
  Option.match(Schema.decodeUnknownOption(GraphError)(body), {
    onNone: () =>
      status === 429 || status >= 500
        ? new CatalogRetryLater({ detail: `Meta answered HTTP ${status}` })
        : new CatalogRefused({ detail: `Meta answered HTTP ${status} without Graph's error envelope` }),
    onSome: ({ error }) =>
      RETRY_LATER_CODES.has(error.code) || status === 429 || status >= 500
        ? new CatalogRetryLater({ detail: `Meta rate limit or outage (${error.code}): ${error.message}` })
        : new CatalogRefused({ detail: `Meta refused the request (${error.code}): ${error.message}`, graphCode: error.code })
  })

export const itemsBatchBody = (requests: ReadonlyArray<BatchRequest>) => ({ item_type: "PRODUCT_ITEM", requests })

/** Meta's status words: only "finished" is final. */
export const batchStatusOf = (body: unknown): BatchStatus | undefined =>
  Option.getOrUndefined(
    Option.map(Schema.decodeUnknownOption(StatusReply)(body), (reply): BatchStatus => {
      const first = reply.data[0]
      return first.status === "finished"
        ? { status: "FINISHED", errors: (first.errors ?? []).map((e) => ({ id: e.id, message: e.message })) }
        : { status: "IN_PROGRESS" }
    })
  )

export const makeCatalogBatchApi = (baseUrl: string) =>
  Effect.map(HttpClient.HttpClient, (http) => {
    const base = baseUrl.replace(/\/+$/, "")
    const call = <A>(request: HttpClientRequest.HttpClientRequest, token: Redacted.Redacted<string>, read: (body: unknown) => A | undefined, what: string) =>
      http.execute(request.pipe(HttpClientRequest.bearerToken(Redacted.value(token)), HttpClientRequest.acceptJson)).pipe(
        Effect.timeoutFail({ duration: TIMEOUT, onTimeout: () => new CatalogRetryLater({ detail: `Meta did not answer ${what} within 30s` }) }),
        Effect.catchTag("RequestError", (e) => Effect.fail(new CatalogRetryLater({ detail: `could not reach Meta (${what}): ${e.reason}` }))),
        Effect.catchTag("ResponseError", (e) => Effect.fail(new CatalogRetryLater({ detail: `Meta's answer to ${what} unreadable: ${e.reason}` }))),
        Effect.flatMap((response: HttpClientResponse.HttpClientResponse) =>
          Effect.flatMap(response.json.pipe(Effect.orElseSucceed((): unknown => undefined)), (body): Effect.Effect<A, CatalogRetryLater | CatalogRefused> => {
            if (response.status < 200 || response.status >= 300) return Effect.fail(classifyGraphFailure(response.status, body))
            const value = read(body)
            return value === undefined
              ? Effect.fail(new CatalogRefused({ detail: `bug: Meta answered ${what} 2xx without the documented body` }))
              : Effect.succeed(value)
          })
        ),
        Effect.withSpan(`MetaCatalog.${what}`)
      )
    return CatalogBatchApi.of({
      submit: (catalogId, token, requests) =>
        call(
          HttpClientRequest.post(`${base}/${encodeURIComponent(catalogId)}/items_batch`).pipe(HttpClientRequest.bodyUnsafeJson(itemsBatchBody(requests))),
          token,
          (body) => Option.getOrUndefined(Option.map(Schema.decodeUnknownOption(SubmitReply)(body), (r) => r.handles)),
          "items_batch"
        ),
      status: (catalogId, token, handle) =>
        call(
          HttpClientRequest.get(`${base}/${encodeURIComponent(catalogId)}/check_batch_request_status`).pipe(HttpClientRequest.setUrlParam("handle", handle)),
          token,
          batchStatusOf,
          "check_batch_request_status"
        )
    })
  })

/** META_GRAPH_BASE_URL (default Graph v21.0). Each store's token comes with each call. */
export const CatalogBatchApiLive: Layer.Layer<CatalogBatchApi, never, HttpClient.HttpClient> = Layer.effect(
  CatalogBatchApi,
  Effect.flatMap(
    Effect.orElseSucceed(GraphBaseUrl, () => DEFAULT_GRAPH_BASE_URL),
    makeCatalogBatchApi
  )
)
