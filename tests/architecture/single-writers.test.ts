/**
 * Tables with one writer: every row of `exceptions` (the human queue) is added by
 * adapters/postgres/exception-queue.ts, behind the application's ExceptionQueue port. A second
 * `insert into exceptions` anywhere in the code or the migrations fails this test.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "../..")
const SOURCE_DIRS = ["domain", "application", "adapters", "composition", "backoffice", "db", "bench"]

const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|tsx|sql)$/.test(name) ? [path] : []
  })

export const writersOf = (table: string, files: ReadonlyArray<{ readonly path: string; readonly text: string }>) => {
  const insert = new RegExp(`insert\\s+into\\s+(public\\.)?"?${table}"?[\\s(]`, "i")
  return files.filter((f) => insert.test(f.text)).map((f) => f.path)
}

describe("single writers", () => {
  const files = SOURCE_DIRS.flatMap((d) => filesUnder(join(root, d))).map((path) => ({ path: relative(root, path), text: readFileSync(path, "utf8") }))

  it("only the ExceptionQueue adapter inserts into exceptions", () => {
    expect(writersOf("exceptions", files)).toEqual(["adapters/postgres/exception-queue.ts"])
  })

  it("the check sees a second writer (and is not fooled by case or line breaks)", () => {
    const planted = [...files, { path: "adapters/postgres/sneaky.ts", text: "sql`INSERT\n  INTO exceptions (kind) values ('X')`" }]
    expect(writersOf("exceptions", planted)).toEqual(["adapters/postgres/exception-queue.ts", "adapters/postgres/sneaky.ts"])
    expect(writersOf("exceptions", [{ path: "x.ts", text: "insert into exceptions_archive (kind)" }])).toEqual([])
  })
})
