/**
 * `npm run db:migrate`: migrates DATABASE_URL, or the embedded development cluster ("dev", database
 * "amana", see embedded.ts) when DATABASE_URL is unset, then exits.
 */
import { resolveDatabase } from "./embedded.js"
import { migrate } from "./migrate.js"

const main = async (): Promise<void> => {
  const database = await resolveDatabase({ name: "dev", database: "amana" })
  try {
    const { applied } = await migrate(database.url, { log: (line) => console.log(line) })
    console.log(applied.length === 0 ? "database is up to date" : `applied ${applied.length} migration(s)`)
  } finally {
    await database.stop()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    // DatabaseSetupError's message already names the cause and the fix
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  }
)
