import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import { Notifier, NotifierRetryLater, NotifierUndeliverable } from "../../application/ports/notifier.js"
import type { OutboundMessage } from "../../application/ports/notifier.js"
import { SentMessageStore, SentMessageStoreError } from "../../application/ports/sent-messages.js"
import { makeMemorySentMessageStore } from "../../adapters/notifications/sent-message-store.js"
import type { SentMessageStoreService } from "../../application/ports/sent-messages.js"
import { WhatsAppNotifierLive, makeWhatsAppNotifier } from "../../adapters/whatsapp/notifier.js"
import { startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeFailure, FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { NodeHttpClientLive } from "../../adapters/http-client/node-client.js"

let fake: FakeWhatsApp
beforeAll(async () => {
  fake = await startFakeWhatsApp()
})
afterAll(() => fake.close())

let counter = 0
const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  to: "254708374149",
  template: "order_paid",
  params: ["AMN-1042"],
  dedupeKey: `order_paid:AMN-1042:${++counter}`,
  ...overrides
})

const notifierWith = (store: SentMessageStoreService, token = fake.token) =>
  makeWhatsAppNotifier({ token: Redacted.make(token), phoneNumberId: fake.phoneNumberId, baseUrl: fake.baseUrl }).pipe(
    Effect.provideService(SentMessageStore, store),
    Effect.provide(NodeHttpClientLive())
  )

describe("WhatsApp notifier: sending", () => {
  let store: ReturnType<typeof makeMemorySentMessageStore>
  beforeEach(() => {
    store = makeMemorySentMessageStore()
  })

  it.live("sends the documented template request with the Bearer token and returns the wamid", () =>
    Effect.gen(function* () {
      const notifier = yield* notifierWith(store)
      const before = fake.requests.length
      const sent = yield* notifier.send(message({ dedupeKey: "order_paid:AMN-1042" }))
      const request = fake.requests[before]
      expect(request?.status).toBe(200)
      expect(request?.authorization).toBe(`Bearer ${fake.token}`)
      expect(request?.path).toBe(`/v21.0/${fake.phoneNumberId}/messages`)
      // exactly the body in shared/protocols/WHATSAPP.md
      expect(request?.body).toEqual({
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: "254708374149",
        type: "template",
        template: { name: "order_paid", language: { code: "en" }, components: [{ type: "body", parameters: [{ type: "text", text: "AMN-1042" }] }] }
      })
      expect(sent.duplicate).toBe(false)
      expect(sent.providerMessageId).toMatch(/^wamid\./)
      expect(sent.providerMessageId).toBe(fake.accepted.at(-1)?.wamid)
      expect(store.all()).toMatchObject([
        { dedupeKey: "order_paid:AMN-1042", providerMessageId: sent.providerMessageId, message: { to: "254708374149", template: "order_paid" } }
      ])
    })
  )

  it.live("never sends the same message twice: a retried handler gets the first wamid back without a request", () =>
    Effect.gen(function* () {
      const notifier = yield* notifierWith(store)
      const m = message()
      const first = yield* notifier.send(m)
      const before = fake.requests.length
      const again = yield* notifier.send(m)
      const thrice = yield* notifier.send({ ...m })
      expect(fake.requests.length).toBe(before)
      expect(again).toEqual({ providerMessageId: first.providerMessageId, duplicate: true })
      expect(thrice).toEqual(again)
      expect(fake.accepted.filter((a) => a.wamid === first.providerMessageId)).toHaveLength(1)
    })
  )

  it.live("parameters go in template order (order_dispatched: order, rider, rider phone)", () =>
    Effect.gen(function* () {
      const notifier = yield* notifierWith(store)
      yield* notifier.send(message({ template: "order_dispatched", params: ["AMN-7", "Otieno", "0712 345 678"] }))
      expect(fake.accepted.at(-1)).toMatchObject({ template: "order_dispatched", language: "en", params: ["AMN-7", "Otieno", "0712 345 678"] })
    })
  )

  it.live("a bug in the message (wrong parameter count, unnormalised number) is refused before any request", () =>
    Effect.gen(function* () {
      const notifier = yield* notifierWith(store)
      const before = fake.requests.length
      const count = yield* Effect.flip(notifier.send(message({ params: [] })))
      const phone = yield* Effect.flip(notifier.send(message({ to: "0708374149" })))
      expect(count).toBeInstanceOf(NotifierUndeliverable)
      expect(count.detail).toMatch(/^bug: template order_paid takes 1 parameters \(order number\), got 0/)
      expect(phone.detail).toMatch(/^bug: recipient is not a normalised/)
      expect(fake.requests.length).toBe(before)
    })
  )
})

