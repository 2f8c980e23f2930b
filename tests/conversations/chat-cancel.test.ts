/**
 * A buyer who says NO after saying YES. The order is placed and an M-Pesa prompt is on its way: the
 * bot must never answer "the order is cancelled" while the order still waits for payment (the buyer
 * believes it, and the PIN they enter next pays for it). While the prompt may still be on the phone
 * the buyer is told to decline it there; after that the NO cancels the checkout (stock, incentives
 * released) and only then says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { randomPhone, seedShop } from "../api/support.js"
import { eventually } from "../fulfilment/support.js"
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

const nthText = (phone: string, n: number) => eventually(`text ${n} to ${phone}`, async () => chat.textsTo(phone)[n - 1])
const orderStates = async (checkoutId: string) => (await db.sql`select state from orders where checkout_id = ${checkoutId}`).map((r) => String(r["state"]))

describe("NO after YES", () => {
  it("while the prompt may be on the phone the buyer is told to decline it there (nothing claimed cancelled); after, the NO cancels the checkout", async () => {
    const buyer = randomPhone()
    await chat.whatsapp(buyer, "Habari! Nataka kitenge dress mbili, niletee Westlands tafadhali")
    expect(await nthText(buyer, 1)).toContain("Reply YES to pay")
    await chat.whatsapp(buyer, "ndio")
    await eventually("the STK push", async () => chat.api.fake.pushes.find((p) => p.phone === buyer))
    expect(await nthText(buyer, 2)).toContain("M-Pesa PIN")
    const [conversation] = await db.sql`select checkout_id from conversations where customer = ${buyer}`
    const checkoutId = String(conversation!["checkout_id"])

    await chat.whatsapp(buyer, "cancel")
    const third = await nthText(buyer, 3)
    expect(await orderStates(checkoutId)).toEqual(["PENDING_PAYMENT"])
    expect(third).not.toContain("cancelled")
    expect(third).toContain("M-Pesa prompt")

    // the prompt's window has passed
    await db.owner`update mpesa_stk_requests set requested_at = requested_at - interval '5 minutes' where checkout_id = ${checkoutId}`
    await chat.whatsapp(buyer, "cancel")
    expect(await nthText(buyer, 4)).toContain("the order is cancelled")
    expect(await orderStates(checkoutId)).toEqual(["CANCELLED_BY_USER"])
    expect((await db.sql`select state from checkouts where id = ${checkoutId}`)[0]?.["state"]).toBe("CANCELLED")
  })
})
