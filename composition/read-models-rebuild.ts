/**
 * `npm run read-models:rebuild`: empties the daily read models (migration 0072) and folds every
 * outbox event into them again, with the outbox handler's own code, in one transaction; the result
 * equals what the handler built event by event. Same database as `npm start` (DATABASE_URL, else
 * the embedded development cluster); safe while the platform runs (the handler waits, then finds
 * the events it had not yet handled already folded).
 */
import { rebuildReadModels } from "../application/insights/read-models.js"
import { makePool } from "../adapters/postgres/database.js"
import { prepareDatabase } from "../adapters/postgres/prepare.js"
import { READ_MODELS_HANDLER } from "./event-handlers.js"
import { makePlatformRuntime } from "./platform.js"

const main = async (): Promise<void> => {
  const database = await prepareDatabase({ name: "dev", database: "amana", log: (line) => console.log(line) })
  const pool = makePool(database.runtimeUrl, { max: 2, applicationName: "amana-read-models-rebuild" })
  const runtime = makePlatformRuntime(pool)
  try {
    const started = Date.now()
    const folded = await runtime.runPromise(rebuildReadModels(READ_MODELS_HANDLER))
    console.log(`read models rebuilt from ${folded} outbox event(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } finally {
    await runtime.dispose()
    await pool.end()
    await database.stop()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  }
)
