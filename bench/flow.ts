/**
 * `npm run bench:flow`: what a buyer feels, end to end, over HTTP against one platform process (API
 * and worker together, as `npm start` runs them; M-Pesa simulator with its prompt answered after
 * MPESA_SIMULATOR_DELAY_MS = 50 ms). Each flow is a new buyer: add two items (two sellers), preview
 * the cart with shipping, check out, STK push, poll GET /checkouts/:id until PAID. 32 clients in a
 * second process for BENCH_SECONDS, then pgbench's TPC-B-like TPS on the same server in the same run.
 * Targets (issue 13): paid checkouts/s >= 2.5% of pgbench TPS, time to PAID p99 < 1 s.
 * BENCH_PAYMENT_HANDLERS_ONLY=1: the worker runs only the payment handlers (no notifications, read
 * models, alerts, webhooks): what the rest of the handlers cost, measured (docs/benchmarks.md).
 * BENCH_PROFILE=<file>: a V8 CPU profile of this process over the measured run and its drain.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import postgres from "postgres"
import { startServer } from "../composition/http.js"
import { crontab, handlers, tasks } from "../composition/event-handlers.js"
import { makePlatformRuntime } from "../composition/platform.js"
import type { PlatformServices } from "../composition/platform.js"
import { makePool } from "../adapters/postgres/database.js"
import { startWorker } from "../adapters/postgres/worker.js"
import {
  analyzeSeeded,
  analyzeChanged,
  cpuLine,
  cpuMeter,
  databaseName,
  drainJobs,
  ensurePgbench,
  freePort,
  percentile,
  pgbenchTps,
  processTree,
  scratchDatabase,
  seedBenchWorld,
  seedBuyers,
  startProfile
} from "./support.js"

const CLIENTS = Number(process.env["BENCH_CLIENTS"] ?? 32)
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 20)
const WARMUP_SECONDS = Number(process.env["BENCH_WARMUP_SECONDS"] ?? 4)
const PGBENCH_SECONDS = Number(process.env["BENCH_PGBENCH_SECONDS"] ?? 10)
const POLL_MS = Number(process.env["BENCH_POLL_MS"] ?? 100)
// BENCH_POLL_WAIT=N: each poll asks the server to hold it up to N s while the prompt is pending
// (GET /checkouts/:id?wait=N); 0: plain polls every BENCH_POLL_MS, as before the wait existed
const POLL_WAIT = Number(process.env["BENCH_POLL_WAIT"] ?? 10)
const BUYERS = Number(process.env["BENCH_BUYERS"] ?? 4_000)
const HTTP_PROCESSES = process.env["BENCH_HTTP_PROCESSES"] ? Number(process.env["BENCH_HTTP_PROCESSES"]) : undefined
const PRODUCTS = 20

await ensurePgbench()
const scratch = await scratchDatabase("amana_bench_flow")
// As `npm start` runs: the simulator answering each prompt after 50 ms, the app pool of DB_POOL_MAX (20).
process.env["MPESA_ENV"] = "simulator"
process.env["MPESA_SIMULATOR_DELAY_MS"] ??= "50"
delete process.env["WHATSAPP_TOKEN"]
const pool = makePool(scratch.url, { max: Number(process.env["DB_POOL_MAX"] ?? 20), applicationName: "amana-all" })
const admin = postgres(scratch.serverUrl, { max: 1, onnotice: () => undefined })
const runtime = makePlatformRuntime(pool)
let worker: Awaited<ReturnType<typeof startWorker<PlatformServices>>> | undefined
try {
  await seedBenchWorld(pool, PRODUCTS)
  // A new buyer for every flow (one push per phone per 90 s, 3 per hour): users and sessions in bulk.
  const buyers = await seedBuyers(pool, BUYERS, "usr_f_")
  await analyzeSeeded(pool)

  const port = await freePort()
  // BENCH_HTTP_PROCESSES=N: the platform as `npm start -- --workers N` runs it (N HTTP processes forked
  // by a primary that runs the worker), in child processes; else API and worker in this process.
  const platform =
    HTTP_PROCESSES === undefined
      ? undefined
      : // the platform's V8 flags as `npm start` gives them (package.json: this bench runs with the same)
        spawn(
          process.execPath,
          [
            ...process.execArgv.filter((a) => a.startsWith("--max-semi-space-size")),
            "--import",
            "tsx",
            join(import.meta.dirname, "..", "composition", "main.ts"),
            "--workers",
            String(HTTP_PROCESSES)
          ],
          {
            stdio: ["ignore", "ignore", "inherit"],
            env: { ...process.env, DATABASE_URL: scratch.url, PORT: String(port), SEED_DEMO: "0", LOG_LEVEL: "warn" }
          }
        )
  if (platform === undefined)
    worker = await startWorker<PlatformServices>({
      connectionString: scratch.url,
      runtime,
      handlers: process.env["BENCH_PAYMENT_HANDLERS_ONLY"] ? handlers.filter((h) => h.name.startsWith("payments.")) : handlers,
      crontab,
      tasks
    })
  const server = platform === undefined ? await startServer(runtime, { port, production: false }) : undefined
  if (platform !== undefined)
    for (let i = 0; ; i++) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false
      )
      if (ready) break
      if (i > 600 || platform.exitCode !== null) throw new Error("the platform did not become ready")
      await new Promise((r) => setTimeout(r, 100))
    }
  const platformPids = platform?.pid === undefined ? undefined : await processTree(platform.pid)
  const load = (from: number, seconds: number) =>
    new Promise<{ flows: Array<{ paidMs: number; totalMs: number; polls: number }>; failures: Array<string>; wallMs: number }>((ok, fail) => {
      const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "flow-load.ts")], { stdio: ["pipe", "pipe", "inherit"] })
      let out = ""
      child.stdout.on("data", (d: Buffer) => (out += d.toString()))
      child.once("exit", (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`load generator exited ${code}`))))
      child.stdin.end(
        JSON.stringify({
          base: `http://127.0.0.1:${port}`,
          buyers: buyers.slice(from).map((b) => ({ token: b.token, phone: b.phone })),
          clients: CLIENTS,
          seconds,
          pollMs: POLL_MS,
          pollWait: POLL_WAIT,
          products: PRODUCTS
        })
      )
    })
  const silence = console.log
  console.log = () => undefined // the per-request log lines would dominate the measurement's output
  // Warm-up: JIT, prepared statements, keep-alive connections; the last buyers.
  const warm = await load(BUYERS - 400, WARMUP_SECONDS)
  // Let the warm-up's jobs drain before measuring, and its tables have the statistics a live database's would.
  await drainJobs(pool, 100, 5_000)
  await analyzeChanged(pool)
  const xacts = async () =>
    (await admin<Array<{ n: number }>>`select xact_commit + xact_rollback as n from pg_stat_database where datname = ${databaseName(scratch.url)}`)[0]?.n ?? 0
  const [xactsBefore, handledBefore] = [await xacts(), (await pool<Array<{ n: number }>>`select count(*)::int as n from processed_events`)[0]?.n ?? 0]
  // Rows read by sequential scans, per table (a table that grows with the sales among them: a lookup no index serves).
  const seqReads = async () =>
    new Map(
      (
        await pool<
          Array<{ name: string; rows: number; live: number }>
        >`select relname as name, seq_tup_read::float8 as rows, n_live_tup::float8 as live from pg_stat_user_tables`
      ).map((r) => [r.name, r])
    )
  const seqBefore = await seqReads()
  const cpu = await cpuMeter(admin, databaseName(scratch.url), platformPids)
  // The worker's queue while the buyers run: jobs due and waiting, jobs running.
  const queue = { waiting: 0, running: 0, samples: 0 }
  const sampler = setInterval(() => {
    void pool<Array<{ waiting: number; running: number }>>`
      select count(*) filter (where locked_at is null and run_at <= now())::int as waiting, count(*) filter (where locked_at is not null)::int as running
        from graphile_worker.jobs`.then(([q]) => {
      queue.waiting = Math.max(queue.waiting, q?.waiting ?? 0)
      queue.running = Math.max(queue.running, q?.running ?? 0)
      queue.samples++
    })
  }, 500)
  // BENCH_PROFILE=<file>: a V8 CPU profile of this process over the measured run and its drain (API and worker in-process only)
  const stopProfile = await startProfile()
  const run = await load(0, SECONDS)
  clearInterval(sampler)
  const used = await cpu.stop()
  // The work the run left queued (notifications fall behind while buyers keep coming): drained, and its CPU counted separately.
  const drainCpu = await cpuMeter(admin, databaseName(scratch.url), platformPids)
  const drainMs = await drainJobs(pool, 50, 60_000)
  const drained = await drainCpu.stop()
  await stopProfile()
  await new Promise((r) => setTimeout(r, 1_100)) // backends report their counters at most once a second
  const seqAfter = await seqReads()
  const perFlow = {
    transactions: ((await xacts()) - xactsBefore) / 1,
    handled: ((await pool<Array<{ n: number }>>`select count(*)::int as n from processed_events`)[0]?.n ?? 0) - handledBefore
  }
  console.log = silence
  if (run.flows.length + warm.flows.length > BUYERS - 400) throw new Error("not enough buyers: raise BENCH_BUYERS")
  if (server !== undefined) {
    server.closeAllConnections()
    await new Promise<void>((done) => server.close(() => done()))
  }
  await worker?.stop()
  worker = undefined
  if (platform !== undefined) {
    platform.kill("SIGTERM")
    await new Promise((r) => (platform.exitCode !== null ? r(undefined) : platform.once("exit", r)))
  }

  const paid = run.flows.map((f) => f.paidMs).sort((a, b) => a - b)
  const total = run.flows.map((f) => f.totalMs).sort((a, b) => a - b)
  const perSecond = (run.flows.length / run.wallMs) * 1000
  const [jobs] = await pool<Array<{ outbox: number; retries: number }>>`
    select (select count(*)::int from outbox) as outbox, (select coalesce(sum(attempts - 1), 0)::int from outbox where attempts > 1) as retries`
  // Where the time to PAID goes: push -> callback stored -> callback settled (worker) -> the poll that saw it.
  const [stages] = await pool<Array<{ toCallback: number; toSettled: number; callbacks: number }>>`
    select percentile_cont(0.5) within group (order by extract(epoch from c.received_at - r.requested_at) * 1000) as "toCallback",
           percentile_cont(0.5) within group (order by extract(epoch from c.processed_at - c.received_at) * 1000) as "toSettled",
           count(*)::int as callbacks
      from mpesa_stk_requests r join mpesa_callbacks c on c.checkout_request_id = r.checkout_request_id where r.status = 'PAID'`
  const events = await pool<Array<{ type: string; n: number }>>`select event_type as type, count(*)::int as n from outbox group by 1 order by 2 desc`
  const retried = await pool<Array<{ type: string; error: string }>>`select event_type as type, last_error as error from outbox where attempts > 1 limit 3`
  const tps = await pgbenchTps(scratch.serverUrl, CLIENTS, PGBENCH_SECONDS)
  const ratio = perSecond / tps
  const p99 = percentile(paid, 99)
  console.log(
    `flow bench: ${run.flows.length} buyers (add 2 items, preview, checkout, STK push, ${POLL_WAIT > 0 ? `poll with wait=${POLL_WAIT} until PAID, again after ${POLL_MS} ms` : `poll every ${POLL_MS} ms until PAID`}) at ${CLIENTS} concurrent clients, ${SECONDS}s, ${HTTP_PROCESSES === undefined ? "one process (API + worker)" : `npm start --workers ${HTTP_PROCESSES} (${HTTP_PROCESSES} HTTP processes + the worker's)`}, simulator prompt ${process.env["MPESA_SIMULATOR_DELAY_MS"]} ms`
  )
  console.log(`  paid checkouts/s  ${perSecond.toFixed(1)}`)
  console.log(`  time to PAID p50  ${percentile(paid, 50).toFixed(1)} ms   (from the STK push request to the GET that shows PAID)`)
  console.log(`  time to PAID p99  ${p99.toFixed(1)} ms   (target < 1 s: ${p99 < 1000 ? "met" : "NOT met"})`)
  console.log(`  whole flow p50    ${percentile(total, 50).toFixed(1)} ms, p99 ${percentile(total, 99).toFixed(1)} ms`)
  console.log(`  failed flows      ${run.failures.length}${run.failures.length > 0 ? `   first: ${run.failures[0]}` : ""}`)
  console.log(`  outbox events     ${jobs?.outbox ?? 0} (incl. warm-up), outbox retries ${jobs?.retries ?? 0}`)
  console.log(
    `  stages (p50)      push -> callback stored ${Number(stages?.toCallback ?? NaN).toFixed(0)} ms, callback stored -> settled by the worker ${Number(stages?.toSettled ?? NaN).toFixed(0)} ms`
  )
  console.log(
    `  per paid checkout ${(perFlow.transactions / run.flows.length).toFixed(1)} database transactions (all statements outside one count one), ${(perFlow.handled / run.flows.length).toFixed(1)} handler runs, ${(run.flows.reduce((n, f) => n + f.polls, 0) / run.flows.length).toFixed(1)} polls (GET /checkouts/:id)`
  )
  console.log(`  worker queue      at most ${queue.waiting} jobs due and waiting, ${queue.running} running (sampled every 500 ms)`)
  for (const r of retried) console.log(`  retried           ${r.type}: ${r.error.slice(0, 300)}`)
  console.log(`  events            ${events.map((e) => `${e.type} ${e.n}`).join(", ")}`)
  const scanned = [...seqAfter.values()]
    .map((t) => ({ ...t, read: t.rows - (seqBefore.get(t.name)?.rows ?? 0) }))
    .filter((t) => t.read > 0)
    .sort((a, b) => b.read - a.read)
    .slice(0, 5)
  console.log(
    `  scanned tables    ${scanned.map((t) => `${t.name} ${(t.read / run.flows.length).toFixed(1)} rows (of ${t.live})`).join(", ") || "none"}   (rows read by sequential scans per paid checkout, with the drain)`
  )
  console.log(cpuLine(used, run.flows.length, "paid checkout"))
  console.log(
    `  left queued       ${(drainMs / 1000).toFixed(1)} s to drain after the run; with it, CPU per paid checkout node ${((used.nodeMs + drained.nodeMs) / run.flows.length).toFixed(2)} ms + postgres ${((used.postgresMs + drained.postgresMs) / run.flows.length).toFixed(2)} ms = ${((used.nodeMs + drained.nodeMs + used.postgresMs + drained.postgresMs) / run.flows.length).toFixed(2)} ms`
  )
  console.log(`  pgbench TPC-B tps ${tps.toFixed(1)}   (same server, ${CLIENTS} clients, ${PGBENCH_SECONDS}s)`)
  console.log(`  ratio             ${(ratio * 100).toFixed(2)}% of pgbench   (target >= 2.5%: ${ratio >= 0.025 ? "met" : "NOT met"})`)
  if (run.failures.length > 0) process.exitCode = 1
} finally {
  await worker?.stop()
  await runtime.dispose()
  await pool.end({ timeout: 5 })
  await admin.end({ timeout: 5 })
  await scratch.drop()
}
