/**
 * Issue 11 item 1: a seller's webhook URL cannot make the platform reach inside its own network.
 * https only (http and loopback only with WEBHOOK_ALLOW_LOCAL_TARGETS, refused in production); every
 * address the host resolves to must be public, IPv4 and IPv6 alike, IPv4-mapped included; the
 * checked address is the one connected to; no redirects; a deadline and a bounded read; the seller's
 * log shows a status class or a fixed reason, never a system error's text.
 *
 * Only loopback receivers are ever contacted: every other address here is refused before any
 * packet is sent, which is what the tests prove.
 */
import { StoreId } from "../../domain/ids.js"
import { createServer } from "node:http"
import type { Server, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deliverWebhook } from "../../application/webhooks/merchant-webhooks.js"
import { WebhookStore, WebhookTransport } from "../../application/webhooks/webhook.port.js"
import { checkOutboundUrl, isPublicAddress, postOutbound, Reasons } from "../../adapters/webhooks/outbound.js"
import { makeWebhookTransport, WebhookTransportLive } from "../../adapters/webhooks/transport.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, drainOutbox, seedShop, sessionFor, startApi } from "../api/support.js"
import { Outbox } from "../../application/ports/outbox.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api

interface Receiver {
  readonly url: string
  readonly hits: Array<string>
  readonly server: Server
}
const receivers: Array<Receiver> = []
const receiver = async (answer: (res: ServerResponse) => void = (res) => res.writeHead(204).end()): Promise<Receiver> => {
  const hits: Array<string> = []
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    req.resume()
    answer(res)
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const r = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server }
  receivers.push(r)
  return r
}

beforeAll(async () => {
  delete process.env["WEBHOOK_ALLOW_LOCAL_TARGETS"]
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
  for (const r of receivers) {
    r.server.closeAllConnections()
    await new Promise<void>((done) => r.server.close(() => done()))
  }
})

describe("which addresses a webhook may reach", () => {
  it.each([
    "127.0.0.1",
    "127.10.0.1",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.100.100.200",
    "224.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:1",
    "2002:7f00:1::1",
    "2001:db8::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2"
  ])("%s is refused", (address) => {
    expect(isPublicAddress(address)).toBe(false)
  })

  it.each(["8.8.8.8", "41.90.64.1", "196.201.214.200", "2606:4700:4700::1111", "2c0f:fe38::1"])("%s (public) is allowed", (address) => {
    expect(isPublicAddress(address)).toBe(true)
  })

  it("the development setting admits loopback and nothing else", () => {
    expect(["127.0.0.1", "::1", "::ffff:127.0.0.1"].map((a) => isPublicAddress(a, true))).toEqual([true, true, true])
    expect(["10.0.0.1", "169.254.169.254", "192.168.0.1", "fd00:ec2::254", "::ffff:10.0.0.1"].map((a) => isPublicAddress(a, true))).toEqual([
      false,
      false,
      false,
      false,
      false
    ])
  })

  it("names are judged by what they resolve to, and http needs the development setting", async () => {
    expect(await checkOutboundUrl("https://localhost:8443/hook", { allowLocal: false })).toBe(Reasons.notPublic)
    expect(await checkOutboundUrl("https://[::ffff:127.0.0.1]/hook", { allowLocal: false })).toBe(Reasons.notPublic)
    expect(await checkOutboundUrl("https://[fd00:ec2::254]/latest/meta-data", { allowLocal: false })).toBe(Reasons.notPublic)
    expect(await checkOutboundUrl("https://169.254.169.254/latest/meta-data", { allowLocal: true })).toBe(Reasons.notPublic)
    expect(await checkOutboundUrl("http://8.8.8.8/hook", { allowLocal: false })).toBe(Reasons.notHttps)
    expect(await checkOutboundUrl("https://user:pw@8.8.8.8/hook", { allowLocal: false })).toBe(Reasons.credentials)
    expect(await checkOutboundUrl("ftp://8.8.8.8/hook", { allowLocal: false })).toBe(Reasons.notAUrl)
    expect(await checkOutboundUrl("https://8.8.8.8/hook", { allowLocal: false })).toBeUndefined()
  })

  it("production refuses to start with the development setting, naming it", async () => {
    const saved = { env: process.env["NODE_ENV"], allow: process.env["WEBHOOK_ALLOW_LOCAL_TARGETS"] }
    Object.assign(process.env, { NODE_ENV: "production", WEBHOOK_ALLOW_LOCAL_TARGETS: "1" })
    try {
      const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(WebhookTransportLive)))
      expect(exit._tag).toBe("Failure")
      expect(String(exit._tag === "Failure" ? exit.cause : "")).toContain("WEBHOOK_ALLOW_LOCAL_TARGETS")
    } finally {
      process.env["NODE_ENV"] = saved.env ?? "test"
      if (saved.allow === undefined) delete process.env["WEBHOOK_ALLOW_LOCAL_TARGETS"]
      else process.env["WEBHOOK_ALLOW_LOCAL_TARGETS"] = saved.allow
    }
  })
})

