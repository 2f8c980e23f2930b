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
 *
 * With `--workers N` (node:cluster) a scrape reaches one process, but it answers for all: the primary
 * asks each HTTP process for its registry over the cluster's IPC channel and sums them with prom-client's
 * AggregatorRegistry (counters and histograms summed, the database gauges taken once); an HTTP process
 * scraped on the public port asks the primary for that sum. A process that does not answer within
 * 2 s is left out of that scrape (and `amana_metrics_processes_missing` says how many were).
 */
import cluster from "node:cluster"
import type { Worker } from "node:cluster"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { Effect, Option, Redacted } from "effect"
import { AggregatorRegistry, Gauge, Registry as PromRegistry } from "prom-client"
import type { MetricObjectWithValues, MetricValue, Registry } from "prom-client"
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
      const text = await gather(prometheus.registry)
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

// --workers: the cluster's metrics, over node:cluster's IPC channel.
type Snapshot = Array<MetricObjectWithValues<MetricValue<string>>>
const ASK = "amana:metrics-ask" // primary -> HTTP process: your registry, please
const TOLD = "amana:metrics-told" // HTTP process -> primary: { id, metrics }
const GATHER = "amana:metrics-gather" // HTTP process -> primary: the whole cluster's, please
const GATHERED = "amana:metrics-gathered" // primary -> HTTP process: { id, text }
const ANSWER_MS = 2_000

type Message = { readonly type?: unknown; readonly id?: unknown; readonly metrics?: unknown; readonly text?: unknown }
const isMessage = (m: unknown, type: string): m is Message & { readonly id: string } =>
  typeof m === "object" && m !== null && (m as Message).type === type && typeof (m as Message).id === "string"

const askChild = (worker: Worker) =>
  new Promise<Snapshot | undefined>((done) => {
    const id = randomUUID()
    const timer = setTimeout(() => finish(undefined), ANSWER_MS)
    const onMessage = (m: unknown) => {
      if (isMessage(m, TOLD) && m.id === id) finish(Array.isArray(m.metrics) ? (m.metrics as Snapshot) : undefined)
    }
    const finish = (s: Snapshot | undefined) => {
      clearTimeout(timer)
      worker.off("message", onMessage)
      done(s)
    }
    worker.on("message", onMessage)
    try {
      worker.send({ type: ASK, id })
    } catch {
      finish(undefined)
    }
  })

/** The primary's own registry and every live HTTP process's, summed into one exposition. */
export const clusterMetricsText = async (own: Registry): Promise<string> => {
  const children = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected())
  const answers = await Promise.all(children.map(askChild))
  const snapshots = answers.filter((a): a is Snapshot => a !== undefined)
  const tally = new PromRegistry()
  new Gauge({
    name: "amana_metrics_processes_missing",
    help: "HTTP processes that did not answer this scrape in time (their counts are missing from it)",
    registers: [tally]
  }).set(children.length - snapshots.length)
  const missing = await tally.getMetricsAsJSON()
  // the primary first: the database gauges' "first" is its reading
  return AggregatorRegistry.aggregate([await own.getMetricsAsJSON(), ...snapshots, missing]).metrics()
}

/** How a process answers a scrape: its registry alone, the cluster's (the primary), or the primary's (an HTTP process). */
let gather: (own: Registry) => Promise<string> = (own) => own.metrics()

/** In the primary of --workers: answer for the cluster, and answer the HTTP processes that ask for it. */
export const aggregateClusterMetrics = (own: Registry) => {
  gather = clusterMetricsText
  cluster.on("message", (worker, m: unknown) => {
    if (!isMessage(m, GATHER)) return
    void clusterMetricsText(own).then(
      (text) => worker.isConnected() && worker.send({ type: GATHERED, id: m.id, text }),
      () => worker.isConnected() && worker.send({ type: GATHERED, id: m.id })
    )
  })
}

/** In an HTTP process of --workers: tell the primary its registry when asked; answer a scrape with the primary's sum. */
export const joinClusterMetrics = (own: Registry) => {
  process.on("message", (m: unknown) => {
    if (!isMessage(m, ASK)) return
    void own.getMetricsAsJSON().then(
      (metrics) => process.send?.({ type: TOLD, id: m.id, metrics }),
      () => process.send?.({ type: TOLD, id: m.id, metrics: [] })
    )
  })
  gather = (registry) =>
    new Promise<string>((done, fail) => {
      const id = randomUUID()
      // the primary asks every process (this one too) and may wait ANSWER_MS for a slow one
      const timer = setTimeout(() => finish(undefined), ANSWER_MS * 2)
      const onMessage = (m: unknown) => {
        if (isMessage(m, GATHERED) && m.id === id) finish(typeof m.text === "string" ? m.text : undefined)
      }
      const finish = (text: string | undefined) => {
        clearTimeout(timer)
        process.off("message", onMessage)
        if (text !== undefined) return done(text)
        // no primary to sum for us: this process's own, rather than nothing
        registry.metrics().then(done, fail)
      }
      process.on("message", onMessage)
      if (process.send === undefined) return finish(undefined)
      process.send({ type: GATHER, id })
    })
}
