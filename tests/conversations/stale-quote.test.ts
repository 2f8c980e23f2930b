/**
 * A chat's YES answers the summary the bot sent ("Total: KES X. Reply YES to pay"): it is the
 * buyer's consent to that total. When the price has changed since (a promotion ended, shipping
 * changed), the YES must not place a checkout and push an M-Pesa prompt for another amount: the bot
 * sends the new summary and waits for a YES to it.
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { randomPhone, seedShop } from "../api/support.js"
import { eventually } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { startWhatsAppChat } from "./support.js"
import type { WhatsAppChat } from "./support.js"
import { insertPromotion } from "../../adapters/postgres/seed.js"

const db = useTestDatabase()
let api: Platform
let wa: FakeWhatsApp
let chat: WhatsAppChat
let shop: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  chat = await startWhatsAppChat(db)
  ;({ api, wa } = chat)
  shop = await seedShop(db.sql)
  await db.sql`insert into channel_accounts (channel, account_id, store_id) values ('WHATSAPP', ${wa.phoneNumberId}, ${shop.storeId})`
}, 60_000)
afterAll(async () => {
  await chat.close()
})

const whatsapp = (from: string, text: string) => chat.whatsapp(from, text)
const textsTo = (phone: string) => chat.textsTo(phone)
const nthReply = (phone: string, n: number) => eventually(`reply ${n} to ${phone}`, async () => textsTo(phone)[n - 1])

describe("a YES to a summary whose price has changed", () => {
  it("places nothing and pushes nothing: the new summary is sent, and a YES to it pays what it says", async () => {
    // this store's own promotion, above the platform-wide 10%: 30% off, no cap
    const promotionId = `promo_chat_${randomBytes(4).toString("hex")}`
    await insertPromotion(db.sql, {
      id: promotionId,
      name: "30% off this store",
      priority: 100,
      startsAt: new Date(Date.now() - 60_000),
      endsAt: new Date(Date.now() + 86_400_000),
      scope: { _tag: "SELLER", storeIds: [shop.storeId] } as never,
      effect: { _tag: "PERCENT_OFF", bps: 3_000 }
    })
    const buyer = randomPhone()
    await whatsapp(buyer, "Habari! Nataka kitenge dress mbili, niletee Westlands tafadhali")
    const first = await nthReply(buyer, 1)
    // 2 x 2,500 - 30% + shipping 250
    expect(first).toContain("Total: KES 3,750")

    await db.sql`update promotions set status = 'PAUSED' where id = ${promotionId}`
    await whatsapp(buyer, "YES")
    const second = await nthReply(buyer, 2)
    await new Promise((r) => setTimeout(r, 300))
    expect(api.fake.pushes.filter((p) => p.phone === buyer)).toEqual([])
    expect((await db.sql`select c.id from checkouts c join users u on u.id = c.buyer_id where u.phone = ${buyer}`).length).toBe(0)
    // the new summary: 2 x 2,500 - 10% (capped at 500) + shipping 250
    expect(second).toContain("Total: KES 4,750")
    expect(second).toContain("Reply YES to pay")

    await whatsapp(buyer, "YES")
    const push = await eventually("the push", async () => api.fake.pushes.find((p) => p.phone === buyer))
    expect(push.amount).toBe(4_750)
  })
})
