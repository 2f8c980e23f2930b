import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as M from "../../domain/money.js"
import { priceCheckout } from "../../domain/pricing.js"
import { canonicalJson, decodeSnapshot, encodeSnapshot } from "../../domain/snapshot.js"
import { defaultLoyaltyPolicy } from "../../domain/incentives.js"
import { arbCheckout, code, line, NOW, priceOrThrow, promotion, quoterFor, snapshotsOf, unused } from "./fixtures.js"

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
          const reversed = JSON.parse(
            JSON.stringify(s, (_k, v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v))
          )
          expect(encodeSnapshot(reversed)).toBe(encodeSnapshot(s))
        }
      }),
      { numRuns: 100 }
    )
  })

  it("canonical JSON sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}')
    // already in order, and three keys in every order: the result is the same sorted text
    for (const o of [
      { a: 1, b: 2, c: 3 },
      { c: 3, a: 1, b: 2 },
      { b: 2, c: 3, a: 1 },
      { a: 1, c: 3, b: 2 }
    ])
      expect(canonicalJson(o)).toBe('{"a":1,"b":2,"c":3}')
  })

  it("canonical JSON is byte for byte the key-sorting replacer's text (what every stored snapshot hash was made with)", () => {
    // the reference: JSON.stringify with a replacer that rebuilds each object with its keys sorted
    const reference = (value: unknown): string =>
      JSON.stringify(value, (_key, v: unknown) =>
        v !== null && typeof v === "object" && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
          : v
      )
    // keys that sort differently as text and as numbers, array-index keys and keys just past them
    const key = fc.oneof(
      fc.string(),
      fc.constantFrom("0", "1", "2", "9", "10", "01", "-1", "1.5", "4294967294", "4294967295", "__proto__", "é", "\u{1F600}", "Z", "a")
    )
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.constantFrom(null, true, false, undefined, 0, -0, 1.5, -7, Number.NaN, Number.POSITIVE_INFINITY),
        fc.integer(),
        fc.string(),
        fc.date({ noInvalidDate: true }),
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(key, tie("node"), { maxKeys: 5 })
      )
    })).node
    fc.assert(
      fc.property(value, (v) => canonicalJson(v) === reference(v)),
      { numRuns: 2_000 }
    )
    // worked: numeric keys first in numeric order, then the rest in code-unit order; undefined members dropped, null in arrays
    expect(canonicalJson({ b: 1, "10": 2, a: [undefined, () => 1], "9": { z: undefined, y: new Date(0) } })).toBe(
      '{"9":{"y":"1970-01-01T00:00:00.000Z"},"10":2,"a":[null,null],"b":1}'
    )
  })

  it("a worked snapshot reads like a receipt", () => {
    const priced = priceOrThrow({
      currency: "KES",
      now: NOW,
      lines: [line("store-a", "kikoy", 800, 2, 300)],
      promotions: [],
      quoteShipping: quoterFor("KE-047-cbd")
    })
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
    const priced = priceOrThrow({
      currency: "KES",
      now: NOW,
      lines: [line("store-a", "kikoy", 800, 1, 300)],
      promotions: [],
      quoteShipping: quoterFor("KE-047-cbd")
    })
    const json = encodeSnapshot(snapshotsOf(priced)[0]!)
    expect(Either.isLeft(decodeSnapshot(json.replace('"amount":80000', '"amount":800.5')))).toBe(true)
    expect(Either.isLeft(decodeSnapshot("{"))).toBe(true)
  })
})

describe("order snapshot: every incentive frozen by id and version (mutation testing found these unpinned)", () => {
  // KES 1,000 kanga: KES 100 off by promotion, KES 50 by code, 10 loyalty points (KES 10); KES 300 shipping.
  // Built inside each test (not when the file is collected), so mutation testing sees which tests cover it.
  const priced = () =>
    priceOrThrow({
      currency: "KES",
      now: NOW,
      lines: [line("store-a", "kanga", 1_000, 1, 400, 1_000)],
      promotions: [{ promotion: promotion("promo-100", 1, { _tag: "EVERYTHING" }, { _tag: "AMOUNT_OFF", amount: M.kes(100) }), usage: unused }],
      code: { code: code("SAVE", { _tag: "AMOUNT_OFF", amount: M.kes(50) }), usage: unused },
      loyalty: { policy: defaultLoyaltyPolicy, requestedPoints: 10, balance: 100 },
      quoteShipping: quoterFor("KE-047-cbd")
    })
  const withAll = () => snapshotsOf(priced(), true)[0]!
  const plain = () =>
    snapshotsOf(
      priceOrThrow({ currency: "KES", now: NOW, lines: [line("store-a", "kanga", 1_000, 1, 400)], promotions: [], quoteShipping: quoterFor("KE-047-cbd") })
    )[0]!

  it("promotion, code and loyalty are recorded with what each took off this order; the affiliate by user and code", () => {
    expect(withAll().incentives).toEqual({
      promotion: {
        id: "promo-100",
        version: 1,
        name: "promo-100",
        effect: { _tag: "AMOUNT_OFF", amount: M.kes(100) },
        discount: M.kes(100),
        freeShipping: false
      },
      code: { id: "code-SAVE", version: 1, code: "SAVE", discount: M.kes(50) },
      loyalty: { points: 10, value: M.kes(10) },
      shippingDiscount: M.zero("KES")
    })
    expect(withAll().affiliate).toEqual({ userId: "aff-1", code: "WANJIKU" })
    expect(withAll().totals).toMatchObject({ original: M.kes(1_000), discount: M.kes(160), final: M.kes(1_140), buyerPays: M.kes(1_140) })
    expect(withAll().lines).toEqual([
      {
        productId: "kanga",
        variantId: "kanga-v",
        sku: "KANGA-SKU",
        title: "kanga",
        unitPrice: M.kes(1_000),
        quantity: 1,
        unitWeightGrams: 400,
        commissionRateBps: 1_000,
        baseLineTotal: M.kes(1_000),
        promotionDiscount: M.kes(100),
        codeDiscount: M.kes(50),
        loyaltyDiscount: M.kes(10),
        finalLineTotal: M.kes(840)
      }
    ])
  })

  it("a snapshot names its order, checkout, store, buyer, time, destination, fee and shipping rate; no incentive, no key", () => {
    expect(plain()).toMatchObject({
      schemaVersion: 1,
      orderId: "ord-1",
      checkoutId: "chk-1",
      storeId: "store-a",
      buyerId: "buyer-1",
      createdAt: NOW,
      currency: "KES",
      destination: "KE-047-cbd",
      platformFeeBps: 500,
      shipping: { zoneId: "zone-nairobi", rateId: "nbi-flat", rateKind: "FLAT", amount: M.kes(300) }
    })
    expect(plain().incentives).toEqual({ shippingDiscount: M.zero("KES") })
    expect("affiliate" in plain()).toBe(false)
  })
})
