import { describe, expect, it } from "vitest"
import { Either, Redacted } from "effect"
import fc from "fast-check"
import { parseWebhook, signatureOf, statusRank, verifySignature, verifySubscription } from "../../adapters/whatsapp/webhook.js"

describe("webhook subscription (GET)", () => {
  const query = (overrides: Record<string, unknown> = {}) => ({
    "hub.mode": "subscribe",
    "hub.verify_token": "verify-me",
    "hub.challenge": "1158201444",
    ...overrides
  })

  it("answers the challenge when mode and token match", () => {
    expect(verifySubscription(query(), Redacted.make("verify-me"))).toEqual(Either.right("1158201444"))
    expect(verifySubscription(query(), "verify-me")).toEqual(Either.right("1158201444"))
  })

  it.each([
    ["wrong token", { "hub.verify_token": "verify-you" }, "wrong verify token"],
    ["token of another length", { "hub.verify_token": "v" }, "wrong verify token"],
    ["token missing", { "hub.verify_token": undefined }, "wrong verify token"],
    ["token repeated", { "hub.verify_token": ["verify-me", "verify-me"] }, "wrong verify token"],
    ["wrong mode", { "hub.mode": "unsubscribe" }, "wrong mode"],
    ["no challenge", { "hub.challenge": undefined }, "missing challenge"]
  ])("refuses (403): %s", (_name, overrides, reason) => {
    const result = verifySubscription(query(overrides), "verify-me")
    expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "WebhookForbidden", reason, code: "WHATSAPP.WEBHOOK_FORBIDDEN" })
  })
})

describe("webhook signature (X-Hub-Signature-256)", () => {
  const vector = "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"

  it("the documented vector: HMAC-SHA256(key 'secret', 'test')", () => {
    expect(signatureOf(Buffer.from("test"), "secret")).toBe(vector)
    expect(verifySignature(Buffer.from("test"), vector, Redacted.make("secret"))).toBe(true)
    expect(verifySignature(Buffer.from("test"), vector.toUpperCase().replace("SHA256=", "sha256="), "secret")).toBe(true)
  })

  it.each([
    ["a tampered body", Buffer.from("test "), vector, "secret"],
    ["the wrong secret", Buffer.from("test"), vector, "Secret"],
    ["no header", Buffer.from("test"), undefined, "secret"],
    ["no sha256= prefix", Buffer.from("test"), vector.slice("sha256=".length), "secret"],
    ["a truncated digest (length mismatch)", Buffer.from("test"), vector.slice(0, -2), "secret"],
    ["an over-long digest", Buffer.from("test"), `${vector}00`, "secret"],
    ["non-hex characters", Buffer.from("test"), vector.slice(0, -1) + "z", "secret"],
    ["sha1", Buffer.from("test"), "sha1=1aa349585ed7ecbd3b9c486a30067e395ca4b356", "secret"]
  ])("rejects %s", (_name, body, header, secret) => {
    expect(verifySignature(body, header, secret)).toBe(false)
  })

  it("property: a body verifies under its own signature and not after any single byte changes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 256 }), fc.string({ minLength: 1 }), fc.nat(), (bytes, secret, at) => {
        const body = Buffer.from(bytes)
        const header = signatureOf(body, secret)
        expect(verifySignature(body, header, secret)).toBe(true)
        const tampered = Buffer.from(body)
        const i = at % tampered.length
        tampered[i] = ((tampered[i] as number) + 1) % 256
        expect(verifySignature(tampered, header, secret)).toBe(false)
      })
    )
  })
})

const notification = (value: Record<string, unknown>) => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: "102290129340398",
      changes: [
        {
          field: "messages",
          value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550783881", phone_number_id: "106540352242922" }, ...value }
        }
      ]
    }
  ]
})

describe("webhook payload (POST)", () => {
  it("reads statuses, with timestamps in epoch ms and failure errors", () => {
    const batch = parseWebhook(
      notification({
        statuses: [
          { id: "wamid.A", status: "delivered", timestamp: "1750000000", recipient_id: "254708374149", conversation: { id: "c" }, pricing: { billable: true } },
          {
            id: "wamid.B",
            status: "failed",
            timestamp: "1750000060",
            recipient_id: "254110123456",
            errors: [{ code: 131026, title: "Message undeliverable", message: "Message undeliverable", error_data: { details: "Message Undeliverable." } }]
          }
        ]
      })
    )
    expect(batch).toEqual(
      Either.right({
        statuses: [
          { wamid: "wamid.A", status: "delivered", timestamp: 1_750_000_000_000, recipientId: "254708374149", phoneNumberId: "106540352242922" },
          {
            wamid: "wamid.B",
            status: "failed",
            timestamp: 1_750_000_060_000,
            recipientId: "254110123456",
            phoneNumberId: "106540352242922",
            errors: [{ code: 131026, title: "Message undeliverable", message: "Message undeliverable", details: "Message Undeliverable." }]
          }
        ],
        messages: [],
        unrecognised: []
      })
    )
  })

  it("reads inbound messages; only text messages carry text", () => {
    const batch = parseWebhook(
      notification({
        contacts: [{ profile: { name: "Wanjiku" }, wa_id: "254708374149" }],
        messages: [
          { from: "254708374149", id: "wamid.IN1", timestamp: "1750000100", type: "text", text: { body: "Is it in stock?" } },
          { from: "254708374149", id: "wamid.IN2", timestamp: "1750000101", type: "image", image: { id: "media1", mime_type: "image/jpeg" } }
        ]
      })
    )
    expect(Either.getOrThrow(batch).messages).toEqual([
      { wamid: "wamid.IN1", from: "254708374149", timestamp: 1_750_000_100_000, phoneNumberId: "106540352242922", type: "text", text: "Is it in stock?" },
      { wamid: "wamid.IN2", from: "254708374149", timestamp: 1_750_000_101_000, phoneNumberId: "106540352242922", type: "image" }
    ])
  })

  it("an item it cannot read is set aside, not fatal (Meta would redeliver the whole batch for a day)", () => {
    const odd = { id: "wamid.C", status: "deleted", timestamp: "1750000000", recipient_id: "254708374149" }
    const batch = Either.getOrThrow(
      parseWebhook(notification({ statuses: [odd, { id: "wamid.D", status: "read", timestamp: "1750000001", recipient_id: "254708374149" }] }))
    )
    expect(batch.statuses.map((s) => s.wamid)).toEqual(["wamid.D"])
    expect(batch.unrecognised).toEqual([odd])
  })

  it("other fields are ignored; a body that is not a WhatsApp Business Account envelope is refused", () => {
    const other = { object: "whatsapp_business_account", entry: [{ id: "1", changes: [{ field: "account_update", value: { anything: 1 } }] }] }
    expect(parseWebhook(other)).toEqual(Either.right({ statuses: [], messages: [], unrecognised: [] }))
    expect(Either.isLeft(parseWebhook({ object: "page", entry: [] }))).toBe(true)
    expect(Either.isLeft(parseWebhook("not json"))).toBe(true)
    expect(Either.isLeft(parseWebhook(notification({ statuses: [] }).entry))).toBe(true)
  })

  it("status ranks only move forward: sent < delivered < read < failed", () => {
    expect([statusRank.sent, statusRank.delivered, statusRank.read, statusRank.failed]).toEqual([1, 2, 3, 4])
  })
})
