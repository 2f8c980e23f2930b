/**
 * A merchant webhook URL is the seller's to choose, and so is how slowly it answers: each attempt
 * may take the whole 10 s deadline. One store's deliveries must not take every worker slot the
 * platform's other jobs (chat replies, notifications, other stores' webhooks) run in: they go one at
 * a time per store, so a store whose endpoint never answers holds at most one slot.
 */
import { createHmac, randomBytes } from "node:crypto"
import { createServer } from "node:http"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, randomPhone, seedShop, sessionFor } from "../api/support.js"
import { eventually, startPlatform, WA_APP_SECRET } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import { inboundTextWebhook, startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"

const db = useTestDatabase()
let api: Platform
let wa: FakeWhatsApp
let tarpit: Server
const held: Array<() => void> = []
let attempts = 0

beforeAll(async () => {
  wa = await startFakeWhatsApp()
  // never answers (until the test ends): every delivery waits out its deadline
  tarpit = createServer((req, res) => {
    attempts++
    req.resume()
    held.push(() => res.destroy())
  })
  await new Promise<void>((done) => tarpit.listen(0, "127.0.0.1", () => done()))
  api = await startPlatform(db, { WHATSAPP_TOKEN: wa.token, WHATSAPP_PHONE_NUMBER_ID: wa.phoneNumberId, WHATSAPP_BASE_URL: wa.baseUrl })
}, 60_000)
afterAll(async () => {
  for (const h of held) h()
  await api.close()
  await wa.close()
  await new Promise<void>((done) => tarpit.close(() => done()))
})

const sign = (raw: string) => `sha256=${createHmac("sha256", WA_APP_SECRET).update(raw).digest("hex")}`

describe("a store whose webhook endpoint never answers", () => {
  it("holds one worker slot at most: a chat reply of another store still leaves at once", async () => {
    const slow = await seedShop(db.sql)
    const token = await sessionFor(db.sql, slow.seller.id)
    const url = `http://127.0.0.1:${(tarpit.address() as AddressInfo).port}/hook`
    expect((await call(api, "PUT", "/api/v1/seller/webhook", { token, body: { url } })).status).toBe(200)
    // as many deliveries as the worker has slots (the test platform runs 3), and one more
    for (let i = 0; i < 4; i++) {
      const edit = await call(api, "PATCH", `/api/v1/seller/products/${slow.dress.productId}`, { token, body: { description: `edit ${i}` } })
      expect(edit.status, JSON.stringify(edit.body)).toBe(200)
    }
    await eventually("the first delivery under way", async () => attempts >= 1)
    await new Promise((r) => setTimeout(r, 500))

    const other = await seedShop(db.sql, { promotions: false })
    await db.sql`insert into channel_accounts (channel, account_id, store_id) values ('WHATSAPP', ${wa.phoneNumberId}, ${other.storeId})`
    const buyer = randomPhone()
    const raw = inboundTextWebhook({ phoneNumberId: wa.phoneNumberId, from: buyer, text: "agent tafadhali", wamid: `wamid.${randomBytes(12).toString("hex")}` })
    const started = Date.now()
    const res = await fetch(`${api.url}/api/v1/webhooks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": sign(raw) },
      body: raw
    })
    expect(res.status).toBe(200)
    await eventually("the reply", async () => wa.requests.some((r) => r.status === 200 && (r.body as { to?: string } | undefined)?.to === buyer), 20_000)
    expect(Date.now() - started).toBeLessThan(4_000)
    // one delivery at a time for the store: the others wait their turn
    expect(attempts).toBe(1)
  }, 40_000)
})
