/**
 * Two roles (issue 10 item 14): the owner runs the migrations; the app runs as a login role that is
 * a member of `amana_app` (db/migrations/0050_least_privilege.sql holds its grants) and owns
 * nothing, so a leaked runtime credential cannot disable a trigger, truncate or rewrite history.
 *
 * Which URL is which (`prepareDatabase`, the one rule `npm start`, `npm run db:migrate` and the test
 * setup follow):
 * - MIGRATION_DATABASE_URL set: it is the owner; DATABASE_URL is the runtime login (created or
 *   given its password by the migrate step when missing; derived as below when DATABASE_URL is unset).
 * - only DATABASE_URL: if it already names a runtime role (a member of amana_app, not a superuser),
 *   the app runs on it and does not migrate (the schema must be current); otherwise it is the owner:
 *   we migrate with it and run as `amana_app` on the same server and database, with a password
 *   derived from the owner's URL (HMAC, so every process, restart and test database agrees on it
 *   without storing it, and it tells nothing about the owner's password).
 * - neither: the embedded PostgreSQL's superuser is the owner, the runtime as just above.
 *
 * Roles are cluster-wide while migrations run per database, many at once in the tests: creating a
 * role or setting its password tolerates a concurrent process doing the same.
 */
import { createHmac } from "node:crypto"
import postgres from "postgres"
import { readMigrations } from "./migrate.js"
import { DatabaseSetupError, explainConnectionFailure, redactUrl } from "./setup-error.js"

/** The role holding the runtime's grants (NOLOGIN unless it is also the login, as when derived). */
export const RUNTIME_GROUP = "amana_app"

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`
const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`
const codeOf = (e: unknown): string | undefined => (typeof e === "object" && e !== null ? ((e as { code?: unknown }).code as string | undefined) : undefined)

/** The runtime login on the owner's server and database: user amana_app, a password derived from the owner's URL. */
export const derivedRuntimeUrl = (ownerUrl: string): string => {
  const owner = new URL(ownerUrl)
  const password = createHmac("sha256", "amana runtime role v1")
    .update(`${decodeURIComponent(owner.username)}\n${decodeURIComponent(owner.password)}\n${owner.hostname}\n${owner.port}`)
    .digest("hex")
  const runtime = new URL(ownerUrl)
  runtime.username = RUNTIME_GROUP
  runtime.password = password
  return runtime.toString()
}

