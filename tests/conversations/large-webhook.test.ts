/**
 * Meta documents webhook payloads of up to 3 MB. A delivery we refuse is retried for a day and then
 * dropped with every message in it, so the signed receivers read up to 3 MiB (adapters/http/body-limit.ts),
 * and refuse more (413) before reading it when the length is declared, and as they read when it is not.
 */
import { createHmac } from "node:crypto"
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { seedShop } from "../api/support.js"
import { startPlatform } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"

const db = useTestDatabase()
const IG_APP_SECRET = "ig-app-secret-large"
const IG_ACCOUNT = "17841400000000777"
let api: Platform

beforeAll(async () => {
  api = await startPlatform(db, { INSTAGRAM_APP_SECRET: IG_APP_SECRET, INSTAGRAM_VERIFY_TOKEN: "ig-verify-large" })
  const shop = await seedShop(db.sql)
  await db.sql`insert into channel_accounts (channel, account_id, store_id) values ('INSTAGRAM', ${IG_ACCOUNT}, ${shop.storeId})`
}, 60_000)
afterAll(async () => {
  await api.close()
})

const signed = (raw: string) => `sha256=${createHmac("sha256", IG_APP_SECRET).update(raw).digest("hex")}`
const dm = (mid: string, text: string) => ({ sender: { id: `IGSID-${mid}` }, recipient: { id: IG_ACCOUNT }, timestamp: Date.now(), message: { mid, text } })
const delivery = (messaging: ReadonlyArray<unknown>) => JSON.stringify({ object: "instagram", entry: [{ id: IG_ACCOUNT, time: Date.now(), messaging }] })

/** POSTs the body, chunked (no Content-Length) when asked; the status and the problem's code. */
const post = (raw: string, chunked = false) =>
  new Promise<{ status: number; code?: string | undefined }>((resolve, reject) => {
    const url = new URL(`${api.url}/api/v1/webhooks/instagram`)
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signed(raw) }
      },
      (res) => {
        let text = ""
        res.on("data", (c: Buffer) => (text += c.toString()))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text || "{}") as { code?: string }).code }))
      }
    )
    req.on("error", (e) => (chunked ? resolve({ status: 413 }) : reject(e))) // the server may close a refused upload mid-way
    if (!chunked) req.setHeader("content-length", Buffer.byteLength(raw))
    req.end(raw)
  })

describe("Meta's large webhook deliveries", () => {
  it("a signed delivery of ~2.5 MB (over the 1 MB every other route allows) is read, and each of its messages stored", async () => {
    const tag = Math.random().toString(36).slice(2)
    const messages = Array.from({ length: 400 }, (_, i) => dm(`big-${tag}-${i}`, `kitenge ${i} `.repeat(500).slice(0, 6_000)))
    const raw = delivery(messages)
    expect(Buffer.byteLength(raw)).toBeGreaterThan(2 * 1024 * 1024)
    expect(Buffer.byteLength(raw)).toBeLessThan(3 * 1024 * 1024)
    const res = await post(raw)
    expect(res.status).toBe(200)
    const [stored] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from conversation_messages where provider_message_id like ${`big-${tag}-%`}`
    expect(stored!.n).toBe(400)
  })

  it("over 3 MiB is refused (413 REQUEST.TOO_LARGE), declared or chunked, and nothing of it is stored", async () => {
    const tag = Math.random().toString(36).slice(2)
    const raw = delivery(Array.from({ length: 520 }, (_, i) => dm(`huge-${tag}-${i}`, "x".repeat(6_000))))
    expect(Buffer.byteLength(raw)).toBeGreaterThan(3 * 1024 * 1024)
    expect(await post(raw)).toEqual({ status: 413, code: "REQUEST.TOO_LARGE" })
    expect((await post(raw, true)).status).toBe(413)
    const [stored] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from conversation_messages where provider_message_id like ${`huge-${tag}-%`}`
    expect(stored!.n).toBe(0)
  })
})
