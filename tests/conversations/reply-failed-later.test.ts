/**
 * Some WhatsApp failures arrive only later, as a `failed` status webhook (shared/protocols/WHATSAPP.md).
 * A chat reply Meta accepted and then could not deliver must show FAILED in the conversation, with
 * Meta's reason, so the store's staff do not believe the buyer read it.
 */
import { createHmac } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { randomPhone, seedShop } from "../api/support.js"
import { eventually, WA_APP_SECRET } from "../fulfilment/support.js"
import { startWhatsAppChat } from "./support.js"
import type { WhatsAppChat } from "./support.js"

const db = useTestDatabase()
let chat: WhatsAppChat

beforeAll(async () => {
  chat = await startWhatsAppChat(db)
  const shop = await seedShop(db.sql)
  await db.sql`insert into channel_accounts (channel, account_id, store_id) values ('WHATSAPP', ${chat.wa.phoneNumberId}, ${shop.storeId})`
}, 60_000)
afterAll(() => chat.close())

const failedStatus = async (wamid: string, recipient: string) => {
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "WABA",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "254700000000", phone_number_id: chat.wa.phoneNumberId },
              statuses: [
                {
                  id: wamid,
                  status: "failed",
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  recipient_id: recipient,
                  errors: [{ code: 131026, title: "Message undeliverable", error_data: { details: "the recipient is not on WhatsApp" } }]
                }
              ]
            }
          }
        ]
      }
    ]
  })
  const res = await fetch(`${chat.api.url}/api/v1/webhooks/whatsapp`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${createHmac("sha256", WA_APP_SECRET).update(body).digest("hex")}` },
    body
  })
  expect(res.status).toBe(200)
}

describe("a chat reply that fails after it was accepted", () => {
  it("a later `failed` status marks the reply FAILED in the conversation, with Meta's reason", async () => {
    const buyer = randomPhone()
    await chat.whatsapp(buyer, "habari")
    const reply = await eventually("the bot's reply, sent", async () => {
      const rows = await db.sql`
        select m.id, m.provider_message_id from conversation_messages m join conversations c on c.id = m.conversation_id
         where c.customer = ${buyer} and m.direction = 'OUT' and m.status = 'SENT'`
      return rows[0]
    })
    await failedStatus(String(reply["provider_message_id"]), buyer)
    const [after] = await db.sql`select status, last_error from conversation_messages where id = ${reply["id"]}`
    expect(after).toMatchObject({ status: "FAILED" })
    expect(String(after!["last_error"])).toContain("131026")
  })
})
