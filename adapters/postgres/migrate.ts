/**
 * Forward-only migrations from db/migrations/NNNN_name.sql.
 *
 * - Runs under a session advisory lock, so two processes starting at once migrate one after the other.
 * - Installs graphile-worker's schema first (its own migrations), so our SQL and our transactions can
 *   call graphile_worker.add_job(...).
 * - Each file runs in its own transaction together with its schema_migrations row.
 * - Refuses to run when history and files disagree: an applied file edited (checksum), removed or
 *   renamed, or a new file numbered before the latest applied one.
 */
import { createHash } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { Data, Effect } from "effect"
import { Logger, runMigrations as runGraphileMigrations } from "graphile-worker"
import postgres from "postgres"
import { repoRoot } from "./paths.js"

export const defaultMigrationsDir = join(repoRoot, "db", "migrations")

// Session-level advisory lock key held while migrating (727002 is the audit chain's).
const MIGRATION_LOCK_KEY = 727001

export class MigrationError extends Data.TaggedError("MigrationError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export interface MigrationFile {
  /** the four-digit prefix, e.g. "0002" */
  readonly version: string
  /** the file name, e.g. "0002_geography_shipping.sql" */
  readonly name: string
  /** sha256 (hex) of the file text with line endings normalised to \n */
  readonly checksum: string
  readonly sql: string
}

export interface MigrateOptions {
  /** directory of NNNN_name.sql files (default db/migrations) */
  readonly dir?: string
  /** install graphile-worker's schema too (default true) */
  readonly graphileWorker?: boolean
  readonly log?: (line: string) => void
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/

export const checksumOf = (text: string): string => createHash("sha256").update(text.replace(/\r\n/g, "\n"), "utf8").digest("hex")

export const readMigrations = async (dir: string = defaultMigrationsDir): Promise<ReadonlyArray<MigrationFile>> => {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort()
  const files: Array<MigrationFile> = []
  for (const name of names) {
    const match = FILE_PATTERN.exec(name)
    if (!match?.[1]) {
      throw new MigrationError({ message: `migration file ${name} is not named NNNN_lower_snake_name.sql` })
    }
    const previous = files[files.length - 1]
    if (previous?.version === match[1]) {
      throw new MigrationError({ message: `migrations ${previous.name} and ${name} share version ${match[1]}` })
    }
    const sql = (await readFile(join(dir, name), "utf8")).replace(/\r\n/g, "\n")
    files.push({ version: match[1], name, checksum: checksumOf(sql), sql })
  }
  return files
}

interface AppliedRow {
  readonly version: string
  readonly name: string
  readonly checksum: string
  readonly applied_at: Date
}

/** Which files to apply, or why history and files disagree. Pure, so it is tested directly. */
export const planMigrations = (
  files: ReadonlyArray<MigrationFile>,
  applied: ReadonlyArray<Pick<AppliedRow, "version" | "name" | "checksum">>
): ReadonlyArray<MigrationFile> => {
  const byVersion = new Map(files.map((file) => [file.version, file]))
  for (const row of applied) {
    const file = byVersion.get(row.version)
    if (file === undefined) {
      throw new MigrationError({ message: `migration ${row.name} was applied but its file is missing: migrations are forward-only, restore the file` })
    }
    if (file.name !== row.name) {
      throw new MigrationError({ message: `migration ${row.name} was applied but the file is now named ${file.name}: restore the original name` })
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError({
        message: `migration ${file.name} was edited after it was applied: checksum ${file.checksum} != ${row.checksum} (applied). Revert the edit and add a new migration instead`
      })
    }
  }
  const appliedVersions = new Set(applied.map((row) => row.version))
  const latest = applied.reduce<string | undefined>((max, row) => (max === undefined || row.version > max ? row.version : max), undefined)
  const pending = files.filter((file) => !appliedVersions.has(file.version))
  const late = latest === undefined ? undefined : pending.find((file) => file.version < latest)
  if (late !== undefined) {
    throw new MigrationError({
      message: `migration ${late.name} is numbered before the latest applied migration (${latest}) and was never applied: renumber it after ${latest}`
    })
  }
  return pending
}

/** "line N" for a server error position inside a file, to point at the failing statement. */
const lineOf = (sql: string, cause: unknown): string => {
  const position = Number((cause as { position?: unknown }).position)
  return Number.isInteger(position) && position > 0 ? ` (line ${sql.slice(0, position).split("\n").length})` : ""
}

const silentGraphileLogger = new Logger(() => () => undefined)

export const migrate = async (url: string, options: MigrateOptions = {}): Promise<{ applied: Array<string> }> => {
  const log = options.log ?? (() => undefined)
  const files = await readMigrations(options.dir ?? defaultMigrationsDir)
  const sql = postgres(url, { max: 1, onnotice: () => undefined })
  try {
    const conn = await sql.reserve()
    try {
      await conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`
      try {
        await conn.unsafe(`
          create table if not exists schema_migrations (
            version     text primary key,
            name        text not null unique,
            checksum    text not null check (checksum ~ '^[0-9a-f]{64}$'),
            applied_at  timestamptz not null default now()
          )`)
        if (options.graphileWorker !== false) {
          await runGraphileMigrations({ connectionString: url, logger: silentGraphileLogger })
        }
        const applied = await conn<AppliedRow[]>`select version, name, checksum, applied_at from schema_migrations order by version`
        const pending = planMigrations(files, applied)
        const done: Array<string> = []
        for (const file of pending) {
          await conn.unsafe("begin")
          try {
            await conn.unsafe(file.sql).simple()
            await conn`insert into schema_migrations (version, name, checksum) values (${file.version}, ${file.name}, ${file.checksum})`
            await conn.unsafe("commit")
          } catch (cause) {
            await conn.unsafe("rollback").catch(() => undefined)
            throw new MigrationError({
              message: `migration ${file.name} failed${lineOf(file.sql, cause)}: ${cause instanceof Error ? cause.message : String(cause)}`,
              cause
            })
          }
          log(`applied ${file.name}`)
          done.push(file.name)
        }
        // The runtime role's grants, by one rule for every table (db/migrations/0050_least_privilege.sql),
        // so a table added by a later migration (or by graphile-worker's) is covered at once.
        const [policy] = await conn<Array<{ present: boolean }>>`select to_regprocedure('amana_grant_runtime_privileges()') is not null as present`
        if (policy?.present) await conn`select amana_grant_runtime_privileges()`
        return { applied: done }
      } finally {
        await conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => undefined)
      }
    } finally {
      conn.release()
    }
  } finally {
    await sql.end({ timeout: 5 })
  }
}

export const migrateEffect = (url: string, options: MigrateOptions = {}): Effect.Effect<{ applied: Array<string> }, MigrationError> =>
  Effect.tryPromise({
    try: () => migrate(url, options),
    catch: (cause) =>
      cause instanceof MigrationError
        ? cause
        : new MigrationError({ message: `migrating failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
  })
