/**
 * A buyer's WhatsApp STOP is an opt-out from cart reminders however much they write afterwards.
 * Chat commerce means many messages: a STOP followed by fifty messages (to shops on Amana's numbers,
 * "asante", questions) must still stop the next reminder.
 */
import { createHmac } from "node:crypto"
import { Effect, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { recoverAbandonedCarts } from "../../application/cart-recovery/recover-carts.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, seedShop } from "../api/support.js"
import { startPlatform, WA_APP_SECRET } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
let api: Platform
let shop: Awaited<ReturnType<typeof seedShop>>
const H = 3_600_000
const DAY = 24 * H
// yesterday 10:00 in Nairobi (07:00 UTC), outside the quiet hours
const T0 = Math.floor(Date.now() / DAY) * DAY - DAY + 7 * H

beforeAll(async () => {
  api = await startPlatform(db)
  shop = await seedShop(db.sql)
}, 60_000)
afterAll(async () => {
  await api?.close()
})

const sweepAt = (now: number) =>
  api.runtime.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      return yield* recoverAbandonedCarts()
    }).pipe(Effect.provide(TestContext.TestContext))
  )

const cartTemplates = async (phone: string): Promise<Array<string>> =>
  (await call(api, "GET", `/dev/messages?to=${phone}&limit=100`)).body.items
    .map((m: { template: string }) => m.template)
    .filter((t: string) => t.startsWith("cart_"))

const inbound = async (messages: ReadonlyArray<{ from: string; id: string; at: number; text: string }>) => {
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
              metadata: { phone_number_id: "PNID" },
              messages: messages.map((m) => ({ from: m.from, id: m.id, timestamp: String(Math.floor(m.at / 1000)), type: "text", text: { body: m.text } }))
            }
          }
        ]
      }
    ]
  })
  const signature = `sha256=${createHmac("sha256", WA_APP_SECRET).update(body).digest("hex")}`
  const posted = await call(api, "POST", "/api/v1/webhooks/whatsapp", { raw: body, headers: { "x-hub-signature-256": signature } })
  expect(posted.status, JSON.stringify(posted.body)).toBe(200)
}

describe("cart reminders and STOP", () => {
  it("a STOP followed by fifty other messages still stops the reminders, and is kept as the phone's opt-out", async () => {
    const buyer = await newBuyer(db.sql)
    const added = await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId: shop.dress.variantId, quantity: 2 } })
    expect(added.status, JSON.stringify(added.body)).toBeLessThan(300)
    const cartId = String((await db.sql`select id from carts where buyer_id = ${buyer.id} and state = 'ACTIVE'`)[0]!["id"])
    await db.owner`update carts set updated_at = ${new Date(T0)}, created_at = ${new Date(T0)} where id = ${cartId}`
    await db.owner`update cart_items set added_at = ${new Date(T0)} where cart_id = ${cartId}`

    await sweepAt(T0 + H)
    expect(await cartTemplates(buyer.phone)).toEqual(["cart_reminder"])

    await inbound([
      { from: buyer.phone, id: `wamid.STOP.${buyer.id}`, at: T0 + 2 * H, text: "STOP" },
      ...Array.from({ length: 50 }, (_, i) => ({
        from: buyer.phone,
        id: `wamid.after.${buyer.id}.${i}`,
        at: T0 + 2 * H + (i + 1) * 60_000,
        text: `asante sana ${i}`
      }))
    ])
    await sweepAt(T0 + DAY)
    await sweepAt(T0 + 3 * DAY)
    expect(await cartTemplates(buyer.phone)).toEqual(["cart_reminder"])
    expect((await db.sql`select stopped from cart_recovery where cart_id = ${cartId}`)[0]).toMatchObject({ stopped: "OPTED_OUT" })
    expect(await db.sql`select wamid from whatsapp_opt_outs where phone = ${buyer.phone}`).toEqual([{ wamid: `wamid.STOP.${buyer.id}` }])
  })
})
