/**
 * The demo world a newcomer starts with (`npm start`, seedDemo): its store has a page and a Meta
 * feed under its slug, as the README's "Try it by hand" shows. Before, the demo store had no slug,
 * so both answered 404 STORE.NOT_FOUND on a fresh start.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { seedDemo } from "../../adapters/postgres/seed.js"
import { validateFeedRow } from "../../domain/meta-feed.js"
import { useTestDatabase } from "../support/test-database.js"
import { csvObjects } from "../support/csv.js"
import { call, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api

beforeAll(async () => {
  await seedDemo(db.sql)
  await seedDemo(db.sql) // a second start seeds nothing twice
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

describe("the demo store", () => {
  it("has a page and a Meta feed under its slug", async () => {
    const page = await call(api, "GET", "/api/v1/stores/kitenge-house")
    expect(page.status).toBe(200)
    expect(page.body).toMatchObject({ name: "Kitenge House" })
    const feed = await fetch(`${api.url}/feeds/meta/kitenge-house.csv`)
    expect(feed.status).toBe(200)
    const rows = csvObjects(await feed.text())
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) expect(validateFeedRow(row)).toEqual([])
  })

  it("a database seeded before slugs gets the demo store's slug on the next start", async () => {
    await db.owner`update stores set slug = null where id = 'sto_kitenge_house'`
    await seedDemo(db.sql)
    expect((await db.sql`select slug from stores where id = 'sto_kitenge_house'`)[0]?.["slug"]).toBe("kitenge-house")
  })
})
