/**
 * The payout destination changes only with a fresh code sent to an OWNER's own phone, so that a
 * stolen session or a phished login code cannot move a store's money (docs/decisions.md, seller
 * onboarding). Making someone an OWNER must not be the way around it: a new OWNER changes the payout
 * destination with a code sent to *their* phone, and may remove the store's other owners. So adding
 * or promoting an OWNER takes a fresh code of its own, sent to the acting owner's phone
 * (POST /api/v1/seller/staff/owner-code); adding STAFF does not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, randomPhone, seedShop, sessionFor, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api

beforeAll(async () => {
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api.close()
})

const latestCode = async (phone: string, template: string) => {
  const inbox = await call(api, "GET", `/dev/messages?to=${phone}&limit=100`)
  const message = (inbox.body.items as Array<{ template: string; params: Array<string> }>).find((m) => m.template === template)
  return message?.params[0]
}
const membersOf = async (storeId: string) =>
  (await db.sql`select u.phone, m.role from store_members m join users u on u.id = m.user_id where m.store_id = ${storeId} order by u.phone`).map(
    (r) => `${String(r["phone"])}:${String(r["role"])}`
  )

describe("making someone an OWNER of a store", () => {
  it("a session alone (no fresh code) cannot add an OWNER or promote STAFF to OWNER; adding STAFF needs none", async () => {
    const shop = await seedShop(db.sql, { promotions: false })
    const stolen = await sessionFor(db.sql, shop.seller.id)
    const attacker = randomPhone()
    const added = await call(api, "POST", "/api/v1/seller/staff", { token: stolen, body: { phone: attacker, role: "OWNER" } })
    expect(added.status, JSON.stringify(added.body)).toBe(403)
    expect(added.body).toMatchObject({ code: "AUTH.STEP_UP_REQUIRED" })
    expect(await membersOf(shop.storeId)).toEqual([`${shop.seller.phone}:OWNER`])

    const staff = await call(api, "POST", "/api/v1/seller/staff", { token: stolen, body: { phone: attacker, role: "STAFF" } })
    expect(staff.status, JSON.stringify(staff.body)).toBe(201)
    const promoted = await call(api, "POST", "/api/v1/seller/staff", { token: stolen, body: { phone: attacker, role: "OWNER", code: "123456" } })
    expect(promoted.body).toMatchObject({ status: 403, code: "AUTH.STEP_UP_INVALID" })
    expect((await membersOf(shop.storeId)).sort()).toEqual([`${attacker}:STAFF`, `${shop.seller.phone}:OWNER`].sort())
  })

  it("with the code sent to the acting owner's phone for this purpose (a payout code does not do)", async () => {
    const shop = await seedShop(db.sql, { promotions: false })
    const token = await sessionFor(db.sql, shop.seller.id)
    const partner = randomPhone()
    expect((await call(api, "POST", "/api/v1/seller/store/payout-method/code", { token })).status).toBe(202)
    const payoutCode = await latestCode(shop.seller.phone, "step_up_code")
    const wrongPurpose = await call(api, "POST", "/api/v1/seller/staff", { token, body: { phone: partner, role: "OWNER", code: payoutCode } })
    expect(wrongPurpose.body).toMatchObject({ status: 403, code: "AUTH.STEP_UP_INVALID" })

    expect((await call(api, "POST", "/api/v1/seller/staff/owner-code", { token })).status).toBe(202)
    const code = await latestCode(shop.seller.phone, "step_up_owner_code")
    expect(code).toMatch(/^\d{6}$/)
    const added = await call(api, "POST", "/api/v1/seller/staff", { token, body: { phone: partner, role: "OWNER", code } })
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    expect(added.body).toMatchObject({ role: "OWNER" })
    // spent: the same code does not make a second owner
    const again = await call(api, "POST", "/api/v1/seller/staff", { token, body: { phone: randomPhone(), role: "OWNER", code } })
    expect(again.body).toMatchObject({ status: 403, code: "AUTH.STEP_UP_INVALID" })
  })
})
