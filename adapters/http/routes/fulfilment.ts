/**
 * Fulfilment and money-out routes, mounted by `mountFulfilment(app, runtime)`:
 *
 *   GET  /api/v1/rider/jobs                    the rider's live jobs
 *   GET  /api/v1/rider/jobs/:id                one job of the rider's, live or finished (phones only while live)
 *   POST /api/v1/rider/jobs/:id/status         PICKED_UP | IN_TRANSIT | DELIVERED (handover code) | FAILED_ATTEMPT (reason)
 *   GET  /api/v1/rider/scorecard               the rider's own scorecard
 *   PUT  /api/v1/rider/availability            ONLINE (take jobs) or OFFLINE
 *   GET  /api/v1/rider/earnings                shipping earned per delivered order, payouts, balance owed
 *   POST /api/v1/seller/orders/:id/dispatch    parcel ready: a rider (or the partner) is assigned
 *   POST /api/v1/seller/orders/:id/return      parcel back after a failed delivery: RETURNED, then refunded
 *   PUT|GET|DELETE /api/v1/seller/webhook      the store's webhook endpoint (secret shown once) and delivery log
 *   POST /api/v1/fulfilment/partners/:partner/webhook   a partner's signed status events
 *   GET|POST /api/v1/webhooks/whatsapp         Meta's verification handshake; signed delivery statuses and chat messages
 *   GET|POST /api/v1/webhooks/instagram        the same for Instagram direct messages
 *   POST /api/v1/payments/mpesa/b2c/result/:secret/:token, .../timeout/:secret/:token   Daraja B2C Results
 *   POST /api/v1/payments/mpesa/b2c/status/result/:secret/:token, .../status/timeout/...  Transaction Status results
 *
 * JSON endpoints use the API's `endpoint` descriptions (decode in, encode out) and problem+json
 * errors; statuses for this module's error tags are decided here, the rest by problems.ts. Webhook
 * receivers read the raw body (signatures are over the exact bytes).
 */
import { isUtf8 } from "node:buffer"
import { META_WEBHOOK_MAX_BYTES } from "../body-limit.js"
import express from "express"
import type { Request, Response } from "express"
import { Effect, Either, Option, Redacted, Schema } from "effect"
import type { WebhookSecrets } from "../config.js"
import { sellerDispatch } from "../../../application/fulfilment/dispatch-order.js"
import { applyPartnerStatus, riderJob, riderJobs, sellerReturn, updateJobStatus } from "../../../application/fulfilment/delivery-status.js"
import type { RiderJob } from "../../../application/fulfilment/fulfilment.port.js"
import type { JobUpdate } from "../../../application/fulfilment/delivery-status.js"
import { NotARider } from "../../../application/fulfilment/fulfilment.errors.js"
import { recordWhatsAppWebhook } from "../../../application/notifications/whatsapp-statuses.js"
import { recordB2CCallback } from "../../../application/payouts-execution/execute.js"
import type { B2CCallbackKind } from "../../../application/payouts-execution/disbursement.port.js"
import { riderEarnings } from "../../../application/riders/earnings.js"
import { setRiderAvailability } from "../../../application/riders/onboard-rider.js"
import { riderScorecards } from "../../../application/riders/scorecards.js"
import { registerWebhook, removeWebhook, webhookLog } from "../../../application/webhooks/merchant-webhooks.js"
import { decodeB2CResult } from "../../daraja/callbacks.js"
import type { PlatformRuntime } from "../../../composition/platform.js"
import { verifyPartnerSignature } from "../../logistics-partner/webhook.js"
import { parseWebhook, verifySignature, verifySubscription } from "../../whatsapp/webhook.js"
import { parseInstagramWebhook } from "../../instagram/webhook.js"
import { receiveChatMessages } from "../../../application/conversations/conversations.js"
import { hasBadText } from "../edge.js"
import { endpoint, me } from "../endpoint.js"
import type { Endpoint, RequestContext } from "../endpoint.js"
import { problem } from "../problems.js"
import { runAndAnswer, sendProblem } from "../run.js"
import { DeliveryIdParam, Instant, Money, OrderIdParam } from "../wire.js"
import { sameSecret } from "../../system/secrets.js"

