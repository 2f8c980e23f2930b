/**
 * A back-office action answers only on the route of its kind: a resource action on
 * /api/resources/:id/actions/:action, a record action on .../records/:recordId/:action, a bulk
 * action on .../bulk/:action. AdminJS itself runs any action's handler on any of the three, and on
 * the bulk route then throws (its handler must answer a list of records): the write committed and
 * the admin was answered a 500, inviting a second click. The gate now refuses a write (or a read
 * action) on a route not of its kind, before any handler runs.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import type { AdminUserId } from "../../domain/ids.js"
import { seedDemo } from "../../adapters/postgres/seed.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { AdminBrowser } from "../support/admin-browser.js"
import { useTestDatabase } from "../support/test-database.js"
import { startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
const ADMIN = { email: "routes-root@amana.test", password: "a-long-enough-password-1" }
const FINANCE = { email: "routes-finance@amana.test", password: "a-long-enough-password-2" }
let api: Api
let admin: AdminBrowser
let rootId = ""

beforeAll(async () => {
  await seedDemo(db.sql)
  api = await startApi(db.sql)
  await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, () => undefined)
  const [first] = await db.sql<Array<{ id: AdminUserId }>>`select id from admin_users where email = ${ADMIN.email}`
  rootId = first!.id
  const root: AdminActor = { id: first!.id, email: ADMIN.email, role: "PLATFORM_ADMIN" }
  await api.runtime.runPromise(Effect.asVoid(createAdminUser(root, { ...FINANCE, role: "FINANCE" })))
  admin = await new AdminBrowser(api.url).login(ADMIN)
})
afterAll(async () => {
  await api?.close()
})

const refusedByTheGate = (r: { status: number; json?: { code?: string }; headers: Headers }, label: string) => {
  expect([label, r.status, r.json?.code]).toEqual([label, 403, "ADMIN.FORBIDDEN"])
  expect(r.headers.get("content-type")).toContain("application/problem+json")
}

describe("an action answers only on the route of its kind", () => {
  it("a resource action (New admin user) posted to the bulk route creates nothing and is a 403, never a 500 after the write", async () => {
    const newcomer = { email: "bulk-newcomer@amana.test", role: "PLATFORM_ADMIN", password: "a-long-enough-password-3" }
    const bulk = await admin.send("POST", `/admin/api/resources/admin_users/bulk/createAdmin?recordIds=${rootId}`, { json: newcomer })
    expect(await db.sql`select 1 from admin_users where email = ${newcomer.email}`).toHaveLength(0)
    refusedByTheGate(bulk, "bulk")
    const onARecord = await admin.send("POST", `/admin/api/resources/admin_users/records/${rootId}/createAdmin`, { json: newcomer })
    refusedByTheGate(onARecord, "record")
    expect(await db.sql`select 1 from admin_users where email = ${newcomer.email}`).toHaveLength(0)
    expect(await db.sql`select 1 from audit_log where action = 'ADMIN_USER.CREATE' and after->>'email' = ${newcomer.email}`).toHaveLength(0)
    // on its own route it works
    const own = await admin.send("POST", "/admin/api/resources/admin_users/actions/createAdmin", { json: newcomer })
    expect([own.status, own.json?.notice?.type]).toEqual([200, "success"])
  })

  it("a record action (Suspend a user) posted to the bulk or the resource route is refused and changes nothing", async () => {
    const [user] = await db.sql<Array<{ id: string }>>`select id from users where status = 'ACTIVE' order by id limit 1`
    const bulk = await admin.send("POST", `/admin/api/resources/users/bulk/suspend?recordIds=${user!.id}`, { json: { reason: "via bulk" } })
    refusedByTheGate(bulk, "bulk")
    const resource = await admin.send("POST", "/admin/api/resources/users/actions/suspend", { json: { reason: "via resource" } })
    refusedByTheGate(resource, "resource")
    expect((await db.sql`select status from users where id = ${user!.id}`)[0]).toEqual({ status: "ACTIVE" })
  })

  it("a read action on the bulk route (Verify chain, Show) is refused too: a 403, never AdminJS's 500", async () => {
    const finance = await new AdminBrowser(api.url).login(FINANCE)
    const verify = await finance.send("POST", `/admin/api/resources/audit_log/bulk/verifyChain?recordIds=1`, { json: {} })
    refusedByTheGate(verify, "verifyChain")
    const own = await finance.send("POST", "/admin/api/resources/audit_log/actions/verifyChain", { json: {} })
    expect([own.status, own.json?.notice?.type]).toEqual([200, "success"])
  })
})
