/**
 * `npm start`: the whole platform in one process. Without DATABASE_URL an embedded PostgreSQL is
 * started (data under .data/dev, or /var/tmp/amana-postgres/ as root: see
 * adapters/postgres/embedded.ts). Migrates as the owner, then runs as the least-privileged runtime role
 * (adapters/postgres/runtime-role.ts), seeds the demo world idempotently, runs the worker and
 * serves HTTP on PORT (default 3000). SIGINT/SIGTERM stop everything cleanly: HTTP stops accepting,
 * in-flight jobs finish (anything cut short is retried on the next start), the pool closes, the
 * embedded database shuts down.
 *
 * `--role=api` or `--role=worker` runs only that half (docker-compose runs them separately); run
 * several workers as several `--role=worker` processes (graphile-worker shares the jobs out). With
 * NATS_URL set, the outbox relay to NATS JetStream runs beside the worker (composition/event-relay.ts).
 * `--workers N` (with `--role=api` or the default `all`) serves HTTP from N processes sharing PORT
 * (node:cluster): this process prepares the database, seeds and creates the first admin once, then
 * forks N HTTP processes on the runtime role (a crashed one is replaced) and, in `all`, runs the
 * worker itself. Rate limits and the cache must then be shared: REDIS_URL (required in production).
 */
import cluster from "node:cluster"
import type { Server } from "node:http"
import { ensureFirstAdmin } from "../backoffice/first-admin.js"
import { makePool, openPool } from "../adapters/postgres/database.js"
import type { Sql } from "../adapters/postgres/database.js"
import { MigrationError } from "../adapters/postgres/migrate.js"
import { prepareDatabase } from "../adapters/postgres/prepare.js"
import { DatabaseSetupError } from "../adapters/postgres/setup-error.js"
import { seedDemo, seedFulfilmentDemo, seedsDemo } from "../adapters/postgres/seed.js"
import { startWorker } from "../adapters/postgres/worker.js"
import { crontab, handlers, tasks } from "./event-handlers.js"
import { startEventRelayFromEnv } from "./event-relay.js"
import { startServer } from "./http.js"
import { aggregateClusterMetrics, joinClusterMetrics, metricsEndpoint, startMetricsServer } from "./metrics.js"
import { makePlatformRuntime } from "./platform.js"
import { log as logLine } from "../adapters/system/logging.js"
import type { PlatformRuntime, PlatformServices } from "./platform.js"

const role = process.argv.find((a) => a.startsWith("--role="))?.slice("--role=".length) ?? "all"
const port = Number(process.env["PORT"] ?? 3000)
const production = process.env["NODE_ENV"] === "production"
const log = (msg: string, extra: Record<string, unknown> = {}) => logLine("info", msg, extra)
const poolMax = () => Number(process.env["DB_POOL_MAX"] ?? 20)

/** `--workers N` or `--workers=N`: how many HTTP processes (undefined: this one serves HTTP itself). */
const httpProcesses = (argv: ReadonlyArray<string>): number | undefined => {
  const at = argv.findIndex((a) => a === "--workers" || a.startsWith("--workers="))
  if (at < 0) return undefined
  const given = argv[at]!.startsWith("--workers=") ? argv[at]!.slice("--workers=".length) : argv[at + 1]
  const n = Number(given)
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new StartError(`--workers takes a whole number of HTTP processes from 1 to 64 (got ${given ?? "nothing"})`)
  if (role !== "api" && role !== "all") throw new StartError(`--workers runs HTTP processes: use it with --role=api (or no --role), not --role=${role}`)
  if (production && (process.env["REDIS_URL"] ?? "") === "")
    throw new StartError("--workers in production needs REDIS_URL: rate limits and the cache must be shared by the HTTP processes")
  return n
}

class StartError extends Error {}

/** The runtime URL handed to the forked HTTP processes (never the owner's). */
const CHILD_DATABASE_URL = "AMANA_RUNTIME_DATABASE_URL"

