/**
 * `npm start`: the whole platform in one process. Without DATABASE_URL an embedded PostgreSQL is
 * started (data under .data/dev, or /var/tmp/amana-postgres/ as root: see
 * adapters/postgres/embedded.ts). Migrates as the owner, then runs as the least-privileged runtime role
 * (adapters/postgres/runtime-role.ts), seeds the demo world idempotently, runs the worker and
 * serves HTTP on PORT (default 3000). SIGINT/SIGTERM stop everything cleanly: HTTP stops accepting,
 * in-flight jobs finish (anything cut short is retried on the next start), the pool closes, the
 * embedded database shuts down.
 *
 * `--role=api` or `--role=worker` runs only that half (docker-compose runs them separately). With
 * NATS_URL set, the outbox relay to NATS JetStream runs beside the worker (composition/event-relay.ts).
 */
import { ensureFirstAdmin } from "../backoffice/first-admin.js"
import { makePool } from "../adapters/postgres/database.js"
import { MigrationError } from "../adapters/postgres/migrate.js"
import { prepareDatabase } from "../adapters/postgres/prepare.js"
import { DatabaseSetupError } from "../adapters/postgres/setup-error.js"
import { seedDemo, seedFulfilmentDemo, seedsDemo } from "../adapters/postgres/seed.js"
import { startWorker } from "../adapters/postgres/worker.js"
import { crontab, handlers, tasks } from "./event-handlers.js"
import { startEventRelayFromEnv } from "./event-relay.js"
import { startServer } from "./http.js"
import { metricsEndpoint, startMetricsServer } from "./metrics.js"
import { makePlatformRuntime } from "./platform.js"
import { log as logLine } from "../adapters/system/logging.js"
import type { PlatformServices } from "./platform.js"

const role = process.argv.find((a) => a.startsWith("--role="))?.slice("--role=".length) ?? "all"
const port = Number(process.env["PORT"] ?? 3000)
const production = process.env["NODE_ENV"] === "production"
const log = (msg: string, extra: Record<string, unknown> = {}) => logLine("info", msg, extra)

const main = async () => {
  // Migrated by the owner; the app itself runs as the runtime role (adapters/postgres/runtime-role.ts).
  const database = await prepareDatabase()
  const runsAs = decodeURIComponent(new URL(database.runtimeUrl).username)
  log("database ready", database.dataDir !== undefined ? { embedded: true, dataDir: database.dataDir, runsAs } : { embedded: false, runsAs })
  if (database.applied.length > 0) log("migrations applied", { applied: database.applied })
  const pool = makePool(database.runtimeUrl, { max: Number(process.env["DB_POOL_MAX"] ?? 20), applicationName: `amana-${role}` })
  if (seedsDemo(process.env)) {
    await seedDemo(pool)
    await seedFulfilmentDemo(pool)
    log("demo data seeded")
  } else log("starting with an empty marketplace (no demo data: SEED_DEMO)")
  const runtime = makePlatformRuntime(pool)
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
  // /metrics: on the HTTP port (METRICS_TOKEN, see composition/metrics.ts) and, with METRICS_PORT, on its own listener (the worker's only one)
  const metrics = await metricsEndpoint(runtime, { production })
  const server = role === "all" || role === "api" ? await startServer(runtime, { port, production, metrics }) : undefined
  if (server) log("http listening", { url: `http://localhost:${port}` })
  const metricsPort = process.env["METRICS_PORT"]
  const metricsServer =
    metricsPort !== undefined && metricsPort !== ""
      ? await startMetricsServer(metrics, Number(metricsPort), process.env["METRICS_HOST"] ?? "127.0.0.1")
      : undefined
  if (metricsServer) log("metrics listening", { port: Number(metricsPort), host: process.env["METRICS_HOST"] ?? "127.0.0.1" })

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log("stopping", { signal })
    // Some shutdown steps wait on promises that hold no I/O handle; keep the process alive until done.
    const keepAlive = setInterval(() => undefined, 1_000)
    const step = (name: string, f: () => Promise<unknown>) => {
      log(`stop: ${name}`)
      return f().catch((e: unknown) => log(`stop: ${name} failed`, { error: String(e) }))
    }
    await step("http", () => new Promise<void>((done) => (server ? server.close(() => done()) : done())))
    await step("metrics", () => new Promise<void>((done) => (metricsServer ? metricsServer.close(() => done()) : done())))
    await step("worker", async () => worker?.stop())
    await step("event relay", async () => events?.relay.stop())
    await step("runtime", () => runtime.dispose())
    await step("pool", () => pool.end({ timeout: 5 }))
    await step("database", () => database.stop())
    clearInterval(keepAlive)
    log("stopped")
    process.exit(0)
  }
  process.on("SIGINT", () => void stop("SIGINT"))
  process.on("SIGTERM", () => void stop("SIGTERM"))
}

main().catch((e: unknown) => {
  // A database that cannot be reached or prepared is told with its cause and fix, not a stack.
  const told =
    e instanceof DatabaseSetupError
      ? { problem: e.problem, fix: e.fix }
      : e instanceof MigrationError
        ? { problem: e.message }
        : { error: e instanceof Error ? e.stack : String(e) }
  logLine("error", "start-up failed", told)
  if (e instanceof DatabaseSetupError) console.error(`\nAmana could not start: ${e.problem}\nFix: ${e.fix}\n`)
  process.exit(1)
})
