/**
 * One endpoint = one description that both serves and documents it: Schemas for path, query and
 * body (decoded, so invalid input never reaches a use case) and for the response (encoded on the
 * way out), the auth it needs, and a handler that returns an Effect run on the platform runtime.
 * openapi.ts reads the same descriptions to write the OpenAPI document.
 */
import { Effect, Option, Schema } from "effect"
import type { Session } from "../../application/auth/auth.port.js"
import type { PlatformServices } from "../../composition/platform.js"
import type { HttpConfig } from "./config.js"
import { RequestInvalid } from "./problems.js"
import type { MappedError } from "./problems.js"

export type Method = "get" | "post" | "patch" | "put" | "delete"

export interface RequestContext {
  readonly requestId: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly remoteAddr: string | undefined
  /** the client's address as a rate-limit key (TRUST_PROXY honoured; IPv6 by its /64) */
  readonly clientAddress: string
  readonly config: HttpConfig
  /** present when a valid bearer token was sent (always present for auth: "required") */
  readonly session: Session | undefined
  /** the body as text, for endpoints that take it raw */
  readonly rawBody: string | undefined
  /** the body as bytes, for endpoints that take a file (binaryBody) */
  readonly rawBytes: Uint8Array | undefined
  readonly setHeader: (name: string, value: string) => void
}

/** What an endpoint's `authenticateWith` found: the session, and its own read (the handler's `prefetched`). */
export interface AuthenticatedRead<F> {
  readonly session: Session
  readonly read: F
}

export const NoInput = Schema.Struct({})

export interface BinaryBody {
  readonly maxBytes: number
  /** what the OpenAPI document lists */
  readonly contentTypes: ReadonlyArray<string>
}
export interface BinaryResponse {
  readonly contentTypes: ReadonlyArray<string>
}
/** A file answered as itself (binaryResponse). */
export const BinaryFile = Schema.Struct({ contentType: Schema.String, bytes: Schema.Uint8ArrayFromSelf })
type AnySchema = Schema.Schema.AnyNoContext

export interface HeaderDoc {
  readonly name: string
  readonly required: boolean
  readonly description: string
}

/** The decoded path parameters, query and body of a request (what `authenticateWith` is given). */
export interface DecodedInput<PS extends AnySchema, QS extends AnySchema, BS extends AnySchema> {
  readonly params: Schema.Schema.Type<PS>
  readonly query: Schema.Schema.Type<QS>
  readonly body: Schema.Schema.Type<BS>
}

export interface EndpointSpec<PS extends AnySchema, QS extends AnySchema, BS extends AnySchema, RS extends AnySchema, F = never> {
  readonly method: Method
  /** express-style path ("/api/v1/orders/:id") */
  readonly path: string
  readonly summary: string
  readonly description?: string
  readonly tag: string
  readonly auth: "none" | "optional" | "required"
  readonly params?: PS
  readonly query?: QS
  readonly body?: BS
  /** the body is read as text and handed over raw (the Daraja callback) */
  readonly rawBody?: boolean
  /** the body is a file, read as bytes (ctx.rawBytes) up to maxBytes, whatever its Content-Type */
  readonly binaryBody?: BinaryBody
  /** the answer is a file: the response Schema is BinaryFile and it is sent as its own bytes and type */
  readonly binaryResponse?: BinaryResponse
  readonly headers?: ReadonlyArray<HeaderDoc>
  readonly status?: number
  /** the handler may set a Location header (ctx.setHeader): the answer is then 302 Found, its body the same response */
  readonly redirects?: boolean
  readonly response: RS
  /** documented error statuses (problem+json) */
  readonly errors?: ReadonlyArray<number>
  /**
   * auth "required" or "optional": when a bearer token is sent, the endpoint's own read finds its
   * session too, in the same statement (one round trip, not two). Given the token and the decoded
   * path parameters, query and body it refuses and rate-limits exactly as `authenticate` does
   * (application/auth/login.ts, authenticateAlong); what it read reaches the handler as `prefetched`.
   * A request whose parameters, query or body do not decode goes the ordinary way (authenticate,
   * then 400), and one without a bearer token (a guest, for "optional") reads no session at all, so
   * the answers stay the same. A use case whose first read is in its own transaction (the STK push)
   * is run here whole: its answer is the read, and the handler answers `prefetched` as it is.
   */
  readonly authenticateWith?: (
    token: string,
    input: DecodedInput<PS, QS, BS>,
    config: HttpConfig
  ) => Effect.Effect<AuthenticatedRead<F>, MappedError, PlatformServices>
  readonly handler: (req: {
    readonly params: Schema.Schema.Type<PS>
    readonly query: Schema.Schema.Type<QS>
    readonly body: Schema.Schema.Type<BS>
    readonly ctx: RequestContext
    /** what `authenticateWith` read (undefined when it did not run) */
    readonly prefetched: F | undefined
  }) => Effect.Effect<Schema.Schema.Type<RS>, MappedError, PlatformServices>
}