/** Stops in order, each step logged; a failing step does not stop the next. */
const stopSteps = async (steps: ReadonlyArray<readonly [string, () => Promise<unknown>]>) => {
  // Some shutdown steps wait on promises that hold no I/O handle; keep the process alive until done.
  const keepAlive = setInterval(() => undefined, 1_000)
  for (const [name, f] of steps) {
    log(`stop: ${name}`)
    await f().catch((e: unknown) => log(`stop: ${name} failed`, { error: String(e) }))
  }
  clearInterval(keepAlive)
  log("stopped")
  process.exit(0)
}

const closeServer = (server: Server | undefined) => new Promise<void>((done) => (server ? server.close(() => done()) : done()))

/** A forked HTTP process: the runtime role's URL from the primary, no migration, no seeding. */
const httpChild = async () => {
  const url = process.env[CHILD_DATABASE_URL]
  if (url === undefined) throw new StartError(`${CHILD_DATABASE_URL} is not set: HTTP processes are forked by --workers`)
  // open at start and kept open (openPool): the first requests, and those after a lull, find their connections ready
  const pool = makePool(url, { max: poolMax(), applicationName: "amana-api", idleTimeoutSeconds: 0 })
  const runtime = makePlatformRuntime(pool)
  await runtime.runtime()
  await openPool(pool)
  // each HTTP process counts its own requests; a scrape here answers with the primary's sum of them all
  const metrics = await metricsEndpoint(runtime, { production })
  joinClusterMetrics(metrics.prometheus.registry)
  const server = await startServer(runtime, { port, production, metrics })
  log("http process listening", { pid: process.pid })
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log("stopping", { signal, pid: process.pid })
    void stopSteps([
      ["http", () => closeServer(server)],
      ["runtime", () => runtime.dispose()],
      ["pool", () => pool.end({ timeout: 5 })]
    ])
  }
  process.on("SIGINT", () => stop("SIGINT"))
  process.on("SIGTERM", () => stop("SIGTERM"))
  // the primary is gone (killed): nobody would stop this process
  process.on("disconnect", () => stop("primary gone"))
}

/** Forks N HTTP processes; resolves once all listen. A process that dies while not stopping is replaced. */
const forkHttp = async (n: number, runtimeUrl: string, isStopping: () => boolean) => {
  const env = { [CHILD_DATABASE_URL]: runtimeUrl }
  const fork = () => cluster.fork(env)
  cluster.on("exit", (child, code, signal) => {
    if (isStopping()) return
    logLine("error", "http process died: replacing it", { pid: child.process.pid, code, signal })
    fork()
  })
  await new Promise<void>((ready) => {
    let listening = 0
    const onListening = () => {
      if (++listening < n) return
      cluster.off("listening", onListening)
      ready()
    }
    cluster.on("listening", onListening)
    for (let i = 0; i < n; i++) fork()
  })
}

/** SIGTERM to every HTTP process, then wait for them (SIGKILL after 30 s). */
const stopHttpChildren = () =>
  new Promise<void>((done) => {
    const children = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined)
    let left = children.length
    if (left === 0) return done()
    const timer = setTimeout(() => {
      for (const w of children) w.process.kill("SIGKILL")
    }, 30_000)
    for (const w of children) {
      w.once("exit", () => {
        if (--left === 0) {
          clearTimeout(timer)
          done()
        }
      })
      w.process.kill("SIGTERM")
    }
  })

