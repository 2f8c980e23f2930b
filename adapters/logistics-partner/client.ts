/**
 * A logistics partner over HTTP (a boda-boda fleet with its own riders), as a RiderDispatch.
 *
 * Their API (what tests/fakes/logistics-partner.ts plays):
 *   POST <base>/v1/deliveries          Authorization: Bearer <key>, Idempotency-Key: <our delivery id>
 *        {reference, orderId, zoneId, dropoff: {locationId}, recipientPhone, attempt}
 *     -> 201 (200 for a replayed key) {id, status: "ASSIGNED", rider: {name, phone}}
 *     -> 409 {error: {code: "NO_CAPACITY", message}} no rider free; other 4xx: refused; 5xx: unavailable
 *   POST <base>/v1/deliveries/<id>/cancel   {reason} -> 200
 *
 * Their status webhook to us (adapters/http/routes/fulfilment.ts):
 *   POST /api/v1/fulfilment/partners/<name>/webhook
 *   X-Partner-Timestamp: <unix seconds>, X-Partner-Signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<raw body>")>
 *   {eventId, deliveryId, reference, status: PICKED_UP|IN_TRANSIT|DELIVERED|FAILED, handoverCode?, reason?, photoUrl?, location?}
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Config, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { CarrierUnavailable, NoCarrierAvailable, RiderDispatch } from "../../application/riders/rider-dispatch.port.js"
import type { Assignment, DispatchRequest } from "../../application/riders/rider-dispatch.port.js"
import { requiredSecret } from "../system/secrets.js"

export interface PartnerConfig {
  readonly name: string
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly webhookSecret: Redacted.Redacted<string>
  readonly timeoutMs: number
}

export const PartnerConfigFromEnv: Config.Config<Option.Option<PartnerConfig>> = Config.option(
  Config.all({
    name: Config.string("LOGISTICS_PARTNER_NAME").pipe(Config.withDefault("partner")),
    baseUrl: Config.nonEmptyString("LOGISTICS_PARTNER_URL"),
    apiKey: Config.redacted(Config.nonEmptyString("LOGISTICS_PARTNER_API_KEY")),
    webhookSecret: requiredSecret("LOGISTICS_PARTNER_WEBHOOK_SECRET"),
    timeoutMs: Config.integer("LOGISTICS_PARTNER_TIMEOUT_MS").pipe(Config.withDefault(10_000))
  })
)

const Created = Schema.Struct({
  id: Schema.NonEmptyString,
  status: Schema.String,
  rider: Schema.optional(Schema.Struct({ name: Schema.String, phone: Schema.String }))
})
const Refusal = Schema.Struct({ error: Schema.Struct({ code: Schema.String, message: Schema.String }) })

export const makeLogisticsPartner = (config: PartnerConfig) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const base = config.baseUrl.replace(/\/+$/, "")
    const call = (request: HttpClientRequest.HttpClientRequest) =>
      http.execute(request.pipe(HttpClientRequest.bearerToken(Redacted.value(config.apiKey)), HttpClientRequest.acceptJson)).pipe(
        Effect.flatMap((response) =>
          Effect.map(response.json.pipe(Effect.orElseSucceed((): unknown => undefined)), (body) => ({ status: response.status, body }))
        ),
        Effect.timeoutFail({
          duration: Duration.millis(config.timeoutMs),
          onTimeout: () => new CarrierUnavailable({ detail: `${config.name} did not answer within ${config.timeoutMs} ms` })
        }),
        Effect.catchTags({
          RequestError: (e) => Effect.fail(new CarrierUnavailable({ detail: `could not reach ${config.name}: ${e.message}` })),
          ResponseError: (e) => Effect.fail(new CarrierUnavailable({ detail: `${config.name} reply unreadable: ${e.message}` }))
        })
      )

    const assign = (req: DispatchRequest) =>
      Effect.gen(function* () {
        const { status, body } = yield* call(
          HttpClientRequest.post(`${base}/v1/deliveries`).pipe(
            HttpClientRequest.setHeader("Idempotency-Key", req.deliveryId),
            HttpClientRequest.bodyUnsafeJson({
              reference: req.deliveryId,
              orderId: req.orderId,
              zoneId: req.zoneId,
              dropoff: { locationId: req.destination },
              recipientPhone: req.recipientPhone,
              attempt: req.attempt
            })
          )
        )
        if (status === 200 || status === 201) {
          const created = Schema.decodeUnknownOption(Created)(body)
          if (Option.isNone(created)) return yield* new CarrierUnavailable({ detail: `${config.name} answered ${status} without a delivery id` })
          const rider = created.value.rider ?? { name: `${config.name} rider`, phone: "-" }
          return { carrier: "PARTNER", partner: config.name, partnerRef: created.value.id, riderName: rider.name, riderPhone: rider.phone } satisfies Assignment
        }
        const refusal = Schema.decodeUnknownOption(Refusal)(body)
        const said = Option.match(refusal, { onNone: () => `HTTP ${status}`, onSome: (r) => `${r.error.code}: ${r.error.message}` })
        if (status >= 400 && status < 500)
          return yield* new NoCarrierAvailable({ orderId: req.orderId, zoneId: req.zoneId, detail: `${config.name} refused (${said})` })
        return yield* new CarrierUnavailable({ detail: `${config.name} failed (${said})` })
      })

    const cancel = (assignment: Assignment, reason: string) =>
      assignment.carrier !== "PARTNER"
        ? Effect.void
        : Effect.flatMap(
            call(
              HttpClientRequest.post(`${base}/v1/deliveries/${encodeURIComponent(assignment.partnerRef)}/cancel`).pipe(
                HttpClientRequest.bodyUnsafeJson({ reason })
              )
            ),
            ({ status }) =>
              (status >= 200 && status < 300) || status === 404
                ? Effect.void
                : Effect.fail(new CarrierUnavailable({ detail: `${config.name} could not cancel ${assignment.partnerRef}: HTTP ${status}` }))
          )

    return RiderDispatch.of({ assign, cancel })
  })

export const LogisticsPartnerLive = (config: PartnerConfig) => Layer.effect(RiderDispatch, makeLogisticsPartner(config))
