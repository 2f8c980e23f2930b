/**
 * Chats become orders, over HTTP with the worker (issue 14): signed WhatsApp and Instagram webhook
 * deliveries, replies leaving through the outbox to fakes of the Cloud API and the Send API, the
 * checkout and the STK push played by the fake Daraja.
 */
import { createHmac, randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, randomPhone, seedShop, sessionFor } from "../api/support.js"
import { eventually, startPlatform, WA_APP_SECRET } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import { inboundTextWebhook, startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { startFakeInstagram } from "../fakes/instagram-server.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { AdminBrowser } from "../support/admin-browser.js"
import type { FakeInstagram } from "../fakes/instagram-server.js"

const db = useTestDatabase()
const IG_APP_SECRET = "ig-app-secret-test"
let api: Platform
let wa: FakeWhatsApp
let ig: FakeInstagram
let shop: Awaited<ReturnType<typeof seedShop>>
let staffToken: string

beforeAll(async () => {
  wa = await startFakeWhatsApp()
  ig = await startFakeInstagram()
  api = await startPlatform(db, {
    WHATSAPP_TOKEN: wa.token,
    WHATSAPP_PHONE_NUMBER_ID: wa.phoneNumberId,
    WHATSAPP_BASE_URL: wa.baseUrl,
    INSTAGRAM_TOKEN: ig.token,
    INSTAGRAM_BASE_URL: ig.baseUrl,
    INSTAGRAM_APP_SECRET: IG_APP_SECRET,
    INSTAGRAM_VERIFY_TOKEN: "ig-verify-token-test"
  })
  shop = await seedShop(db.sql)
  staffToken = await sessionFor(db.sql, shop.seller.id)
  await db.sql`insert into channel_accounts (channel, account_id, store_id) values ('WHATSAPP', ${wa.phoneNumberId}, ${shop.storeId}), ('INSTAGRAM', ${ig.account}, ${shop.storeId})`
}, 60_000)
afterAll(async () => {
  await api.close()
  await wa.close()
  await ig.close()
})

const sign = (raw: string, secret: string) => `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`

const waBody = (from: string, text: string, wamid: string) => inboundTextWebhook({ phoneNumberId: wa.phoneNumberId, from, text, wamid })

const post = async (path: string, raw: string, signature: string) => {
  const res = await fetch(`${api.url}${path}`, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": signature }, body: raw })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** One signed WhatsApp delivery of a text message; returns the raw body (to deliver again). */
const whatsapp = async (from: string, text: string, wamid = `wamid.${randomBytes(12).toString("hex")}`) => {
  const raw = waBody(from, text, wamid)
  const res = await post("/api/v1/webhooks/whatsapp", raw, sign(raw, WA_APP_SECRET))
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return { raw, res }
}

/** Text replies the fake Cloud API accepted for a customer, in order. */
const repliesTo = (phone: string) =>
  wa.requests.flatMap((r) => {
    const b = r.body
    if (r.status !== 200 || typeof b !== "object" || b === null || !("type" in b) || b.type !== "text" || !("to" in b) || b.to !== phone) return []
    return "text" in b && typeof b.text === "object" && b.text !== null && "body" in b.text && typeof b.text.body === "string" ? [b.text.body] : []
  })
const nthReply = (phone: string, n: number) => eventually(`reply ${n} to ${phone}`, async () => repliesTo(phone)[n - 1])

const conversationOf = async (customer: string) => {
  const rows = await db.sql`select id, mode, checkout_id, draft_state from conversations where customer = ${customer}`
  return rows[0]
}
const pushTo = (phone: string) => eventually(`STK push to ${phone}`, async () => api.fake.pushes.find((p) => p.phone === phone))
const checkoutPaid = (checkoutId: string) =>
  eventually(`checkout ${checkoutId} paid`, async () => {
    const rows = await db.sql`select state from orders where checkout_id = ${checkoutId}`
    return rows.length > 0 && rows.every((r) => r["state"] === "PAID")
  })

describe("a chat becomes an order", () => {
  it("a Swahili DM becomes a paid order without a person: summary with total and shipping, YES, STK push, paid", async () => {
    const buyer = randomPhone()
    await whatsapp(buyer, "Habari! Nataka kitenge dress mbili, niletee Westlands tafadhali")
    const summary = await nthReply(buyer, 1)
    expect(summary).toContain("2 x Kitenge dress")
    expect(summary).toMatch(/Delivery to Westlands: KES/)
    expect(summary).toMatch(/Total: KES/)
    expect(summary).toContain("Reply YES to pay")

    await whatsapp(buyer, "ndio")
    const push = await pushTo(buyer)
    const conversation = await conversationOf(buyer)
    expect(conversation).toMatchObject({ mode: "AUTO", draft_state: "CONFIRMED" })
    const checkoutId = String(conversation!["checkout_id"])
    // the prompt asks for what the summary said: 2 x 2,500 - 10% promotion (capped at 500) + shipping 250
    expect(push.amount).toBe(4_750)
    expect(summary).toContain("Total: KES 4,750")
    expect(await nthReply(buyer, 2)).toContain("M-Pesa PIN")
    await api.fake.sendCallback(push.checkoutRequestId)
    await checkoutPaid(checkoutId)
    const lines = await db.sql`select o.buyer_id, u.phone from orders o join users u on u.id = o.buyer_id where o.checkout_id = ${checkoutId}`
    expect(lines.map((l) => l["phone"])).toEqual([buyer])
  })

  it("the owner's confidence threshold: at 0.95 an order read at 0.92 (no count said) goes to a person; at 0.90 the bot answers it", async () => {
    const settings = (body?: unknown) =>
      call(api, body === undefined ? "GET" : "PUT", "/api/v1/seller/store/chat-settings", { token: staffToken, ...(body !== undefined && { body }) })
    expect((await settings()).body).toEqual({ confidenceThreshold: 0.8 })
    expect((await settings({ confidenceThreshold: 1.5 })).body).toMatchObject({ status: 400, code: "REQUEST.INVALID" })
    expect((await settings({ confidenceThreshold: 0.95 })).body).toEqual({ confidenceThreshold: 0.95 })
    try {
      const unsure = randomPhone()
      await whatsapp(unsure, "Habari! Nataka kitenge dress, niletee Westlands")
      expect(await nthReply(unsure, 1)).toContain("A person from the shop will reply")
      expect(await conversationOf(unsure)).toMatchObject({ mode: "QUEUED" })
      expect((await settings({ confidenceThreshold: 0.9 })).body).toEqual({ confidenceThreshold: 0.9 })
      const sure = randomPhone()
      await whatsapp(sure, "Habari! Nataka kitenge dress, niletee Westlands")
      expect(await nthReply(sure, 1)).toContain("Reply YES to pay")
      expect((await db.sql`select action, after from audit_log where action = 'STORE.CHAT_SETTINGS' order by seq`).map((r) => r["after"])).toEqual([
        { confidenceThreshold: 0.95 },
        { confidenceThreshold: 0.9 }
      ])
    } finally {
      await settings({ confidenceThreshold: 0.8 })
    }
  })

  it("an ambiguous message goes to the takeover queue; staff fix the draft and confirm; the buyer pays", async () => {
    const buyer = randomPhone()
    await whatsapp(buyer, "niko na swali kuhusu ile kitu mliweka status jana")
    expect(await nthReply(buyer, 1)).toContain("Tell us what you would like")
    await whatsapp(buyer, "ile ya rangi ya blue bei gani")
    expect(await nthReply(buyer, 2)).toContain("A person from the shop will reply")

    const queue = await call(api, "GET", "/api/v1/seller/conversations", { token: staffToken })
    expect(queue.status).toBe(200)
    const mine = (queue.body.items as Array<Record<string, unknown>>).find((c) => c["customer"] === buyer)
    expect(mine).toMatchObject({ channel: "WHATSAPP", mode: "QUEUED", lastMessage: "ile ya rangi ya blue bei gani" })
    expect(typeof mine?.["waitingSeconds"]).toBe("number")
    const id = String(mine?.["id"])

    // a person answers: automation pauses (the buyer's next message gets no machine reply)
    const replied = await call(api, "POST", `/api/v1/seller/conversations/${id}/messages`, {
      token: staffToken,
      body: { text: "Ni kitenge dress, KES 2,500. Tukutumie?" }
    })
    expect(replied.status).toBe(202)
    expect(await nthReply(buyer, 3)).toBe("Ni kitenge dress, KES 2,500. Tukutumie?")
    await whatsapp(buyer, "sawa moja, Westlands")
    const edited = await call(api, "PUT", `/api/v1/seller/conversations/${id}/draft`, {
      token: staffToken,
      body: { lines: [{ variantId: shop.dress.variantId, quantity: 1 }], destination: "KE-047-westlands" }
    })
    expect(edited.status, JSON.stringify(edited.body)).toBe(200)
    expect(edited.body).toMatchObject({ mode: "HUMAN", draftState: "OPEN", draft: { lines: [{ variantId: shop.dress.variantId, quantity: 1 }] } })
    expect(repliesTo(buyer)).toHaveLength(3)

    const confirmed = await call(api, "POST", `/api/v1/seller/conversations/${id}/confirm`, { token: staffToken })
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(201)
    expect(confirmed.body).toMatchObject({ state: "PENDING_PAYMENT", payerPhone: buyer })
    const again = await call(api, "POST", `/api/v1/seller/conversations/${id}/confirm`, { token: staffToken })
    expect(again.body["checkoutId"]).toBe(confirmed.body["checkoutId"])
    const push = await pushTo(buyer)
    await api.fake.sendCallback(push.checkoutRequestId)
    await checkoutPaid(String(confirmed.body["checkoutId"]))
    expect(api.fake.pushes.filter((p) => p.phone === buyer)).toHaveLength(1)

    const released = await call(api, "POST", `/api/v1/seller/conversations/${id}/release`, { token: staffToken })
    expect(released.body).toMatchObject({ mode: "AUTO" })
    const after = await call(api, "GET", "/api/v1/seller/conversations", { token: staffToken })
    expect((after.body.items as Array<Record<string, unknown>>).some((c) => c["id"] === id)).toBe(false)
  })

  it("a duplicated webhook delivery creates nothing twice (no second message, reply, checkout or push)", async () => {
    const buyer = randomPhone()
    const first = await whatsapp(buyer, "nataka sisal kiondo basket moja, niletee Westlands")
    const again = await post("/api/v1/webhooks/whatsapp", first.raw, sign(first.raw, WA_APP_SECRET))
    expect(again.status).toBe(200)
    expect(again.body["conversations"]).toMatchObject({ stored: 0, duplicates: 1 })
    await nthReply(buyer, 1)
    const yes = await whatsapp(buyer, "YES")
    await post("/api/v1/webhooks/whatsapp", yes.raw, sign(yes.raw, WA_APP_SECRET))
    await pushTo(buyer)
    await nthReply(buyer, 2)
    const conversation = await conversationOf(buyer)
    const counts = await db.sql`
      select (select count(*) from conversations where customer = ${buyer})::int as conversations,
             (select count(*) from conversation_messages where conversation_id = ${String(conversation!["id"])} and direction = 'IN')::int as inbound,
             (select count(*) from checkouts c join users u on u.id = c.buyer_id where u.phone = ${buyer})::int as checkouts`
    expect(counts[0]).toEqual({ conversations: 1, inbound: 2, checkouts: 1 })
    await new Promise((r) => setTimeout(r, 500))
    expect(repliesTo(buyer)).toHaveLength(2)
    expect(api.fake.pushes.filter((p) => p.phone === buyer)).toHaveLength(1)
  })

  it("a WhatsApp delivery with a bad signature is refused and stores nothing", async () => {
    const buyer = randomPhone()
    const raw = waBody(buyer, "nataka kitenge dress", "wamid.forged")
    const res = await post("/api/v1/webhooks/whatsapp", raw, sign(raw, "not-the-secret"))
    expect(res.status).toBe(401)
    expect(await conversationOf(buyer)).toBeUndefined()
  })

  it("an Instagram DM (signed with the Instagram app secret) is threaded into a conversation and answered over the Send API", async () => {
    const igsid = `IGSID-${randomBytes(6).toString("hex")}`
    const raw = JSON.stringify({
      object: "instagram",
      entry: [
        {
          id: ig.account,
          time: Date.now(),
          messaging: [
            { sender: { id: igsid }, recipient: { id: ig.account }, timestamp: Date.now(), message: { mid: `mid.${igsid}`, text: "agent tafadhali" } }
          ]
        }
      ]
    })
    expect((await post("/api/v1/webhooks/instagram", raw, sign(raw, WA_APP_SECRET))).status).toBe(401)
    const ok = await post("/api/v1/webhooks/instagram", raw, sign(raw, IG_APP_SECRET))
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ stored: 1 })
    const sent = await eventually("Instagram reply", async () => ig.sent.find((m) => m.recipient === igsid))
    expect(sent.text).toContain("A person from the shop will reply")
    expect(await conversationOf(igsid)).toMatchObject({ mode: "QUEUED" })
  })
})

describe("the store's staff and the seller's chat names", () => {
  it('an alias the seller sets names the product in chats ("kiondo" alone is unsure without it)', async () => {
    const set = await call(api, "PUT", `/api/v1/seller/products/${shop.basket.productId}/aliases`, {
      token: staffToken,
      body: { aliases: [" Kiondo ", "kiondo"] }
    })
    expect(set.status, JSON.stringify(set.body)).toBe(200)
    expect(set.body).toEqual({ productId: shop.basket.productId, aliases: ["kiondo"] })
    const buyer = randomPhone()
    await whatsapp(buyer, "nataka kiondo moja, niletee Westlands")
    expect(await nthReply(buyer, 1)).toContain("1 x Sisal kiondo basket")
    const cleared = await call(api, "PUT", `/api/v1/seller/products/${shop.basket.productId}/aliases`, { token: staffToken, body: { aliases: [] } })
    expect(cleared.body).toEqual({ productId: shop.basket.productId, aliases: [] })
  })

  it("refusals: another store's conversation is 404, a variant the store does not sell 422, an empty draft cannot be confirmed (409), a buyer is not staff (403)", async () => {
    const buyer = randomPhone()
    await whatsapp(buyer, "mtu tafadhali")
    await nthReply(buyer, 1)
    const id = String((await conversationOf(buyer))!["id"])
    const other = await seedShop(db.sql, { promotions: false })
    const otherToken = await sessionFor(db.sql, other.seller.id)
    const foreign = await call(api, "GET", `/api/v1/seller/conversations/${id}`, { token: otherToken })
    expect(foreign.status).toBe(404)
    expect(foreign.body.code).toBe("CONVERSATION.NOT_FOUND")
    const wrongVariant = await call(api, "PUT", `/api/v1/seller/conversations/${id}/draft`, {
      token: staffToken,
      body: { lines: [{ variantId: other.dress.variantId, quantity: 1 }], destination: "KE-047-westlands" }
    })
    expect(wrongVariant.status).toBe(422)
    expect(wrongVariant.body.code).toBe("CONVERSATION.VARIANT_UNKNOWN")
    const empty = await call(api, "POST", `/api/v1/seller/conversations/${id}/confirm`, { token: staffToken })
    expect(empty.status).toBe(409)
    expect(empty.body.code).toBe("CONVERSATION.DRAFT_INCOMPLETE")
    const mine = await call(api, "GET", `/api/v1/seller/conversations/${id}`, { token: staffToken })
    expect(mine.status).toBe(200)
    expect(mine.body.messages.map((m: { direction: string }) => m.direction)).toEqual(["IN", "OUT"])
    const stranger = randomPhone()
    await db.sql`insert into users (id, phone, roles) values (${`usr_${stranger}`}, ${stranger}, array['BUYER'])`
    const notStaff = await call(api, "GET", "/api/v1/seller/conversations", { token: await sessionFor(db.sql, `usr_${stranger}`) })
    expect(notStaff.status).toBe(403)
  })

  it("operators see every store's queue, read-only, with the wait time (back-office)", async () => {
    const buyer = randomPhone()
    await whatsapp(buyer, "agent please")
    await nthReply(buyer, 1)
    const operator = { email: "chat-ops@amana.test", password: "a-long-enough-password-7" }
    await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: operator.email, ADMIN_PASSWORD: operator.password }, () => undefined)
    const browser = await new AdminBrowser(api.url).login(operator)
    const list = await browser.page(`/admin/api/resources/conversations/actions/list?filters.customer=${buyer}`)
    expect(list.res.status).toBe(200)
    const records = (JSON.parse(list.html) as { records: Array<{ params: Record<string, unknown> }> }).records
    expect(records.map((r) => r.params)).toEqual([expect.objectContaining({ customer: buyer, mode: "QUEUED", channel: "WHATSAPP", store_id: shop.storeId })])
    expect(typeof records[0]!.params["waiting_seconds"]).toBe("number")
    // read-only: the built-in writes are switched off (nothing is created through the back-office)
    const before = await db.sql`select count(*)::int as n from conversations`
    const created = await browser.send("POST", "/admin/api/resources/conversations/actions/new", { json: { customer: "254700000001", mode: "AUTO" } })
    expect(created.status).toBeGreaterThanOrEqual(400)
    expect(await db.sql`select count(*)::int as n from conversations`).toEqual(before)
  })

  it("the OpenAPI document describes the takeover endpoints", async () => {
    const doc = await call(api, "GET", "/api/openapi.json")
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/seller/conversations",
        "/api/v1/seller/conversations/{id}",
        "/api/v1/seller/conversations/{id}/messages",
        "/api/v1/seller/conversations/{id}/draft",
        "/api/v1/seller/conversations/{id}/confirm",
        "/api/v1/seller/conversations/{id}/release",
        "/api/v1/seller/products/{id}/aliases"
      ])
    )
    expect(Object.keys(doc.body.paths["/api/v1/seller/conversations/{id}/confirm"].post.responses)).toEqual(expect.arrayContaining(["201", "404", "409"]))
  })
})
