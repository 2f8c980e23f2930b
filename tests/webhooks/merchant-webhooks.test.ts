import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { backoffMs, MAX_ATTEMPTS, webhookTypeOf } from "../../application/webhooks/merchant-webhooks.js"
import { messageFor } from "../../application/notifications/notify-order.js"
import { verifyPartnerSignature, partnerSignature } from "../../adapters/logistics-partner/webhook.js"

describe("merchant webhook rules", () => {
  it("property: backoff never shrinks and never exceeds 6 hours", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), (n) => {
        expect(backoffMs(n + 1)).toBeGreaterThanOrEqual(backoffMs(n))
        expect(backoffMs(n)).toBeLessThanOrEqual(6 * 3_600_000)
      })
    )
  })

  it("the whole retry schedule: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then 6 h (8 attempts, about 21 h)", () => {
    const waits = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => backoffMs(i + 1) / 60_000)
    expect(waits).toEqual([0.5, 2, 8, 32, 128, 360, 360])
  })

  it.each([
    ["ORDER_CREATED", "ORDER_CREATED"],
    ["ORDER_PAID", "ORDER_PAID"],
    ["ORDER_CANCELLED", "ORDER_CANCELLED"],
    ["ORDER_CANCELLED_BY_USER", "ORDER_CANCELLED"],
    ["ORDER_EXPIRED", "ORDER_CANCELLED"],
    ["PRODUCT_VERIFIED", "PRODUCT_UPDATED"],
    ["ORDER_DISPATCHED", undefined]
  ])("%s becomes webhook %s", (event, webhook) => {
    expect(webhookTypeOf(event)).toBe(webhook)
  })
})

describe("order notifications", () => {
  const facts = {
    orderId: "ord_7",
    buyerPhone: "254711000002",
    sellerPhone: "254711000001",
    storeName: "Kitenge House",
    total: { amount: 2_300_00, currency: "KES" as const },
    buyerPaid: { amount: 2_300_00, currency: "KES" as const },
    rider: { name: "Otieno", phone: "254722000111" }
  }
  it.each([
    ["buyer", "ORDER_CREATED", { template: "order_placed", params: ["ord_7", "KES 2,300.00"] }],
    ["seller", "ORDER_CREATED", undefined],
    ["buyer", "ORDER_DISPATCHED", { template: "order_dispatched_with_code", params: ["ord_7", "Otieno", "254722000111", "482913"] }],
    ["seller", "ORDER_DISPATCHED", { template: "order_dispatched", params: ["ord_7", "Otieno", "254722000111"] }],
    ["buyer", "ORDER_REFUNDED", { template: "order_refunded", params: ["ord_7", "KES 2,300.00"] }],
    ["seller", "ORDER_PICKED_UP", undefined]
  ] as const)("%s on %s", (party, event, expected) => {
    expect(messageFor(party, event, facts, { handoverCode: "482913" })).toEqual(expected)
  })
})

describe("partner webhook signature", () => {
  const now = 1_790_000_000_000
  const ts = String(now / 1000)
  const body = Buffer.from('{"eventId":"e1","deliveryId":"lp_1","status":"PICKED_UP"}')
  it("accepts the right signature on the raw bytes and refuses a forged, altered or stale one", () => {
    const good = partnerSignature("s3cret", ts, body)
    expect(verifyPartnerSignature({ secret: "s3cret", rawBody: body, timestamp: ts, signature: good, now })).toBeUndefined()
    expect(verifyPartnerSignature({ secret: "s3cret", rawBody: body, timestamp: ts, signature: partnerSignature("other", ts, body), now })).toBe(
      "signature mismatch"
    )
    expect(
      verifyPartnerSignature({ secret: "s3cret", rawBody: Buffer.from(body.toString().replace("PICKED_UP", "DELIVERED")), timestamp: ts, signature: good, now })
    ).toBe("signature mismatch")
    expect(verifyPartnerSignature({ secret: "s3cret", rawBody: body, timestamp: ts, signature: good, now: now + 6 * 60_000 })).toMatch(/window/)
    expect(verifyPartnerSignature({ secret: "s3cret", rawBody: body, timestamp: undefined, signature: good, now })).toMatch(/Timestamp/)
  })
})
