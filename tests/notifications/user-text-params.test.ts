/**
 * Names people type (a store's name, a rider's name) go into WhatsApp template parameters, which
 * Meta refuses with a new line, a tab or five spaces in a row (132018). A seller who names its store
 * "Kitenge\nHouse" or a rider saved as "Juma   \t Otieno" must not stop the buyer hearing that the
 * order was accepted or is on its way: the name is sent on one line, never an undeliverable exception.
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
  storeName: "Kitenge\nHouse     Nairobi",
  total: { amount: 2_500_00, currency: "KES" },
  buyerPaid: { amount: 2_500_00, currency: "KES" },
  rider: { name: "Juma \t\n Otieno", phone: "254722000333" }
})

const run = (event: { id: string; type: string; payload: Record<string, unknown> }) => {
  const layer = Layer.mergeAll(
    Layer.effect(
      Notifier,
      makeWhatsAppNotifier({ token: Redacted.make(fake.token), phoneNumberId: fake.phoneNumberId, baseUrl: fake.baseUrl }).pipe(
        Effect.provideService(SentMessageStore, makeMemorySentMessageStore()),
        Effect.provide(FetchHttpClient.layer)
      )
    ),
    Layer.succeed(NotificationDirectory, NotificationDirectory.of({ ordersFacts: (ids) => Effect.succeed(new Map(ids.map((id) => [id, facts(id)]))) })),
    Layer.succeed(HandoverCodes, HandoverCodes.of({ codeFor: () => Effect.succeed("123456"), hashOf: () => Effect.succeed("hash") })),
    ExceptionQueueLive.pipe(Layer.provide(db.layer()))
  )
  return Effect.runPromise(Effect.either(notifyOrderParties(event).pipe(Effect.provide(layer))))
}

const undeliverable = (orderId: string) =>
  db.sql<Array<{ n: number }>>`select count(*)::int as n from exceptions where kind = 'NOTIFICATION_UNDELIVERABLE' and entity_id = ${orderId}`.then(
    (r) => r[0]!.n
  )

describe("template parameters from names people typed", () => {
  it("a store name with a new line or a run of spaces still tells the buyer the order was accepted, on one line", async () => {
    const orderId = "ord_names_1"
    expect(Either.isRight(await run({ id: "evt_names_1", type: "ORDER_ACCEPTED", payload: { orderId } }))).toBe(true)
    const sent = fake.accepted.filter((m) => m.params.includes(orderId))
    expect(sent.map((m) => `${m.to} ${m.template}`)).toEqual([`${BUYER} order_accepted`])
    expect(sent[0]!.params).toEqual([orderId, "Kitenge House Nairobi"])
    expect(await undeliverable(orderId)).toBe(0)
  })

  it("a rider name with a tab and a new line still tells buyer and seller the order is on its way", async () => {
    const orderId = "ord_names_2"
    expect(Either.isRight(await run({ id: "evt_names_2", type: "ORDER_DISPATCHED", payload: { orderId } }))).toBe(true)
    const sent = fake.accepted.filter((m) => m.params.includes(orderId))
    expect(sent.map((m) => `${m.to} ${m.template}`).sort()).toEqual([`${BUYER} order_dispatched_with_code`, `${SELLER} order_dispatched`])
    for (const m of sent) expect(m.params[1]).toBe("Juma Otieno")
    expect(await undeliverable(orderId)).toBe(0)
  })
})
