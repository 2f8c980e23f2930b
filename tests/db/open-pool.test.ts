import { describe, expect, it } from "vitest"
import { makePool, openPool } from "../../adapters/postgres/database.js"
import { useTestDatabase } from "../support/test-database.js"

// A server opens its pool before it listens (composition/main.ts): its first concurrent requests
// then find every connection open, instead of each paying a connect, a backend start and the
// password exchange (bench:flash: the first 64 checkouts on a cold pool took twice as long).
const db = useTestDatabase()

const backendsOf = async (applicationName: string) => {
  const [row] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from pg_stat_activity where application_name = ${applicationName}`
  return row!.n
}

describe("openPool", () => {
  it("opens every connection of the pool (max) before any query needs one, and keeps them for the queries after", async () => {
    const applicationName = `amana-open-pool-${process.pid}`
    const pool = makePool(db.url, { max: 4, applicationName, idleTimeoutSeconds: 0 })
    try {
      expect(await backendsOf(applicationName)).toBe(0)
      await openPool(pool)
      expect(await backendsOf(applicationName)).toBe(4)
      // the connections are the pool's: queries use them, none is opened beside them
      await Promise.all(Array.from({ length: 8 }, () => pool`select pg_sleep(0.05)`))
      expect(await backendsOf(applicationName)).toBe(4)
    } finally {
      await pool.end({ timeout: 5 })
    }
  })
})
