/**
 * `npm run bench:checkout`: N concurrent checkouts through the real use case against the real
 * database, then pgbench's TPC-B-like TPS on the same server at the same concurrency, and the ratio.
 * BENCH_PROFILE=<file>: a V8 CPU profile of the measured checkouts.
 * Targets (issue 3): at 32 clients, checkouts/s >= 15% of pgbench TPS, p99 < 50 ms.
 */
import { Effect, ManagedRuntime } from "effect"
import { placeCheckout } from "../application/checkout/place-checkout.js"
import { persistenceLayer } from "../composition/platform.js"
import { makePool } from "../adapters/postgres/database.js"
import { insertUser } from "../adapters/postgres/seed.js"
import postgres from "postgres"
import {
  analyzeChanged,
  analyzeSeeded,
  cpuLine,
  cpuMeter,
  databaseName,
  ensurePgbench,
  pgbenchTps,
  scratchDatabase,
  seedBenchWorld,
  startProfile,
  summarise,
  twoSellerCheckout
} from "./support.js"

const CLIENTS = Number(process.env["BENCH_CLIENTS"] ?? 32)
const CHECKOUTS = Number(process.env["BENCH_CHECKOUTS"] ?? 3_000)
const PGBENCH_SECONDS = Number(process.env["BENCH_PGBENCH_SECONDS"] ?? 10)
const BUYERS = 500
const PRODUCTS = 20

await ensurePgbench()
const scratch = await scratchDatabase("amana_bench_checkout")
// The app pool, as in production (DB_POOL_MAX); the 32 clients queue for it like 32 concurrent requests would.
const POOL = Number(process.env["BENCH_POOL"] ?? process.env["DB_POOL_MAX"] ?? 20)
const pool = makePool(scratch.url, { max: POOL })
try {
  await seedBenchWorld(pool, PRODUCTS)
  for (let b = 0; b < BUYERS; b++) await insertUser(pool, { id: `usr_b_${b}`, phone: `2547${String(20_000_000 + b)}` })
  await analyzeSeeded(pool)

  const runtime = ManagedRuntime.make(persistenceLayer(pool))
  const command = (i: number) => twoSellerCheckout(i, { buyerPrefix: "usr_b_", keyPrefix: "bench-", buyers: BUYERS, products: PRODUCTS })
  // Warm-up: JIT, prepared statements, caches.
  await runtime.runPromise(
    Effect.forEach(
      Array.from({ length: 200 }, (_, i) => i + CHECKOUTS),
      (i) => placeCheckout(command(i)),
      { concurrency: CLIENTS }
    )
  )
  // and the statistics a live database's tables would have after it
  await analyzeChanged(pool)

  const admin = postgres(scratch.serverUrl, { max: 1, onnotice: () => undefined })
  const cpu = await cpuMeter(admin, databaseName(scratch.url))
  const latencies: Array<number> = []
  const stopProfile = await startProfile()
  const started = performance.now()
  await runtime.runPromise(
    Effect.forEach(
      Array.from({ length: CHECKOUTS }, (_, i) => i),
      (i) =>
        Effect.suspend(() => {
          const t0 = performance.now()
          return placeCheckout(command(i)).pipe(Effect.tap(() => Effect.sync(() => latencies.push(performance.now() - t0))))
        }),
      { concurrency: CLIENTS, discard: true }
    )
  )
  const wall = performance.now() - started
  const used = await cpu.stop()
  await stopProfile()
  await admin.end({ timeout: 5 })
  await runtime.dispose()
  const c = summarise(latencies, wall)
  const tps = await pgbenchTps(scratch.serverUrl, CLIENTS, PGBENCH_SECONDS)
  const ratio = c.perSecond / tps
  console.log(`checkout bench: ${c.count} checkouts (2 sellers, promotion, shipping) at ${CLIENTS} concurrent clients, pool of ${POOL}`)
  console.log(`  checkouts/s       ${c.perSecond.toFixed(1)}`)
  console.log(`  latency p50       ${c.p50.toFixed(1)} ms`)
  console.log(`  latency p99       ${c.p99.toFixed(1)} ms   (target < 50 ms: ${c.p99 < 50 ? "met" : "NOT met"})`)
  console.log(`  latency max       ${c.max.toFixed(1)} ms`)
  console.log(cpuLine(used, c.count))
  console.log(`  pgbench TPC-B tps ${tps.toFixed(1)}   (same server, ${CLIENTS} clients, ${PGBENCH_SECONDS}s)`)
  console.log(`  ratio             ${(ratio * 100).toFixed(1)}% of pgbench   (target >= 15%: ${ratio >= 0.15 ? "met" : "NOT met"})`)
} finally {
  await pool.end({ timeout: 5 })
  await scratch.drop()
}
