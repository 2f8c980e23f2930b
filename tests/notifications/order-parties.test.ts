/**
 * notifyOrderParties (the `notify.order` handler: buyer and seller in one run, in its own
 * transactions) against the WhatsApp notifier and the fake Cloud API: ORDER_PAID tells both parties
 * once each; when one party's send fails for now (HTTP 429), the handler fails (the outbox retries)
 * and the retry sends only the missing message, never the one that already went; an event that
 * tells the seller nothing (ORDER_CREATED) sends the buyer's alone.
 */
import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Either, Layer, Redacted } from "effect"
import { NotificationDirectory, notifyOrderParties } from "../../application/notifications/notify-order.js"
import type { OrderFacts } from "../../application/notifications/notify-order.js"
import { HandoverCodes } from "../../application/fulfilment/fulfilment.port.js"
import { Notifier } from "../../application/ports/notifier.js"
import { SentMessageStore } from "../../application/ports/sent-messages.js"
import { makeMemorySentMessageStore } from "../../adapters/notifications/sent-message-store.js"
import { ExceptionQueueLive } from "../../adapters/postgres/exception-queue.js"
import { makeWhatsAppNotifier } from "../../adapters/whatsapp/notifier.js"
import { startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
let fake: FakeWhatsApp
beforeAll(async () => {
  fake = await startFakeWhatsApp()
})
afterAll(() => fake.close())

const BUYER = "254708374149"
const SELLER = "254711000222"
const facts = (orderId: string): OrderFacts => ({
  orderId,
  buyerPhone: BUYER,
  sellerPhone: SELLER,
  storeName: "Kitenge House",
  total: { amount: 2_500_00, currency: "KES" },
  buyerPaid: { amount: 2_500_00, currency: "KES" },
  rider: undefined
})

/** The handler's layers; one sent-message store for all runs of a test, as the real one is shared. */
const runner = () => {
  const sent = makeMemorySentMessageStore()
  const layer = Layer.mergeAll(
    Layer.effect(
      Notifier,
      makeWhatsAppNotifier({ token: Redacted.make(fake.token), phoneNumberId: fake.phoneNumberId, baseUrl: fake.baseUrl }).pipe(
        Effect.provideService(SentMessageStore, sent),
        Effect.provide(FetchHttpClient.layer)
      )
    ),
    Layer.succeed(
      NotificationDirectory,
      NotificationDirectory.of({
        ordersFacts: (orderIds) => Effect.succeed(new Map(orderIds.map((id) => [id, facts(id)])))
      })
    ),
    Layer.succeed(HandoverCodes, HandoverCodes.of({ codeFor: () => Effect.succeed("123456"), hashOf: () => Effect.succeed("hash") })),
    ExceptionQueueLive.pipe(Layer.provide(db.layer()))
  )
  return (event: { id: string; type: string; payload: Record<string, unknown> }) =>
    Effect.runPromise(Effect.either(notifyOrderParties(event).pipe(Effect.provide(layer))))
}

const sentFor = (orderId: string) => fake.accepted.filter((m) => m.params.includes(orderId)).map((m) => `${m.to} ${m.template}`)

describe("notify.order: buyer and seller in one run", () => {
  it("ORDER_PAID tells each party once; a send that fails for now is retried alone, the other is not sent again", async () => {
    const run = runner()
    const orderId = "ord_parties_1"
    const event = { id: "evt_parties_1", type: "ORDER_PAID", payload: { orderId } }
    fake.failNext("rate_limit", 1)
    const first = await run(event)
    expect(Either.isLeft(first)).toBe(true)
    expect(sentFor(orderId)).toHaveLength(1)
    const retried = await run(event)
    expect(Either.isRight(retried)).toBe(true)
    expect(sentFor(orderId).sort()).toEqual([`${BUYER} order_paid`, `${SELLER} order_paid`])
    // a third run (a replay after success) sends nothing more
    expect(Either.isRight(await run(event))).toBe(true)
    expect(sentFor(orderId)).toHaveLength(2)
  })

  it("an event that tells the seller nothing sends the buyer's message alone", async () => {
    const run = runner()
    const orderId = "ord_parties_2"
    expect(Either.isRight(await run({ id: "evt_parties_2", type: "ORDER_CREATED", payload: { orderId } }))).toBe(true)
    expect(sentFor(orderId)).toEqual([`${BUYER} order_placed`])
  })
})