// --- wire shapes -------------------------------------------------------------------------------

const Https = Schema.String.pipe(Schema.maxLength(500), Schema.pattern(/^https:\/\/\S+$/, { message: () => "an https URL" }))
const Location = Schema.Struct({ lat: Schema.Number.pipe(Schema.between(-90, 90)), lng: Schema.Number.pipe(Schema.between(-180, 180)) })
const Reason = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(500))
const DeliveryState = Schema.Literal("ASSIGNED", "PICKED_UP", "IN_TRANSIT", "DELIVERED", "FAILED", "RETURNED")

export const JobStatusBody = Schema.Union(
  Schema.Struct({ status: Schema.Literal("PICKED_UP") }),
  Schema.Struct({ status: Schema.Literal("IN_TRANSIT") }),
  Schema.Struct({
    status: Schema.Literal("DELIVERED"),
    handoverCode: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(12)).annotations({
      description: "the code the buyer received when the order was dispatched"
    }),
    photoUrl: Schema.optional(Https),
    location: Schema.optional(Location)
  }),
  Schema.Struct({ status: Schema.Literal("FAILED_ATTEMPT"), reason: Reason })
)

const Job = Schema.Struct({
  jobId: Schema.String,
  orderId: Schema.String,
  attempt: Schema.Int,
  status: DeliveryState,
  orderState: Schema.String,
  storeName: Schema.String,
  destination: Schema.Struct({ id: Schema.String, name: Schema.String, address: Schema.optional(Schema.String) }),
  buyerPhone: Schema.optional(Schema.String).annotations({ description: "only while the job is yours and live (assigned, picked up, in transit)" }),
  delivery: Schema.Struct({
    recipientName: Schema.optional(Schema.String),
    recipientPhone: Schema.optional(Schema.String).annotations({ description: "only while the job is yours and live" }),
    addressLine: Schema.optional(Schema.String),
    landmark: Schema.optional(Schema.String),
    notes: Schema.optional(Schema.String)
  }).annotations({ description: "what the buyer gave at checkout (from the order's snapshot)" }),
  assignedAt: Instant,
  dueAt: Schema.optional(Instant)
}).annotations({ identifier: "RiderJob" })

const Scorecard = Schema.Struct({
  riderUserId: Schema.String,
  name: Schema.String,
  jobs: Schema.Int,
  delivered: Schema.Int,
  onTime: Schema.Int,
  onTimeBps: Schema.Int,
  failedAttempts: Schema.Int,
  disputes: Schema.Int,
  score: Schema.Int
}).annotations({ identifier: "RiderScorecard" })

const WebhookDelivery = Schema.Struct({
  id: Schema.String,
  eventId: Schema.String,
  eventType: Schema.String,
  url: Schema.String,
  status: Schema.Literal("PENDING", "DELIVERED", "FAILED"),
  attempts: Schema.Int,
  /** the last answer's class ("5xx"), never the exact code */
  lastStatusClass: Schema.optional(Schema.String),
  /** a fixed reason ("could not connect to the endpoint", "HTTP 5xx"), never a system error's text */
  lastError: Schema.optional(Schema.String),
  createdAt: Instant,
  deliveredAt: Schema.optional(Instant),
  nextAttemptAt: Schema.optional(Instant)
}).annotations({ identifier: "WebhookDelivery" })

const RiderEarnings = Schema.Struct({
  balances: Schema.Array(Schema.Struct({ earned: Money, paidOut: Money, owed: Money })),
  deliveries: Schema.Array(Schema.Struct({ orderId: Schema.String, shipping: Money, creditedAt: Instant })),
  payouts: Schema.Array(Schema.Struct({ payoutId: Schema.String, amount: Money, status: Schema.String, createdAt: Instant }))
}).annotations({ identifier: "RiderEarnings" })

const Availability = Schema.Literal("ONLINE", "OFFLINE")
export const RiderAvailabilityBody = Schema.Struct({ availability: Availability }).annotations({ identifier: "RiderAvailability" })

const wireJob = ({ deliveryId, buyerPhone, ...j }: RiderJob) => ({ jobId: deliveryId, ...j, ...(buyerPhone !== undefined && { buyerPhone }) })

