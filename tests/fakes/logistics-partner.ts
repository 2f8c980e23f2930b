/**
 * A fake logistics partner (a boda-boda fleet) over real HTTP on 127.0.0.1, speaking the protocol
 * documented in adapters/logistics-partner/client.ts, written independently of the adapter:
 *
 * - POST /v1/deliveries: Bearer key and Idempotency-Key required; the body is checked; a replayed key
 *   returns the same delivery (200); `capacity(0)` answers 409 NO_CAPACITY; `fail(n)` answers 503.
 * - POST /v1/deliveries/:id/cancel marks it cancelled.
 * - `sendStatus(id, status, extra)` POSTs a status event to our webhook, signed
 *   `sha256=HMAC(secret, "<ts>.<body>")`, or forged / stale when asked.
 */
import { createHmac, randomBytes } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

export interface PartnerDelivery {
  readonly id: string
  readonly reference: string
  readonly body: Record<string, unknown>
  cancelled: boolean
}

export interface FakePartner {
  readonly baseUrl: string
  readonly apiKey: string
  readonly secret: string
  readonly deliveries: ReadonlyArray<PartnerDelivery>
  readonly requests: ReadonlyArray<{ readonly method: string; readonly path: string; readonly headers: Record<string, unknown>; readonly body: unknown }>
  capacity(n: number): void
  fail(times: number): void
  /** Answer each create this much later (a slow partner). */
  delay(ms: number): void
  /** POST a status event to `webhookUrl`; returns our answer. */
  sendStatus(
    deliveryId: string,
    status: "PICKED_UP" | "IN_TRANSIT" | "DELIVERED" | "FAILED",
    extra?: { readonly handoverCode?: string; readonly reason?: string; readonly eventId?: string },
    how?: { readonly forge?: boolean; readonly ageSeconds?: number }
  ): Promise<{ readonly status: number; readonly body: unknown }>
  close(): Promise<void>
}

export const startFakePartner = async (options: {
  readonly webhookUrl: () => string
  readonly apiKey?: string
  readonly secret?: string
}): Promise<FakePartner> => {
  const apiKey = options.apiKey ?? "lp-test-key"
  const secret = options.secret ?? "lp-test-webhook-secret"
  const deliveries: Array<PartnerDelivery> = []
  const requests: Array<{ method: string; path: string; headers: Record<string, unknown>; body: unknown }> = []
  let capacity = Number.POSITIVE_INFINITY
  let failures = 0
  let createDelayMs = 0
  let n = 0

  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      let body: unknown
      try {
        body = text === "" ? undefined : (JSON.parse(text) as unknown)
      } catch {
        body = undefined
      }
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body })
      const slow = req.method === "POST" && req.url === "/v1/deliveries" ? createDelayMs : 0
      const reply = (status: number, payload: unknown) => {
        const send = () => {
          res.writeHead(status, { "content-type": "application/json" })
          res.end(JSON.stringify(payload))
        }
        if (slow > 0) setTimeout(send, slow)
        else send()
      }
      if (req.headers.authorization !== `Bearer ${apiKey}`) return reply(401, { error: { code: "UNAUTHORIZED", message: "bad api key" } })
      if (failures > 0) {
        failures--
        return reply(503, { error: { code: "UNAVAILABLE", message: "try later" } })
      }
      const cancel = /^\/v1\/deliveries\/([^/]+)\/cancel$/.exec(req.url ?? "")
      if (req.method === "POST" && cancel) {
        const d = deliveries.find((x) => x.id === decodeURIComponent(cancel[1]!))
        if (!d) return reply(404, { error: { code: "NOT_FOUND", message: "no such delivery" } })
        d.cancelled = true
        return reply(200, { id: d.id, status: "CANCELLED" })
      }
      if (req.method === "POST" && req.url === "/v1/deliveries") {
        const key = req.headers["idempotency-key"]
        const b = body as Record<string, unknown> | undefined
        if (typeof key !== "string" || !b || typeof b["reference"] !== "string" || typeof b["orderId"] !== "string" || typeof b["recipientPhone"] !== "string")
          return reply(422, { error: { code: "INVALID", message: "reference, orderId, recipientPhone and an Idempotency-Key are required" } })
        const existing = deliveries.find((d) => d.reference === key)
        if (existing) return reply(200, { id: existing.id, status: "ASSIGNED", rider: { name: "Baraka (SwiftBoda)", phone: "254700000111" } })
        if (deliveries.filter((d) => !d.cancelled).length >= capacity)
          return reply(409, { error: { code: "NO_CAPACITY", message: "no rider free in this zone" } })
        const d: PartnerDelivery = { id: `lp_${++n}_${randomBytes(3).toString("hex")}`, reference: key, body: b, cancelled: false }
        deliveries.push(d)
        return reply(201, { id: d.id, status: "ASSIGNED", rider: { name: "Baraka (SwiftBoda)", phone: "254700000111" } })
      }
      reply(404, { error: { code: "NOT_FOUND", message: "no such endpoint" } })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    secret,
    deliveries,
    requests,
    capacity: (c) => void (capacity = c),
    fail: (times) => void (failures = times),
    delay: (ms) => void (createDelayMs = ms),
    sendStatus: async (deliveryId, status, extra = {}, how = {}) => {
      const body = JSON.stringify({
        eventId: extra.eventId ?? `ev_${randomBytes(6).toString("hex")}`,
        deliveryId,
        status,
        ...(extra.handoverCode !== undefined && { handoverCode: extra.handoverCode }),
        ...(extra.reason !== undefined && { reason: extra.reason })
      })
      const ts = String(Math.floor(Date.now() / 1000) - (how.ageSeconds ?? 0))
      const signature = `sha256=${createHmac("sha256", how.forge ? "not-the-secret" : secret)
        .update(`${ts}.${body}`)
        .digest("hex")}`
      const res = await fetch(options.webhookUrl(), {
        method: "POST",
        headers: { "content-type": "application/json", "x-partner-timestamp": ts, "x-partner-signature": signature },
        body
      })
      const text = await res.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text) as unknown
      } catch {
        // keep text
      }
      return { status: res.status, body: parsed }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
