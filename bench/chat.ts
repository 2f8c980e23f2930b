/**
 * `npm run bench:chat`: every chat message acknowledged within 60 s (issue 14), measured from the
 * signed WhatsApp webhook to the reply reaching the (fake) Cloud API, i.e. leaving the outbox. The
 * whole platform in process (API + worker, tests/fulfilment/support.ts), a scratch database, the
 * corpus's store (tests/intake/corpus.ts) connected to the fake's phone number id, and every corpus
 * message sent by its own customer at CHAT_RATE messages per second (default 20).
 */
import { createHmac, randomBytes } from "node:crypto"
import { performance } from "node:perf_hooks"
import { makePool } from "../adapters/postgres/database.js"
import { insertProduct, insertVariant } from "../adapters/postgres/seed.js"
import { randomPhone, seedShop } from "../tests/api/support.js"
import { inboundTextWebhook, startFakeWhatsApp } from "../tests/fakes/whatsapp-server.js"
import { startPlatform, WA_APP_SECRET } from "../tests/fulfilment/support.js"
import { CATALOGUE, CORPUS, HELD_OUT } from "../tests/intake/corpus.js"
import { percentile, scratchDatabase } from "./support.js"

const RATE = Number(process.env["CHAT_RATE"] ?? 20)
const WAIT_MS = 120_000
const db = await scratchDatabase("amana_bench_chat")
const sql = makePool(db.url, { max: 8 })
const wa = await startFakeWhatsApp()
const api = await startPlatform({ sql, url: db.url }, { WHATSAPP_TOKEN: wa.token, WHATSAPP_PHONE_NUMBER_ID: wa.phoneNumberId, WHATSAPP_BASE_URL: wa.baseUrl })
try {
  const shop = await seedShop(sql)
  for (const p of CATALOGUE) {
    await insertProduct(sql, { id: p.productId, storeId: shop.storeId, title: p.title, price: 1_500_00 })
    for (const v of p.variants)
      await insertVariant(sql, {
        id: v.variantId,
        productId: p.productId,
        sku: v.variantId,
        weightGrams: 300,
        storeId: shop.storeId,
        onHand: 500,
        attributes: { ...v.attributes }
      })
    for (const alias of p.aliases) await sql`insert into product_aliases (product_id, alias) values (${p.productId}, ${alias}) on conflict do nothing`
  }
  await sql`insert into channel_accounts (channel, account_id, store_id) values ('WHATSAPP', ${wa.phoneNumberId}, ${shop.storeId})`

  const messages = [...CORPUS, ...HELD_OUT].map((s) => ({ text: s.text, from: randomPhone() }))
  const sentAt = new Map<string, number>()
  const answeredAt = new Map<string, number>()
  let seen = 0
  const watch = setInterval(() => {
    const now = performance.now()
    for (; seen < wa.requests.length; seen++) {
      const body = wa.requests[seen]!.body as { to?: string } | undefined
      const to = body?.to
      if (to !== undefined && sentAt.has(to) && !answeredAt.has(to)) answeredAt.set(to, now)
    }
  }, 10)
  const started = performance.now()
  let refused = 0
  for (const [i, m] of messages.entries()) {
    const due = started + (i * 1000) / RATE
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const raw = inboundTextWebhook({ phoneNumberId: wa.phoneNumberId, from: m.from, text: m.text, wamid: `wamid.${randomBytes(12).toString("hex")}` })
    sentAt.set(m.from, performance.now())
    const res = await fetch(`${api.url}/api/v1/webhooks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${createHmac("sha256", WA_APP_SECRET).update(raw).digest("hex")}` },
      body: raw
    })
    if (res.status !== 200) refused++
    await res.arrayBuffer()
  }
  const deadline = performance.now() + WAIT_MS
  while (answeredAt.size < messages.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  clearInterval(watch)
  const times = [...answeredAt].map(([from, at]) => (at - sentAt.get(from)!) / 1000).sort((a, b) => a - b)
  const within = times.filter((t) => t <= 60).length
  console.log(`${messages.length} chat messages at ${RATE}/s (${refused} webhooks refused); acknowledged: ${answeredAt.size}`)
  console.log(
    `webhook -> reply leaving the outbox: p50 ${percentile(times, 50).toFixed(2)} s, p95 ${percentile(times, 95).toFixed(2)} s, p99 ${percentile(times, 99).toFixed(2)} s, max ${(times.at(-1) ?? NaN).toFixed(2)} s`
  )
  console.log(`within 60 s: ${within}/${messages.length} (${((100 * within) / messages.length).toFixed(1)}%); target: every message`)
  process.exitCode = within === messages.length && refused === 0 ? 0 : 1
} finally {
  await api.close()
  await wa.close()
  await sql.end({ timeout: 5 })
  await db.drop()
}
