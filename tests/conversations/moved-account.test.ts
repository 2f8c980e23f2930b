/**
 * A chat account (a WhatsApp number, an Instagram account) serves one store (docs/decisions.md,
 * "connecting a store's chat accounts"): once an admin moves it to another store, the store it left
 * keeps its conversations' history but no longer speaks through the account. Otherwise its staff
 * could go on writing to buyers from a number that is now another store's (replies, "order placed",
 * an M-Pesa prompt), and a reply queued before the move would still leave from it.
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
let left: Awaited<ReturnType<typeof seedShop>>
let joined: Awaited<ReturnType<typeof seedShop>>
let leftToken: string

beforeAll(async () => {
  chat = await startWhatsAppChat(db)
  ;({ api, wa } = chat)
  left = await seedShop(db.sql)
  joined = await seedShop(db.sql, { promotions: false })
  leftToken = await sessionFor(db.sql, left.seller.id)
}, 60_000)
afterAll(async () => {
  await chat.close()
})

const whatsapp = (from: string, text: string) => chat.whatsapp(from, text)
const textsTo = (phone: string) => chat.textsTo(phone)
/** What an admin's "Disconnect a chat channel" then "Connect a chat channel" leave behind. */
const moveAccount = async (to: string) => {
  await db.sql`delete from channel_accounts where channel = 'WHATSAPP' and account_id = ${wa.phoneNumberId}`
  await db.sql`insert into channel_accounts (channel, account_id, store_id) values ('WHATSAPP', ${wa.phoneNumberId}, ${to})`
}

describe("a chat account moved to another store", () => {
  it("the store it left can no longer reply, confirm or have a queued reply sent through it; its history stays readable", async () => {
    await db.sql`insert into channel_accounts (channel, account_id, store_id) values ('WHATSAPP', ${wa.phoneNumberId}, ${left.storeId})`
    const buyer = randomPhone()
    await whatsapp(buyer, "agent tafadhali")
    await eventually("the queued acknowledgement", async () => textsTo(buyer)[0])
    const id = String((await db.sql`select id from conversations where customer = ${buyer} and store_id = ${left.storeId}`)[0]!["id"])
    const draft = await call(api, "PUT", `/api/v1/seller/conversations/${id}/draft`, {
      token: leftToken,
      body: { lines: [{ variantId: left.dress.variantId, quantity: 1 }], destination: "KE-047-westlands" }
    })
    expect(draft.status, JSON.stringify(draft.body)).toBe(200)

    // a staff reply queued just before the move, whose first send is put off (Cloud API rate limit) until after it
    wa.failNext("rate_limit")
    const queued = await call(api, "POST", `/api/v1/seller/conversations/${id}/messages`, { token: leftToken, body: { text: "queued before the move" } })
    expect(queued.status).toBe(202)
    await eventually("the first send put off", async () => wa.requests.some((r) => r.status === 429))
    await moveAccount(joined.storeId)

    {
      const reply = await call(api, "POST", `/api/v1/seller/conversations/${id}/messages`, { token: leftToken, body: { text: "still us, pay here" } })
      expect(reply.status, JSON.stringify(reply.body)).toBe(409)
      expect(reply.body).toMatchObject({ code: "CONVERSATION.CHANNEL_GONE" })
      const confirm = await call(api, "POST", `/api/v1/seller/conversations/${id}/confirm`, { token: leftToken })
      expect(confirm.status, JSON.stringify(confirm.body)).toBe(409)
      expect(confirm.body).toMatchObject({ code: "CONVERSATION.CHANNEL_GONE" })
      expect(await db.sql`select 1 from checkouts c join users u on u.id = c.buyer_id where u.phone = ${buyer}`).toHaveLength(0)

      const failed = await eventually("the queued reply settled", async () => {
        const rows = await db.sql`select status, last_error from conversation_messages where id = ${String(queued.body["messageId"])} and status <> 'QUEUED'`
        return rows[0]
      })
      expect(failed).toMatchObject({ status: "FAILED" })
      expect(textsTo(buyer)).not.toContain("queued before the move")
      expect(textsTo(buyer)).not.toContain("still us, pay here")

      const history = await call(api, "GET", `/api/v1/seller/conversations/${id}`, { token: leftToken })
      expect(history.status).toBe(200)
    }
  })
})
