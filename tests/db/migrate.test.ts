import { cp, mkdtemp, rm, unlink, writeFile, appendFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { defaultMigrationsDir, migrate, readMigrations } from "../../adapters/postgres/migrate.js"
import { createEmptyDatabase, type TestDatabase } from "../support/test-database.js"

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

const emptyDb = async (): Promise<TestDatabase> => {
  const db = await createEmptyDatabase()
  cleanups.push(db.drop)
  return db
}

/** A scratch migrations directory with the given files. */
const scratchDir = async (files: Record<string, string>): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "amana-migrations-"))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  return dir
}

const noGraphile = { graphileWorker: false } as const

describe("migrate: the real migrations", () => {
  it("applies every file once, in order, recording a sha256 checksum, and installs graphile-worker", async () => {
    const db = await emptyDb()
    const files = await readMigrations()
    const first = await migrate(db.url)
    expect(first.applied).toEqual(files.map((f) => f.name))
    const rows = await db.sql<{ name: string; checksum: string }[]>`select name, checksum from schema_migrations order by version`
    expect(rows.map((r) => r.name)).toEqual(files.map((f) => f.name))
    expect(rows.map((r) => r.checksum)).toEqual(files.map((f) => f.checksum))
    for (const row of rows) expect(row.checksum).toMatch(/^[0-9a-f]{64}$/)
    const [worker] =
      await db.sql`select to_regprocedure('graphile_worker.add_job(text,json,text,timestamptz,integer,text,integer,text[],text)') is not null as ok`
    expect(worker?.["ok"]).toBe(true)

    const second = await migrate(db.url)
    expect(second.applied).toEqual([])
  })

  it("two processes migrating at once both succeed and each file is applied once (advisory lock)", async () => {
    const db = await emptyDb()
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)])
    const all = results.flatMap((r) => r.applied)
    const files = await readMigrations(defaultMigrationsDir)
    expect([...all].sort()).toEqual(files.map((f) => f.name))
    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from schema_migrations`
    expect(count?.n).toBe(files.length)
  })
})

describe("migrate: refusing a history that does not match the files", () => {
  const base = {
    "0001_first.sql": "create table a (id int primary key);\n",
    "0002_second.sql": "create table b (id int primary key);\n"
  }

  it("refuses an applied file that was edited, naming the file and both checksums", async () => {
    const db = await emptyDb()
    const dir = await scratchDir(base)
    await migrate(db.url, { dir, ...noGraphile })
    await appendFile(join(dir, "0002_second.sql"), "alter table b add column x int;\n")
    await expect(migrate(db.url, { dir, ...noGraphile })).rejects.toThrow(
      /^migration 0002_second\.sql was edited after it was applied: checksum [0-9a-f]{64} != [0-9a-f]{64}/
    )
    // nothing of the edit ran
    const [col] = await db.sql`select count(*)::int as n from information_schema.columns where table_name = 'b' and column_name = 'x'`
    expect(col?.["n"]).toBe(0)
  })

  it("refuses when an applied file has gone missing", async () => {
    const db = await emptyDb()
    const dir = await scratchDir(base)
    await migrate(db.url, { dir, ...noGraphile })
    await unlink(join(dir, "0001_first.sql"))
    await expect(migrate(db.url, { dir, ...noGraphile })).rejects.toThrow(/migration 0001_first\.sql was applied but its file is missing/)
  })

  it("refuses a new file numbered before the latest applied one", async () => {
    const db = await emptyDb()
    const dir = await scratchDir({ "0001_first.sql": base["0001_first.sql"], "0003_third.sql": "create table c (id int);\n" })
    await migrate(db.url, { dir, ...noGraphile })
    await writeFile(join(dir, "0002_late.sql"), "create table late (id int);\n")
    await expect(migrate(db.url, { dir, ...noGraphile })).rejects.toThrow(/migration 0002_late\.sql is numbered before the latest applied migration \(0003\)/)
  })

  it("refuses a badly named file instead of skipping it", async () => {
    const db = await emptyDb()
    const dir = await scratchDir({ ...base, "3_oops.sql": "select 1;" })
    await expect(migrate(db.url, { dir, ...noGraphile })).rejects.toThrow(/3_oops\.sql is not named NNNN_lower_snake_name\.sql/)
  })

  it("a failing file leaves nothing behind and names the file and line", async () => {
    const db = await emptyDb()
    const dir = await scratchDir({
      ...base,
      "0003_broken.sql": "create table d (id int primary key);\ninsert into d values (1);\nselect * from no_such_table;\n"
    })
    await expect(migrate(db.url, { dir, ...noGraphile })).rejects.toThrow(
      /migration 0003_broken\.sql failed \(line 3\): relation "no_such_table" does not exist/
    )
    const [d] = await db.sql`select to_regclass('d') is null as gone`
    expect(d?.["gone"]).toBe(true)
    const names = await db.sql<{ name: string }[]>`select name from schema_migrations order by version`
    expect(names.map((r) => r.name)).toEqual(["0001_first.sql", "0002_second.sql"])
  })

  it("the real migrations directory can be copied and re-applied from scratch (forward-only files are self-contained)", async () => {
    const db = await emptyDb()
    const dir = await mkdtemp(join(tmpdir(), "amana-migrations-copy-"))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    await cp(defaultMigrationsDir, dir, { recursive: true })
    const { applied } = await migrate(db.url, { dir })
    expect(applied.length).toBe((await readMigrations()).length)
  })
})
