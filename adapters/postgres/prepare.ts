/**
 * The database as a process finds it at start: which server (embedded or a URL), migrated by the
 * owner, and the URL the app runs on as the runtime role (see runtime-role.ts for the rule).
 */
import { reachable, startEmbedded } from "./embedded.js"
import type { EmbeddedOptions } from "./embedded.js"
import { migrate } from "./migrate.js"
import { assertSchemaCurrent, derivedRuntimeUrl, provisionRuntimeRole, roleOf } from "./runtime-role.js"
import { explainConnectionFailure, redactUrl } from "./setup-error.js"

export interface PreparedDatabase {
  /** where the app connects: the runtime role, never the owner */
  readonly runtimeUrl: string
  /** the owner's URL when this process migrated (undefined when DATABASE_URL was already the runtime role) */
  readonly ownerUrl: string | undefined
  readonly applied: ReadonlyArray<string>
  /** the embedded cluster's folder, when embedded */
  readonly dataDir: string | undefined
  readonly stop: () => Promise<void>
}

export interface PrepareOptions extends EmbeddedOptions {
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly log?: (line: string) => void
}

const set = (value: string | undefined): string | undefined => (value === undefined || value === "" ? undefined : value)

export const prepareDatabase = async (options: PrepareOptions = {}): Promise<PreparedDatabase> => {
  const env = options.env ?? process.env
  const migrationUrl = set(env["MIGRATION_DATABASE_URL"])
  const databaseUrl = set(env["DATABASE_URL"])
  const migrateAsOwner = async (ownerUrl: string, runtimeUrl: string, dataDir: string | undefined, stop: () => Promise<void>): Promise<PreparedDatabase> => {
    try {
      const { applied } = await migrate(ownerUrl, options.log ? { log: options.log } : {})
      await provisionRuntimeRole(ownerUrl, runtimeUrl)
      return { runtimeUrl, ownerUrl, applied, dataDir, stop }
    } catch (e) {
      await stop().catch(() => undefined)
      throw e
    }
  }
  if (migrationUrl !== undefined) {
    await reachable("MIGRATION_DATABASE_URL", migrationUrl)
    return migrateAsOwner(migrationUrl, databaseUrl ?? derivedRuntimeUrl(migrationUrl), undefined, async () => undefined)
  }
  if (databaseUrl !== undefined) {
    await reachable("DATABASE_URL", databaseUrl)
    const role = await roleOf(databaseUrl).catch((e: unknown) => {
      throw explainConnectionFailure("DATABASE_URL", databaseUrl, e)
    })
    if (role.runtime) {
      options.log?.(`DATABASE_URL (${redactUrl(databaseUrl)}) is the runtime role ${role.user}: not migrating`)
      await assertSchemaCurrent(databaseUrl)
      return { runtimeUrl: databaseUrl, ownerUrl: undefined, applied: [], dataDir: undefined, stop: async () => undefined }
    }
    return migrateAsOwner(databaseUrl, derivedRuntimeUrl(databaseUrl), undefined, async () => undefined)
  }
  const embedded = await startEmbedded(options)
  return migrateAsOwner(embedded.url, derivedRuntimeUrl(embedded.url), embedded.dataDir, embedded.stop)
}