const rider = (ctx: RequestContext) => {
  const u = me(ctx).user
  return { id: u.id, roles: u.roles }
}

export const fulfilmentEndpoints: ReadonlyArray<Endpoint> = [
  endpoint({
    method: "get",
    path: "/api/v1/rider/jobs",
    tag: "Riders",
    summary: "The rider's live jobs (assigned, picked up, in transit), oldest first",
    auth: "required",
    response: Schema.Struct({ items: Schema.Array(Job) }),
    errors: [401, 403],
    handler: ({ ctx }) => Effect.map(riderJobs(rider(ctx)), (jobs) => ({ items: jobs.map(wireJob) }))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/rider/jobs/:id",
    tag: "Riders",
    summary: "One of the rider's jobs, live or finished: pickup, drop-off and the buyer's delivery details (phones only while it is live)",
    auth: "required",
    params: DeliveryIdParam,
    response: Job,
    errors: [400, 401, 403, 404],
    handler: ({ params, ctx }) => Effect.map(riderJob(rider(ctx), params.id), wireJob)
  }),
  endpoint({
    method: "post",
    path: "/api/v1/rider/jobs/:id/status",
    tag: "Riders",
    summary: "Report progress: PICKED_UP, IN_TRANSIT, DELIVERED (with the buyer's handover code) or FAILED_ATTEMPT (with a reason)",
    description: "A wrong handover code is refused (422) and counted; after 5 the job locks (423) and support is alerted.",
    auth: "required",
    params: DeliveryIdParam,
    body: JobStatusBody,
    response: Schema.Struct({ orderId: Schema.String, status: DeliveryState }),
    errors: [400, 401, 403, 404, 409, 422, 423],
    handler: ({ params, body, ctx }) => updateJobStatus(rider(ctx), params.id, body as JobUpdate)
  }),
  endpoint({
    method: "get",
    path: "/api/v1/rider/scorecard",
    tag: "Riders",
    summary: "The rider's scorecard: on-time rate, failed attempts, disputes, score",
    auth: "required",
    response: Scorecard,
    errors: [401, 403],
    handler: ({ ctx }) =>
      Effect.gen(function* () {
        const r = rider(ctx)
        if (!r.roles.includes("RIDER")) return yield* new NotARider({ userId: r.id })
        const cards = yield* riderScorecards(r.id)
        const card = cards[0]
        if (card === undefined) return yield* new NotARider({ userId: r.id })
        return card
      })
  }),
  endpoint({
    method: "get",
    path: "/api/v1/rider/earnings",
    tag: "Riders",
    summary: "The rider's earnings: shipping credited for each order they delivered (once it completes), payouts, and the balance owed",
    description: "Riders are paid in the weekly M-Pesa B2C payout batch once they are owed at least KES 1,000.",
    auth: "required",
    response: RiderEarnings,
    errors: [401, 403],
    handler: ({ ctx }) => riderEarnings(rider(ctx))
  }),
  endpoint({
    method: "put",
    path: "/api/v1/rider/availability",
    tag: "Riders",
    summary: "Go ONLINE (take jobs) or OFFLINE: only online riders are offered jobs",
    description: "Setting the value it already has changes nothing (`changed: false`). A new rider starts OFFLINE.",
    auth: "required",
    body: RiderAvailabilityBody,
    response: Schema.Struct({ availability: Availability, changed: Schema.Boolean }),
    errors: [400, 401, 403],
    handler: ({ body, ctx }) => setRiderAvailability(rider(ctx), body.availability)
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/orders/:id/dispatch",
    tag: "Seller",
    summary: "The parcel is ready: assign a rider (or the logistics partner); the buyer gets the rider's name and their handover code",
    auth: "required",
    params: OrderIdParam,
    response: Schema.Struct({
      orderId: Schema.String,
      jobId: Schema.String,
      carrier: Schema.Literal("RIDER", "PARTNER"),
      riderName: Schema.String,
      riderPhone: Schema.String
    }),
    errors: [400, 401, 403, 404, 409, 503],
    handler: ({ params, ctx }) =>
      Effect.map(sellerDispatch(me(ctx).user.id, params.id), (r) => ({
        orderId: r.orderId,
        jobId: r.deliveryId,
        carrier: r.assignment.carrier,
        riderName: r.assignment.riderName,
        riderPhone: r.assignment.riderPhone
      }))
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/orders/:id/return",
    tag: "Seller",
    summary: "The parcel came back after a failed delivery: the order is RETURNED and the buyer refunded",
    auth: "required",
    params: OrderIdParam,
    body: Schema.Struct({ reason: Reason }),
    response: Schema.Struct({ orderId: Schema.String, state: Schema.Literal("RETURNED") }),
    errors: [400, 401, 403, 404, 409],
    handler: ({ params, body, ctx }) => sellerReturn(me(ctx).user.id, params.id, body.reason)
  }),
  endpoint({
    method: "put",
    path: "/api/v1/seller/webhook",
    tag: "Seller",
    summary: "Register (or replace) the store's webhook endpoint; the signing secret is returned once",
    description:
      'The URL must be https on a host whose every address is public (422 WEBHOOK.URL_REFUSED otherwise); redirects are never followed. Events ORDER_CREATED, ORDER_PAID, ORDER_CANCELLED, PRODUCT_UPDATED are POSTed with X-Amana-Timestamp (unix seconds) and X-Amana-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>. Reject timestamps older than 5 minutes; deduplicate on the body\'s id.',
    auth: "required",
    body: Schema.Struct({ url: Schema.String.pipe(Schema.maxLength(500), Schema.pattern(/^https?:\/\/\S+$/, { message: () => "an http(s) URL" })) }),
    response: Schema.Struct({ url: Schema.String, secret: Schema.String }),
    errors: [400, 401, 403, 422],
    handler: ({ body, ctx }) => registerWebhook(me(ctx).user.id, body.url)
  }),
  endpoint({
    method: "get",
    path: "/api/v1/seller/webhook",
    tag: "Seller",
    summary: "The store's webhook endpoint and its delivery log, newest first",
    auth: "required",
    query: Schema.Struct({ limit: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 200)), { default: () => 50 }) }),
    response: Schema.Struct({ url: Schema.optional(Schema.String), deliveries: Schema.Array(WebhookDelivery) }),
    errors: [400, 401, 403],
    handler: ({ query, ctx }) =>
      Effect.map(webhookLog(me(ctx).user.id, query.limit), (log) => ({
        url: log.url,
        deliveries: log.deliveries.map(({ lastStatusCode, ...d }) => ({
          ...d,
          lastStatusClass: lastStatusCode === undefined ? undefined : `${Math.floor(lastStatusCode / 100)}xx`
        }))
      }))
  }),
  endpoint({
    method: "delete",
    path: "/api/v1/seller/webhook",
    tag: "Seller",
    summary: "Remove the store's webhook endpoint (pending deliveries then fail)",
    auth: "required",
    status: 204,
    response: Schema.Void,
    errors: [401, 403],
    handler: ({ ctx }) => removeWebhook(me(ctx).user.id)
  })
]