/** A request's path parameters, query and body as they came (run decodes them). */
export interface RawInput {
  readonly params: unknown
  readonly query: unknown
  readonly body: unknown
}

/** The erased form the server and the OpenAPI writer work with. */
export interface Endpoint {
  readonly method: Method
  readonly path: string
  readonly summary: string
  readonly description: string | undefined
  readonly tag: string
  readonly auth: "none" | "optional" | "required"
  readonly params: AnySchema | undefined
  readonly query: AnySchema | undefined
  readonly body: AnySchema | undefined
  readonly rawBody: boolean
  readonly binaryBody: BinaryBody | undefined
  readonly binaryResponse: BinaryResponse | undefined
  readonly headers: ReadonlyArray<HeaderDoc>
  readonly status: number
  readonly redirects: boolean
  readonly response: AnySchema
  readonly errors: ReadonlyArray<number>
  /** the session and the endpoint's own read in one statement (EndpointSpec.authenticateWith); undefined when the parameters, query or body do not decode */
  readonly authenticateWith:
    ((token: string, input: RawInput, config: HttpConfig) => Effect.Effect<AuthenticatedRead<unknown>, MappedError, PlatformServices> | undefined) | undefined
  /** decode, run the use case, encode: the encoded response body */
  readonly run: (input: {
    readonly params: unknown
    readonly query: unknown
    readonly body: unknown
    readonly ctx: RequestContext
    readonly prefetched: unknown
  }) => Effect.Effect<unknown, MappedError, PlatformServices>
}

const decodePart = <S extends AnySchema>(schema: S | undefined, where: RequestInvalid["where"], input: unknown) =>
  schema === undefined
    ? Effect.succeed(undefined as Schema.Schema.Type<S>)
    : Effect.mapError(Schema.decodeUnknown(schema as Schema.Schema<Schema.Schema.Type<S>, unknown>, { errors: "all" })(input ?? {}), (e) =>
        RequestInvalid.fromParseError(where, e)
      )

/** A part decoded as decodePart decodes it, or none. */
const decodeOption = <S extends AnySchema>(schema: S | undefined, input: unknown): Option.Option<Schema.Schema.Type<S>> =>
  schema === undefined
    ? Option.some(undefined as Schema.Schema.Type<S>)
    : Schema.decodeUnknownOption(schema as Schema.Schema<Schema.Schema.Type<S>, unknown>)(input ?? {})

export const endpoint = <
  PS extends AnySchema = typeof NoInput,
  QS extends AnySchema = typeof NoInput,
  BS extends AnySchema = typeof NoInput,
  RS extends AnySchema = AnySchema,
  F = never
>(
  spec: EndpointSpec<PS, QS, BS, RS, F>
): Endpoint => ({
  method: spec.method,
  path: spec.path,
  summary: spec.summary,
  description: spec.description,
  tag: spec.tag,
  auth: spec.auth,
  params: spec.params,
  query: spec.query,
  body: spec.body,
  rawBody: spec.rawBody ?? false,
  binaryBody: spec.binaryBody,
  binaryResponse: spec.binaryResponse,
  headers: spec.headers ?? [],
  status: spec.status ?? 200,
  redirects: spec.redirects ?? false,
  response: spec.response,
  errors: spec.errors ?? [],
  authenticateWith:
    spec.authenticateWith === undefined
      ? undefined
      : ((authenticateWith) => (token, input, config) => {
          const params = decodeOption(spec.params, input.params)
          if (Option.isNone(params)) return undefined
          const query = decodeOption(spec.query, input.query)
          if (Option.isNone(query)) return undefined
          const body = decodeOption(spec.body, input.body)
          if (Option.isNone(body)) return undefined
          return authenticateWith(token, { params: params.value, query: query.value, body: body.value }, config)
        })(spec.authenticateWith),
  run: ({ params, query, body, ctx, prefetched }) =>
    Effect.gen(function* () {
      const p = yield* decodePart(spec.params, "path", params)
      const q = yield* decodePart(spec.query, "query", query)
      const b = yield* decodePart(spec.body, "body", body)
      const result = yield* spec.handler({ params: p, query: q, body: b, ctx, prefetched: prefetched as F | undefined })
      // A response that does not fit its own Schema is our bug: a defect (500), never sent half-right.
      return yield* Effect.orDie(Schema.encode(spec.response as Schema.Schema<Schema.Schema.Type<RS>, unknown>)(result))
    })
})

/** The session of an endpoint declared auth: "required" (the server guarantees it). */
export const me = (ctx: RequestContext): Session => {
  if (ctx.session === undefined) throw new Error("bug: me() on an endpoint without auth: required")
  return ctx.session
}

export const header = (ctx: RequestContext, name: string): string | undefined => {
  const v = ctx.headers[name.toLowerCase()]
  return typeof v === "string" ? v : undefined
}
