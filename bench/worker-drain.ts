/**
 * `npm run bench:worker`: what the worker costs per job and per handler run, alone. N checkouts are
 * placed through the use case with the worker stopped (each leaves one outbox job: CHECKOUT_CREATED
 * and an ORDER_CREATED per seller); then the worker starts, as `npm start` runs it (handlers, lanes,
 * WORKER_CONCURRENCY), and drains them. Prints node and PostgreSQL CPU per job and per handler run
 * (from /proc, as the other benches), and the drain's rate. BENCH_JOBS (2,000),
 * BENCH_PROFILE=<file>: a V8 CPU profile of the drain.
 */
import { Effect } from "effect"
import postgres from "postgres"
import { placeCheckout } from "../application/checkout/place-checkout.js"
import { crontab, handlers, tasks } from "../composition/event-handlers.js"
import { makePlatformRuntime } from "../composition/platform.js"
import type { PlatformServices } from "../composition/platform.js"
import { makePool } from "../adapters/postgres/database.js"
import { startWorker } from "../adapters/postgres/worker.js"
import {
  analyzeChanged,
  analyzeSeeded,
  cpuLine,
  cpuMeter,
  databaseName,
  drainJobs,
  scratchDatabase,
  seedBenchWorld,
  seedBuyers,
  startProfile,
  twoSellerCheckout
} from "./support.js"

const JOBS = Number(process.env["BENCH_JOBS"] ?? 2_000)
const BUYERS = 500
const PRODUCTS = 20

const scratch = await scratchDatabase("amana_bench_worker")
process.env["MPESA_ENV"] = "simulator"
delete process.env["WHATSAPP_TOKEN"]
const pool = makePool(scratch.url, { max: Number(process.env["DB_POOL_MAX"] ?? 20), applicationName: "amana-all" })
const admin = postgres(scratch.serverUrl, { max: 1, onnotice: () => undefined })
const runtime = makePlatformRuntime(pool)
try {
  await seedBenchWorld(pool, PRODUCTS)
  await seedBuyers(pool, BUYERS, "usr_w_")
  await analyzeSeeded(pool)
  const place = (from: number, n: number) =>
    runtime.runPromise(
      Effect.forEach(
        Array.from({ length: n }, (_, i) => from + i),
        (i) => placeCheckout(twoSellerCheckout(i, { buyerPrefix: "usr_w_", keyPrefix: "worker-bench-", buyers: BUYERS, products: PRODUCTS })),
        { concurrency: 16, discard: true }
      )
    )
  const silence = console.log
  console.log = () => undefined // the worker's per-job log lines
  // warm-up: 300 checkouts drained by a worker, then stopped (JIT, prepared statements, the statistics)
  await place(JOBS, 300)
  const warm = await startWorker<PlatformServices>({ connectionString: scratch.url, runtime, handlers, crontab, tasks })
  await drainJobs(pool, 50, 60_000)
  await warm.stop()
  await place(0, JOBS)
  await analyzeChanged(pool)
  const [queued] = await pool<Array<{ jobs: number; events: number }>>`
    select (select count(*)::int from graphile_worker.jobs) as jobs, (select count(*)::int from outbox where published_at is null) as events`
  const handledBefore = (await pool<Array<{ n: number }>>`select count(*)::int as n from processed_events`)[0]?.n ?? 0
  const cpu = await cpuMeter(admin, databaseName(scratch.url))
  const stopProfile = await startProfile()
  const started = performance.now()
  const worker = await startWorker<PlatformServices>({ connectionString: scratch.url, runtime, handlers, crontab, tasks })
  await drainJobs(pool, 20, 300_000)
  const wall = performance.now() - started
  await stopProfile()
  const used = await cpu.stop()
  await worker.stop()
  const handled = ((await pool<Array<{ n: number }>>`select count(*)::int as n from processed_events`)[0]?.n ?? 0) - handledBefore
  console.log = silence
  const jobs = queued?.jobs ?? 0
  console.log(
    `worker bench: ${jobs} outbox jobs (${queued?.events ?? 0} events: a checkout's CHECKOUT_CREATED and ORDER_CREATED per seller), drained by one worker`
  )
  console.log(
    `  drained in        ${(wall / 1000).toFixed(1)} s, ${((jobs / wall) * 1000).toFixed(0)} jobs/s, ${(handled / jobs).toFixed(1)} handler runs per job`
  )
  console.log(cpuLine(used, jobs, "job"))
  console.log(cpuLine(used, handled, "handler run"))
} finally {
  await admin.end({ timeout: 5 })
  await runtime.dispose()
  await pool.end({ timeout: 5 })
  await scratch.drop()
}
