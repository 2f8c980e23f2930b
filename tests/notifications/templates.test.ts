import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Either } from "effect"
import type { MessageTemplate } from "../../application/ports/notifier.js"
import { renderText, templates, validateOutbound } from "../../application/notifications/templates.js"
import { templateMessageBody } from "../../adapters/whatsapp/cloud-api.js"
import { messageFor, NOTIFIED_EVENTS, NOTIFIED_FOR } from "../../application/notifications/notify-order.js"

const names = Object.keys(templates) as Array<MessageTemplate>

describe("templates: one definition for WhatsApp and the dev inbox", () => {
  it.each([
    ["login_code", ["123456"], "Your Amana login code is 123456. It expires in 10 minutes."],
    ["order_paid", ["AMN-1042"], "Order AMN-1042 is paid. Amana holds the payment until the order is delivered."],
    ["order_dispatched", ["AMN-7", "Otieno", "0712 345 678"], "Order AMN-7 is on its way with rider Otieno (0712 345 678)."],
    ["order_refunded", ["AMN-9", "KES 1,234.00"], "Order AMN-9 has been refunded: KES 1,234.00 is on its way back to the buyer's M-Pesa."]
  ] as const)("%s %j reads: %s", (template, params, text) => {
    expect(renderText(template, params)).toBe(text)
  })

  it("every template's placeholders are exactly {{1}}..{{n}}, n = its parameter count (Meta's syntax)", () => {
    for (const name of names) {
      const found = [...templates[name].body.matchAll(/\{\{(\d+)\}\}/g)].map((m) => Number(m[1])).sort((a, b) => a - b)
      expect([...new Set(found)], name).toEqual(templates[name].params.map((_, i) => i + 1))
    }
  })

  it("property: the dev inbox text and the WhatsApp request carry the same parameters in the same order", () => {
    // single spaces only: WhatsApp refuses 5+ spaces in a row (validateOutbound checks that rule separately)
    const param = fc.stringMatching(/^[A-Za-z0-9](?: ?[A-Za-z0-9,.-]){0,12}$/)
    const message = fc
      .constantFrom(...names)
      .chain((template) =>
        fc.array(param, { minLength: templates[template].params.length, maxLength: templates[template].params.length }).map((params) => ({ template, params }))
      )
    fc.assert(
      fc.property(message, ({ template, params }) => {
        const text = Either.getOrThrow(validateOutbound({ to: "254708374149", template, params, dedupeKey: "k" }))
        const sent = templateMessageBody({ to: "254708374149", template, params, dedupeKey: "k" }).template.components[0]?.parameters.map((p) => p.text)
        expect(sent).toEqual(params)
        // substituting WhatsApp's parameters into the registered body gives the dev inbox's text
        expect(templates[template].body.replace(/\{\{(\d+)\}\}/g, (_m, n: string) => sent?.[Number(n) - 1] ?? "?")).toBe(text)
      })
    )
  })

  it.each([
    [{ params: ["1", "2"] }, /takes 1 parameters/],
    [{ params: [""] }, /parameter 1 \(code\) is empty/],
    [{ params: ["12\n34"] }, /new line/],
    [{ to: "+254708374149" }, /not a normalised/],
    [{ dedupeKey: " " }, /dedupeKey is empty/]
  ])("refuses a malformed message as a bug: %j", (overrides, detail) => {
    const result = validateOutbound({ to: "254708374149", template: "login_code", params: ["123456"], dedupeKey: "k", ...overrides })
    expect(Either.isLeft(result) && result.left.detail).toMatch(detail)
  })
})

describe("who is told of which order event", () => {
  it("each party's handler subscribes to exactly the events that tell it something (none missed, none run for nothing)", () => {
    const facts = {
      orderId: "ord_1",
      buyerPhone: "254700000001",
      sellerPhone: "254700000002",
      storeName: "Mama Mboga",
      total: { amount: 150_000, currency: "KES" as const },
      buyerPaid: { amount: 150_000, currency: "KES" as const },
      rider: { name: "Otieno", phone: "254700000003" }
    }
    for (const party of ["buyer", "seller"] as const) {
      const told = NOTIFIED_EVENTS.filter((e) => messageFor(party, e, facts, { reason: "late", handoverCode: "482913" }) !== undefined)
      expect([...NOTIFIED_FOR[party]].sort(), party).toEqual([...told].sort())
    }
  })
})
