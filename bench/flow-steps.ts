/**
 * `npm run bench:flow-steps`: where one buyer flow's CPU goes, step by step. One client in this
 * process walks N flows one at a time against the platform (API + worker, as bench:flow runs it);
 * around each step the worker is left to drain, and the CPU of this process (process.cpuUsage) is
 * charged to that step. A /healthz request is measured the same way: the floor of an HTTP round trip
 * with its client in this process. Figures are per flow, in ms of CPU; the ratios between steps are
 * what to compare (a loaded machine inflates them all). BENCH_PROFILE=<file>: a V8 CPU profile of the
 * measured flows; BENCH_STATEMENTS=1: the last flow's statements, step by step.
 */
import pg from "pg"
import postgres from "postgres"
import { startServer } from "../composition/http.js"
import { crontab, handlers, tasks } from "../composition/event-handlers.js"
import { makePlatformRuntime } from "../composition/platform.js"
import type { PlatformServices } from "../composition/platform.js"
import { makePool } from "../adapters/postgres/database.js"
import { startWorker } from "../adapters/postgres/worker.js"
import { drainJobs, freePort, scratchDatabase, seedBenchWorld, seedBuyers, startProfile } from "./support.js"

const FLOWS = Number(process.env["BENCH_FLOWS"] ?? 60)
const PRODUCTS = 20

