/**
 * `npm run db:migrate`: migrates as the owner (MIGRATION_DATABASE_URL, else DATABASE_URL, else the
 * embedded development cluster "dev", database "amana", see embedded.ts) and provisions the runtime
 * role the app runs as (DATABASE_URL's when MIGRATION_DATABASE_URL is set; see runtime-role.ts),
 * then exits.
 */
import { prepareDatabase } from "./prepare.js"
import { redactUrl } from "./setup-error.js"

const main = async (): Promise<void> => {
  const database = await prepareDatabase({ name: "dev", database: "amana", log: (line) => console.log(line) })
  try {
    console.log(database.applied.length === 0 ? "database is up to date" : `applied ${database.applied.length} migration(s)`)
    console.log(`the app runs as ${redactUrl(database.runtimeUrl)}`)
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