describe("registration and delivery", () => {
  it("registering an internal URL is a 422 problem naming why; nothing is stored and nothing is contacted", async () => {
    const shop = await seedShop(db.sql, { promotions: false })
    const token = await sessionFor(db.sql, shop.seller.id)
    const inside = await receiver()
    const port = new URL(inside.url).port
    for (const url of [
      `${inside.url}/hook`,
      `https://localhost:${port}/hook`,
      `https://[::ffff:127.0.0.1]:${port}/hook`,
      "https://169.254.169.254/latest/meta-data/",
      "https://[::1]/x"
    ]) {
      const r = await call(api, "PUT", "/api/v1/seller/webhook", { token, body: { url } })
      expect([url, r.status, r.body.code]).toEqual([url, 422, "WEBHOOK.URL_REFUSED"])
      expect(r.headers.get("content-type")).toContain("application/problem+json")
    }
    expect(inside.hits).toEqual([])
    expect((await db.sql`select webhook_url from stores where id = ${shop.storeId}`)[0]!["webhook_url"]).toBeNull()
  })

  /** A store whose endpoint was stored before these checks existed, and one pending delivery to it. */
  const pendingDelivery = async (url: string) => {
    const shop = await seedShop(db.sql, { promotions: false })
    const eventId = `evt_ssrf_${shop.storeId}`
    await api.runtime.runPromise(
      Effect.gen(function* () {
        const store = yield* WebhookStore
        yield* store.setEndpoint(StoreId.make(shop.storeId), url)
        yield* store.enqueue({ storeId: StoreId.make(shop.storeId), eventId, eventType: "ORDER_PAID", url, body: JSON.stringify({ id: eventId }) })
      })
    )
    const [row] = await db.sql<Array<{ id: string }>>`select id from webhook_deliveries where store_id = ${shop.storeId}`
    return { deliveryId: row!.id, token: await sessionFor(db.sql, shop.seller.id) }
  }
  const sellerLog = async (token: string) => (await call(api, "GET", "/api/v1/seller/webhook", { token })).body.deliveries[0]

  it("a stored endpoint on loopback is never contacted at delivery: the attempt fails with a fixed reason", async () => {
    const inside = await receiver()
    const { deliveryId, token } = await pendingDelivery(`${inside.url.replace("http:", "https:")}/hook`)
    expect(await api.runtime.runPromise(deliverWebhook(deliveryId))).toBe("RETRY")
    expect(inside.hits).toEqual([])
    expect(await sellerLog(token)).toMatchObject({ lastError: Reasons.notPublic })
  })

  it("with the development setting: a redirect is not followed, a closed port reads 'could not connect', and no system error text reaches the log", async () => {
    const target = await receiver()
    const redirecting = await receiver((res) => res.writeHead(302, { location: `${target.url}/stolen` }).end())
    const local = Layer.succeed(WebhookTransport, makeWebhookTransport({ allowLocal: true, timeoutMs: 2_000, maxResponseBytes: 16 * 1024 }))
    const redirected = await pendingDelivery(`${redirecting.url}/hook`)
    expect(await api.runtime.runPromise(deliverWebhook(redirected.deliveryId).pipe(Effect.provide(local)))).toBe("RETRY")
    expect(redirecting.hits).toEqual(["POST /hook"])
    expect(target.hits).toEqual([])
    const log = await sellerLog(redirected.token)
    expect(log).toMatchObject({ lastStatusClass: "3xx", lastError: "redirects are not followed (HTTP 3xx)" })
    expect(log.lastStatusCode).toBeUndefined()

    const closed = await receiver()
    await new Promise<void>((done) => closed.server.close(() => done()))
    const unreachable = await pendingDelivery(`${closed.url}/hook`)
    expect(await api.runtime.runPromise(deliverWebhook(unreachable.deliveryId).pipe(Effect.provide(local)))).toBe("RETRY")
    const failed = await sellerLog(unreachable.token)
    expect(failed.lastError).toBe(Reasons.connect)
    expect(JSON.stringify(failed)).not.toMatch(/ECONN|127\.0\.0\.1:\d+ |fetch|socket/i)
  })

  it("an answer that never ends is read no further than the bound; a silent endpoint times out", async () => {
    let served = 0
    const endless = await receiver((res) => {
      res.writeHead(200)
      const chunk = Buffer.alloc(64 * 1024, 120)
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) served += chunk.length
        if (!res.destroyed) res.once("drain", pump)
      }
      pump()
    })
    const started = Date.now()
    expect(await postOutbound(`${endless.url}/hook`, "{}", {}, { allowLocal: true, timeoutMs: 5_000, maxResponseBytes: 16 * 1024 })).toEqual({ status: 200 })
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(served).toBeLessThan(8 * 1024 * 1024)

    const silent = await receiver(() => undefined)
    const t0 = Date.now()
    expect(await postOutbound(`${silent.url}/hook`, "{}", {}, { allowLocal: true, timeoutMs: 300, maxResponseBytes: 1024 })).toEqual({
      refused: Reasons.timeout
    })
    expect(Date.now() - t0).toBeLessThan(2_000)
  })
})

