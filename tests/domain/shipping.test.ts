import { Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { LocationId, RateId, ZoneId } from "../../domain/ids.js"
import * as Money from "../../domain/money.js"
import {
  ancestry,
  type Geography,
  type LocationKind,
  type LocationNode,
  makeGeography,
  quoteShipping,
  type ShippingError,
  type ShippingQuote,
  type ShippingRate,
  Zone
} from "../../domain/shipping.js"

// ---------------------------------------------------------------------------------------------
// Helpers

const node = (id: string, kind: LocationKind, parentId?: string): LocationNode => ({
  id: LocationId.make(id),
  kind,
  name: id,
  ...(parentId === undefined ? {} : { parentId: LocationId.make(parentId) })
})
const flat = (id: string, shillings: number, active = true): ShippingRate => ({
  _tag: "FLAT",
  id: RateId.make(id),
  active,
  amount: Money.kes(shillings)
})
const weight = (id: string, base: number, perKg: number): ShippingRate => ({
  _tag: "WEIGHT",
  id: RateId.make(id),
  active: true,
  base: Money.kes(base),
  perKg: Money.kes(perKg)
})
const freeOver = (id: string, threshold: number): ShippingRate => ({
  _tag: "FREE_OVER",
  id: RateId.make(id),
  active: true,
  threshold: Money.kes(threshold)
})
const zone = (id: string, covers: ReadonlyArray<string>, rates: ReadonlyArray<ShippingRate>): Zone => ({
  id: ZoneId.make(id),
  name: id,
  covers: covers.map((c) => LocationId.make(c)),
  rates
})
const geography = (nodes: ReadonlyArray<LocationNode>): Geography => Either.getOrThrowWith(makeGeography(nodes), (e) => e)

/** Plain data for comparing outcomes: the quote, or the error's tag, code and fields. */
const outcome = (result: Either.Either<ShippingQuote, ShippingError>) =>
  Either.match(result, { onRight: (q) => ({ ok: q }), onLeft: (e) => ({ error: { ...e } }) })

// ---------------------------------------------------------------------------------------------
// Worked examples, in shillings

const kenya = geography([
  node("nairobi", "COUNTY"),
  node("westlands", "TOWN", "nairobi"),
  node("sarit", "MARKET", "westlands"),
  node("sarit-locker", "PICKUP_POINT", "sarit"),
  node("kilimani", "TOWN", "nairobi"),
  node("yaya-shop", "PICKUP_POINT", "kilimani"),
  node("mombasa", "COUNTY"),
  node("nyali", "TOWN", "mombasa"),
  node("kisumu", "COUNTY"),
  node("milimani", "TOWN", "kisumu")
])
const kenyaZones = [
  zone("z-nairobi", ["nairobi"], [flat("r-nbo-flat", 300)]),
  zone("z-westlands", ["westlands"], [weight("r-wl-weight", 150, 50)]),
  zone("z-kilimani", ["kilimani"], [flat("r-kl-flat", 250), freeOver("r-kl-free", 5_000)]),
  zone("z-kisumu", ["kisumu"], [flat("r-ksm-off", 100, false)])
]

describe("shipping quote: worked examples (KES)", () => {
  // destination, weight g, subtotal KES -> zone, rate, price (or error code)
  const table: ReadonlyArray<readonly [string, number, number, string]> = [
    ["sarit-locker", 2_200, 1_000, "z-westlands r-wl-weight KES 300.00"], // 150 + 3 started kg × 50
    ["sarit-locker", 2_000, 1_000, "z-westlands r-wl-weight KES 250.00"], // 150 + 2 × 50
    ["sarit-locker", 1, 1_000, "z-westlands r-wl-weight KES 200.00"], //     150 + 1 × 50
    ["sarit-locker", 0, 1_000, "z-westlands r-wl-weight KES 150.00"], //     0 g is 0 kg
    ["westlands", 2_200, 1_000, "z-westlands r-wl-weight KES 300.00"], //    the zone covers the town itself
    ["nairobi", 2_200, 1_000, "z-nairobi r-nbo-flat KES 300.00"], //         county zone only
    ["yaya-shop", 9_000, 4_999, "z-kilimani r-kl-flat KES 250.00"], //       below the free threshold
    ["yaya-shop", 9_000, 5_000, "z-kilimani r-kl-free KES 0.00"], //         exactly at it: free
    ["yaya-shop", 9_000, 12_000, "z-kilimani r-kl-free KES 0.00"], //        above it: free
    ["nyali", 500, 1_000, "SHIPPING.NOT_DELIVERABLE"], //                    Mombasa: no zone
    ["milimani", 500, 1_000, "SHIPPING.NOT_DELIVERABLE"], //                 Kisumu zone: its only rate is off
    ["atlantis", 500, 1_000, "SHIPPING.UNKNOWN_LOCATION"] //                 not in the tree
  ]
  it.each(table)("%s, %i g, subtotal KES %i -> %s", (destination, grams, subtotal, expected) => {
    const result = quoteShipping(kenya, kenyaZones, {
      destination: LocationId.make(destination),
      totalWeightGrams: grams,
      discountedSubtotal: Money.kes(subtotal)
    })
    const shown = Either.match(result, {
      onRight: (q) => `${q.zoneId} ${q.rateId} ${Money.format(q.amount)}`,
      onLeft: (e) => e.code
    })
    expect(shown).toBe(expected)
  })

  it("subtotal KES 4,999.99 is below a KES 5,000 free-shipping threshold", () => {
    const result = quoteShipping(kenya, kenyaZones, {
      destination: LocationId.make("yaya-shop"),
      totalWeightGrams: 0,
      discountedSubtotal: Money.make(499_999, "KES")
    })
    expect(Either.getOrThrow(result).amount).toEqual(Money.kes(250))
  })

  it("a zone with no applicable rate is not deliverable and names the zone; no fallback to the county zone", () => {
    const zones = [zone("z-nairobi", ["nairobi"], [flat("r1", 300)]), zone("z-sarit", ["sarit"], [freeOver("r2", 5_000)])]
    const result = quoteShipping(kenya, zones, {
      destination: LocationId.make("sarit-locker"),
      totalWeightGrams: 1_000,
      discountedSubtotal: Money.kes(100)
    })
    expect(outcome(result)).toEqual({
      error: { _tag: "NotDeliverable", code: "SHIPPING.NOT_DELIVERABLE", destination: "sarit-locker", reason: "NO_APPLICABLE_RATE", zoneId: "z-sarit" }
    })
  })

  it("two zones on the same node: the smallest zone id wins", () => {
    const zones = [zone("z-b", ["westlands"], [flat("r1", 100)]), zone("z-a", ["westlands"], [flat("r1", 900)])]
    const q = quoteShipping(kenya, zones, {
      destination: LocationId.make("sarit"),
      totalWeightGrams: 0,
      discountedSubtotal: Money.kes(100)
    })
    expect(Either.getOrThrow(q)).toMatchObject({ zoneId: "z-a", amount: Money.kes(900) })
  })

  it("equal prices: the smallest rate id wins", () => {
    const zones = [zone("z", ["nairobi"], [flat("r-b", 200), weight("r-a", 100, 100)])]
    const q = quoteShipping(kenya, zones, {
      destination: LocationId.make("nairobi"),
      totalWeightGrams: 500,
      discountedSubtotal: Money.kes(100)
    })
    expect(Either.getOrThrow(q)).toMatchObject({ rateId: "r-a", rateKind: "WEIGHT", amount: Money.kes(200) })
  })

  it("an active rate in another currency is a config error; an inactive one is ignored", () => {
    const tzsFlat: ShippingRate = { _tag: "FLAT", id: RateId.make("r-tzs"), active: true, amount: Money.major(5_000, "TZS") }
    const request = {
      destination: LocationId.make("nairobi"),
      totalWeightGrams: 0,
      discountedSubtotal: Money.kes(100)
    }
    const bad = quoteShipping(kenya, [zone("z", ["nairobi"], [flat("r-kes", 300), tzsFlat])], request)
    expect(outcome(bad)).toEqual({
      error: {
        _tag: "RateCurrencyMismatch",
        code: "SHIPPING.RATE_CURRENCY_MISMATCH",
        zoneId: "z",
        rateId: "r-tzs",
        rateCurrency: "TZS",
        subtotalCurrency: "KES"
      }
    })
    const off = quoteShipping(kenya, [zone("z", ["nairobi"], [flat("r-kes", 300), { ...tzsFlat, active: false }])], request)
    expect(Either.getOrThrow(off).amount).toEqual(Money.kes(300))
  })

  it("ancestry runs from the node up to its county, self first", () => {
    const ids = Either.getOrThrow(ancestry(kenya, LocationId.make("sarit-locker"))).map((n) => n.id)
    expect(ids).toEqual(["sarit-locker", "sarit", "westlands", "nairobi"])
    const unknown = Either.flip(ancestry(kenya, LocationId.make("atlantis")))
    expect(Either.getOrThrow(unknown).code).toBe("SHIPPING.UNKNOWN_LOCATION")
  })

  it("zones decode from their wire form, and a negative rate is refused", () => {
    const wire = {
      id: "z1",
      name: "Nairobi",
      covers: ["nairobi"],
      rates: [{ _tag: "WEIGHT", id: "r1", active: true, base: { amount: 15_000, currency: "KES" }, perKg: { amount: 5_000, currency: "KES" } }]
    }
    expect(Schema.decodeUnknownSync(Zone)(wire).rates[0]).toMatchObject({ _tag: "WEIGHT", base: Money.kes(150) })
    const negative = { ...wire, rates: [{ _tag: "FLAT", id: "r1", active: true, amount: { amount: -1, currency: "KES" } }] }
    expect(Either.isLeft(Schema.decodeUnknownEither(Zone)(negative))).toBe(true)
  })
})

describe("geography: invalid trees are refused with every issue", () => {
  const table: ReadonlyArray<readonly [string, ReadonlyArray<LocationNode>, string]> = [
    ["duplicate id", [node("c", "COUNTY"), node("c", "COUNTY")], "c:DUPLICATE_ID"],
    ["unknown parent", [node("t", "TOWN", "ghost")], "t:UNKNOWN_PARENT"],
    ["county with a parent", [node("c", "COUNTY"), node("c2", "COUNTY", "c")], "c2:BAD_NESTING"],
    ["town without a parent", [node("t", "TOWN")], "t:BAD_NESTING"],
    ["market under a county", [node("c", "COUNTY"), node("m", "MARKET", "c")], "m:BAD_NESTING"],
    ["pickup point under a county", [node("c", "COUNTY"), node("p", "PICKUP_POINT", "c")], "p:BAD_NESTING"],
    ["town under a pickup point", [node("c", "COUNTY"), node("t", "TOWN", "c"), node("p", "PICKUP_POINT", "t"), node("t2", "TOWN", "p")], "t2:BAD_NESTING"],
    ["two-town cycle", [node("a", "TOWN", "b"), node("b", "TOWN", "a")], "a:BAD_NESTING b:BAD_NESTING"],
    ["self-parent", [node("m", "MARKET", "m")], "m:BAD_NESTING"]
  ]
  it.each(table)("%s", (_, nodes, expected) => {
    const error = Either.getOrThrow(Either.flip(makeGeography(nodes)))
    expect(error.code).toBe("SHIPPING.INVALID_GEOGRAPHY")
    expect(error.issues.map((i) => `${i.locationId}:${i.reason}`).join(" ")).toBe(expected)
  })

  it("pickup points may sit under a market or directly under a town", () => {
    const geo = makeGeography([
      node("c", "COUNTY"),
      node("t", "TOWN", "c"),
      node("m", "MARKET", "t"),
      node("p1", "PICKUP_POINT", "m"),
      node("p2", "PICKUP_POINT", "t")
    ])
    expect(Either.isRight(geo)).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------
// Arbitraries: small random trees and zones over them (all in KES)

type ValueOf<A> = A extends fc.Arbitrary<infer V> ? V : never

/** counties -> towns -> (markets with n pickup points, pickup points directly under the town) */
const arbShape = fc.array(fc.array(fc.record({ markets: fc.array(fc.nat(2), { maxLength: 2 }), townPickups: fc.nat(2) }), { maxLength: 3 }), {
  minLength: 1,
  maxLength: 3
})

const nodesOf = (shape: ValueOf<typeof arbShape>): Array<LocationNode> => {
  const nodes: Array<LocationNode> = []
  shape.forEach((towns, c) => {
    const county = `c${c}`
    nodes.push(node(county, "COUNTY"))
    towns.forEach(({ markets, townPickups }, t) => {
      const town = `${county}t${t}`
      nodes.push(node(town, "TOWN", county))
      for (let p = 0; p < townPickups; p++) nodes.push(node(`${town}p${p}`, "PICKUP_POINT", town))
      markets.forEach((pickups, m) => {
        const market = `${town}m${m}`
        nodes.push(node(market, "MARKET", town))
        for (let p = 0; p < pickups; p++) nodes.push(node(`${market}p${p}`, "PICKUP_POINT", market))
      })
    })
  })
  return nodes
}

const arbMoney = fc.nat(50_000).map((n) => Money.make(n, "KES"))
const arbRateId = fc.nat(5).map((n) => RateId.make(`r${n}`))
const arbRate: fc.Arbitrary<ShippingRate> = fc.oneof(
  fc.record({ _tag: fc.constant("FLAT" as const), id: arbRateId, active: fc.boolean(), amount: arbMoney }),
  fc.record({ _tag: fc.constant("WEIGHT" as const), id: arbRateId, active: fc.boolean(), base: arbMoney, perKg: arbMoney }),
  fc.record({ _tag: fc.constant("FREE_OVER" as const), id: arbRateId, active: fc.boolean(), threshold: arbMoney })
)

const arbZones = (ids: ReadonlyArray<LocationId>): fc.Arbitrary<Array<Zone>> =>
  fc.uniqueArray(
    fc.record({
      id: fc.nat(6).map((n) => ZoneId.make(`z${n}`)),
      name: fc.constant("zone"),
      covers: fc.subarray([...ids], { maxLength: Math.min(3, ids.length) }),
      rates: fc.uniqueArray(arbRate, { selector: (r) => r.id, maxLength: 4 })
    }),
    { selector: (z) => z.id, maxLength: 5 }
  )

const arbScenario = arbShape.chain((shape) => {
  const nodes = nodesOf(shape)
  const ids = nodes.map((n) => n.id)
  return fc.record({
    geo: fc.constant(geography(nodes)),
    zones: arbZones(ids),
    destination: fc.constantFrom(...ids),
    totalWeightGrams: fc.nat(20_000),
    discountedSubtotal: arbMoney
  })
})

const quote = (s: ValueOf<typeof arbScenario>) => quoteShipping(s.geo, s.zones, s)

/** Independent oracle for one rate's price: undefined when it does not apply. */
const oracleCost = (rate: ShippingRate, grams: number, subtotal: Money.Money): number | undefined => {
  switch (rate._tag) {
    case "FLAT":
      return rate.amount.amount
    case "WEIGHT":
      return rate.base.amount + rate.perKg.amount * Math.floor((grams + 999) / 1000)
    case "FREE_OVER":
      return subtotal.amount >= rate.threshold.amount ? 0 : undefined
  }
}

const shuffled = <A>(xs: ReadonlyArray<A>): fc.Arbitrary<Array<A>> => fc.shuffledSubarray([...xs], { minLength: xs.length, maxLength: xs.length })

// ---------------------------------------------------------------------------------------------
// Properties

describe("shipping quote: properties", () => {
  it("every generated tree is accepted and each ancestry climbs parent by parent to a county", () => {
    fc.assert(
      fc.property(arbScenario, ({ geo, destination }) => {
        const path = Either.getOrThrow(ancestry(geo, destination))
        expect(path[0]?.id).toBe(destination)
        expect(path[path.length - 1]?.kind).toBe("COUNTY")
        path.slice(1).forEach((parent, i) => expect(path[i]?.parentId).toBe(parent.id))
      })
    )
  })

  it("the chosen rate costs no more than any other active applicable rate of its zone", () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const result = quote(s)
        fc.pre(Either.isRight(result))
        const q = Either.getOrThrow(result)
        const chosenZone = s.zones.find((z) => z.id === q.zoneId)
        const prices = (chosenZone?.rates ?? [])
          .filter((r) => r.active)
          .map((r) => oracleCost(r, s.totalWeightGrams, s.discountedSubtotal))
          .filter((p) => p !== undefined)
        expect(prices).toContain(q.amount.amount)
        for (const p of prices) expect(q.amount.amount).toBeLessThanOrEqual(p)
      })
    )
  })

  it("adding a costlier rate to any zone never changes the quote", () => {
    fc.assert(
      fc.property(arbScenario, fc.nat(), fc.integer({ min: 1, max: 10_000 }), fc.nat(), (s, zoneIndex, extra, at) => {
        const before = quote(s)
        fc.pre(Either.isRight(before) && s.zones.length > 0)
        const price = Either.getOrThrow(before).amount.amount + extra
        const rate: ShippingRate = { _tag: "FLAT", id: RateId.make("r-costlier"), active: true, amount: Money.make(price, "KES") }
        const target = zoneIndex % s.zones.length
        const zones = s.zones.map((z, i) =>
          i === target ? { ...z, rates: [...z.rates.slice(0, at % (z.rates.length + 1)), rate, ...z.rates.slice(at % (z.rates.length + 1))] } : z
        )
        expect(outcome(quoteShipping(s.geo, zones, s))).toEqual(outcome(before))
      })
    )
  })

  it("free shipping is monotone: a higher subtotal never yields a higher quote nor loses deliverability", () => {
    fc.assert(
      fc.property(arbScenario, fc.nat(50_000), (s, raise) => {
        const low = quote(s)
        const high = quoteShipping(s.geo, s.zones, { ...s, discountedSubtotal: Money.make(s.discountedSubtotal.amount + raise, "KES") })
        if (Either.isRight(low)) {
          expect(Either.isRight(high)).toBe(true)
          expect(Either.getOrThrow(high).amount.amount).toBeLessThanOrEqual(Either.getOrThrow(low).amount.amount)
        }
      })
    )
  })

  it("shuffling zones, their covers and their rates never changes the quote", () => {
    const arb = arbScenario.chain((s) =>
      fc
        .tuple(...s.zones.map((z) => fc.tuple(shuffled(z.covers), shuffled(z.rates)).map(([covers, rates]) => ({ ...z, covers, rates }))))
        .chain((zones) => shuffled(zones))
        .map((zones) => ({ s, zones }))
    )
    fc.assert(
      fc.property(arb, ({ s, zones }) => {
        expect(outcome(quoteShipping(s.geo, zones, s))).toEqual(outcome(quote(s)))
      })
    )
  })

  it("the chosen zone is the most specific: no zone covers a node closer to the destination, and ties go to the smallest zone id", () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const result = quote(s)
        const zoneId = Either.match(result, {
          onRight: (q) => q.zoneId,
          onLeft: (e) => (e._tag === "NotDeliverable" ? e.zoneId : e._tag === "RateCurrencyMismatch" ? e.zoneId : undefined)
        })
        fc.pre(zoneId !== undefined)
        const path = Either.getOrThrow(ancestry(s.geo, s.destination)).map((n) => n.id)
        const coveredAt = (id: string) => s.zones.filter((z) => z.covers.some((c) => c === id)).map((z) => z.id)
        const nearest = path.findIndex((id) => coveredAt(id).length > 0)
        expect(nearest).toBeGreaterThanOrEqual(0)
        const candidates = coveredAt(path[nearest] ?? "").sort()
        expect(zoneId).toBe(candidates[0])
      })
    )
  })

  it("when no zone covers the destination or any of its ancestors, the quote is NotDeliverable (never a zero)", () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const path = new Set<string>(Either.getOrThrow(ancestry(s.geo, s.destination)).map((n) => n.id))
        const zones = s.zones.map((z) => ({ ...z, covers: z.covers.filter((c) => !path.has(c)) }))
        expect(outcome(quoteShipping(s.geo, zones, s))).toEqual({
          error: { _tag: "NotDeliverable", code: "SHIPPING.NOT_DELIVERABLE", destination: s.destination, reason: "NO_COVERING_ZONE" }
        })
      })
    )
  })
})

