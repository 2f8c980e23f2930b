/**
 * deliverOrRaise (every notification handler sends through it) against the WhatsApp notifier and the
 * fake Cloud API, with the exceptions table in PostgreSQL: a message WhatsApp cannot deliver
 * (131026) becomes one NOTIFICATION_UNDELIVERABLE exception naming the party, event and template,
 * a replay of the same message raises no second one, and a message that goes raises none.
 */
import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Layer, Redacted } from "effect"
import { deliverOrRaise } from "../../application/notifications/deliver.js"
import { SentMessageStore } from "../../application/ports/sent-messages.js"
import { makeMemorySentMessageStore } from "../../adapters/notifications/sent-message-store.js"
import { ExceptionQueueLive } from "../../adapters/postgres/exception-queue.js"
import { makeWhatsAppNotifier } from "../../adapters/whatsapp/notifier.js"
import { Notifier } from "../../application/ports/notifier.js"
import { startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
let fake: FakeWhatsApp
beforeAll(async () => {
  fake = await startFakeWhatsApp()
})
afterAll(() => fake.close())

const run = (dedupeKey: string) => {
  const notifier = Layer.effect(
    Notifier,
    makeWhatsAppNotifier({ token: Redacted.make(fake.token), phoneNumberId: fake.phoneNumberId, baseUrl: fake.baseUrl }).pipe(
      Effect.provideService(SentMessageStore, makeMemorySentMessageStore()),
      Effect.provide(FetchHttpClient.layer)
    )
  )
  return Effect.runPromise(
    deliverOrRaise(
      { to: "254708374149", template: "store_staff_added", params: ["Kitenge House", "staff"], dedupeKey },
      { entity: "store", entityId: "sto_undeliverable", party: "staff", event: { id: dedupeKey.split(":")[0]!, type: "STORE_MEMBER_ADDED" } }
    ).pipe(Effect.provide(Layer.mergeAll(notifier, ExceptionQueueLive.pipe(Layer.provide(db.layer())))))
  )
}

const exceptions = () =>
  db.sql<Array<{ kind: string; entity: string; entity_id: string; payload: Record<string, unknown> }>>`
    select kind, entity, entity_id, payload from exceptions where entity_id = 'sto_undeliverable' order by id`

describe("deliverOrRaise", () => {
  it("an undeliverable message becomes one exception for a human (not a retry), however often it is replayed", async () => {
    fake.failNext("undeliverable", 2)
    await run("evt_1:staff")
    await run("evt_1:staff")
    const rows = await exceptions()
    expect(rows).toEqual([
      {
        kind: "NOTIFICATION_UNDELIVERABLE",
        entity: "store",
        entity_id: "sto_undeliverable",
        payload: expect.objectContaining({ party: "staff", eventId: "evt_1", eventType: "STORE_MEMBER_ADDED", template: "store_staff_added" })
      }
    ])
    expect(String(rows[0]!.payload["detail"])).not.toBe("")
  })

  it("a message that goes raises nothing", async () => {
    const before = fake.accepted.length
    await run("evt_2:staff")
    expect(fake.accepted.length).toBe(before + 1)
    expect((await exceptions()).map((r) => r.payload["eventId"])).toEqual(["evt_1"])
  })
})