/** The same login on another database of the server (test databases). */
export const onDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${encodeURIComponent(database)}`
  return parsed.toString()
}

const retryingConcurrent = async (f: () => Promise<unknown>): Promise<void> => {
  for (let attempt = 0; ; attempt++) {
    try {
      await f()
      return
    } catch (e) {
      // XX000 "tuple concurrently updated": another process changed the same role at the same moment
      const code = codeOf(e)
      if (code === "42710" || code === "23505") return
      if (code === "XX000" && attempt < 5) {
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100))
        continue
      }
      throw e
    }
  }
}

const canLogIn = async (url: string): Promise<unknown> => {
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => undefined })
  try {
    await sql`select 1`
    return undefined
  } catch (e) {
    return e
  } finally {
    await sql.end({ timeout: 5 }).catch(() => undefined)
  }
}

/**
 * Makes `runtimeUrl`'s user a login that can run the app and nothing more: created when missing
 * (with the URL's password), a member of amana_app, never a superuser or an owner. Run by the owner
 * after the migrations (amana_app exists then).
 */
export const provisionRuntimeRole = async (ownerUrl: string, runtimeUrl: string): Promise<void> => {
  const runtime = new URL(runtimeUrl)
  const user = decodeURIComponent(runtime.username)
  const password = decodeURIComponent(runtime.password)
  if (user === "")
    throw new DatabaseSetupError(
      `the runtime database URL (${redactUrl(runtimeUrl)}) names no user`,
      "name the runtime role in DATABASE_URL (e.g. postgres://amana_app:<password>@host/db)"
    )
  const owner = postgres(ownerUrl, { max: 1, onnotice: () => undefined })
  try {
    const [me] = await owner<Array<{ name: string }>>`select current_user as name`
    if (me?.name === user)
      throw new DatabaseSetupError(
        `DATABASE_URL and MIGRATION_DATABASE_URL both name the role ${user}: the app would run as the owner of its tables`,
        `give DATABASE_URL a role of its own (it is created as a member of ${RUNTIME_GROUP}), or unset it to use ${RUNTIME_GROUP} with a derived password`
      )
    const exists = async () =>
      (await owner<Array<{ rolsuper: boolean; rolcanlogin: boolean }>>`select rolsuper, rolcanlogin from pg_roles where rolname = ${user}`)[0]
    const clause = password === "" ? "login" : `login password ${quoteLiteral(password)}`
    let found = await exists()
    if (found === undefined) {
      await retryingConcurrent(() => owner.unsafe(`create role ${quoteIdent(user)} ${clause} nosuperuser nocreatedb nocreaterole noreplication nobypassrls`))
      found = await exists()
    }
    if (found?.rolsuper)
      throw new DatabaseSetupError(
        `the runtime role ${user} (DATABASE_URL) is a superuser: it could disable the ledger's triggers and rewrite the audit chain`,
        `use a role without SUPERUSER for DATABASE_URL (ALTER ROLE ${user} NOSUPERUSER), and MIGRATION_DATABASE_URL for the owner`
      )
    if (found?.rolcanlogin === false) await retryingConcurrent(() => owner.unsafe(`alter role ${quoteIdent(user)} ${clause}`))
    if (user !== RUNTIME_GROUP) {
      const [member] =
        await owner`select 1 from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles u on u.oid = m.member where g.rolname = ${RUNTIME_GROUP} and u.rolname = ${user}`
      if (member === undefined) await retryingConcurrent(() => owner.unsafe(`grant ${quoteIdent(RUNTIME_GROUP)} to ${quoteIdent(user)}`))
    }
    const [owned] = await owner<Array<{ n: number }>>`
      select count(*)::int as n from pg_class c join pg_roles r on r.oid = c.relowner
       where r.rolname = any(${[user, RUNTIME_GROUP]}) and c.relnamespace not in (select oid from pg_namespace where nspname like 'pg\\_%' or nspname = 'information_schema')`
    if ((owned?.n ?? 0) > 0)
      throw new DatabaseSetupError(
        `the runtime role ${user} owns ${owned?.n} table(s) or sequence(s) in this database, so it could alter them and their triggers`,
        `give them to the owner (REASSIGN OWNED BY ${user} TO <owner>) and keep DATABASE_URL for the runtime role`
      )
    // A role made earlier, or by another process, may have another password: the URL's wins.
    const refused = await canLogIn(runtimeUrl)
    if (refused !== undefined && password !== "" && (codeOf(refused) === "28P01" || codeOf(refused) === "28000")) {
      await retryingConcurrent(() => owner.unsafe(`alter role ${quoteIdent(user)} ${clause}`))
    }
  } finally {
    await owner.end({ timeout: 5 })
  }
  const still = await canLogIn(runtimeUrl)
  if (still !== undefined) throw explainConnectionFailure("the runtime role's URL", runtimeUrl, still)
}

export interface RoleFacts {
  readonly user: string
  readonly superuser: boolean
  /** a member of amana_app (directly or through another role) */
  readonly runtime: boolean
}

/** Who `url` logs in as. */
export const roleOf = async (url: string): Promise<RoleFacts> => {
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => undefined })
  try {
    const [row] = await sql<Array<RoleFacts>>`
      select current_user as user, r.rolsuper as superuser,
             not r.rolsuper and exists (select 1 from pg_roles g where g.rolname = ${RUNTIME_GROUP})
               and pg_has_role(current_user, ${RUNTIME_GROUP}, 'member') as runtime
        from pg_roles r where r.rolname = current_user`
    return row!
  } finally {
    await sql.end({ timeout: 5 }).catch(() => undefined)
  }
}

/** The runtime role may not migrate: it checks the owner did. */
export const assertSchemaCurrent = async (runtimeUrl: string): Promise<void> => {
  const files = await readMigrations()
  const sql = postgres(runtimeUrl, { max: 1, connect_timeout: 10, onnotice: () => undefined })
  try {
    const applied = await sql<Array<{ version: string; checksum: string }>>`select version, checksum from schema_migrations`.catch(() => [])
    const byVersion = new Map(applied.map((row) => [row.version, row.checksum]))
    const pending = files.filter((file) => byVersion.get(file.version) !== file.checksum)
    if (pending.length > 0)
      throw new DatabaseSetupError(
        `the database at DATABASE_URL (${redactUrl(runtimeUrl)}, a runtime role) is not migrated: ${pending.map((f) => f.name).join(", ")} not applied`,
        "run the migrations as the owner first: MIGRATION_DATABASE_URL=<owner URL> DATABASE_URL=<this URL> npm run db:migrate"
      )
  } finally {
    await sql.end({ timeout: 5 }).catch(() => undefined)
  }
}