describe("shipping: what a refusal says (mutation testing found these unpinned)", () => {
  const request = (destination: string, totalWeightGrams = 0) => ({
    destination: LocationId.make(destination),
    totalWeightGrams,
    discountedSubtotal: Money.kes(100)
  })
  const messageOf = (result: Either.Either<ShippingQuote, ShippingError>) => Either.match(result, { onRight: () => "quoted", onLeft: (e) => e.message })

  it("each issue of a bad tree is named with its node and why, all in one message", () => {
    const error = Either.getOrThrow(
      Either.flip(makeGeography([node("t", "TOWN"), node("m", "MARKET", "ghost"), node("c", "COUNTY"), node("p", "PICKUP_POINT", "c"), node("c", "COUNTY")]))
    )
    expect(error.message).toBe(
      "c: DUPLICATE_ID (id used twice); t: BAD_NESTING (a TOWN needs a parent); m: UNKNOWN_PARENT (no node ghost); p: BAD_NESTING (a PICKUP_POINT cannot sit under a COUNTY)"
    )
  })

  it("unknown place, no zone, no applicable rate and a rate in another currency each read as a sentence", () => {
    expect(messageOf(quoteShipping(kenya, kenyaZones, request("atlantis")))).toBe("unknown location atlantis")
    expect(messageOf(quoteShipping(kenya, kenyaZones, request("nyali")))).toBe("no shipping zone covers nyali")
    expect(messageOf(quoteShipping(kenya, kenyaZones, request("milimani")))).toBe("zone z-kisumu has no applicable active rate for milimani")
    const tzs: ShippingRate = { _tag: "WEIGHT", id: RateId.make("r-tzs"), active: true, base: Money.kes(1), perKg: Money.major(1, "TZS") }
    expect(messageOf(quoteShipping(kenya, [zone("z", ["nairobi"], [tzs])], request("nairobi")))).toBe("rate r-tzs of zone z is in TZS, the order in KES")
    const tzsThreshold: ShippingRate = { _tag: "FREE_OVER", id: RateId.make("r-free"), active: true, threshold: Money.major(1, "TZS") }
    expect(messageOf(quoteShipping(kenya, [zone("z", ["nairobi"], [flat("r-kes", 300), tzsThreshold])], request("nairobi")))).toBe(
      "rate r-free of zone z is in TZS, the order in KES"
    )
  })

  it("of several rates in another currency the smallest id is reported, whatever the order", () => {
    const tzs = (id: string): ShippingRate => ({ _tag: "FLAT", id: RateId.make(id), active: true, amount: Money.major(1, "TZS") })
    for (const rates of [
      [tzs("r-b"), tzs("r-a")],
      [tzs("r-a"), tzs("r-b")]
    ])
      expect(messageOf(quoteShipping(kenya, [zone("z", ["nairobi"], rates)], request("nairobi")))).toBe("rate r-a of zone z is in TZS, the order in KES")
  })

  it("a negative or fractional weight is a programming error, named", () => {
    expect(() => quoteShipping(kenya, kenyaZones, request("nairobi", -1))).toThrow(new RangeError("totalWeightGrams must be a non-negative integer: -1"))
    expect(() => quoteShipping(kenya, kenyaZones, request("nairobi", 0.5))).toThrow(RangeError)
  })

  it("a negative rate is refused with a reason", () => {
    const r = Schema.decodeUnknownEither(Zone)({
      id: "z1",
      name: "N",
      covers: [],
      rates: [{ _tag: "FLAT", id: "r1", active: true, amount: { amount: -1, currency: "KES" } }]
    })
    expect(Either.isLeft(r) && r.left.message).toContain("a shipping amount cannot be negative")
    const zero = Schema.decodeUnknownEither(Zone)({
      id: "z1",
      name: "N",
      covers: [],
      rates: [{ _tag: "FLAT", id: "r1", active: true, amount: { amount: 0, currency: "KES" } }]
    })
    expect(Either.isRight(zero)).toBe(true)
  })

  it("equal price and equal rate id: the rate kind decides (FLAT before WEIGHT), whatever the order", () => {
    const same: ReadonlyArray<ShippingRate> = [weight("r", 100, 0), flat("r", 100)]
    for (const rates of [same, [...same].reverse()])
      expect(Either.getOrThrow(quoteShipping(kenya, [zone("z", ["nairobi"], rates)], request("nairobi")))).toMatchObject({ rateKind: "FLAT" })
  })
})

describe("shipping: ties in either order (mutation testing found this unpinned)", () => {
  it("equal prices: the smallest rate id wins whether it is listed first or last", () => {
    for (const rates of [
      [flat("r-a", 200), flat("r-b", 200)],
      [flat("r-b", 200), flat("r-a", 200)]
    ]) {
      const q = quoteShipping(kenya, [zone("z", ["nairobi"], rates)], {
        destination: LocationId.make("nairobi"),
        totalWeightGrams: 0,
        discountedSubtotal: Money.kes(100)
      })
      expect(Either.getOrThrow(q).rateId).toBe("r-a")
    }
  })
})
