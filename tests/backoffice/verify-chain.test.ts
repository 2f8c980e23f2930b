/**
 * The back-office's "Verify chain" over HTTP (issue 10 item 14): it checks the audit chain in the
 * database and the anchors only the app's AUDIT_ANCHOR_KEY can make, so a superuser who rewrites an
 * entry and recomputes every hash and the head (which audit_verify_chain() then calls intact) is
 * caught by the verify action; an intact chain's answer names the newest anchor, to be noted
 * outside Amana.
 */
import type { AdminUserId } from "../../domain/ids.js"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { seedDemo } from "../../adapters/postgres/seed.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { AdminBrowser } from "../support/admin-browser.js"
import { useTestDatabase } from "../support/test-database.js"
import { startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
const ADMIN = { email: "root@amana.test", password: "a-long-enough-password-1" }
const AUDITOR = { email: "auditor@amana.test", password: "a-long-enough-password-2" }
let api: Api
let auditor: AdminBrowser

beforeAll(async () => {
  await seedDemo(db.sql)
  api = await startApi(db.sql)
  await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, () => undefined)
  const [first] = await db.sql<Array<{ id: AdminUserId }>>`select id from admin_users where email = ${ADMIN.email}`
  const root: AdminActor = { id: first!.id, email: ADMIN.email, role: "PLATFORM_ADMIN" }
  for (const email of ["a@amana.test", "b@amana.test", "c@amana.test"])
    await api.runtime.runPromise(Effect.asVoid(createAdminUser(root, { email, password: "a-long-enough-password-9", role: "CATALOG_REVIEWER" })))
  await api.runtime.runPromise(Effect.asVoid(createAdminUser(root, { ...AUDITOR, role: "AUDITOR" })))
  auditor = await new AdminBrowser(api.url).login(AUDITOR)
})
afterAll(async () => {
  await api?.close()
})

const verify = async (): Promise<{ message: string; type: string }> => {
  await auditor.page("/admin/resources/audit_log/actions/verifyChain")
  const r = await auditor.send("POST", "/admin/api/resources/audit_log/actions/verifyChain", { json: {} })
  expect(r.status, r.text.slice(0, 300)).toBe(200)
  return r.json.notice
}
const databaseSays = async () => (await db.sql<Array<{ broken: number | null }>>`select audit_verify_chain() as broken`)[0]?.broken ?? null

describe("Verify chain in the back-office", () => {
  it("an intact chain: every entry verified, and the newest anchor named", async () => {
    const rows = await db.sql<Array<{ seq: number; mac: string }>>`select l.seq, a.mac from audit_log l join audit_anchors a using (seq) order by seq`
    expect(rows.length).toBeGreaterThanOrEqual(4)
    const newest = rows[rows.length - 1]!
    const notice = await verify()
    expect(notice.type).toBe("success")
    expect(notice.message).toContain(`The chain is intact: ${newest.seq} entries verified; newest anchor #${newest.seq} ${newest.mac.slice(0, 16)}`)
  })

  it("a superuser's rewrite with every hash and the head recomputed passes audit_verify_chain(), not the verify action", async () => {
    await db.owner.begin(async (tx) => {
      await tx`set local session_replication_role = replica`
      await tx`update audit_log set reason = 'nothing happened', after = null where seq = 2`
      const rows = await tx<Array<{ seq: number }>>`select seq from audit_log where seq >= 2 order by seq`
      for (const r of rows) {
        await tx`update audit_log l set prev_hash = (select p.hash from audit_log p where p.seq = l.seq - 1) where seq = ${r.seq}`
        await tx`update audit_log set hash = audit_row_digest(prev_hash, audit_log) where seq = ${r.seq}`
      }
      await tx`update audit_chain_head set last_hash = (select hash from audit_log order by seq desc limit 1)`
    })
    expect(await databaseSays()).toBeNull()
    const notice = await verify()
    expect(notice).toMatchObject({ type: "error" })
    expect(notice.message).toContain("the first entry that does not verify is #2")
  })
})
