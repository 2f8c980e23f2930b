import { describe, expect, it } from "@effect/vitest"
import { FetchHttpClient } from "@effect/platform"
import { ConfigProvider, Effect, Layer, TestClock } from "effect"
import { Notifier, NotifierUndeliverable } from "../../application/ports/notifier.js"
import { DevInbox } from "../../application/ports/dev-inbox.js"
import { DevInboxMemoryLive, makeMemoryDevInbox } from "../../adapters/notifications/dev-inbox.js"
import { notifierLayerFromEnv } from "../../composition/notifier-from-env.js"
import { MemorySentMessageStoreLive } from "../../adapters/notifications/sent-message-store.js"
import { startFakeWhatsApp } from "../fakes/whatsapp-server.js"

const ALICE = "254708374149"
const BOB = "254110123456"

describe("dev inbox", () => {
  it.effect("keeps the text a person would read", () =>
    Effect.gen(function* () {
      const { notifier, inbox } = makeMemoryDevInbox()
      yield* TestClock.setTime(1_750_000_000_000)
      const sent = yield* notifier.send({ to: ALICE, template: "login_code", params: ["123456"], dedupeKey: "otp:1" })
      expect(sent).toEqual({ providerMessageId: "dev.000001", duplicate: false })
      expect(yield* inbox.list()).toEqual([
        {
          id: "dev.000001",
          to: ALICE,
          template: "login_code",
          params: ["123456"],
          text: "Your Amana login code is 123456. It expires in 10 minutes.",
          dedupeKey: "otp:1",
          sentAt: 1_750_000_000_000
        }
      ])
    })
  )

  it.effect("lists newest first, by recipient in any accepted phone form, up to a limit", () =>
    Effect.gen(function* () {
      const { notifier, inbox } = makeMemoryDevInbox()
      const send = (to: string, n: number) => notifier.send({ to, template: "order_paid", params: [`AMN-${n}`], dedupeKey: `paid:${n}` })
      yield* send(ALICE, 1)
      yield* send(BOB, 2)
      yield* send(ALICE, 3)
      yield* send(ALICE, 4)
      expect((yield* inbox.list()).map((m) => m.params[0])).toEqual(["AMN-4", "AMN-3", "AMN-2", "AMN-1"])
      expect((yield* inbox.list({ to: "0708 374 149" })).map((m) => m.params[0])).toEqual(["AMN-4", "AMN-3", "AMN-1"])
      expect((yield* inbox.list({ to: ALICE, limit: 2 })).map((m) => m.params[0])).toEqual(["AMN-4", "AMN-3"])
      expect(yield* inbox.list({ to: "+254 799 000 000" })).toEqual([])
    })
  )

  it.effect("dedupes by dedupeKey: a retried handler adds nothing and gets the first id back", () =>
    Effect.gen(function* () {
      const { notifier, inbox } = makeMemoryDevInbox()
      const m = { to: ALICE, template: "order_completed", params: ["AMN-5"], dedupeKey: "completed:AMN-5" } as const
      const first = yield* notifier.send(m)
      const again = yield* notifier.send(m)
      expect(again).toEqual({ providerMessageId: first.providerMessageId, duplicate: true })
      expect(yield* inbox.list()).toHaveLength(1)
    })
  )

  it.effect("refuses what WhatsApp would refuse, the same way", () =>
    Effect.gen(function* () {
      const { notifier, inbox } = makeMemoryDevInbox()
      const error = yield* Effect.flip(notifier.send({ to: "0708374149", template: "login_code", params: ["1"], dedupeKey: "x" }))
      expect(error).toBeInstanceOf(NotifierUndeliverable)
      expect(yield* inbox.list()).toEqual([])
    })
  )

  it.effect("DevInboxMemoryLive: the Notifier and the DevInbox share one inbox", () =>
    Effect.gen(function* () {
      const notifier = yield* Notifier
      yield* notifier.send({ to: BOB, template: "payment_failed", params: ["AMN-8", "insufficient funds"], dedupeKey: "pf:8" })
      const [message] = yield* (yield* DevInbox).list({ to: BOB })
      expect(message?.text).toBe("Payment for order AMN-8 did not go through (insufficient funds). You can try again within 12 hours of checkout.")
    }).pipe(Effect.provide(DevInboxMemoryLive))
  )
})

describe("notifierLayerFromEnv", () => {
  const env = (vars: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(vars))))
  const deps = Layer.merge(FetchHttpClient.layer, MemorySentMessageStoreLive)
  const sendOne = Notifier.pipe(Effect.flatMap((n) => n.send({ to: ALICE, template: "login_code", params: ["654321"], dedupeKey: `otp:${Math.random()}` })))

  it.live("no WHATSAPP_TOKEN: the dev inbox", () =>
    Effect.gen(function* () {
      const sent = yield* Effect.provide(sendOne, notifierLayerFromEnv().pipe(Layer.provide(Layer.merge(deps, env({})))))
      expect(sent.providerMessageId).toMatch(/^dev\./)
    })
  )

  it.live("WHATSAPP_TOKEN set: WhatsApp", () =>
    Effect.gen(function* () {
      const fake = yield* Effect.acquireRelease(
        Effect.promise(() => startFakeWhatsApp()),
        (f) => Effect.promise(() => f.close())
      )
      const vars = {
        WHATSAPP_TOKEN: fake.token,
        WHATSAPP_PHONE_NUMBER_ID: fake.phoneNumberId,
        WHATSAPP_APP_SECRET: "s",
        WHATSAPP_VERIFY_TOKEN: "v",
        WHATSAPP_BASE_URL: fake.baseUrl
      }
      const sent = yield* Effect.provide(sendOne, notifierLayerFromEnv().pipe(Layer.provide(Layer.merge(deps, env(vars)))))
      expect(sent.providerMessageId).toBe(fake.accepted[0]?.wamid)
      expect(fake.accepted[0]?.params).toEqual(["654321"])
    }).pipe(Effect.scoped)
  )
})
