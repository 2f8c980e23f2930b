/**
 * A conversation read by the store's staff (GET /api/v1/seller/conversations/:id) shows at most 500
 * messages: the newest 500, in order. A chat longer than that must not show its first 500 and hide
 * everything the buyer wrote since (what the staff must answer).
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

describe("a conversation longer than the page", () => {
  it("shows its newest 500 messages, oldest first", async () => {
    const shop = await seedShop(db.sql, { promotions: false })
    const token = await sessionFor(db.sql, shop.seller.id)
    const customer = randomPhone()
    const id = `cnv_long_${customer}`
    await db.sql`insert into conversations (id, channel, account_id, customer, store_id, mode, queued_at)
                 values (${id}, 'WHATSAPP', '10650000000001', ${customer}, ${shop.storeId}, 'QUEUED', now())`
    const start = Date.now() - 600_000
    const rows = Array.from({ length: 520 }, (_, i) => ({
      id: `cmi_long_${customer}_${String(i).padStart(3, "0")}`,
      conversation_id: id,
      channel: "WHATSAPP",
      direction: "IN",
      provider_message_id: `wamid.long.${customer}.${i}`,
      type: "text",
      body: `message ${i}`,
      status: "HANDLED",
      at: new Date(start + i * 1_000)
    }))
    await db.sql`insert into conversation_messages ${db.sql(rows)}`
    const view = await call(api, "GET", `/api/v1/seller/conversations/${id}`, { token })
    expect(view.status).toBe(200)
    const bodies = (view.body.messages as Array<{ body: string }>).map((m) => m.body)
    expect(bodies).toHaveLength(500)
    expect(bodies[0]).toBe("message 20")
    expect(bodies.at(-1)).toBe("message 519")
  })
})
