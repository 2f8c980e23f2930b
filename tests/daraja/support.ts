/** Shared pieces for the Daraja tests: a callback receiver and a gateway wired to the fake server. */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import type { Context } from "effect"
import type { PaymentGateway } from "../../application/ports/payment-gateway.js"
import { makeDarajaGateway } from "../../adapters/daraja/client.js"
import { makeDarajaConfig } from "../../adapters/daraja/config.js"
import type { DarajaConfigInput } from "../../adapters/daraja/config.js"
import type { FakeDaraja } from "../fakes/daraja-server.js"
import { NodeHttpClientLive } from "../../adapters/http-client/node-client.js"

export type Gateway = Context.Tag.Service<PaymentGateway>

export const CONSUMER_KEY = "test-consumer-key"
export const CONSUMER_SECRET = "test-consumer-secret"
export const SANDBOX_PHONE = "254708374149"

/** The real adapter pointed at the fake server (over real HTTP, with fetch). */
export const gatewayAgainst = (fake: FakeDaraja, overrides: Partial<DarajaConfigInput> = {}): Effect.Effect<Gateway> =>
  makeDarajaGateway(makeDarajaConfig({ baseUrl: fake.baseUrl, consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, ...overrides })).pipe(
    Effect.provide(NodeHttpClientLive())
  )

export interface Received {
  readonly path: string
  readonly body: unknown
  readonly raw: string
}

export interface Receiver {
  readonly url: string
  readonly received: ReadonlyArray<Received>
  /** Resolves once `count` callbacks have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReadonlyArray<Received>>
  close(): Promise<void>
}

/** Our side of the callbacks: answers 200 {"ResultCode":0,"ResultDesc":"Accepted"} and records. */
export const startReceiver = async (): Promise<Receiver> => {
  const received: Array<Received> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8")
      let body: unknown
      try {
        body = JSON.parse(raw) as unknown
      } catch {
        body = undefined
      }
      received.push({ path: req.url ?? "/", body, raw })
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ ResultCode: 0, ResultDesc: "Accepted" }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor: async (count, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} callbacks, got ${received.length}`)
        await new Promise((r) => setTimeout(r, 10))
      }
      return received
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