// --- raw webhook receivers ------------------------------------------------------------------------

const rawBuffer = (req: Request): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0))
const headerOf = (req: Request, name: string) => {
  const v = req.headers[name]
  return typeof v === "string" ? v : undefined
}
const parseJson = (raw: Buffer): Either.Either<unknown, string> => {
  try {
    const json = JSON.parse(raw.toString("utf8")) as unknown
    // the same refusal as the JSON endpoints' (edge.ts): text the database cannot hold
    return isUtf8(raw) && !hasBadText(json) ? Either.right(json) : Either.left("the body contains a NUL character or is not valid UTF-8")
  } catch {
    return Either.left("the body is not valid JSON")
  }
}

const PartnerEvent = Schema.Struct({
  eventId: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  deliveryId: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  status: Schema.Literal("PICKED_UP", "IN_TRANSIT", "DELIVERED", "FAILED"),
  handoverCode: Schema.optional(Schema.String.pipe(Schema.maxLength(12))),
  reason: Schema.optional(Schema.String.pipe(Schema.maxLength(500))),
  photoUrl: Schema.optional(Https),
  location: Schema.optional(Location)
})

const partnerUpdate = (e: typeof PartnerEvent.Type): JobUpdate | undefined => {
  switch (e.status) {
    case "PICKED_UP":
    case "IN_TRANSIT":
      return { status: e.status }
    case "DELIVERED":
      return e.handoverCode === undefined ? undefined : { status: "DELIVERED", handoverCode: e.handoverCode, photoUrl: e.photoUrl, location: e.location }
    case "FAILED":
      return { status: "FAILED_ATTEMPT", reason: e.reason ?? "the partner reported a failed attempt" }
  }
}

