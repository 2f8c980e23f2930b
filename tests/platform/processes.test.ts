/**
 * The platform as separate processes on one database: the API as two HTTP processes
 * (`--role=api --workers 2`, node:cluster sharing one port) and two worker processes
 * (`--role=worker`), M-Pesa played by the simulator (its memory in PostgreSQL, so the API's pushes
 * are the workers' to query) and rate limits in Redis. Every checkout is paid, every outbox event
 * is handled exactly once (each WhatsApp message reaches the fake Cloud API once), and a rate
 * limit holds across the HTTP processes. Runs when REDIS_URL is set.
 */
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { repoRoot } from "../../adapters/postgres/paths.js"
import { call, checkoutOneBasket, randomPhone, seedShop } from "../api/support.js"
import { startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { eventually } from "../fulfilment/support.js"
import { freePort, startPlatform } from "../support/platform-process.js"
import type { PlatformProcess } from "../support/platform-process.js"
import { useTestDatabase } from "../support/test-database.js"

const redisUrl = process.env["REDIS_URL"]
const db = useTestDatabase()
let whatsapp: FakeWhatsApp
let api: PlatformProcess | undefined
const workers: Array<PlatformProcess> = []
let metricsPort = 0

/** One request on a connection of its own: node:cluster hands each new connection to the next HTTP process. */
const onNewConnection = (url: string, path: string, body: unknown) =>
  new Promise<number>((done, fail) => {
    const req = request(`${url}${path}`, { method: "POST", agent: false, headers: { "content-type": "application/json", connection: "close" } }, (res) => {
      res.resume()
      res.on("end", () => done(res.statusCode ?? 0))
    })
    req.on("error", fail)
    req.end(JSON.stringify(body))
  })

describe.skipIf(redisUrl === undefined || redisUrl === "")("two API processes and two workers on one database", () => {
  beforeAll(async () => {
    whatsapp = await startFakeWhatsApp()
    const env = {
      DATABASE_URL: db.url,
      MIGRATION_DATABASE_URL: undefined,
      REDIS_URL: redisUrl,
      NODE_ENV: "development",
      SEED_DEMO: "0",
      MPESA_ENV: "simulator",
      MPESA_SIMULATOR_DELAY_MS: "50",
      PUBLIC_BASE_URL: undefined,
      MPESA_CALLBACK_SECRET: undefined,
      WHATSAPP_TOKEN: whatsapp.token,
      WHATSAPP_PHONE_NUMBER_ID: whatsapp.phoneNumberId,
      WHATSAPP_BASE_URL: whatsapp.baseUrl,
      WHATSAPP_APP_SECRET: "processes-test-whatsapp-app-secret",
      WHATSAPP_VERIFY_TOKEN: "processes-test-whatsapp-verify-token",
      DB_POOL_MAX: "5"
    }
    // one at a time: four tsx start-ups at once on two cores only slow each other down
    metricsPort = await freePort()
    api = await startPlatform(repoRoot, { ...env, METRICS_PORT: String(metricsPort) }, 150_000, { args: ["--role=api", "--workers", "2"] })
    for (let i = 0; i < 2; i++) workers.push(await startPlatform(repoRoot, env, 150_000, { args: ["--role=worker"], readyMessage: "worker running" }))
  }, 400_000)

  afterAll(async () => {
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop())])
    await whatsapp?.close()
  }, 60_000)

  it("is ready: /readyz sees the database, its migrations and the workers' heartbeats; /healthz answers", async () => {
    const ready = await call({ url: api!.baseUrl }, "GET", "/readyz")
    expect(ready.status).toBe(200)
    expect(ready.body).toMatchObject({ status: "ready" })
    expect((await call({ url: api!.baseUrl }, "GET", "/healthz")).body).toEqual({ status: "ok" })
    const beating = await db.sql`select count(distinct process)::int as n from worker_heartbeats where seen_at > now() - interval '30 seconds'`
    expect(beating[0]!["n"]).toBe(2)
  })

  it("checkouts paid through the simulator: every outbox event handled once, each message sent once", async () => {
    const shop = await seedShop(db.sql)
    const placed: Array<Awaited<ReturnType<typeof checkoutOneBasket>>> = []
    for (let i = 0; i < 6; i++) placed.push(await checkoutOneBasket({ url: api!.baseUrl }, db.sql, shop, "processes"))
    for (const p of placed) {
      const paying = await call({ url: api!.baseUrl }, "POST", `/api/v1/checkouts/${p.checkoutId}/payments`, {
        token: p.buyer.token,
        body: { phone: p.buyer.phone }
      })
      expect(paying.status).toBe(202)
    }
    for (const p of placed)
      await eventually(
        `checkout ${p.checkoutId} PAID`,
        async () => (await db.sql`select state from orders where id = ${p.orderId}`)[0]?.["state"] === "PAID",
        60_000
      )
    await eventually(
      "every outbox event handled",
      async () => (await db.sql`select count(*)::int as n from outbox where published_at is null`)[0]!["n"] === 0,
      60_000
    )
    await eventually(
      "the paid messages sent",
      async () => placed.every((p) => whatsapp.accepted.some((m) => m.to === p.buyer.phone && m.template === "order_paid")),
      30_000
    )

    for (const p of placed) {
      const templates = whatsapp.accepted.filter((m) => m.to === p.buyer.phone).map((m) => m.template)
      expect(templates).toContain("order_paid")
      // each message at most once: two workers never both ran a handler for one event
      expect(templates.length).toBe(new Set(templates).size)
    }
    // and no money moved twice: every checkout has its ledger postings, none of a kind twice for one checkout or order
    const posted = await db.sql`
      select checkout_id, order_id, kind, count(*)::int as n from ledger_transactions
      where checkout_id in ${db.sql(placed.map((p) => p.checkoutId))} or order_id in ${db.sql(placed.map((p) => p.orderId))}
      group by checkout_id, order_id, kind`
    expect(new Set(posted.map((r) => r["checkout_id"])).size).toBe(placed.length)
    expect(posted.filter((r) => r["n"] !== 1)).toEqual([])
  }, 180_000)

  it("a rate limit holds across the HTTP processes (Redis): the sixth login code for a phone in 15 minutes is refused", async () => {
    const phone = randomPhone()
    const statuses: Array<number> = []
    // each on a new connection, so the two HTTP processes take turns
    for (let i = 0; i < 6; i++) statuses.push(await onNewConnection(api!.baseUrl, "/api/v1/auth/otp", { phone }))
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429])
  })

  it("a scrape answers for every HTTP process: the primary's METRICS_PORT and the public port both sum them", async () => {
    // /api/v1/categories is asked for by nothing else in this file: 8 times, each on a new connection (both processes answer some)
    for (let i = 0; i < 8; i++) {
      const status = await new Promise<number>((done, fail) => {
        const req = request(`${api!.baseUrl}/api/v1/categories`, { agent: false, headers: { connection: "close" } }, (res) => {
          res.resume()
          res.on("end", () => done(res.statusCode ?? 0))
        })
        req.on("error", fail)
        req.end()
      })
      expect(status).toBe(200)
    }
    const counted = (text: string) =>
      text
        .split("\n")
        .filter((l) => l.startsWith("amana_http_requests_total{") && l.includes('route="/api/v1/categories"') && l.includes('status="200"'))
        .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0)
    const scrape = async (url: string) => {
      const res = await fetch(url)
      expect(res.status).toBe(200)
      return res.text()
    }
    // the primary serves no HTTP itself: before, its scrape had none of these requests
    const primary = await scrape(`http://127.0.0.1:${metricsPort}/metrics`)
    expect(counted(primary)).toBe(8)
    expect(primary).toMatch(/^amana_metrics_processes_missing 0$/m)
    // the database gauges are read, not summed: one outbox, one figure
    expect(primary.split("\n").filter((l) => l.startsWith("amana_outbox_unpublished_events "))).toHaveLength(1)
    // and on the public port (outside production /metrics is served there), whichever process takes the scrape
    for (let i = 0; i < 2; i++) expect(counted(await scrape(`${api!.baseUrl}/metrics`))).toBe(8)
  })
})
