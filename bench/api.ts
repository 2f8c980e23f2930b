/**
 * `npm run bench:api`: end-to-end HTTP checkouts — real express server, bearer auth with its rate
 * limit, Schema decoding, the checkout use case, Postgres, response encoding — at 32 concurrent
 * clients (keep-alive, from a second process), then pgbench's TPC-B-like TPS on the same server in the same run, and the ratio.
 * Targets (issue 4): checkouts/s >= 10% of pgbench TPS, p99 < 100 ms.
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import type { AddressInfo } from "node:net"
import { startServer } from "../composition/http.js"
import { makePlatformRuntime } from "../composition/platform.js"
import { hashToken } from "../adapters/postgres/auth-store.js"
import { makePool } from "../adapters/postgres/database.js"
import { insertUser } from "../adapters/postgres/seed.js"
import postgres from "postgres"
import { analyzeSeeded, cpuLine, cpuMeter, databaseName, ensurePgbench, pgbenchTps, scratchDatabase, seedBenchWorld, summarise } from "./support.js"

const CLIENTS = Number(process.env["BENCH_CLIENTS"] ?? 32)
const CHECKOUTS = Number(process.env["BENCH_CHECKOUTS"] ?? 3_000)
const PGBENCH_SECONDS = Number(process.env["BENCH_PGBENCH_SECONDS"] ?? 10)
const BUYERS = 500
const PRODUCTS = 20

await ensurePgbench()
const scratch = await scratchDatabase("amana_bench_api")
const pool = makePool(scratch.url, { max: CLIENTS + 4 })
// The bench talks to its own server; Daraja is never called (no payments here).
process.env["MPESA_ENV"] = "simulator"
delete process.env["WHATSAPP_TOKEN"]
const runtime = makePlatformRuntime(pool)
try {
  await seedBenchWorld(pool, PRODUCTS)
  // One session per buyer (100 requests per minute per token would otherwise throttle the bench).
  const tokens: Array<string> = []
  for (let b = 0; b < BUYERS; b++) {
    await insertUser(pool, { id: `usr_b_${b}`, phone: `2547${String(20_000_000 + b)}` })
    const token = randomBytes(32).toString("base64url")
    await pool`insert into user_sessions (user_id, token_hash, expires_at) values (${`usr_b_${b}`}, ${hashToken(token)}, now() + interval '1 day')`
    tokens.push(token)
  }
  await analyzeSeeded(pool)

  const server = await startServer(runtime, { port: 0, production: false })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/checkouts`
  // The clients run in a second process (bench/api-load.ts), as real clients would.
  const load = (from: number, count: number) =>
    new Promise<{ latencies: Array<number>; wallMs: number }>((ok, fail) => {
      const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "api-load.ts")], { stdio: ["pipe", "pipe", "inherit"] })
      let out = ""
      child.stdout.on("data", (d: Buffer) => (out += d.toString()))
      child.once("exit", (code) =>
        code === 0 ? ok(JSON.parse(out) as { latencies: Array<number>; wallMs: number }) : fail(new Error(`load generator exited ${code}`))
      )
      child.stdin.end(JSON.stringify({ url, tokens, clients: CLIENTS, from, count, products: PRODUCTS }))
    })
  const silence = console.log
  console.log = () => undefined // the per-request log lines would dominate the measurement's output
  // Warm-up: JIT, prepared statements, keep-alive connections.
  await load(CHECKOUTS, 300)
  const admin = postgres(scratch.serverUrl, { max: 1, onnotice: () => undefined })
  const cpu = await cpuMeter(admin, databaseName(scratch.url))
  const { latencies, wallMs: wall } = await load(0, CHECKOUTS)
  const used = await cpu.stop()
  await admin.end({ timeout: 5 })
  console.log = silence
  server.closeAllConnections()
  await new Promise<void>((done) => server.close(() => done()))
  const c = summarise(latencies, wall)
  const tps = await pgbenchTps(scratch.serverUrl, CLIENTS, PGBENCH_SECONDS)
  const ratio = c.perSecond / tps
  console.log(`api bench: ${c.count} HTTP checkouts (POST /api/v1/checkouts: 2 sellers, promotion, shipping) at ${CLIENTS} concurrent clients`)
  console.log(`  checkouts/s       ${c.perSecond.toFixed(1)}`)
  console.log(`  latency p50       ${c.p50.toFixed(1)} ms`)
  console.log(`  latency p99       ${c.p99.toFixed(1)} ms   (target < 100 ms: ${c.p99 < 100 ? "met" : "NOT met"})`)
  console.log(`  latency max       ${c.max.toFixed(1)} ms`)
  console.log(cpuLine(used, c.count))
  console.log(`  pgbench TPC-B tps ${tps.toFixed(1)}   (same server, ${CLIENTS} clients, ${PGBENCH_SECONDS}s)`)
  console.log(`  ratio             ${(ratio * 100).toFixed(1)}% of pgbench   (target >= 10%: ${ratio >= 0.1 ? "met" : "NOT met"})`)
} finally {
  await runtime.dispose()
  await pool.end({ timeout: 5 })
  await scratch.drop()
}