const B2C_ACK = { ResultCode: 0, ResultDesc: "Accepted" }

/** Mounts the signed webhook receivers, which read the raw body (the JSON endpoints are in `fulfilmentEndpoints`). */
export const mountFulfilmentWebhooks = (app: express.Express, runtime: PlatformRuntime, secrets: WebhookSecrets): void => {
  const raw = express.raw({ limit: "256kb", type: () => true })
  // Meta's deliveries may be up to 3 MB (body-limit.ts): one refused is retried for a day, then dropped
  const metaRaw = express.raw({ limit: META_WEBHOOK_MAX_BYTES, type: () => true })

  // Logistics partner status events: signature over "<timestamp>.<raw body>", 5-minute window.
  app.post("/api/v1/fulfilment/partners/:partner/webhook", raw, async (req, res) => {
    const name = secrets.partner.name
    const secret = Option.getOrUndefined(Option.map(secrets.partner.secret, Redacted.value))
    if (secret === undefined || req.params["partner"] !== name) return sendProblem(res, problem(404, "ROUTE.NOT_FOUND", "there is no such partner"))
    const body = rawBuffer(req)
    const refused = verifyPartnerSignature({
      secret,
      rawBody: body,
      timestamp: headerOf(req, "x-partner-timestamp"),
      signature: headerOf(req, "x-partner-signature"),
      now: Date.now()
    })
    if (refused !== undefined) return sendProblem(res, problem(401, "PARTNER.SIGNATURE_INVALID", `the partner webhook signature is not valid: ${refused}`))
    const parsed = Either.flatMap(parseJson(body), (j) => Either.mapLeft(Schema.decodeUnknownEither(PartnerEvent)(j), () => "not a partner status event"))
    if (Either.isLeft(parsed)) return sendProblem(res, problem(400, "REQUEST.INVALID", parsed.left))
    const update = partnerUpdate(parsed.right)
    if (update === undefined) return sendProblem(res, problem(400, "REQUEST.INVALID", "DELIVERED needs the handover code"))
    await runAndAnswer(
      runtime,
      res,
      applyPartnerStatus({ partner: name, eventId: parsed.right.eventId, partnerRef: parsed.right.deliveryId, update, raw: parsed.right }),
      (r) => res.status(200).json(r)
    )
  })

  /**
   * A Meta webhook (WhatsApp Cloud API, Instagram): the GET subscription handshake with the verify
   * token, and POSTs signed with the app secret (X-Hub-Signature-256 over the raw bytes), parsed,
   * then handed on. Unsigned, missing its secret or unparsable: refused, nothing recorded.
   */
  const metaWebhook = <A>(
    path: string,
    product: "WHATSAPP" | "INSTAGRAM",
    keys: { readonly verifyToken: Option.Option<Redacted.Redacted<string>>; readonly appSecret: Option.Option<Redacted.Redacted<string>> },
    parse: (json: unknown) => Either.Either<A, unknown>,
    handle: (batch: A, res: Response) => Promise<void>
  ) => {
    const name = product === "WHATSAPP" ? "WhatsApp Business Account" : "Instagram"
    app.get(path, (req, res) => {
      const token = Option.getOrUndefined(keys.verifyToken)
      const answer = token === undefined ? undefined : verifySubscription(req.query as Record<string, unknown>, token)
      if (answer === undefined || Either.isLeft(answer)) return res.status(403).type("text/plain").send("forbidden")
      res.status(200).type("text/plain").send(answer.right)
    })
    app.post(path, metaRaw, async (req, res) => {
      const secret = Option.getOrUndefined(keys.appSecret)
      if (secret === undefined) return sendProblem(res, problem(503, `${product}.NOT_CONFIGURED`, `${product}_APP_SECRET is not set`))
      const body = rawBuffer(req)
      if (!verifySignature(body, headerOf(req, "x-hub-signature-256"), secret))
        return sendProblem(res, problem(401, `${product}.SIGNATURE_INVALID`, "X-Hub-Signature-256 does not match the body"))
      const batch = Either.flatMap(parseJson(body), (j) => Either.mapLeft(parse(j), () => `not a${product === "INSTAGRAM" ? "n" : ""} ${name} webhook`))
      if (Either.isLeft(batch)) return sendProblem(res, problem(400, "REQUEST.INVALID", batch.left))
      await handle(batch.right, res)
    })
  }

  metaWebhook("/api/v1/webhooks/whatsapp", "WHATSAPP", secrets.whatsapp, parseWebhook, (b, res) =>
    runAndAnswer(
      runtime,
      res,
      Effect.zipWith(
        recordWhatsAppWebhook({
          statuses: b.statuses.map((s) => ({ wamid: s.wamid, status: s.status, at: s.timestamp, recipient: s.recipientId, errors: s.errors })),
          messages: b.messages.map((m) => ({ wamid: m.wamid, from: m.from, at: m.timestamp, type: m.type, text: m.text }))
        }),
        // the same messages threaded into conversations (a number no store claims is only recorded above)
        receiveChatMessages(
          b.messages.map((m) => ({
            channel: "WHATSAPP" as const,
            account: m.phoneNumberId,
            customer: m.from,
            providerMessageId: m.wamid,
            at: m.timestamp,
            type: m.type,
            text: m.text
          }))
        ),
        (r, chats) => ({ ...r, conversations: chats })
      ),
      (r) => res.status(200).json(r)
    )
  )
  // Instagram direct messages (Meta's webhook, signed with the Instagram app's secret).
  metaWebhook("/api/v1/webhooks/instagram", "INSTAGRAM", secrets.instagram, parseInstagramWebhook, (b, res) =>
    runAndAnswer(runtime, res, receiveChatMessages(b.messages), (r) => res.status(200).json(r))
  )

  // Daraja B2C Results, Transaction Status results and queue timeouts: stored raw and durably (with
  // the per-request token the URL carries), answered at once; the worker checks them before acting.
  const b2c = (kind: B2CCallbackKind) => async (req: Request, res: Response) => {
    if (!sameSecret(String(req.params["secret"] ?? ""), Redacted.value(secrets.callbackSecret)))
      return sendProblem(res, problem(404, "ROUTE.NOT_FOUND", "there is nothing here"))
    const body = rawBuffer(req)
    // stored as received when it is a JSON object (the column holds objects); anything else as its text
    const parsed = Either.filterOrLeft(
      parseJson(body),
      (j): j is object => typeof j === "object" && j !== null && !Array.isArray(j),
      () => "not a JSON object"
    )
    const rawJson = Either.getOrElse(parsed, () => ({ unreadable: body.toString("utf8").slice(0, 10_000).replaceAll("\0", "\uFFFD") }))
    const report = Either.isRight(parsed) ? Either.getOrUndefined(decodeB2CResult(parsed.right)) : undefined
    const token = typeof req.params["token"] === "string" ? req.params["token"] : undefined
    await runAndAnswer(runtime, res, recordB2CCallback(kind, rawJson, report, req.socket.remoteAddress, token), () => res.status(200).json(B2C_ACK))
  }
  app.post("/api/v1/payments/mpesa/b2c/result/:secret", raw, b2c("B2C_RESULT"))
  app.post("/api/v1/payments/mpesa/b2c/timeout/:secret", raw, b2c("B2C_TIMEOUT"))
  app.post("/api/v1/payments/mpesa/b2c/result/:secret/:token", raw, b2c("B2C_RESULT"))
  app.post("/api/v1/payments/mpesa/b2c/timeout/:secret/:token", raw, b2c("B2C_TIMEOUT"))
  app.post("/api/v1/payments/mpesa/b2c/status/result/:secret/:token", raw, b2c("B2C_STATUS_RESULT"))
  app.post("/api/v1/payments/mpesa/b2c/status/timeout/:secret/:token", raw, b2c("B2C_STATUS_TIMEOUT"))
}
