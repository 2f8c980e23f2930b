/**
 * A PostgreSQL restart under `npm start` is survived: while the database is down, requests fail
 * cleanly (503 problem+json, no database text) and nothing crashes (the worker's pg pool has
 * handlers for idle and checked-out clients, postgres.js reconnects); once it is back, the API
 * answers and the worker runs jobs again. The database is an embedded cluster of this test's own,
 * never the machine's shared server.
 */
import { randomBytes } from "node:crypto"
import { rm } from "node:fs/promises"
import postgres from "postgres"
import { afterAll, describe, expect, it } from "vitest"
import { startEmbedded } from "../../adapters/postgres/embedded.js"
import type { RunningPostgres } from "../../adapters/postgres/embedded.js"
import { repoRoot } from "../../adapters/postgres/paths.js"
import { startPlatform } from "../support/platform-process.js"
import type { PlatformProcess } from "../support/platform-process.js"

const name = `restart-${randomBytes(4).toString("hex")}`
let database: RunningPostgres | undefined
let platform: PlatformProcess | undefined
afterAll(async () => {
  await platform?.stop(5_000)
  await database?.stop().catch(() => undefined)
  if (database) await rm(database.dataDir, { recursive: true, force: true })
})

const until = async <A>(what: string, probe: () => Promise<A | undefined>, timeoutMs: number): Promise<A> => {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe("a PostgreSQL restart under npm start", () => {
  it("requests fail cleanly while it is down, then work; the worker runs jobs again", { timeout: 300_000 }, async () => {
    database = await startEmbedded({ name, database: "amana", fsync: false })
    const { url, port } = database
    platform = await startPlatform(repoRoot, { DATABASE_URL: url, REDIS_URL: undefined, NODE_ENV: "development" })
    const products = `${platform.baseUrl}/api/v1/products?q=kitenge`
    expect((await fetch(products)).status).toBe(200)
    // given the superuser's URL, npm start migrated with it but serves as the least-privileged role
    const owner = postgres(url, { max: 1, onnotice: () => undefined })
    try {
      const users = await owner<Array<{ usename: string }>>`select distinct usename from pg_stat_activity where application_name like 'amana-%'`
      expect(users).toEqual([{ usename: "amana_app" }])
      const [role] = await owner<Array<{ rolsuper: boolean }>>`select rolsuper from pg_roles where rolname = 'amana_app'`
      expect(role).toEqual({ rolsuper: false })
    } finally {
      await owner.end({ timeout: 5 })
    }

    await database.stop()
    for (const request of [
      () => fetch(products),
      () =>
        fetch(`${platform!.baseUrl}/api/v1/auth/otp`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ phone: "0708374149" })
        })
    ]) {
      const res = await request()
      expect(res.status).toBe(503)
      expect(res.headers.get("content-type")).toContain("application/problem+json")
      const body = (await res.json()) as { code: string; detail: string }
      expect(body.code).toBe("STORE.UNAVAILABLE")
      expect(body.detail).toBe("the database is unavailable right now; try again in a moment")
    }
    // long enough for the worker's poll, its notify listener and the heartbeat to hit the dead server
    await new Promise((r) => setTimeout(r, 4_000))
    expect(platform.alive()).toBe(true)

    database = await startEmbedded({ name, database: "amana", fsync: false, port })
    await until("the API to answer again", async () => ((await fetch(products)).status === 200 ? true : undefined), 60_000)

    const sql = postgres(url, { max: 1, onnotice: () => undefined })
    try {
      const [job] = await sql<Array<{ id: string }>>`select id from graphile_worker.add_job('orders__expire_unpaid', '{}'::json)`
      await until(
        "the worker to run a job",
        async () => ((await sql`select 1 from graphile_worker._private_jobs where id = ${job!.id}`).length === 0 ? true : undefined),
        90_000
      )
    } finally {
      await sql.end({ timeout: 5 })
    }

    expect(platform.alive()).toBe(true)
    expect(await platform.stop()).toBe(0)
    const output = platform.output()
    expect(output).not.toContain("doesn't have all of the error handlers")
    expect(output).not.toMatch(/Unhandled 'error' event|uncaughtException|unhandledRejection/)
    expect(output).toContain("worker pool connection lost")
  })
})
