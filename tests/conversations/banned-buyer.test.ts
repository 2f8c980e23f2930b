/**
 * A suspended or banned user cannot log in, and their sessions end (docs/decisions.md, users'
 * standing): they cannot buy through the API. A chat must not be the way around it: a checkout
 * placed from a chat (the buyer's YES, or the store's staff confirming a draft) is for the user who
 * owns the payer's phone, and is refused when that user is not ACTIVE.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, randomPhone, seedShop, sessionFor } from "../api/support.js"
import { eventually } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { startWhatsAppChat } from "./support.js"
import type { WhatsAppChat } from "./support.js"

const db = useTestDatabase()
let api: Platform
let wa: FakeWhatsApp
let chat: WhatsAppChat
let shop: Awaited<ReturnType<typeof seedShop>>
let staffToken: string

beforeAll(async () => {
  chat = await startWhatsAppChat(db)
  ;({ api, wa } = chat)
  shop = await seedShop(db.sql)
  staffToken = await sessionFor(db.sql, shop.seller.id)
  await db.sql`insert into channel_accounts (channel, account_id, store_id) values ('WHATSAPP', ${wa.phoneNumberId}, ${shop.storeId})`
}, 60_000)
afterAll(async () => {
  await chat.close()
})

const whatsapp = (from: string, text: string) => chat.whatsapp(from, text)
const textsTo = (phone: string) => chat.textsTo(phone)
const checkoutsOf = async (phone: string) => (await db.sql`select c.id from checkouts c join users u on u.id = c.buyer_id where u.phone = ${phone}`).length
const banned = async (status: "BANNED" | "SUSPENDED") => {
  const phone = randomPhone()
  await db.sql`insert into users (id, phone, roles, status) values (${`usr_${status.toLowerCase()}_${phone}`}, ${phone}, array['BUYER'], ${status})`
  return phone
}

describe("a user who may not buy cannot buy through a chat", () => {
  it("a banned buyer's YES places no checkout and sends no M-Pesa prompt: a person gets the conversation", async () => {
    const buyer = await banned("BANNED")
    await whatsapp(buyer, "Habari! Nataka kitenge dress mbili, niletee Westlands tafadhali")
    await eventually("the summary", async () => textsTo(buyer)[0])
    await whatsapp(buyer, "YES")
    await eventually("the second reply", async () => textsTo(buyer)[1])
    expect(await checkoutsOf(buyer)).toBe(0)
    expect(api.fake.pushes.some((p) => p.phone === buyer)).toBe(false)
    expect((await db.sql`select mode from conversations where customer = ${buyer}`)[0]).toMatchObject({ mode: "QUEUED" })
  })

  it("staff cannot confirm a draft whose payer is a suspended user: 403 AUTH.ACCOUNT_NOT_ACTIVE, no checkout", async () => {
    const writer = randomPhone()
    await whatsapp(writer, "agent tafadhali")
    await eventually("the acknowledgement", async () => textsTo(writer)[0])
    const id = String((await db.sql`select id from conversations where customer = ${writer}`)[0]!["id"])
    const payer = await banned("SUSPENDED")
    const draft = await call(api, "PUT", `/api/v1/seller/conversations/${id}/draft`, {
      token: staffToken,
      body: { lines: [{ variantId: shop.dress.variantId, quantity: 1 }], destination: "KE-047-westlands", phone: payer }
    })
    expect(draft.status, JSON.stringify(draft.body)).toBe(200)
    const confirm = await call(api, "POST", `/api/v1/seller/conversations/${id}/confirm`, { token: staffToken })
    expect(confirm.status, JSON.stringify(confirm.body)).toBe(403)
    expect(confirm.body).toMatchObject({ code: "AUTH.ACCOUNT_NOT_ACTIVE" })
    expect(await checkoutsOf(payer)).toBe(0)
  })
})
