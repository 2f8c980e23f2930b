/**
 * What an admin writes into the audit log is held to one rule (application/admin/record-admin-action.ts):
 * trimmed, at most 2,000 characters, no control characters (they only hide what a note says: an
 * escape sequence that clears the line when an auditor reads the log in a terminal, a bell, a
 * backspace). The required reasons were; the optional notes and "End all sessions"' reason were
 * stored as typed, up to the body limit. Each is now refused as a notice, and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { seedDemo } from "../../adapters/postgres/seed.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { AdminBrowser } from "../support/admin-browser.js"
import { useTestDatabase } from "../support/test-database.js"
import { startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
const ADMIN = { email: "notes-root@amana.test", password: "a-long-enough-password-1" }
let api: Api
let admin: AdminBrowser

beforeAll(async () => {
  await seedDemo(db.sql)
  api = await startApi(db.sql)
  await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, () => undefined)
  admin = await new AdminBrowser(api.url).login(ADMIN)
})
afterAll(async () => {
  await api?.close()
})

const HIDING = "checked with the seller\u001b[2K\rnothing to see"
const TOO_LONG = "x".repeat(2_001)
const auditRows = async () => (await db.sql`select count(*)::int as n from audit_log`)[0]!["n"] as number

describe("an admin's note or reason is bounded and has no control characters", () => {
  it("End all sessions: a reason with an escape sequence, or over 2,000 characters, is refused; nothing is audited", async () => {
    const [user] = await db.sql<Array<{ id: string }>>`select id from users order by id limit 1`
    const before = await auditRows()
    for (const reason of [HIDING, TOO_LONG]) {
      const r = await admin.send("POST", `/admin/api/resources/users/records/${user!.id}/revokeSessions`, { json: { reason } })
      expect([r.status, r.json?.notice?.type]).toEqual([200, "error"])
    }
    expect(await auditRows()).toBe(before)
    const ok = await admin.send("POST", `/admin/api/resources/users/records/${user!.id}/revokeSessions`, { json: { reason: "stolen phone" } })
    expect(ok.json?.notice?.type).toBe("success")
  })

  it("Verify a product: an optional note with a control character, or over 2,000 characters, is refused; the product stays under review", async () => {
    const [product] = await db.sql<
      Array<{ id: string; version: number }>
    >`update products set state = 'PENDING_REVIEW' where id = (select id from products order by id limit 1) returning id, version`
    const before = await auditRows()
    for (const reason of [HIDING, TOO_LONG]) {
      const r = await admin.send("POST", `/admin/api/resources/products/records/${product!.id}/verify`, { json: { reason } })
      expect([r.status, r.json?.notice?.type]).toEqual([200, "error"])
    }
    expect((await db.sql`select state from products where id = ${product!.id}`)[0]).toEqual({ state: "PENDING_REVIEW" })
    expect(await auditRows()).toBe(before)
    const ok = await admin.send("POST", `/admin/api/resources/products/records/${product!.id}/verify`, {
      json: { reason: "", reviewedVersion: String(product!.version) }
    })
    expect(ok.json?.notice?.type).toBe("success")
  })
})
