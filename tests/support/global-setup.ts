/**
 * vitest globalSetup: builds this run's migrated template database once, before any test file runs
 * (files run in parallel and each clones the template, see test-database.ts).
 *
 * Server: DATABASE_URL's when set, else the embedded cluster "test" (adapters/postgres/embedded.ts)
 * started here and stopped at teardown. A failure is printed with its cause and fix.
 */
import type { TestProject } from "vitest/node"
import postgres from "postgres"
import { startEmbedded, type RunningPostgres } from "../../adapters/postgres/embedded.js"
import { MigrationError, migrate } from "../../adapters/postgres/migrate.js"
import { derivedRuntimeUrl, provisionRuntimeRole } from "../../adapters/postgres/runtime-role.js"
import { DatabaseSetupError, explainConnectionFailure } from "../../adapters/postgres/setup-error.js"
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

/** What went wrong, for a person: cause and fix (a failing globalSetup otherwise shows little or nothing). */
const explain = (where: string, url: string, e: unknown): DatabaseSetupError =>
  e instanceof MigrationError
    ? new DatabaseSetupError(`the migrations failed on the test template database: ${e.message}`, "fix the migration named above (db/migrations)", { cause: e })
    : explainConnectionFailure(where, url, e)

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now()
  const fromEnv = process.env["DATABASE_URL"]
  const where = fromEnv !== undefined && fromEnv !== "" ? "DATABASE_URL" : "the embedded PostgreSQL"
  let embedded: RunningPostgres | undefined
  let admin: postgres.Sql | undefined
  let serverUrl = fromEnv ?? ""
  const template = freshName(TEMPLATE_PREFIX)
  try {
    if (where !== "DATABASE_URL") serverUrl = (embedded = await startEmbedded({ name: "test", database: "postgres", fsync: false })).serverUrl
    admin = postgres(serverUrl, { max: 1, onnotice: () => undefined })
    await dropStale(admin)
    await admin.unsafe(`create database ${quoteIdent(template)}`)
    await migrate(withDatabase(serverUrl, template))
    // the app's runtime role (cluster-wide; its grants are in the template, so in every clone)
    await provisionRuntimeRole(withDatabase(serverUrl, template), withDatabase(derivedRuntimeUrl(serverUrl), template))
  } catch (error) {
    await admin?.end({ timeout: 5 }).catch(() => undefined)
    await embedded?.stop().catch(() => undefined)
    const told = explain(where, serverUrl, error)
    console.error(`\n[db] the tests cannot run: ${told.problem}\n[db] Fix: ${told.fix}\n`)
    throw told
  }
  project.provide("amanaDbServerUrl", serverUrl)
  project.provide("amanaDbTemplate", template)
  console.log(`[db] template ${template} migrated on ${embedded ? `embedded postgres (${embedded.dataDir})` : "DATABASE_URL"} in ${Date.now() - started} ms`)

  return async () => {
    await admin?.unsafe(`drop database if exists ${quoteIdent(template)} with (force)`).catch(() => undefined)
    await admin?.end({ timeout: 5 })
    await embedded?.stop()
  }
}
