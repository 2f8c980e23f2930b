/**
 * vitest globalSetup: builds this run's migrated template database once, before any test file runs
 * (files run in parallel and each clones the template, see test-database.ts).
 *
 * Server: DATABASE_URL's when set, else an embedded cluster in .data/test started here and stopped
 * at teardown.
 */
import type { TestProject } from "vitest/node"
import postgres from "postgres"
import { startEmbedded, type RunningPostgres } from "../../adapters/postgres/embedded.js"
import { migrate } from "../../adapters/postgres/migrate.js"
import { STALE_AFTER_SECONDS, TEMPLATE_PREFIX, TEST_DB_PREFIX, ageSeconds, freshName, quoteIdent, withDatabase } from "./database-names.js"

const dropStale = async (admin: postgres.Sql): Promise<void> => {
  const rows = await admin<{ datname: string }[]>`
    select datname from pg_database
     where starts_with(datname, ${TEMPLATE_PREFIX}) or starts_with(datname, ${TEST_DB_PREFIX})`
  for (const { datname } of rows) {
    const age = ageSeconds(datname, datname.startsWith(TEMPLATE_PREFIX) ? TEMPLATE_PREFIX : TEST_DB_PREFIX)
    if (age !== undefined && age > STALE_AFTER_SECONDS) {
      await admin.unsafe(`drop database if exists ${quoteIdent(datname)} with (force)`).catch(() => undefined)
    }
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now()
  const fromEnv = process.env["DATABASE_URL"]
  let embedded: RunningPostgres | undefined
  const serverUrl =
    fromEnv !== undefined && fromEnv !== ""
      ? fromEnv
      : (embedded = await startEmbedded({ name: "test", database: "postgres", fsync: false })).serverUrl

  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined })
  const template = freshName(TEMPLATE_PREFIX)
  try {
    await dropStale(admin)
    await admin.unsafe(`create database ${quoteIdent(template)}`)
    await migrate(withDatabase(serverUrl, template))
  } catch (error) {
    await admin.end({ timeout: 5 })
    await embedded?.stop()
    throw error
  }
  project.provide("amanaDbServerUrl", serverUrl)
  project.provide("amanaDbTemplate", template)
  console.log(
    `[db] template ${template} migrated on ${embedded ? `embedded postgres (${embedded.dataDir})` : "DATABASE_URL"} in ${Date.now() - started} ms`
  )

  return async () => {
    await admin.unsafe(`drop database if exists ${quoteIdent(template)} with (force)`).catch(() => undefined)
    await admin.end({ timeout: 5 })
    await embedded?.stop()
  }
}
