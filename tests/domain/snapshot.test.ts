import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as M from "../../domain/money.js"
import { priceCheckout } from "../../domain/pricing.js"
import { canonicalJson, decodeSnapshot, encodeSnapshot } from "../../domain/snapshot.js"
import { arbCheckout, line, NOW, priceOrThrow, quoterFor, snapshotsOf } from "./fixtures.js"

describe("order snapshot", () => {
  it("snapshot encode -> decode is the identity", () => {
    fc.assert(
      fc.property(arbCheckout, fc.boolean(), (input, affiliate) => {
        const result = priceCheckout(input)
        if (Either.isLeft(result)) return
        for (const s of snapshotsOf(result.right, affiliate)) expect(Either.getOrThrow(decodeSnapshot(encodeSnapshot(s)))).toEqual(s)
      }),
      { numRuns: 200 }
    )
  })

  it("encoding is stable: the same snapshot gives the same bytes, whatever the key order of the object", () => {
    fc.assert(
      fc.property(arbCheckout, (input) => {
        const result = priceCheckout(input)
        if (Either.isLeft(result)) return
        for (const s of snapshotsOf(result.right)) {
          const reversed = JSON.parse(JSON.stringify(s, (_k, v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)))
          expect(encodeSnapshot(reversed)).toBe(encodeSnapshot(s))
        }
      }),
      { numRuns: 100 }
    )
  })

  it("canonical JSON sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}')
  })

  it("a worked snapshot reads like a receipt", () => {
    const priced = priceOrThrow({ currency: "KES", now: NOW, lines: [line("store-a", "kikoy", 800, 2, 300)], promotions: [], quoteShipping: quoterFor("KE-047-cbd") })
    const [s] = snapshotsOf(priced)
    expect(s!.lines[0]).toMatchObject({ title: "kikoy", sku: "KIKOY-SKU", quantity: 2, unitPrice: M.kes(800), baseLineTotal: M.kes(1_600) })
    expect(s!.totals).toEqual({
      original: M.kes(1_600),
      discount: M.zero("KES"),
      shipping: M.kes(300),
      shippingDiscount: M.zero("KES"),
      final: M.kes(1_900),
      roundingAbsorbed: M.zero("KES"),
      buyerPays: M.kes(1_900)
    })
    expect(s!.shipping).toMatchObject({ zoneId: "zone-nairobi", rateId: "nbi-flat" })
  })

  it("a tampered or malformed snapshot does not decode", () => {
    const priced = priceOrThrow({ currency: "KES", now: NOW, lines: [line("store-a", "kikoy", 800, 1, 300)], promotions: [], quoteShipping: quoterFor("KE-047-cbd") })
    const json = encodeSnapshot(snapshotsOf(priced)[0]!)
    expect(Either.isLeft(decodeSnapshot(json.replace('"amount":80000', '"amount":800.5')))).toBe(true)
    expect(Either.isLeft(decodeSnapshot("{"))).toBe(true)
  })
})
