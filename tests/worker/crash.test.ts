/**
 * SIGKILL the worker while it is processing a batch of events, start it again, and every event is
 * handled exactly once in effect: the handler's effect and its processed_events row commit together,
 * and the dead worker's locked jobs are unlocked when its heartbeat goes stale.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { resolve } from "node:path"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { Outbox } from "../../application/ports/outbox.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { persistenceLayer } from "../../composition/platform.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
const EVENTS = 80
const children: Array<ChildProcess> = []
afterAll(() => {
  for (const c of children) c.kill("SIGKILL")
})

const startChild = () =>
  new Promise<ChildProcess>((ok, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", resolve(import.meta.dirname, "../support/crash-worker.ts"), db.url], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.push(child)
    let out = ""
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      if (out.includes("crash-worker ready")) ok(child)
    })
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()))
    child.once("exit", (code) => fail(new Error(`worker exited early (${code}): ${out}`)))
  })

const count = async (query: string) => Number((await db.sql.unsafe(query))[0]!["n"])
const until = async (check: () => Promise<boolean>, timeoutMs: number) => {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error("timed out")
}

describe("worker crash safety", () => {
  it("SIGKILL mid-batch, restart: every event handled exactly once in effect", async () => {
    // tables are the owner's to create (the runtime role has no CREATE); the app role gets what it needs
    await db.owner`create table crash_effects (event_id text primary key, n int not null)`
    await db.owner`grant select, insert, update on crash_effects to amana_app`
    const runtime = ManagedRuntime.make(persistenceLayer(db.sql))
    await runtime.runPromise(
      Effect.gen(function* () {
        const uow = yield* UnitOfWork
        const outbox = yield* Outbox
        yield* uow.transaction(
          outbox.append(
            Array.from({ length: EVENTS }, (_, i) => ({ type: "CRASH_TEST", aggregateType: "ORDER" as const, aggregateId: `crash-${i}`, payload: { i } }))
          )
        )
      })
    )
    await runtime.dispose()

    const first = await startChild()
    await until(async () => (await count("select count(*) as n from crash_effects")) >= 15, 30_000)
    first.kill("SIGKILL")
    await new Promise((r) => first.once("exit", r))
    const handledBeforeCrash = await count("select count(*) as n from crash_effects")
    const lockedByDead = await count("select count(*) as n from graphile_worker._private_jobs where locked_by is not null")
    // The kill really landed mid-batch: events were left unhandled and jobs were left locked by the dead worker.
    expect(handledBeforeCrash).toBeLessThan(EVENTS)
    expect(lockedByDead).toBeGreaterThan(0)

    await new Promise((r) => setTimeout(r, 1_200)) // the dead worker's heartbeat goes stale
    const second = await startChild()
    await until(async () => (await count("select count(*) as n from outbox where published_at is not null")) === EVENTS, 60_000)
    second.kill("SIGTERM")

    expect(await count("select count(*) as n from crash_effects")).toBe(EVENTS)
    expect(await count("select count(*) as n from crash_effects where n <> 1")).toBe(0)
    expect(await count("select count(*) as n from processed_events where handler = 'crash_test.count'")).toBe(EVENTS)
    expect(await count("select count(*) as n from exceptions")).toBe(0)
  }, 120_000)
})
