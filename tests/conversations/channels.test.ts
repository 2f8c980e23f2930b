/**
 * The Channel port's adapters against fakes speaking the documented shapes: WhatsApp free-text
 * replies over the Cloud API, Instagram replies over the Send API, and the Instagram webhook body.
 */
import { FetchHttpClient } from "@effect/platform"
import { Effect, Either, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeWhatsAppChannel } from "../../adapters/whatsapp/channel.js"
import { makeInstagramChannel } from "../../adapters/instagram/send.js"
import { parseInstagramWebhook } from "../../adapters/instagram/webhook.js"
import type { OutboundChatMessage } from "../../application/ports/channel.js"
import { startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import { startFakeInstagram } from "../fakes/instagram-server.js"
import type { FakeInstagram } from "../fakes/instagram-server.js"

let wa: FakeWhatsApp
let ig: FakeInstagram
beforeAll(async () => {
  wa = await startFakeWhatsApp()
  ig = await startFakeInstagram()
})
afterAll(async () => {
  await wa.close()
  await ig.close()
})

const run = <A, E>(e: Effect.Effect<A, E, never>) => Effect.runPromise(Effect.either(e))

const waSend = (m: Omit<OutboundChatMessage, "channel">) =>
  run(
    Effect.flatMap(makeWhatsAppChannel({ token: Redacted.make(wa.token), baseUrl: wa.baseUrl }), (send) => send({ channel: "WHATSAPP", ...m })).pipe(
      Effect.provide(FetchHttpClient.layer)
    )
  )
const igSend = (m: Omit<OutboundChatMessage, "channel">) =>
  run(
    Effect.flatMap(makeInstagramChannel({ token: Redacted.make(ig.token), baseUrl: ig.baseUrl }), (send) => send({ channel: "INSTAGRAM", ...m })).pipe(
      Effect.provide(FetchHttpClient.layer)
    )
  )

describe("WhatsApp channel: free-text replies over the Cloud API", () => {
  it("sends the documented text body from the number written to and returns the wamid", async () => {
    const sent = await waSend({ account: wa.phoneNumberId, customer: "254708374149", text: "Karibu!", dedupeKey: "cmo_1" })
    expect(Either.isRight(sent) && sent.right.providerMessageId.startsWith("wamid.")).toBe(true)
    const last = wa.requests.at(-1)
    expect(last?.status).toBe(200)
    expect(last?.body).toEqual({ messaging_product: "whatsapp", recipient_type: "individual", to: "254708374149", type: "text", text: { body: "Karibu!" } })
  })

  it("a rate limit is retried later; an undeliverable number is not", async () => {
    wa.failNext("rate_limit")
    const limited = await waSend({ account: wa.phoneNumberId, customer: "254708374149", text: "hi", dedupeKey: "cmo_2" })
    expect(Either.isLeft(limited) && limited.left._tag).toBe("ChannelRetryLater")
    wa.failNext("undeliverable")
    const refused = await waSend({ account: wa.phoneNumberId, customer: "254708374149", text: "hi", dedupeKey: "cmo_3" })
    expect(Either.isLeft(refused) && refused.left._tag).toBe("ChannelUndeliverable")
  })
})

describe("Instagram channel: the Send API", () => {
  it("sends {recipient:{id}, message:{text}} to the account and returns the message id", async () => {
    const sent = await igSend({ account: ig.account, customer: "IGSID-1", text: "Asante!", dedupeKey: "cmo_4" })
    expect(Either.isRight(sent) && sent.right.providerMessageId).toBe(ig.sent.at(-1)?.mid)
    expect(ig.sent.at(-1)).toMatchObject({ recipient: "IGSID-1", text: "Asante!" })
    expect(ig.refused).toEqual([])
  })

  it("throttling and outages are retried later; a closed 24-hour window is undeliverable", async () => {
    ig.failNext("rate_limit")
    const limited = await igSend({ account: ig.account, customer: "IGSID-1", text: "x", dedupeKey: "cmo_5" })
    expect(Either.isLeft(limited) && limited.left._tag).toBe("ChannelRetryLater")
    ig.failNext("server_error")
    const down = await igSend({ account: ig.account, customer: "IGSID-1", text: "x", dedupeKey: "cmo_6" })
    expect(Either.isLeft(down) && down.left._tag).toBe("ChannelRetryLater")
    ig.failNext("outside_window")
    const closed = await igSend({ account: ig.account, customer: "IGSID-1", text: "x", dedupeKey: "cmo_7" })
    expect(Either.isLeft(closed) && closed.left._tag).toBe("ChannelUndeliverable")
  })
})

describe("Instagram webhook body", () => {
  const body = (messaging: ReadonlyArray<unknown>) => ({ object: "instagram", entry: [{ id: "17841400000000001", time: 1_764_300_000_000, messaging }] })
  const event = (message: Record<string, unknown>) => ({
    sender: { id: "IGSID-9" },
    recipient: { id: "17841400000000001" },
    timestamp: 1_764_300_000_123,
    message
  })

  it("reads text messages with their mid, account and customer; skips echoes; names attachments by type", () => {
    const parsed = parseInstagramWebhook(
      body([
        event({ mid: "m1", text: "nataka kikoi mbili" }),
        event({ mid: "m2", text: "our own reply", is_echo: true }),
        event({ mid: "m3", attachments: [{ type: "audio", payload: { url: "https://x" } }] }),
        { sender: { id: "IGSID-9" }, recipient: { id: "17841400000000001" }, timestamp: 1, read: { mid: "m1" } },
        { odd: true }
      ])
    )
    expect(Either.isRight(parsed)).toBe(true)
    if (Either.isLeft(parsed)) return
    expect(parsed.right.messages).toEqual([
      {
        channel: "INSTAGRAM",
        account: "17841400000000001",
        customer: "IGSID-9",
        providerMessageId: "m1",
        at: 1_764_300_000_123,
        type: "text",
        text: "nataka kikoi mbili"
      },
      { channel: "INSTAGRAM", account: "17841400000000001", customer: "IGSID-9", providerMessageId: "m3", at: 1_764_300_000_123, type: "audio" }
    ])
    expect(parsed.right.unrecognised).toEqual([{ odd: true }])
  })

  it("refuses a body that is not an Instagram envelope", () => {
    expect(Either.isLeft(parseInstagramWebhook({ object: "whatsapp_business_account", entry: [] }))).toBe(true)
  })
})
