/**
 * GET /healthz answers while the process runs; GET /readyz answers 200 only when the database
 * answers, its migrations are this code's and a worker's heartbeat is fresh, else 503 problem+json
 * naming each check that failed. Both are in the OpenAPI document and need no token.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Readiness } from "../../application/ports/readiness.js"
import { DatabaseFromPool, makePool } from "../../adapters/postgres/database.js"
import { migrationsCheck, ReadinessLive, workerCheck } from "../../adapters/postgres/readiness.js"
import { call, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"
import { freePort } from "../support/platform-process.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
let api: Api
beforeAll(async () => {
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api.close()
})

const beat = (secondsAgo: number) =>
  db.sql`insert into worker_heartbeats (worker_id, process, seen_at) values ('worker-readiness-test', 'test:1', now() - make_interval(secs => ${secondsAgo}))
         on conflict (worker_id) do update set seen_at = excluded.seen_at`

describe("GET /healthz and /readyz", () => {
  it("/healthz: 200 without a token, whatever the dependencies", async () => {
    const reply = await call(api, "GET", "/healthz")
    expect(reply.status).toBe(200)
    expect(reply.body).toEqual({ status: "ok" })
  })

  it("/readyz with no worker heartbeat: 503 problem+json naming the worker only", async () => {
    await db.sql`delete from worker_heartbeats`
    const reply = await call(api, "GET", "/readyz")
    expect(reply.status).toBe(503)
    expect(reply.headers.get("content-type")).toContain("application/problem+json")
    expect(reply.body).toMatchObject({ code: "SERVICE.NOT_READY", errors: [{ path: "worker" }] })
    expect(reply.body.detail).toContain("no worker heartbeat")
  })

  it("/readyz with a fresh heartbeat: 200 and every check passed", async () => {
    await beat(1)
    const reply = await call(api, "GET", "/readyz")
    expect(reply.status).toBe(200)
    expect(reply.body).toEqual({
      status: "ready",
      checks: [
        { name: "database", ready: true, detail: "answers" },
        { name: "migrations", ready: true, detail: expect.stringMatching(/^\d+ applied$/) },
        { name: "worker", ready: true, detail: expect.stringMatching(/^newest worker heartbeat \d+ s ago$/) }
      ]
    })
  })

  it("/readyz with a stale heartbeat (older than 30 s): 503 saying how old", async () => {
    await beat(45)
    const reply = await call(api, "GET", "/readyz")
    expect(reply.status).toBe(503)
    expect(reply.body.errors).toEqual([{ path: "worker", message: "newest worker heartbeat 45 s ago (limit 30 s)" }])
  })

  it("/readyz with a migration not applied: 503 naming the file", async () => {
    await beat(1)
    const [latest] = await db.owner`select version, name, checksum from schema_migrations order by version desc limit 1`
    await db.owner`delete from schema_migrations where version = ${latest!["version"]}`
    try {
      const reply = await call(api, "GET", "/readyz")
      expect(reply.status).toBe(503)
      expect(reply.body.errors).toEqual([{ path: "migrations", message: `pending: ${String(latest!["name"])}` }])
    } finally {
      await db.owner`insert into schema_migrations (version, name, checksum) values (${latest!["version"]}, ${latest!["name"]}, ${latest!["checksum"]})`
    }
  })

  it("both are in the OpenAPI document, without security", async () => {
    const doc = await call(api, "GET", "/api/openapi.json")
    expect(doc.body.paths["/healthz"].get.security).toBeUndefined()
    expect(doc.body.paths["/readyz"].get.security).toBeUndefined()
    expect(Object.keys(doc.body.paths["/readyz"].get.responses)).toEqual(expect.arrayContaining(["200", "503"]))
  })
})

describe("readiness checks", () => {
  it("a database nobody answers at: every check fails, the database named unreachable", async () => {
    const pool = makePool(`postgres://amana_app@127.0.0.1:${await freePort()}/nowhere`, { max: 1, connectTimeoutSeconds: 1 })
    try {
      const checks = await Effect.runPromise(
        Effect.flatMap(Readiness, (r) => r.check).pipe(Effect.provide(ReadinessLive({ timeoutMs: 3_000 })), Effect.provide(DatabaseFromPool(pool)))
      )
      expect(checks.map((c) => [c.name, c.ready])).toEqual([
        ["database", false],
        ["migrations", false],
        ["worker", false]
      ])
      expect(checks[0]!.detail).toMatch(/^unreachable \(/)
    } finally {
      await pool.end({ timeout: 1 })
    }
  })

  it("migrations: pending or edited files are not ready; a database ahead of the code (a rolling deploy) is", () => {
    const files = [
      { version: "0001", name: "0001_a.sql", checksum: "a" },
      { version: "0002", name: "0002_b.sql", checksum: "b" }
    ]
    expect(migrationsCheck(files, [{ version: "0001", checksum: "a" }])).toMatchObject({ ready: false, detail: "pending: 0002_b.sql" })
    expect(
      migrationsCheck(files, [
        { version: "0001", checksum: "x" },
        { version: "0002", checksum: "b" }
      ])
    ).toMatchObject({
      ready: false,
      detail: "applied with another checksum: 0001_a.sql"
    })
    expect(
      migrationsCheck(files, [
        { version: "0001", checksum: "a" },
        { version: "0002", checksum: "b" },
        { version: "0003", checksum: "c" }
      ])
    ).toMatchObject({ ready: true, detail: "2 applied (the database is ahead: 0003)" })
  })

  it("worker: no heartbeat, stale and fresh", () => {
    expect(workerCheck(null, 30_000).ready).toBe(false)
    expect(workerCheck(30_001, 30_000).ready).toBe(false)
    expect(workerCheck(29_000, 30_000)).toEqual({ name: "worker", ready: true, detail: "newest worker heartbeat 29 s ago" })
  })
})
