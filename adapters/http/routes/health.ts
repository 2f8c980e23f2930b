/**
 * GET /healthz (liveness: the process answers) and GET /readyz (readiness: the database answers,
 * its migrations are this code's, a worker's heartbeat is fresh). No auth and no rate limit: load
 * balancers, orchestrators and compose's health checks call them often.
 */
import { Effect, Schema } from "effect"
import { requireReady } from "../../../application/operations/readiness.js"
import { endpoint } from "../endpoint.js"

const Check = Schema.Struct({
  name: Schema.Literal("database", "migrations", "worker"),
  ready: Schema.Boolean,
  detail: Schema.String
}).annotations({ identifier: "ReadinessCheck" })

export const healthRoutes = [
  endpoint({
    method: "get",
    path: "/healthz",
    tag: "Operations",
    summary: "Liveness: 200 while the process answers HTTP (nothing else is checked: use /readyz before sending traffic).",
    auth: "none",
    response: Schema.Struct({ status: Schema.Literal("ok") }),
    handler: () => Effect.succeed({ status: "ok" as const })
  }),
  endpoint({
    method: "get",
    path: "/readyz",
    tag: "Operations",
    summary: "Readiness: 200 when the database answers, its migrations are current and a worker's heartbeat is fresh; else 503 naming what is not ready.",
    description:
      "The 503 problem's `errors` has one entry per failing check (`path`: database, migrations or worker; `message`: what was found). With `--role=api` the worker checked is whichever worker runs against the same database.",
    auth: "none",
    response: Schema.Struct({ status: Schema.Literal("ready"), checks: Schema.Array(Check) }),
    errors: [503],
    handler: () => Effect.map(requireReady, (checks) => ({ status: "ready" as const, checks }))
  })
]
