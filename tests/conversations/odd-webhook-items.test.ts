/**
 * Meta's webhooks are read item by item: an item we cannot read is logged and skipped, and the batch
 * is still answered 200, so one odd item never makes Meta redeliver the whole batch for a day (and
 * then drop it, with the good messages in it). An Instagram message whose timestamp is no instant
 * (beyond what a date can hold, before the database's first day) is such an item: it must not fail
 * the delivery.
 */
import { createHmac } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { seedShop } from "../api/support.js"
import { startPlatform } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
const IG_APP_SECRET = "ig-app-secret-odd-items"
const IG_ACCOUNT = "17841400000000777"
let api: Platform

beforeAll(async () => {
  api = await startPlatform(db, { INSTAGRAM_APP_SECRET: IG_APP_SECRET, INSTAGRAM_VERIFY_TOKEN: "ig-verify-odd-items" })
  const shop = await seedShop(db.sql)
  await db.sql`insert into channel_accounts (channel, account_id, store_id) values ('INSTAGRAM', ${IG_ACCOUNT}, ${shop.storeId})`
}, 60_000)
afterAll(async () => {
  await api.close()
})

const deliver = async (messaging: ReadonlyArray<unknown>) => {
  const raw = JSON.stringify({ object: "instagram", entry: [{ id: IG_ACCOUNT, time: Date.now(), messaging }] })
  const res = await fetch(`${api.url}/api/v1/webhooks/instagram`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${createHmac("sha256", IG_APP_SECRET).update(raw).digest("hex")}` },
    body: raw
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}
const dm = (mid: string, timestamp: unknown) => ({
  sender: { id: `IGSID-${mid}` },
  recipient: { id: IG_ACCOUNT },
  timestamp,
  message: { mid, text: "nataka kitenge" }
})

describe("an Instagram message whose timestamp is no instant", () => {
  it.each([
    ["beyond any date", 1e20],
    ["before the database's first day", -1e15]
  ])("%s: skipped, and the good message beside it is stored (200)", async (_what, timestamp) => {
    const good = `good-${Math.random().toString(36).slice(2)}`
    const odd = `odd-${Math.random().toString(36).slice(2)}`
    const res = await deliver([dm(odd, timestamp), dm(good, Date.now())])
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ stored: 1 })
    expect((await db.sql`select 1 from conversation_messages where provider_message_id = ${good}`).length).toBe(1)
    expect((await db.sql`select 1 from conversation_messages where provider_message_id = ${odd}`).length).toBe(0)
  })
})
