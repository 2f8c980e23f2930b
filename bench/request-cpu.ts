/**
 * `tsx bench/request-cpu.ts`: the platform's node CPU per HTTP request on the buyer's hot routes,
 * one route at a time: GET /healthz, a poll (GET /api/v1/checkouts/:id, PENDING_PAYMENT) and
 * POST /api/v1/cart/items (BENCH_ROUTES=...,preview adds GET /api/v1/cart?destination=...). The API runs in this process (no worker, log lines dropped as in
 * bench:flow); the clients run in a second process (bench/request-cpu-load.ts), so the figure is the
 * server's CPU alone (process.cpuUsage), PostgreSQL's apart. Each buyer makes at most ~100 requests
 * a minute (the session limit). Run it with `node --cpu-prof` to profile the server under load.
 * BENCH_REQUESTS (3,000 per route per round), BENCH_ROUNDS (3), BENCH_CLIENTS (8), BENCH_ROUTES.
 * BENCH_PROFILE=<file>: a V8 CPU profile of the measured rounds only (not the setup, not the warm-up),
 * written to <file> (open it in Chrome's DevTools, or sum it by function).
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import postgres from "postgres"
import { startServer } from "../composition/http.js"
import { makePlatformRuntime } from "../composition/platform.js"
import { makePool } from "../adapters/postgres/database.js"
import { cpuMeter, databaseName, freePort, scratchDatabase, seedBenchWorld, seedBuyers, startProfile } from "./support.js"

const REQUESTS = Number(process.env["BENCH_REQUESTS"] ?? 3_000)
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3)
const CLIENTS = Number(process.env["BENCH_CLIENTS"] ?? 8)
const ROUTES = (process.env["BENCH_ROUTES"] ?? "healthz,poll,cart").split(",")
const BUYERS = 2_000
const PRODUCTS = 20

const scratch = await scratchDatabase("amana_bench_request_cpu")
process.env["MPESA_ENV"] = "simulator"
delete process.env["WHATSAPP_TOKEN"]
const pool = makePool(scratch.url, { max: 20, applicationName: "amana-all" })
const admin = postgres(scratch.serverUrl, { max: 1, onnotice: () => undefined })
const runtime = makePlatformRuntime(pool)
try {
  await seedBenchWorld(pool, PRODUCTS)
  const buyers = await seedBuyers(pool, BUYERS, "usr_r_")
  const port = await freePort()
  const server = await startServer(runtime, { port, production: false })
  const base = `http://127.0.0.1:${port}`
  const silence = console.log
  console.log = () => undefined
  let checkouts: Array<string> = []
  const load = (route: string, requests: number, from: number) =>
    new Promise<{ statuses: Record<string, number>; checkouts: Array<string>; wallMs: number }>((ok, fail) => {
      const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "request-cpu-load.ts")], { stdio: ["pipe", "pipe", "inherit"] })
      let out = ""
      child.stdout.on("data", (d: Buffer) => (out += d.toString()))
      child.once("exit", (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`load generator exited ${code}`))))
      child.stdin.end(JSON.stringify({ base, route, requests, from, clients: CLIENTS, buyers: buyers.map((b) => b.token), checkouts, products: PRODUCTS }))
    })
  // One checkout per buyer, waiting for payment: what the polls read.
  const setup = await load("setup", BUYERS, 0)
  checkouts = setup.checkouts
  silence(`setup: ${JSON.stringify(setup.statuses)}`)
  let from = 0
  const results: Record<string, Array<number>> = {}
  let stopProfile: (() => Promise<void>) | undefined
  for (let round = 0; round <= ROUNDS; round++)
    for (const route of ROUTES) {
      const n = round === 0 ? 1_000 : REQUESTS // round 0 warms up
      if (round === 1 && route === ROUTES[0]) stopProfile = await startProfile()
      const cpu = await cpuMeter(admin, databaseName(scratch.url))
      const r = await load(route, n, from)
      const used = await cpu.stop()
      from += n
      if (round === 0) continue
      const perRequest = (used.nodeMs * 1000) / n
      ;(results[route] ??= []).push(perRequest)
      silence(
        `${route.padEnd(8)} round ${round}: node ${perRequest.toFixed(0)} µs/request, postgres ${((used.postgresMs * 1000) / n).toFixed(0)} µs, ${((n / r.wallMs) * 1000).toFixed(0)} req/s, ${JSON.stringify(r.statuses)}`
      )
    }
  await stopProfile?.()
  for (const [route, xs] of Object.entries(results)) {
    const sorted = [...xs].sort((a, b) => a - b)
    silence(`${route.padEnd(8)} node CPU per request: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} µs, min ${sorted[0]!.toFixed(0)} µs`)
  }
  console.log = silence
  await new Promise((ok) => server.close(ok))
} finally {
  await runtime.dispose()
  await pool.end({ timeout: 5 })
  await admin.end({ timeout: 5 })
  await scratch.drop()
}
