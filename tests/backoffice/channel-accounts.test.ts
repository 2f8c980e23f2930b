/**
 * Connecting a store's chat accounts in the back-office (issue 14): a PLATFORM_ADMIN routes a
 * WhatsApp phone number id or an Instagram account id to a store; one account serves one store; bad
 * ids are refused; every change is audited; an AUDITOR is refused by the gate and changes nothing.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import type { AdminUserId } from "../../domain/ids.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { AdminBrowser } from "../support/admin-browser.js"
import { useTestDatabase } from "../support/test-database.js"
import { seedShop, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
const ADMIN = { email: "channels-root@amana.test", password: "a-long-enough-password-c1" }
const AUDITOR = { email: "channels-auditor@amana.test", password: "a-long-enough-password-c2" }
let api: Api
let admin: AdminBrowser
let a: Awaited<ReturnType<typeof seedShop>>
let b: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  a = await seedShop(db.sql)
  b = await seedShop(db.sql, { promotions: false })
  api = await startApi(db.sql)
  await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, () => undefined)
  const [first] = await db.sql<Array<{ id: AdminUserId }>>`select id from admin_users where email = ${ADMIN.email}`
  const root: AdminActor = { id: first!.id, email: ADMIN.email, role: "PLATFORM_ADMIN" }
  await api.runtime.runPromise(Effect.asVoid(createAdminUser(root, { ...AUDITOR, role: "AUDITOR" })))
  admin = await new AdminBrowser(api.url).login(ADMIN)
})
afterAll(async () => {
  await api?.close()
})

const act = async (who: AdminBrowser, storeId: string, action: string, form: Record<string, string>) => {
  const r = await who.send("POST", `/admin/api/resources/sellers/records/${storeId}/${action}`, { json: form })
  return { status: r.status, notice: r.json?.notice as { type: string; message: string } | undefined, code: r.json?.code as string | undefined }
}
const routes = () => db.sql`select channel, account_id, store_id from channel_accounts order by channel, account_id`

describe("chat accounts in the back-office", () => {
  it("connects, refuses a second store and bad ids, disconnects; audited; the store's row lists them", async () => {
    const wa = "106540352242922"
    expect((await act(admin, a.storeId, "connectChannel", { channel: "WHATSAPP", account: ` ${wa} ` })).notice).toEqual({
      type: "success",
      message: `WHATSAPP ${wa} now routes its chats to this store`
    })
    expect((await act(admin, a.storeId, "connectChannel", { channel: "INSTAGRAM", account: "17841400000000001" })).notice?.type).toBe("success")
    expect((await act(admin, a.storeId, "connectChannel", { channel: "WHATSAPP", account: wa })).notice?.message).toBe("It already serves this store")
    const taken = await act(admin, b.storeId, "connectChannel", { channel: "WHATSAPP", account: wa })
    expect(taken.notice).toEqual({ type: "error", message: expect.stringContaining("already serves another store") })
    for (const [channel, account] of [
      ["WHATSAPP", "abc"],
      ["WHATSAPP", "12"],
      ["SMS", "106540352242999"]
    ] as const)
      expect((await act(admin, b.storeId, "connectChannel", { channel, account })).notice?.type).toBe("error")
    expect(await routes()).toEqual([
      { channel: "INSTAGRAM", account_id: "17841400000000001", store_id: a.storeId },
      { channel: "WHATSAPP", account_id: wa, store_id: a.storeId }
    ])
    const row = await admin.page(`/admin/api/resources/sellers/records/${a.storeId}/show`)
    expect(JSON.parse(row.html).record.params.channels).toBe(`INSTAGRAM 17841400000000001, WHATSAPP ${wa}`)

    // an auditor reads but cannot connect or disconnect
    const auditor = await new AdminBrowser(api.url).login(AUDITOR)
    expect((await act(auditor, b.storeId, "connectChannel", { channel: "WHATSAPP", account: "106540352242999" })).code).toBe("ADMIN.FORBIDDEN")
    expect((await act(auditor, a.storeId, "disconnectChannel", { channel: "WHATSAPP", account: wa })).code).toBe("ADMIN.FORBIDDEN")

    // disconnecting from the wrong store is refused; from its store it frees the account for another
    expect((await act(admin, b.storeId, "disconnectChannel", { channel: "WHATSAPP", account: wa })).notice?.type).toBe("error")
    expect((await act(admin, a.storeId, "disconnectChannel", { channel: "WHATSAPP", account: wa })).notice?.type).toBe("success")
    expect((await act(admin, b.storeId, "connectChannel", { channel: "WHATSAPP", account: wa })).notice?.type).toBe("success")
    expect(await db.sql`select store_id from channel_accounts where channel = 'WHATSAPP'`).toEqual([{ store_id: b.storeId }])
    expect(
      (await db.sql`select action, entity_id from audit_log where action like 'CHANNEL.%' order by seq`).map((r) => `${r["action"]} ${r["entity_id"]}`)
    ).toEqual([`CHANNEL.CONNECT ${a.storeId}`, `CHANNEL.CONNECT ${a.storeId}`, `CHANNEL.DISCONNECT ${a.storeId}`, `CHANNEL.CONNECT ${b.storeId}`])
  })
})
