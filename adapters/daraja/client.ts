/**
 * PaymentGateway over Safaricom Daraja, with @effect/platform's HttpClient.
 *
 * - OAuth: one cached token, refreshed `tokenRefreshMarginMs` before Daraja says it expires.
 *   Requesting a token invalidates the previous one, so refreshes are serialised through a
 *   SynchronizedRef: concurrent callers wait for the one refresh in flight instead of each asking
 *   (and each invalidating the others' token). A 404.001.03 "Invalid Access Token" answer replaces
 *   the token once and repeats that call once; the rejected request was never processed.
 * - Nothing else is retried. A push that timed out or met a bare 5xx may or may not have reached
 *   the phone: that is GatewayUnavailable and the caller decides (query, never re-push blindly).
 *   One that certainly never left (no OAuth token, a refused connection, an unresolved name) is
 *   GatewayUnavailable with `notSent`.
 * - A Daraja error envelope {requestId, errorCode, errorMessage} is an explicit refusal:
 *   GatewayRejected with the errorCode, whatever the HTTP status. Network failures, timeouts and
 *   5xx answers without an envelope are GatewayUnavailable.
 * - STK query: HTTP 500 (500.001.1001 "being processed" or any transient 500) and ResultCode 4999
 *   are Pending, never Failed. Final codes are classified by `finalStkStatus` (callbacks.ts).
 * - Time comes from Effect's Clock (timestamps, token expiry), so tests pin it with TestClock.
 * - Secrets are unwrapped only into request headers/bodies; errors carry no request objects.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, Either, Layer, Option, Redacted, Schema, SynchronizedRef } from "effect"
import type { Context } from "effect"
import { GatewayRejected, GatewayUnavailable, PaymentGateway } from "../../application/ports/payment-gateway.js"
import type { GatewayError, StkStatus } from "../../application/ports/payment-gateway.js"
import { finalStkStatus, isStillProcessing } from "./callbacks.js"
import type { DarajaConfig } from "./config.js"
import { localRejection, nairobiTimestamp, prepareB2C, prepareStkPush, securityCredential, stkPassword, truncate } from "./protocol.js"

export const INVALID_TOKEN_ERROR_CODE = "404.001.03"
export const STILL_PROCESSING_ERROR_CODE = "500.001.1001"

export const Paths = {
  oauth: "/oauth/v1/generate",
  stkPush: "/mpesa/stkpush/v1/processrequest",
  stkQuery: "/mpesa/stkpushquery/v1/query",
  b2c: "/mpesa/b2c/v3/paymentrequest",
  transactionStatus: "/mpesa/transactionstatus/v1/query"
} as const

type Gateway = Context.Tag.Service<PaymentGateway>

// ---------------------------------------------------------------------------------------------
// Response shapes (only the fields we read; Daraja adds others)

const NumberOrString = Schema.Union(Schema.String, Schema.Number)

const ErrorEnvelope = Schema.Struct({
  requestId: Schema.optional(Schema.String),
  errorCode: Schema.String,
  errorMessage: Schema.String
})

const TokenResponse = Schema.Struct({ access_token: Schema.NonEmptyString, expires_in: NumberOrString })

const StkPushResponse = Schema.Struct({
  MerchantRequestID: Schema.String,
  CheckoutRequestID: Schema.String,
  ResponseCode: NumberOrString,
  ResponseDescription: Schema.String,
  CustomerMessage: Schema.optional(Schema.String)
})

const StkQueryResponse = Schema.Struct({
  ResponseCode: Schema.optional(NumberOrString),
  ResponseDescription: Schema.optional(Schema.String),
  ResultCode: Schema.optional(NumberOrString),
  ResultDesc: Schema.optional(Schema.String)
})

/** The synchronous reply of B2C and of the Transaction Status query alike. */
const B2CResponse = Schema.Struct({
  ConversationID: Schema.String,
  OriginatorConversationID: Schema.String,
  ResponseCode: NumberOrString,
  ResponseDescription: Schema.String
})