describe("which events become deliveries (the real outbox handlers)", () => {
  const paidEvent = (storeId: string, orderId: string) =>
    api.runtime.runPromise(
      Effect.gen(function* () {
        const uow = yield* UnitOfWork
        const outbox = yield* Outbox
        yield* uow.transaction(outbox.append([{ type: "ORDER_PAID", aggregateType: "ORDER", aggregateId: orderId, payload: { orderId, storeId, at: 1 } }]))
      })
    )

  it("a store with a URL gets one delivery per event; a store without one costs no transaction and leaves no processed_events row", async () => {
    const withHook = await seedShop(db.sql, { promotions: false })
    const without = await seedShop(db.sql, { promotions: false })
    await api.runtime.runPromise(Effect.flatMap(WebhookStore, (s) => s.setEndpoint(StoreId.make(withHook.storeId), "https://merchant.example/hook")))
    await paidEvent(withHook.storeId, "ord_hooked")
    await paidEvent(without.storeId, "ord_unhooked")
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const deliveries = await db.sql`select store_id, event_type, url from webhook_deliveries where store_id in (${withHook.storeId}, ${without.storeId})`
    expect(deliveries.map((d) => ({ ...d }))).toEqual([{ store_id: withHook.storeId, event_type: "ORDER_PAID", url: "https://merchant.example/hook" }])
    const claims = await db.sql`
      select o.aggregate_id from processed_events p join outbox o on o.id = p.event_id
       where p.handler = 'webhooks.enqueue' and o.aggregate_id in ('ord_hooked', 'ord_unhooked')`
    expect(claims.map((c) => c["aggregate_id"])).toEqual(["ord_hooked"])
    // both events are published: "nothing to do" is done
    expect(
      Number((await db.sql`select count(*) as n from outbox where aggregate_id in ('ord_hooked', 'ord_unhooked') and published_at is null`)[0]!["n"])
    ).toBe(0)
  })
})
