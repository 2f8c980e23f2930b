/**
 * The worker container's health check (docker-compose.yml): exits 0 when a worker process on this
 * host (the container) wrote its heartbeat in the last 30 s (worker.ts beats every 5 s), 1 otherwise.
 * Reads DATABASE_URL (the runtime role) like the worker itself.
 */
import { hostname } from "node:os"
import postgres from "postgres"

const MAX_AGE_SECONDS = 30

const main = async (): Promise<boolean> => {
  const url = process.env["DATABASE_URL"]
  if (url === undefined || url === "") throw new Error("DATABASE_URL is not set")
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => undefined })
  try {
    const rows = await sql`
      select 1 from worker_heartbeats
      where split_part(process, ':', 1) = ${hostname()} and seen_at > now() - make_interval(secs => ${MAX_AGE_SECONDS})
      limit 1`
    return rows.length > 0
  } finally {
    await sql.end({ timeout: 2 })
  }
}

main().then(
  (beating) => {
    if (!beating) console.error(`no worker heartbeat from ${hostname()} in the last ${MAX_AGE_SECONDS} s`)
    process.exit(beating ? 0 : 1)
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
)
