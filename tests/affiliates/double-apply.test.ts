/**
 * A double tap on "apply to become an affiliate": two requests of one user at once. The second must
 * get the same 409 AFFILIATE.APPLICATION_OPEN a later one gets, never a 503 from the database's
 * one-open-application index (docs/decisions.md, thirteenth session).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api

beforeAll(async () => {
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

describe("applying to become an affiliate twice at once", () => {
  it("one application is opened; the concurrent second is 409 AFFILIATE.APPLICATION_OPEN, never a 5xx", async () => {
    for (let round = 0; round < 8; round++) {
      const user = await newBuyer(db.sql)
      const apply = () => call(api, "POST", "/api/v1/affiliate/apply", { token: user.token, body: { pitch: "I run a WhatsApp group in Nakuru" } })
      const answers = await Promise.all([apply(), apply(), apply()])
      const statuses = answers.map((a) => a.status).sort()
      expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([201, 409, 409])
      for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe("AFFILIATE.APPLICATION_OPEN")
      const open = await db.sql`select id from affiliate_applications where user_id = ${user.id} and state = 'PENDING'`
      expect(open).toHaveLength(1)
    }
  })
})
