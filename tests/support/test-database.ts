/**
 * Each test file gets its own database, cloned from the run's migrated template (built once by
 * tests/support/global-setup.ts), so files run in parallel without seeing each other's rows.
 *
 *   const db = useTestDatabase()          // creates in beforeAll, drops in afterAll
 *   it("...", async () => { await db.sql`select 1` })
 *   Effect.provide(program, db.layer())   // the Database service over the same pool
 *
 * `db.sql` and `db.url` log in as the runtime role, as the app does (adapters/postgres/runtime-role.ts):
 * what a test does through them the app may do. `db.owner` / `db.ownerUrl` are the owner (the
 * server's superuser), for what only the owner may: DDL, rewriting history to test its guards.
 */
import { afterAll, beforeAll, inject } from "vitest"
import postgres from "postgres"
import type { Layer } from "effect"
import { makePool, DatabaseFromPool, type Database, type DatabaseOptions, type Sql } from "../../adapters/postgres/database.js"
import { derivedRuntimeUrl } from "../../adapters/postgres/runtime-role.js"
import { TEST_DB_PREFIX, freshName, quoteIdent, withDatabase } from "./database-names.js"

export interface TestDatabase {
  readonly name: string
  /** the runtime role's URL of this database (the owner's for an empty database) */
  readonly url: string
  /** a pool on this database as `url`'s role, configured like the application's (int8 parsed to number) */
  readonly sql: Sql
  /** the owner's (the server's superuser) URL and pool: DDL, tampering with history */
  readonly ownerUrl: string
  readonly owner: Sql
  /** closes the pools and drops the database */
  readonly drop: () => Promise<void>
}

const provided = (): { serverUrl: string; template: string } => {
  const serverUrl = inject("amanaDbServerUrl")
  const template = inject("amanaDbTemplate")
  if (!serverUrl || !template) {
    throw new Error("test databases need tests/support/global-setup.ts as a vitest globalSetup (see vitest.config.ts)")
  }
  return { serverUrl, template }
}

const withAdmin = async <A>(serverUrl: string, f: (admin: postgres.Sql) => Promise<A>): Promise<A> => {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined })
  try {
    return await f(admin)
  } finally {
    await admin.end({ timeout: 5 })
  }
}

const open = (serverUrl: string, name: string, options: DatabaseOptions, as: "runtime" | "owner"): TestDatabase => {
  const ownerUrl = withDatabase(serverUrl, name)
  const url = as === "owner" ? ownerUrl : withDatabase(derivedRuntimeUrl(serverUrl), name)
  const sql = makePool(url, options)
  let owner: Sql | undefined
  return {
    name,
    url,
    sql,
    ownerUrl,
    get owner() {
      return (owner ??= as === "owner" ? sql : makePool(ownerUrl, { max: 2 }))
    },
    drop: async () => {
      await sql.end({ timeout: 5 })
      if (owner !== undefined && owner !== sql) await owner.end({ timeout: 5 })
      await withAdmin(serverUrl, (admin) => admin.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`))
    }
  }
}

/** A fresh database with every migration applied (a clone of the template). */
export const createTestDatabase = async (options: DatabaseOptions = {}): Promise<TestDatabase> => {
  const { serverUrl, template } = provided()
  const name = freshName(TEST_DB_PREFIX)
  await withAdmin(serverUrl, (admin) => admin.unsafe(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`))
  return open(serverUrl, name, options, "runtime")
}

/** A fresh database with nothing in it (for testing the migration runner itself): `sql` and `url` are the owner's. */
export const createEmptyDatabase = async (options: DatabaseOptions = {}): Promise<TestDatabase> => {
  const { serverUrl } = provided()
  const name = freshName(TEST_DB_PREFIX)
  await withAdmin(serverUrl, (admin) => admin.unsafe(`create database ${quoteIdent(name)} template template0`))
  return open(serverUrl, name, options, "owner")
}

export interface TestDatabaseHandle {
  readonly name: string
  /** the runtime role's URL and pool (what the app connects as) */
  readonly url: string
  readonly sql: Sql
  /** the owner's URL and pool (DDL, tampering with history) */
  readonly ownerUrl: string
  readonly owner: Sql
  /** the Database service over this file's pool */
  readonly layer: () => Layer.Layer<Database>
}

/** Registers beforeAll/afterAll in the calling file: one database for the whole file. */
export const useTestDatabase = (options: DatabaseOptions = {}): TestDatabaseHandle => {
  let db: TestDatabase | undefined
  beforeAll(async () => {
    db = await createTestDatabase(options)
  })
  afterAll(async () => {
    await db?.drop()
  })
  const get = (): TestDatabase => {
    if (db === undefined) throw new Error("useTestDatabase(): the database exists only inside tests and hooks")
    return db
  }
  return {
    get name() {
      return get().name
    },
    get url() {
      return get().url
    },
    get sql() {
      return get().sql
    },
    get ownerUrl() {
      return get().ownerUrl
    },
    get owner() {
      return get().owner
    },
    layer: () => DatabaseFromPool(get().sql)
  }
}