const main = async () => {
  const processes = httpProcesses(process.argv)
  // Migrated by the owner; the app itself runs as the runtime role (adapters/postgres/runtime-role.ts).
  const database = await prepareDatabase()
  const runsAs = decodeURIComponent(new URL(database.runtimeUrl).username)
  log("database ready", database.dataDir !== undefined ? { embedded: true, dataDir: database.dataDir, runsAs } : { embedded: false, runsAs })
  if (database.applied.length > 0) log("migrations applied", { applied: database.applied })
  // A pool that serves HTTP is opened before the server listens and kept open (openPool).
  const servesHttpHere = (role === "all" || role === "api") && processes === undefined
  const pool: Sql = makePool(database.runtimeUrl, { max: poolMax(), applicationName: `amana-${role}`, ...(servesHttpHere && { idleTimeoutSeconds: 0 }) })
  if (seedsDemo(process.env)) {
    await seedDemo(pool)
    await seedFulfilmentDemo(pool)
    log("demo data seeded")
  } else log("starting with an empty marketplace (no demo data: SEED_DEMO)")
  const runtime: PlatformRuntime = makePlatformRuntime(pool)
  // Build every adapter now: a missing or weak secret (adapters/system/secrets.ts) stops the start, naming its variable.
  await runtime.runtime()
  // The first back-office admin (ADMIN_EMAIL / ADMIN_PASSWORD, or a generated password printed once).
  if (role === "all" || role === "api") await ensureFirstAdmin(runtime)

  const worker =
    role === "all" || role === "worker"
      ? await startWorker<PlatformServices>({
          connectionString: database.runtimeUrl,
          runtime,
          handlers,
          crontab,
          tasks
        })
      : undefined
  if (worker) log("worker running")
  // NATS_URL: the outbox relay runs with the worker (one relay at a time publishes: it locks its cursor).
  const events = worker ? await startEventRelayFromEnv(pool) : undefined
  if (events) log("event relay running", { stream: events.settings.stream, subjects: `${events.settings.subjectPrefix}.>` })
  let stopping = false
  const servesHttp = role === "all" || role === "api"
  if (servesHttp && processes !== undefined) {
    if ((process.env["REDIS_URL"] ?? "") === "")
      logLine("warn", "--workers without REDIS_URL: each HTTP process keeps its own rate limits and cache (development only)")
    await forkHttp(processes, database.runtimeUrl, () => stopping)
  }
  // /metrics: on the HTTP port (METRICS_TOKEN, see composition/metrics.ts) and, with METRICS_PORT, on its own listener (the worker's only one)
  const metrics = await metricsEndpoint(runtime, { production })
  if (servesHttp && processes !== undefined) aggregateClusterMetrics(metrics.prometheus.registry)
  if (servesHttpHere) await openPool(pool)
  const server = servesHttpHere ? await startServer(runtime, { port, production, metrics }) : undefined
  if (servesHttp) log("http listening", { url: `http://localhost:${port}`, ...(processes !== undefined && { processes }) })
  const metricsPort = process.env["METRICS_PORT"]
  const metricsServer =
    metricsPort !== undefined && metricsPort !== ""
      ? await startMetricsServer(metrics, Number(metricsPort), process.env["METRICS_HOST"] ?? "127.0.0.1")
      : undefined
  if (metricsServer) log("metrics listening", { port: Number(metricsPort), host: process.env["METRICS_HOST"] ?? "127.0.0.1" })

  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log("stopping", { signal })
    void stopSteps([
      ["http", () => (processes !== undefined ? stopHttpChildren() : closeServer(server))],
      ["metrics", () => closeServer(metricsServer)],
      ["worker", async () => worker?.stop()],
      ["event relay", async () => events?.relay.stop()],
      ["runtime", () => runtime.dispose()],
      ["pool", () => pool.end({ timeout: 5 })],
      ["database", () => database.stop()]
    ])
  }
  process.on("SIGINT", () => stop("SIGINT"))
  process.on("SIGTERM", () => stop("SIGTERM"))
}

;(cluster.isPrimary ? main() : httpChild()).catch((e: unknown) => {
  // A database that cannot be reached or prepared is told with its cause and fix, not a stack.
  const told =
    e instanceof DatabaseSetupError
      ? { problem: e.problem, fix: e.fix }
      : e instanceof MigrationError || e instanceof StartError
        ? { problem: e.message }
        : { error: e instanceof Error ? e.stack : String(e) }
  logLine("error", "start-up failed", told)
  if (e instanceof DatabaseSetupError) console.error(`\nAmana could not start: ${e.problem}\nFix: ${e.fix}\n`)
  process.exit(1)
})
