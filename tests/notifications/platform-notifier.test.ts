/** The platform's notifications layer: the Notifier is the one the environment chose, the dev inbox stays readable. */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { FetchHttpClient } from "@effect/platform"
import { ConfigProvider, Effect, Layer } from "effect"
import { Notifier } from "../../application/ports/notifier.js"
import { DevInbox } from "../../application/ports/dev-inbox.js"
import { DatabaseFromPool } from "../../adapters/postgres/database.js"
import { notificationsLayer } from "../../composition/platform.js"
import { startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
let fake: FakeWhatsApp
beforeAll(async () => {
  fake = await startFakeWhatsApp()
})
afterAll(async () => {
  await fake.close()
})

const env = (vars: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(vars))))
const layerWith = (vars: Record<string, string>) =>
  notificationsLayer.pipe(Layer.provide(Layer.mergeAll(FetchHttpClient.layer, DatabaseFromPool(db.sql), env(vars))))
const sendOne = (to: string) =>
  Effect.flatMap(Notifier, (n) => n.send({ to, template: "order_paid", params: ["ord_1"], dedupeKey: `paid:${to}:${Math.random()}` }))

describe("notificationsLayer", () => {
  it.live("WHATSAPP_TOKEN set: messages go to WhatsApp, not to the dev inbox", () =>
    Effect.gen(function* () {
      const sent = yield* sendOne("254711000222")
      expect(sent.providerMessageId).toBe(fake.accepted.find((m) => m.to === "254711000222")?.wamid)
      const inbox = yield* Effect.flatMap(DevInbox, (d) => d.list({ to: "254711000222" }))
      expect(inbox.filter((m) => m.text.includes("ord_1") && m.dedupeKey.startsWith("dev"))).toEqual([])
    }).pipe(
      Effect.provide(
        Layer.suspend(() =>
          layerWith({
            WHATSAPP_TOKEN: fake.token,
            WHATSAPP_PHONE_NUMBER_ID: fake.phoneNumberId,
            WHATSAPP_APP_SECRET: "s",
            WHATSAPP_VERIFY_TOKEN: "v",
            WHATSAPP_BASE_URL: fake.baseUrl
          })
        )
      )
    )
  )

  it.live("no WHATSAPP_TOKEN: the dev inbox, readable through DevInbox", () =>
    Effect.gen(function* () {
      const sent = yield* sendOne("254711000333")
      expect(sent.providerMessageId).toMatch(/^dev_/)
      const inbox = yield* Effect.flatMap(DevInbox, (d) => d.list({ to: "254711000333" }))
      expect(inbox.map((m) => m.template)).toEqual(["order_paid"])
      expect(fake.accepted.some((m) => m.to === "254711000333")).toBe(false)
    }).pipe(Effect.provide(Layer.suspend(() => layerWith({}))))
  )
})
