/**
 * RiderDispatch from the environment: the in-house pool, and when LOGISTICS_PARTNER_URL (with its
 * API key and webhook secret) is set, the partner takes the jobs the pool cannot (no rider in the
 * zone, everyone busy). An admin's manual choice always goes to the pool.
 */
import type { HttpClient } from "@effect/platform"
import { Effect, Layer, Option } from "effect"
import type { ConfigError } from "effect/ConfigError"
import { RiderDispatch } from "../application/riders/rider-dispatch.port.js"
import type { Database } from "../adapters/postgres/database.js"
import { makeLogisticsPartner, PartnerConfigFromEnv } from "../adapters/logistics-partner/client.js"
import { makeRiderPool } from "../adapters/postgres/rider-pool.js"

export const RiderDispatchFromEnv: Layer.Layer<RiderDispatch, ConfigError, Database | HttpClient.HttpClient> = Layer.effect(
  RiderDispatch,
  Effect.gen(function* () {
    const pool = yield* makeRiderPool
    const config = yield* PartnerConfigFromEnv
    if (Option.isNone(config)) return pool
    const partner = yield* makeLogisticsPartner(config.value)
    return RiderDispatch.of({
      assign: (req) =>
        req.riderUserId !== undefined ? pool.assign(req) : pool.assign(req).pipe(Effect.catchTag("NoCarrierAvailable", () => partner.assign(req))),
      cancel: (assignment, reason) => (assignment.carrier === "PARTNER" ? partner.cancel(assignment, reason) : pool.cancel(assignment, reason))
    })
  })
)
