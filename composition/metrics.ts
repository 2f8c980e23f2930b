/**
 * Serving /metrics (Prometheus text format) from the process's registry (adapters/metrics/prometheus.ts).
 *
 * Who may read it (docs/decisions.md, "Observability"):
 *   - METRICS_TOKEN set: only a scraper sending `Authorization: Bearer <METRICS_TOKEN>`, on every
 *     listener (401 otherwise). In production the token is held to the secret rule (32+ characters).
 *   - unset, outside production: anyone who reaches the port (a developer's machine).
 *   - unset, in production: not served on the public HTTP port (404); only on METRICS_PORT, a
 *     separate listener (METRICS_HOST, default 127.0.0.1) that the operator keeps off the internet.
 * METRICS_PORT also gives `--role=worker`, which serves no HTTP otherwise, its /metrics.
 */
import { createServer } from "node:http"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { Effect, Option, Redacted } from "effect"
import type express from "express"
import { Prometheus } from "../adapters/metrics/prometheus.js"
import type { PrometheusMetrics } from "../adapters/metrics/prometheus.js"
import { optionalSecret, sameSecret } from "../adapters/system/secrets.js"
import { log } from "../adapters/system/logging.js"
import type { PlatformRuntime } from "./platform.js"

export type MetricsAccess = "ALLOW" | "UNAUTHORIZED" | "NOT_SERVED"

/** The rule above, for one request. */
export const metricsAccess = (o: {
  readonly production: boolean
  readonly separatePort: boolean
  readonly token: string | undefined
  readonly authorization: string | undefined
}): MetricsAccess => {
  if (o.token !== undefined) {
    const given = /^Bearer (\S+)$/.exec(o.authorization?.trim() ?? "")?.[1]
    return given !== undefined && sameSecret(given, o.token) ? "ALLOW" : "UNAUTHORIZED"
  }
  return o.production && !o.separatePort ? "NOT_SERVED" : "ALLOW"
}

export interface MetricsEndpoint {
  readonly prometheus: PrometheusMetrics
  /** answers one request for /metrics on a listener (the public port, or METRICS_PORT) */
  readonly answer: (req: IncomingMessage, res: ServerResponse, separatePort: boolean) => Promise<void>
}

export const metricsEndpoint = async (runtime: PlatformRuntime, options: { readonly production: boolean }): Promise<MetricsEndpoint> => {
  const prometheus = await runtime.runPromise(Prometheus)
  const token = Option.getOrUndefined(Option.map(await Effect.runPromise(optionalSecret("METRICS_TOKEN")), Redacted.value))
  const answer = async (req: IncomingMessage, res: ServerResponse, separatePort: boolean) => {
    const access = metricsAccess({ production: options.production, separatePort, token, authorization: req.headers.authorization })
    if (access !== "ALLOW") {
      const [status, code, detail] =
        access === "UNAUTHORIZED"
          ? [401, "METRICS.UNAUTHORIZED", "send Authorization: Bearer <METRICS_TOKEN>"]
          : [404, "ROUTE.NOT_FOUND", "there is no such endpoint; see /api/docs"]
      res.statusCode = status
      if (status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"')
      res.setHeader("Content-Type", "application/problem+json")
      return void res.end(JSON.stringify({ type: "about:blank", title: detail, status, code, detail }))
    }
    try {
      const text = await prometheus.registry.metrics()
      res.statusCode = 200
      res.setHeader("Content-Type", prometheus.registry.contentType)
      res.setHeader("Cache-Control", "no-store")
      res.end(text)
    } catch (e) {
      log("error", "metrics scrape failed", { error: e instanceof Error ? e.message : String(e) })
      res.statusCode = 500
      res.end()
    }
  }
  return { prometheus, answer }
}

/** GET /metrics on the public HTTP server (a `mounts` entry of startHttp). */
export const mountMetrics = (endpoint: MetricsEndpoint) => (app: express.Express) => {
  app.get("/metrics", (req, res) => void endpoint.answer(req, res, false))
}

/** METRICS_PORT: a listener serving only /metrics (and 404 for anything else). */
export const startMetricsServer = (endpoint: MetricsEndpoint, port: number, host: string): Promise<Server> =>
  new Promise((ok, fail) => {
    const server = createServer((req, res) => {
      if (req.method === "GET" && (req.url ?? "").split("?")[0] === "/metrics") return void endpoint.answer(req, res, true)
      res.statusCode = 404
      res.end()
    })
    server.once("error", fail)
    server.listen(port, host, () => ok(server))
  })