describe("WhatsApp notifier: Cloud API errors", () => {
  const cases: ReadonlyArray<[FakeFailure, "NotifierRetryLater" | "NotifierUndeliverable", string | undefined, RegExp]> = [
    ["rate_limit", "NotifierRetryLater", undefined, /rate limit or outage \(130429\)/],
    ["re_engagement", "NotifierUndeliverable", "131047", /we only send templates/],
    ["undeliverable", "NotifierUndeliverable", "131026", /cannot deliver to this number/],
    ["invalid_parameter", "NotifierUndeliverable", "131009", /^bug: .*\(131009\)/],
    ["invalid_request", "NotifierUndeliverable", "100", /^bug: .*\(100\)/],
    ["missing_parameter", "NotifierUndeliverable", "131008", /^bug: .*\(131008\)/],
    ["server_error", "NotifierRetryLater", undefined, /131000/],
    ["bad_gateway", "NotifierRetryLater", undefined, /HTTP 502/],
    ["drop_connection", "NotifierRetryLater", undefined, /could not reach WhatsApp/]
  ]

  it.live.each(cases)("%s -> %s (%s)", ([failure, tag, providerCode, detail]) =>
    Effect.gen(function* () {
      const store = makeMemorySentMessageStore()
      const notifier = yield* notifierWith(store)
      fake.failNext(failure)
      const m = message()
      const error = yield* Effect.flip(notifier.send(m))
      expect(error._tag).toBe(tag)
      expect(error.detail).toMatch(detail)
      if (error instanceof NotifierUndeliverable) expect(error.providerCode).toBe(providerCode)
      // nothing recorded: a retry (after RetryLater) really sends
      expect(store.all()).toEqual([])
      const retried = yield* notifier.send(m)
      expect(retried.duplicate).toBe(false)
    })
  )

  it.live("a rejected token is undeliverable (configuration), with the provider's code", () =>
    Effect.gen(function* () {
      const notifier = yield* notifierWith(makeMemorySentMessageStore(), "wrong-token")
      const error = yield* Effect.flip(notifier.send(message()))
      expect(error).toBeInstanceOf(NotifierUndeliverable)
      expect(error).toMatchObject({ providerCode: "190" })
    })
  )

  it.live("an unreachable API is RetryLater", () =>
    Effect.gen(function* () {
      const notifier = yield* makeWhatsAppNotifier({ token: Redacted.make("t"), phoneNumberId: "1", baseUrl: "http://127.0.0.1:1/v21.0" }).pipe(
        Effect.provideService(SentMessageStore, makeMemorySentMessageStore()),
        Effect.provide(NodeHttpClientLive())
      )
      expect(yield* Effect.flip(notifier.send(message()))).toBeInstanceOf(NotifierRetryLater)
    })
  )
})

describe("WhatsApp notifier: the sent-message store", () => {
  it.live("store down before sending: RetryLater and nothing sent", () =>
    Effect.gen(function* () {
      const broken: SentMessageStoreService = {
        find: () => Effect.fail(new SentMessageStoreError({ cause: "connection refused" })),
        record: () => Effect.die("SentMessageStore: record must not be called")
      }
      const notifier = yield* notifierWith(broken)
      const before = fake.requests.length
      const error = yield* Effect.flip(notifier.send(message()))
      expect(error).toBeInstanceOf(NotifierRetryLater)
      expect(error.detail).toMatch(/nothing sent/)
      expect(fake.requests.length).toBe(before)
    })
  )

  it.live("store down after sending: still reported as sent (failing would make the outbox send it again)", () =>
    Effect.gen(function* () {
      const forgetful: SentMessageStoreService = {
        find: () => Effect.succeed(Option.none()),
        record: () => Effect.fail(new SentMessageStoreError({ cause: "connection reset" }))
      }
      const notifier = yield* notifierWith(forgetful)
      const sent = yield* notifier.send(message())
      expect(sent.duplicate).toBe(false)
      expect(sent.providerMessageId).toBe(fake.accepted.at(-1)?.wamid)
    })
  )
})

describe("WhatsApp notifier: configuration", () => {
  const env = (vars: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(vars))))
  const complete = () => ({
    WHATSAPP_TOKEN: fake.token,
    WHATSAPP_PHONE_NUMBER_ID: fake.phoneNumberId,
    WHATSAPP_APP_SECRET: "app-secret",
    WHATSAPP_VERIFY_TOKEN: "verify-me",
    WHATSAPP_BASE_URL: fake.baseUrl
  })
  const layer = (vars: Record<string, string>) =>
    WhatsAppNotifierLive.pipe(Layer.provide(Layer.mergeAll(NodeHttpClientLive(), Layer.sync(SentMessageStore, makeMemorySentMessageStore), env(vars))))

  it.live("WhatsAppNotifierLive reads WHATSAPP_* (base URL overridable) and sends", () =>
    Effect.gen(function* () {
      const sent = yield* Notifier.pipe(
        Effect.flatMap((n) => n.send(message())),
        Effect.provide(layer(complete()))
      )
      expect(sent.providerMessageId).toBe(fake.accepted.at(-1)?.wamid)
    })
  )

  it.live("a missing WHATSAPP_* setting fails at startup, naming it", () =>
    Effect.gen(function* () {
      const { WHATSAPP_APP_SECRET: _omitted, ...partial } = complete()
      const error = yield* Effect.flip(Layer.build(layer(partial)).pipe(Effect.scoped))
      expect(String(error)).toMatch(/WHATSAPP_APP_SECRET/)
    })
  )
})