const scratch = await scratchDatabase("amana_bench_steps")
process.env["MPESA_ENV"] = "simulator"
process.env["MPESA_SIMULATOR_DELAY_MS"] ??= "50"
delete process.env["WHATSAPP_TOKEN"]
// the platform's statements (its own pool); graphile-worker's own queries are counted apart (gw, below)
let statements = 0
// BENCH_STATEMENTS=1: the last flow's statements, step by step (their first line each)
const listing: Array<string> | undefined = process.env["BENCH_STATEMENTS"] ? [] : undefined
let listed: Array<string> | undefined
const pool = makePool(scratch.url, {
  max: 20,
  applicationName: "amana-all",
  onStatement: (query) => {
    statements++
    listed?.push(query.replace(/\s+/g, " ").slice(0, 140))
  }
})
const admin = postgres(scratch.serverUrl, { max: 1, onnotice: () => undefined })
// graphile-worker's own queries (its pools are node-postgres): job fetches (and how many found a job),
// completions and failures, the rest (LISTEN, cron, migrations); counted at the client, whoever sends them
const gw = { fetches: 0, jobs: 0, completions: 0, other: 0 }
const pgQuery = pg.Client.prototype.query as (...args: Array<unknown>) => unknown
pg.Client.prototype.query = function (this: pg.Client, ...args: Array<unknown>) {
  const q = args[0]
  const text = typeof q === "string" ? q : typeof q === "object" && q !== null && "text" in q ? String((q as { text: unknown }).text) : ""
  const out = pgQuery.apply(this, args)
  if (/_private_jobs[\s\S]*skip locked/.test(text)) {
    gw.fetches++
    if (out instanceof Promise)
      void out.then(
        (r: { rowCount?: number | null }) => void (gw.jobs += r.rowCount ?? 0),
        () => undefined
      )
  } else if (/^(with j as \(\s*)?delete from .*_private_jobs/.test(text) || text.startsWith("prepare gwcj")) gw.completions++
  else gw.other++
  return out
} as typeof pg.Client.prototype.query
const own = makePool(scratch.url, { max: 1, applicationName: "amana-bench" })
const runtime = makePlatformRuntime(pool)
let worker: Awaited<ReturnType<typeof startWorker<PlatformServices>>> | undefined
try {
  await seedBenchWorld(pool, PRODUCTS)
  const buyers = await seedBuyers(pool, FLOWS + 20, "usr_s_")
  const port = await freePort()
  worker = await startWorker<PlatformServices>({ connectionString: scratch.url, runtime, handlers, crontab, tasks })
  const server = await startServer(runtime, { port, production: false })
  const base = `http://127.0.0.1:${port}`
  const call = async (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) })
    })
    return { status: res.status, json: (await res.json()) as Record<string, unknown> }
  }
  // the bench's own reads (is the queue drained? is it PAID?) on a pool of their own: not counted
  const idle = () => drainJobs(own, 20, 4_000)
  type Step = { ms: number; statements: number; fetches: number; jobs: number; completions: number; other: number }
  const noStep = (): Step => ({ ms: 0, statements: 0, fetches: 0, jobs: 0, completions: 0, other: 0 })
  const steps = new Map<string, Step>()
  const charge = async <A>(step: string, f: () => Promise<A>, last = false): Promise<A> => {
    await idle()
    if (last && listing !== undefined) listed = []
    const start = process.cpuUsage()
    const sent = statements
    const before = { ...gw }
    const out = await f()
    await new Promise((r) => setTimeout(r, 5))
    await idle()
    const used = process.cpuUsage(start)
    const was = steps.get(step) ?? noStep()
    steps.set(step, {
      ms: was.ms + (used.user + used.system) / 1000,
      statements: was.statements + statements - sent,
      fetches: was.fetches + gw.fetches - before.fetches,
      jobs: was.jobs + gw.jobs - before.jobs,
      completions: was.completions + gw.completions - before.completions,
      other: was.other + gw.other - before.other
    })
    if (listed !== undefined) listing?.push(`${step}:`, ...listed.map((q) => `    ${q}`))
    listed = undefined
    return out
  }
  const silence = console.log
  console.log = () => undefined
  const walk = async (i: number, record: boolean) => {
    const b = buyers[i]!
    const c = record ? <A>(step: string, f: () => Promise<A>) => charge(step, f, i === FLOWS - 1) : <A>(_: string, f: () => Promise<A>) => f()
    await c("GET /healthz (floor)", () => fetch(`${base}/healthz`).then((r) => r.text()))
    await c("add item 1", () => call("POST", "/api/v1/cart/items", b.token, { variantId: `var_${i % PRODUCTS}`, quantity: 1 }))
    await c("add item 2", () => call("POST", "/api/v1/cart/items", b.token, { variantId: `var_${(i * 7 + 3) % PRODUCTS}`, quantity: 1 }))
    await c("preview", () => call("GET", "/api/v1/cart?destination=KE-047-westlands", b.token))
    const placed = await c("checkout (+ its jobs)", () =>
      call("POST", "/api/v1/checkouts", b.token, { destination: "KE-047-westlands" }, { "idempotency-key": `s-${i}` })
    )
    const id = String(placed.json["checkoutId"])
    await c("STK push (+ callback, settle, PAID jobs)", async () => {
      await call("POST", `/api/v1/checkouts/${id}/payments`, b.token, { phone: `+${b.phone}` })
      for (let k = 0; k < 100; k++) {
        const [s] = await own<Array<{ state: string }>>`select state from checkouts where id = ${id}`
        if (s?.state === "PAID") return
        await new Promise((r) => setTimeout(r, 20))
      }
      throw new Error("not paid")
    })
    const seen = await c("one poll (GET /checkouts/:id)", () => call("GET", `/api/v1/checkouts/${id}`, b.token))
    if (seen.json["state"] !== "PAID") throw new Error(`poll saw ${String(seen.json["state"])}`)
  }
  for (let i = 0; i < 10; i++) await walk(FLOWS + i, false) // warm-up
  // the worker idle: its polling per second, with nothing to do
  const idleBefore = gw.fetches
  await new Promise((r) => setTimeout(r, 3_000))
  const idleFetches = (gw.fetches - idleBefore) / 3
  const walking = performance.now()
  const stopProfile = await startProfile()
  for (let i = 0; i < FLOWS; i++) await walk(i, true)
  await stopProfile()
  const flowSeconds = (performance.now() - walking) / 1000 / FLOWS
  console.log = silence
  server.closeAllConnections()
  await new Promise<void>((done) => server.close(() => done()))
  await worker.stop()
  worker = undefined
  console.log(
    `flow steps: ${FLOWS} flows, one at a time, per flow and step: CPU of this process, the platform's SQL statements, graphile-worker's own queries (job fetches / of them finding a job / completions / other) (the worker drained after each step, its work counted in; a job delayed past its step, the push's first poll, lands in a later one)`
  )
  const per = (n: number, digits = 1) => (n / FLOWS).toFixed(digits)
  const total = noStep()
  const line = (name: string, s: Step) =>
    console.log(
      `  ${name.padEnd(44)} ${per(s.ms, 2).padStart(7)} ms ${per(s.statements).padStart(7)} statements   gw ${per(s.fetches).padStart(5)} fetches ${per(s.jobs).padStart(5)} jobs ${per(s.completions).padStart(5)} completions ${per(s.other).padStart(5)} other`
    )
  for (const [step, s] of steps) {
    line(step, s)
    for (const k of Object.keys(total) as Array<keyof Step>) total[k] += s[k]
  }
  line("all steps", total)
  if (listing !== undefined) console.log(listing.join("\n"))
  console.log(`  the worker idle: ${idleFetches.toFixed(1)} job fetches a second; a flow took ${flowSeconds.toFixed(2)} s of wall time`)
} finally {
  await worker?.stop()
  await runtime.dispose()
  await pool.end({ timeout: 5 })
  await own.end({ timeout: 5 })
  await admin.end({ timeout: 5 })
  await scratch.drop()
}
