import { describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()

describe("seeded Kenyan geography", () => {
  it("has all 47 counties with official codes 001..047", async () => {
    const rows = await db.sql<{ id: string; code: string; name: string }[]>`select id, code, name from locations where kind = 'COUNTY' order by code`
    expect(rows.length).toBe(47)
    expect(rows.map((r) => r.code)).toEqual(Array.from({ length: 47 }, (_, i) => String(i + 1).padStart(3, "0")))
    for (const row of rows) expect(row.id).toBe(`KE-${row.code}`)
    const byCode = Object.fromEntries(rows.map((r) => [r.code, r.name]))
    // a hand-checkable sample of the First Schedule
    expect(byCode).toMatchObject({
      "001": "Mombasa",
      "002": "Kwale",
      "010": "Marsabit",
      "021": "Murang'a",
      "022": "Kiambu",
      "027": "Uasin Gishu",
      "032": "Nakuru",
      "037": "Kakamega",
      "042": "Kisumu",
      "045": "Kisii",
      "047": "Nairobi"
    })
  })

  for (const [county, name] of [
    ["KE-047", "Nairobi"],
    ["KE-001", "Mombasa"],
    ["KE-042", "Kisumu"],
    ["KE-032", "Nakuru"],
    ["KE-027", "Uasin Gishu (Eldoret)"]
  ] as const) {
    it(`${name} has towns, markets and pickup points with addresses and coordinates in Kenya`, async () => {
      const rows = await db.sql<{ id: string; kind: string; address: string | null; lat: string | null; lng: string | null }[]>`
        with recursive tree as (
          select id, kind, address, lat, lng from locations where parent_id = ${county}
          union all
          select l.id, l.kind, l.address, l.lat, l.lng from locations l join tree t on l.parent_id = t.id
        ) select * from tree`
      const kinds = new Set(rows.map((r) => r.kind))
      expect([...kinds].sort()).toEqual(["MARKET", "PICKUP_POINT", "TOWN"])
      for (const row of rows) expect(row.id.startsWith(`${county}-`)).toBe(true)
      for (const point of rows.filter((r) => r.kind === "PICKUP_POINT")) {
        expect(point.address).toBeTruthy()
        expect(Number(point.lat)).toBeGreaterThan(-5)
        expect(Number(point.lat)).toBeLessThan(5)
        expect(Number(point.lng)).toBeGreaterThan(33.9)
        expect(Number(point.lng)).toBeLessThan(42)
      }
    })
  }

  it("a node cannot sit under a node of the same or a lower level", async () => {
    const code = async (run: () => PromiseLike<unknown>) =>
      run().then(
        () => undefined,
        (e: { code?: string }) => e.code
      )
    expect(await code(() => db.sql`insert into locations (id, kind, name, code, parent_id) values ('KE-047-x', 'TOWN', 'X', 'x', 'KE-047-westlands')`)).toBe(
      "23514"
    )
    expect(await code(() => db.sql`insert into locations (id, kind, name, code, parent_id) values ('KE-999', 'COUNTY', 'Nowhere', '999', 'KE-047')`)).toBe(
      "23514"
    )
    expect(await code(() => db.sql`insert into locations (id, kind, name, code) values ('KE-047-y', 'MARKET', 'Y', 'y')`)).toBe("23514")
  })
})