interface Reply {
  readonly status: number
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: unknown
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/**
 * Transport failures that happen before a request's first byte is written: the connection was
 * refused or could not be routed, or the host's name did not resolve. (A reused keep-alive socket
 * fails with ECONNRESET or EPIPE instead, which may come after the request left.)
 */
const NEVER_LEFT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EHOSTUNREACH", "ENETUNREACH"])
const neverLeft = (cause: unknown): boolean => typeof cause === "object" && cause !== null && NEVER_LEFT.has(String((cause as { code?: unknown }).code))

/** A token that could not be had means the request that needed it never left (a refusal stays a refusal). */
const unsent = <A>(token: Effect.Effect<A, GatewayError>): Effect.Effect<A, GatewayError> =>
  Effect.mapError(token, (e) => (e._tag === "GatewayUnavailable" ? new GatewayUnavailable({ detail: e.detail, cause: e.cause, notSent: true }) : e))

const envelopeOf = (reply: Reply) => Option.getRight(Schema.decodeUnknownEither(ErrorEnvelope)(reply.json))

const isInvalidToken = (reply: Reply): boolean => Option.exists(envelopeOf(reply), (e) => e.errorCode === INVALID_TOKEN_ERROR_CODE)

/** A non-success answer: an envelope (or a bare 4xx) is a refusal; anything else says nothing. */
const failureOf = (what: string, reply: Reply): GatewayError =>
  Option.match(envelopeOf(reply), {
    onSome: (e) => new GatewayRejected({ errorCode: e.errorCode, errorMessage: e.errorMessage, httpStatus: reply.status }),
    onNone: () =>
      reply.status >= 400 && reply.status < 500
        ? new GatewayRejected({ errorCode: `HTTP.${reply.status}`, errorMessage: `${what}: HTTP ${reply.status}`, httpStatus: reply.status })
        : new GatewayUnavailable({ detail: `${what}: HTTP ${reply.status} without a Daraja answer` })
  })

const decodeOk = <A, I>(what: string, schema: Schema.Schema<A, I>, reply: Reply): Either.Either<A, GatewayError> =>
  reply.status === 200
    ? Either.mapLeft(Schema.decodeUnknownEither(schema)(reply.json), () => new GatewayUnavailable({ detail: `${what}: unparseable HTTP 200 answer` }))
    : Either.left(failureOf(what, reply))

/** A request Daraja took for processing: HTTP 200 with ResponseCode "0"; any other ResponseCode is its refusal. */
const decodeAccepted = <A extends { readonly ResponseCode: string | number; readonly ResponseDescription: string }, I>(
  what: string,
  schema: Schema.Schema<A, I>,
  reply: Reply
): Either.Either<A, GatewayError> =>
  Either.flatMap(decodeOk(what, schema, reply), (body) =>
    String(body.ResponseCode) === "0"
      ? Either.right(body)
      : Either.left(new GatewayRejected({ errorCode: String(body.ResponseCode), errorMessage: body.ResponseDescription, httpStatus: reply.status }))
  )

/** Shortcodes, amounts and phones go as JSON numbers, as in Safaricom's own samples. */
const numeric = (s: string): number | string => (/^\d+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : s)

// ---------------------------------------------------------------------------------------------

interface CachedToken {
  readonly token: string
  /** Epoch ms after which we ask for a new one (expiry minus the margin). */
  readonly refreshAt: number
}

export const makeDarajaGateway = (config: DarajaConfig): Effect.Effect<Gateway, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const tokenCache = yield* SynchronizedRef.make(Option.none<CachedToken>())
    const url = (path: string) => `${config.baseUrl}${path}`

    // Computed once at startup: a bad certificate should stop the service now, not on payout day.
    const credential = Option.map(config.b2c, (b2c) => ({
      ...b2c,
      securityCredential: securityCredential(Redacted.value(b2c.initiatorPassword), b2c.certificatePem)
    }))

