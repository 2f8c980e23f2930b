import { describe, expect, it } from "vitest"
import { Either } from "effect"
import { classifyFailure, messageIdOf, templateMessageBody } from "../../adapters/whatsapp/cloud-api.js"
import { bodyProblems } from "../fakes/whatsapp-server.js"

const envelope = (code: number, details = "details") => ({
  error: { message: `(#${code}) message`, type: "OAuthException", code, error_data: { messaging_product: "whatsapp", details }, fbtrace_id: "Axyz" }
})

describe("Cloud API error classification (decided on the error code)", () => {
  it.each([
    // http, code, outcome, providerCode
    [429, 130429, "NotifierRetryLater", undefined],
    [400, 131056, "NotifierRetryLater", undefined],
    [400, 80007, "NotifierRetryLater", undefined],
    [500, 131000, "NotifierRetryLater", undefined],
    [503, 131016, "NotifierRetryLater", undefined],
    [400, 131047, "NotifierUndeliverable", "131047"],
    [400, 131026, "NotifierUndeliverable", "131026"],
    [400, 131009, "NotifierUndeliverable", "131009"],
    [400, 100, "NotifierUndeliverable", "100"],
    [400, 131008, "NotifierUndeliverable", "131008"],
    [401, 190, "NotifierUndeliverable", "190"],
    [500, 999999, "NotifierRetryLater", undefined]
  ] as const)("HTTP %i code %i -> %s", (status, code, tag, providerCode) => {
    const error = classifyFailure(status, envelope(code))
    expect(error._tag).toBe(tag)
    if (error._tag === "NotifierUndeliverable") expect(error.providerCode).toBe(providerCode)
  })

  it("bad requests are reported as our bug; 131026 says the caller should fall back", () => {
    expect(classifyFailure(400, envelope(131009)).detail).toMatch(/^bug: /)
    expect(classifyFailure(400, envelope(131026)).detail).toMatch(/cannot deliver to this number/)
  })

  it("without the documented envelope: 429 and 5xx are RetryLater, other statuses undeliverable", () => {
    expect(classifyFailure(429, "Too Many Requests")._tag).toBe("NotifierRetryLater")
    expect(classifyFailure(502, "<html>")._tag).toBe("NotifierRetryLater")
    expect(classifyFailure(404, { unexpected: true })._tag).toBe("NotifierUndeliverable")
  })

  it("a Retry-After header in seconds becomes retryAfterMs", () => {
    expect(classifyFailure(429, envelope(130429), "30")).toMatchObject({ _tag: "NotifierRetryLater", retryAfterMs: 30_000 })
    expect(classifyFailure(429, envelope(130429), "soon")).not.toHaveProperty("retryAfterMs")
  })
})

describe("Cloud API request and reply", () => {
  it("the template body for order_paid AMN-1042 is the documented example, and the fake accepts it", () => {
    const body = templateMessageBody({ to: "254708374149", template: "order_paid", params: ["AMN-1042"], dedupeKey: "k" })
    expect(JSON.stringify(body)).toBe(
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"254708374149","type":"template",' +
        '"template":{"name":"order_paid","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text","text":"AMN-1042"}]}]}}'
    )
    expect(bodyProblems(body)).toEqual([])
  })

  it("the fake refuses bodies that stray from the documented shape", () => {
    const good = templateMessageBody({ to: "254708374149", template: "order_paid", params: ["AMN-1042"], dedupeKey: "k" })
    expect(bodyProblems({ ...good, extra: 1 })).not.toEqual([])
    expect(bodyProblems({ ...good, messaging_product: "sms" })).not.toEqual([])
    expect(bodyProblems({ ...good, template: { ...good.template, language: "en" } })).not.toEqual([])
    expect(bodyProblems({ ...good, template: { ...good.template, components: [{ type: "body", parameters: [{ type: "text", text: "" }] }] } })).not.toEqual([])
    expect(bodyProblems({ messaging_product: "whatsapp", recipient_type: "individual", to: "254708374149", type: "text", text: { body: "hi" } })).toEqual([])
  })

  it("the wamid is read from messages[0].id; a 2xx without one is refused", () => {
    const reply = { messaging_product: "whatsapp", contacts: [{ input: "254708374149", wa_id: "254708374149" }], messages: [{ id: "wamid.HBgM1" }] }
    expect(messageIdOf(reply)).toEqual(Either.right("wamid.HBgM1"))
    expect(Either.isLeft(messageIdOf({ messaging_product: "whatsapp", messages: [] }))).toBe(true)
  })
})
