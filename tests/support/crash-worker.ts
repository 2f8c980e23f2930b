/**
 * A worker process for the crash test (tests/worker/crash.test.ts): runs the real worker with one
 * handler whose effect is counted per event, slowly enough that a SIGKILL lands mid-batch.
 * Usage: node --import tsx tests/support/crash-worker.ts <database-url>
 */
import { Effect } from "effect"
import { makePool } from "../../adapters/postgres/database.js"
import { Database } from "../../adapters/postgres/database.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformServices } from "../../composition/platform.js"
import { startWorker } from "../../adapters/postgres/worker.js"

const url = process.argv[2]
if (!url) throw new Error("usage: crash-worker.ts <database-url>")
const pool = makePool(url, { max: 8 })
const runtime = makePlatformRuntime(pool)

await startWorker<PlatformServices>({
  connectionString: url,
  runtime,
  concurrency: 4,
  pollInterval: 100,
  heartbeatMs: 200,
  staleMs: 1_000,
  handlers: [
    {
      name: "crash_test.count",
      on: ["CRASH_TEST"],
      handle: (event) =>
        Effect.flatMap(Database, (db) =>
          db.query(
            (sql) => sql`
            insert into crash_effects (event_id, n) select ${event.id}, 1 from pg_sleep(0.03)
            on conflict (event_id) do update set n = crash_effects.n + 1`
          )
        )
    }
  ]
})
console.log("crash-worker ready")