    const send = (what: string, request: HttpClientRequest.HttpClientRequest): Effect.Effect<Reply, GatewayUnavailable> =>
      client.execute(request).pipe(
        Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, json: parseJson(text) }))),
        // HttpClientError holds the request (with its Authorization header): keep only the words.
        Effect.mapError(
          (e) => new GatewayUnavailable({ detail: `${what}: ${e.reason} error: ${e.message}`, notSent: e._tag === "RequestError" && neverLeft(e.cause) })
        ),
        Effect.timeoutFail({
          duration: Duration.millis(config.requestTimeoutMs),
          onTimeout: () => new GatewayUnavailable({ detail: `${what}: no answer within ${config.requestTimeoutMs} ms` })
        })
      )

    const fetchToken: Effect.Effect<CachedToken, GatewayError> = Effect.gen(function* () {
      const reply = yield* send(
        "OAuth",
        HttpClientRequest.get(url(Paths.oauth)).pipe(
          HttpClientRequest.setUrlParam("grant_type", "client_credentials"),
          HttpClientRequest.basicAuth(Redacted.value(config.consumerKey), Redacted.value(config.consumerSecret)),
          HttpClientRequest.acceptJson
        )
      )
      const body = yield* decodeOk("OAuth", TokenResponse, reply)
      const ttlMs = Number(body.expires_in) * 1000
      if (!Number.isFinite(ttlMs) || ttlMs <= 0) return yield* new GatewayUnavailable({ detail: `OAuth: unusable expires_in ${String(body.expires_in)}` })
      const now = yield* Clock.currentTimeMillis
      // A short-lived token is refreshed halfway rather than immediately.
      return { token: body.access_token, refreshAt: now + ttlMs - Math.min(config.tokenRefreshMarginMs, ttlMs / 2) }
    })

    const fresh = (cached: Option.Option<CachedToken>, now: number): cached is Option.Some<CachedToken> => Option.isSome(cached) && now < cached.value.refreshAt

    /** The cached token, or one new token shared by everyone waiting. */
    const currentToken: Effect.Effect<string, GatewayError> = SynchronizedRef.modifyEffect(tokenCache, (cached) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        fresh(cached, now) ? Effect.succeed([cached.value.token, cached] as const) : Effect.map(fetchToken, (t) => [t.token, Option.some(t)] as const)
      )
    )

    /** Replace a token Daraja refused, unless another caller already did. */
    const replaceToken = (refused: string): Effect.Effect<string, GatewayError> =>
      SynchronizedRef.modifyEffect(tokenCache, (cached) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          fresh(cached, now) && cached.value.token !== refused
            ? Effect.succeed([cached.value.token, cached] as const)
            : Effect.map(fetchToken, (t) => [t.token, Option.some(t)] as const)
        )
      )

    const authorized = (what: string, body: unknown, path: string): Effect.Effect<Reply, GatewayError> => {
      const request = (token: string) =>
        HttpClientRequest.post(url(path)).pipe(HttpClientRequest.bearerToken(token), HttpClientRequest.acceptJson, HttpClientRequest.bodyUnsafeJson(body))
      return Effect.flatMap(unsent(currentToken), (token) =>
        Effect.flatMap(send(what, request(token)), (reply) =>
          isInvalidToken(reply) ? Effect.flatMap(unsent(replaceToken(token)), (again) => send(what, request(again))) : Effect.succeed(reply)
        )
      )
    }

    const passwordNow = Effect.map(Clock.currentTimeMillis, (now) => {
      const timestamp = nairobiTimestamp(now)
      return { timestamp, password: stkPassword(config.shortcode, Redacted.value(config.passkey), timestamp) }
    })

    const stkPush: Gateway["stkPush"] = Effect.fn("Daraja.stkPush")(function* (request) {
      const push = yield* prepareStkPush(request)
      const { password, timestamp } = yield* passwordNow
      const reply = yield* authorized(
        "STK push",
        {
          BusinessShortCode: numeric(config.shortcode),
          Password: password,
          Timestamp: timestamp,
          TransactionType: config.transactionType,
          Amount: push.amount,
          PartyA: numeric(push.phone),
          PartyB: numeric(config.partyB),
          PhoneNumber: numeric(push.phone),
          CallBackURL: push.callbackUrl,
          AccountReference: push.accountReference,
          TransactionDesc: push.description
        },
        Paths.stkPush
      )
      const body = yield* decodeAccepted("STK push", StkPushResponse, reply)
      return {
        merchantRequestId: body.MerchantRequestID,
        checkoutRequestId: body.CheckoutRequestID,
        customerMessage: body.CustomerMessage ?? body.ResponseDescription
      }
    })

    const stkQuery: Gateway["stkQuery"] = Effect.fn("Daraja.stkQuery")(function* (checkoutRequestId) {
      const { password, timestamp } = yield* passwordNow
      const reply = yield* authorized(
        "STK query",
        { BusinessShortCode: numeric(config.shortcode), Password: password, Timestamp: timestamp, CheckoutRequestID: checkoutRequestId },
        Paths.stkQuery
      )
      // "The transaction is being processed" (500.001.1001) and transient 500s: not final yet.
      if (reply.status === 500) {
        const detail = Option.match(envelopeOf(reply), {
          onSome: (e) => `${e.errorCode} ${e.errorMessage}`,
          onNone: () => "HTTP 500"
        })
        return { _tag: "Pending", detail } satisfies StkStatus
      }
      const body = yield* decodeOk("STK query", StkQueryResponse, reply)
      if (body.ResultCode === undefined) return { _tag: "Pending", detail: body.ResponseDescription ?? "no ResultCode yet" } satisfies StkStatus
      const resultCode = String(body.ResultCode).trim()
      const resultDesc = body.ResultDesc ?? ""
      if (isStillProcessing(resultCode)) return { _tag: "Pending", detail: `${resultCode} ${resultDesc}` } satisfies StkStatus
      return finalStkStatus(resultCode, resultDesc) satisfies StkStatus
    })

    const b2cPayment: Gateway["b2cPayment"] = Effect.fn("Daraja.b2cPayment")(function* (request) {
      if (Option.isNone(credential))
        return yield* localRejection("LOCAL.B2C_NOT_CONFIGURED", "B2C is not configured (DARAJA_B2C_SHORTCODE, DARAJA_INITIATOR_*)")
      const b2c = credential.value
      const payout = yield* prepareB2C(request)
      const reply = yield* authorized(
        "B2C",
        {
          OriginatorConversationID: request.originatorConversationId,
          InitiatorName: b2c.initiatorName,
          SecurityCredential: b2c.securityCredential,
          CommandID: "BusinessPayment",
          Amount: payout.amount,
          PartyA: numeric(b2c.shortcode),
          PartyB: numeric(payout.phone),
          Remarks: payout.remarks,
          QueueTimeOutURL: request.queueTimeoutUrl,
          ResultURL: request.resultUrl
        },
        Paths.b2c
      )
      const body = yield* decodeAccepted("B2C", B2CResponse, reply)
      return { conversationId: body.ConversationID, originatorConversationId: body.OriginatorConversationID }
    })

    const b2cStatusQuery: Gateway["b2cStatusQuery"] = Effect.fn("Daraja.b2cStatusQuery")(function* (request) {
      if (Option.isNone(credential))
        return yield* localRejection("LOCAL.B2C_NOT_CONFIGURED", "B2C is not configured (DARAJA_B2C_SHORTCODE, DARAJA_INITIATOR_*)")
      const b2c = credential.value
      const remarks = truncate(request.remarks.trim(), 100)
      if ([...remarks].length < 2) return yield* localRejection("LOCAL.INVALID_REMARKS", "Remarks must be 2 to 100 characters")
      const reply = yield* authorized(
        "Transaction status",
        {
          Initiator: b2c.initiatorName,
          SecurityCredential: b2c.securityCredential,
          CommandID: "TransactionStatusQuery",
          // The receipt when we have it; otherwise our OriginatorConversationID identifies the B2C.
          ...(request.transactionId !== undefined ? { TransactionID: request.transactionId } : { OriginatorConversationID: request.originatorConversationId }),
          PartyA: numeric(b2c.shortcode),
          IdentifierType: "4",
          ResultURL: request.resultUrl,
          QueueTimeOutURL: request.queueTimeoutUrl,
          Remarks: remarks
        },
        Paths.transactionStatus
      )
      const body = yield* decodeAccepted("Transaction status", B2CResponse, reply)
      return { conversationId: body.ConversationID, originatorConversationId: body.OriginatorConversationID }
    })

    return PaymentGateway.of({ stkPush, stkQuery, b2cPayment, b2cStatusQuery })
  })

/** PaymentGateway over real HTTP to Daraja (sandbox, production, or a fake at config.baseUrl). */
export const DarajaGatewayLive = (config: DarajaConfig): Layer.Layer<PaymentGateway, never, HttpClient.HttpClient> =>
  Layer.effect(PaymentGateway, makeDarajaGateway(config))
