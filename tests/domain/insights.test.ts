/** The read models' fold (domain/insights.ts): worked examples in shillings and its invariants as properties. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { addDays, contributions, dailySeries, foldFacts, key, lowerMedian, nairobiDay, PLATFORM_SCOPE } from "../../domain/insights.js"
import type { InsightFact, ReadModel } from "../../domain/insights.js"

const T0 = Date.parse("2026-11-20T09:00:00Z") // 12:00 in Nairobi
const MIN = 60_000

const paid = (eventId: string, storeId: string, checkoutId: string, at: number, checkedOutAt: number, total: number, byMpesa = true): InsightFact => ({
  kind: "ORDER_PAID",
  eventId,
  storeId,
  checkoutId,
  at,
  checkedOutAt,
  currency: "KES",
  total,
  byMpesa,
  zoneId: "zone_nbi",
  lines: [{ productId: "prd_dress", quantity: 1, amount: total - 250_00 }]
})

describe("read models, worked examples", () => {
  it("a Nairobi day starts at 21:00 UTC the evening before", () => {
    expect(nairobiDay(Date.parse("2026-11-20T20:59:59Z"))).toBe("2026-11-20")
    expect(nairobiDay(Date.parse("2026-11-20T21:00:00Z"))).toBe("2026-11-21")
    expect(addDays("2026-11-30", 1)).toBe("2026-12-01")
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28")
  })

  it("two paid orders of KES 2,750 and KES 1,330, one failed push: GMV KES 4,080, payment success 2 of 3, median 3 minutes", () => {
    const model = foldFacts([
      paid("e1", "sto_a", "chk_1", T0 + 2 * MIN, T0, 2_750_00),
      paid("e2", "sto_a", "chk_2", T0 + 13 * MIN, T0 + 10 * MIN, 1_330_00),
      { kind: "PAYMENT_FAILED", eventId: "e3", storeId: "sto_a", at: T0 + 20 * MIN }
    ])
    const day = nairobiDay(T0)
    expect(model.money.get(key("sto_a", day, "KES"))).toEqual({ gmv: 4_080_00, refunded: 0 })
    expect(model.money.get(key(PLATFORM_SCOPE, day, "KES"))).toEqual({ gmv: 4_080_00, refunded: 0 })
    const [figures] = dailySeries(rowsOf(model, "sto_a"), day, 1)
    expect(figures).toMatchObject({ ordersPaid: 2, paymentsSucceeded: 2, paymentsFailed: 1, paymentSuccessRate: 2 / 3, medianMillisToPaid: 2 * MIN })
    expect(figures!.gmv).toEqual([{ amount: 4_080_00, currency: "KES" }])
  })

  it("an order paid in full by the platform's incentives is a paid order but no payment attempt", () => {
    const [figures] = dailySeries(rowsOf(foldFacts([paid("e1", "sto_a", "chk_1", T0, T0, 0, false)]), "sto_a"), nairobiDay(T0), 1)
    expect(figures).toMatchObject({ ordersPaid: 1, paymentsSucceeded: 0, paymentSuccessRate: null })
  })

  it("a checkout of two stores is one sample for the platform and one for each store", () => {
    const model = foldFacts([paid("e1", "sto_a", "chk_1", T0 + MIN, T0, 100_00), paid("e2", "sto_b", "chk_1", T0 + MIN, T0, 200_00)])
    expect([...model.samples.keys()].sort()).toEqual([key(PLATFORM_SCOPE, "chk_1"), key("sto_a", "chk_1"), key("sto_b", "chk_1")].sort())
  })

  it("an exception about no store counts for the platform only; the series is zero-filled", () => {
    const model = foldFacts([{ kind: "EXCEPTION_OPENED", eventId: "x1", storeId: null, at: T0 }])
    expect([...model.daily.keys()]).toEqual([key(PLATFORM_SCOPE, nairobiDay(T0))])
    const series = dailySeries(rowsOf(model, PLATFORM_SCOPE), addDays(nairobiDay(T0), 1), 3)
    expect(series.map((d) => [d.day, d.exceptionsOpened])).toEqual([
      ["2026-11-19", 0],
      ["2026-11-20", 1],
      ["2026-11-21", 0]
    ])
    expect(series[0]).toMatchObject({ gmv: [], paymentSuccessRate: null, slaOnTimeRate: null, medianMillisToPaid: null })
  })

  it("the lower median: [1, 2, 3, 4] is 2 (as percentile_disc(0.5)), [5] is 5, nothing is null", () => {
    expect(lowerMedian([4, 1, 3, 2])).toBe(2)
    expect(lowerMedian([5])).toBe(5)
    expect(lowerMedian([])).toBeNull()
  })
})

/** A scope's rows out of the model, as the store reads them from the tables. */
const rowsOf = (model: ReadModel, scope: string) => {
  const split = (k: string) => k.split("|")
  const byDay = new Map<string, Array<number>>()
  for (const [k, s] of model.samples) if (split(k)[0] === scope) byDay.set(s.day, [...(byDay.get(s.day) ?? []), s.millis])
  return {
    daily: [...model.daily].filter(([k]) => split(k)[0] === scope).map(([k, c]) => ({ day: split(k)[1]!, ...c })),
    money: [...model.money].filter(([k]) => split(k)[0] === scope).map(([k, m]) => ({ day: split(k)[1]!, currency: split(k)[2] as "KES", ...m })),
    medians: new Map([...byDay].map(([day, values]) => [day, lowerMedian(values)!]))
  }
}

// ---- properties ----

const STORES = ["sto_a", "sto_b", "sto_c"]
const arbAt = fc.integer({ min: T0 - 5 * 86_400_000, max: T0 + 5 * 86_400_000 })
const arbStore = fc.constantFrom(...STORES)
const arbAmount = fc.integer({ min: 0, max: 250_000_00 })

/** Facts as events make them: a checkout's orders share its checkout time. */
const arbFacts: fc.Arbitrary<ReadonlyArray<InsightFact>> = fc
  .array(
    fc.oneof(
      fc.record({
        kind: fc.constant("CHECKOUT" as const),
        stores: fc.uniqueArray(arbStore, { minLength: 1, maxLength: 3 }),
        checkedOutAt: arbAt,
        // a checkout's orders are paid at one instant; different instants test that the kept sample does not depend on the order
        waits: fc.array(fc.integer({ min: 0, max: 12 * 3_600_000 }), { minLength: 3, maxLength: 3 }),
        totals: fc.array(arbAmount, { minLength: 3, maxLength: 3 }),
        byMpesa: fc.boolean()
      }),
      fc.record({
        kind: fc.constantFrom("PAYMENT_FAILED" as const, "SLA_BREACHED" as const),
        storeId: arbStore,
        at: arbAt
      }),
      fc.record({ kind: fc.constant("REFUNDED" as const), storeId: arbStore, at: arbAt, amount: arbAmount }),
      fc.record({ kind: fc.constant("SLA_MET" as const), storeId: arbStore, at: arbAt, timers: fc.integer({ min: 1, max: 2 }) }),
      fc.record({
        kind: fc.constantFrom("EXCEPTION_OPENED" as const, "EXCEPTION_CLOSED" as const),
        storeId: fc.option(arbStore, { nil: null }),
        at: arbAt
      }),
      fc.record({ kind: fc.constant("ORDER_PLACED" as const), storeId: arbStore, at: arbAt, shippingFee: fc.integer({ min: 0, max: 1_000_00 }) })
    ),
    { maxLength: 40 }
  )
  .map((specs) =>
    specs.flatMap((s, i): ReadonlyArray<InsightFact> => {
      switch (s.kind) {
        case "CHECKOUT":
          return s.stores.map((storeId, j) =>
            paid(`e${i}_${j}`, storeId, `chk_${i}`, s.checkedOutAt + s.waits[j]!, s.checkedOutAt, s.totals[j]! + 250_00, s.byMpesa)
          )
        case "ORDER_PLACED":
          return [{ ...s, eventId: `e${i}`, currency: "KES", zoneId: s.storeId === "sto_a" ? "zone_nbi" : "zone_msa" }]
        case "REFUNDED":
          return [{ ...s, eventId: `e${i}`, currency: "KES" }]
        default:
          return [{ ...s, eventId: `e${i}` }]
      }
    })
  )

const plain = (m: ReadModel) => ({
  daily: [...m.daily].sort(([a], [b]) => (a < b ? -1 : 1)),
  money: [...m.money].sort(([a], [b]) => (a < b ? -1 : 1)),
  samples: [...m.samples].sort(([a], [b]) => (a < b ? -1 : 1)),
  products: [...m.products].sort(([a], [b]) => (a < b ? -1 : 1)),
  areas: [...m.areas].sort(([a], [b]) => (a < b ? -1 : 1))
})

describe("read models, properties", () => {
  it("folding the same events in any order, with any of them delivered again, gives the same model", () => {
    fc.assert(
      fc.property(
        arbFacts.chain((facts) =>
          fc.tuple(fc.constant(facts), fc.shuffledSubarray([...facts], { minLength: facts.length, maxLength: facts.length }), fc.subarray([...facts]))
        ),
        ([facts, shuffled, replayed]) => {
          expect(plain(foldFacts([...shuffled, ...replayed]))).toEqual(plain(foldFacts(facts)))
        }
      )
    )
  })

  it("the platform is the sum of its stores (every counter and every shilling), and every sum is an integer of minor units", () => {
    fc.assert(
      fc.property(arbFacts, (facts) => {
        const m = foldFacts(facts)
        const platform = new Map<string, number>()
        const stores = new Map<string, number>()
        for (const [k, c] of m.daily) {
          const [scope, day] = k.split("|")
          for (const [name, n] of Object.entries(c)) {
            expect(Number.isSafeInteger(n) && n >= 0).toBe(true)
            if (name === "exceptionsOpened" || name === "exceptionsClosed") continue // an exception may be about no store
            const target = scope === PLATFORM_SCOPE ? platform : stores
            target.set(`${day}|${name}`, (target.get(`${day}|${name}`) ?? 0) + n)
          }
        }
        expect(new Map([...stores].filter(([, n]) => n > 0))).toEqual(new Map([...platform].filter(([, n]) => n > 0)))
        for (const [k, v] of m.money) {
          expect(Number.isSafeInteger(v.gmv) && Number.isSafeInteger(v.refunded)).toBe(true)
          const [scope, day, currency] = k.split("|")
          if (scope !== PLATFORM_SCOPE) continue
          const storesGmv = [...m.money]
            .filter(([sk]) => sk.split("|")[0] !== PLATFORM_SCOPE && sk.endsWith(`|${day}|${currency}`))
            .reduce((s, [, x]) => s + x.gmv, 0)
          expect(storesGmv).toBe(v.gmv)
        }
      })
    )
  })

  it("payment success and SLA on-time rates are in [0, 1] on every day, or null without attempts", () => {
    fc.assert(
      fc.property(arbFacts, fc.constantFrom(PLATFORM_SCOPE, ...STORES), (facts, scope) => {
        for (const d of dailySeries(rowsOf(foldFacts(facts), scope), nairobiDay(T0 + 5 * 86_400_000), 11)) {
          for (const r of [d.paymentSuccessRate, d.slaOnTimeRate]) if (r !== null) expect(r >= 0 && r <= 1).toBe(true)
          expect(d.paymentSuccessRate === null).toBe(d.paymentsSucceeded + d.paymentsFailed === 0)
        }
      })
    )
  })

  it("the series has exactly the days asked for, consecutive, ending on the last day", () => {
    fc.assert(
      fc.property(arbFacts, fc.integer({ min: 1, max: 90 }), arbAt, (facts, days, at) => {
        const last = nairobiDay(at)
        const series = dailySeries(rowsOf(foldFacts(facts), "sto_a"), last, days)
        expect(series).toHaveLength(days)
        expect(series[days - 1]!.day).toBe(last)
        series.forEach((d, i) => expect(d.day).toBe(addDays(last, i - days + 1)))
      })
    )
  })

  it("the median is one of the samples, with as many at or below it as above it (or one more)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 50 }), (values) => {
        const m = lowerMedian(values)!
        expect(values).toContain(m)
        const below = values.filter((v) => v <= m).length
        const above = values.filter((v) => v > m).length
        expect(below >= above && values.filter((v) => v < m).length <= Math.floor((values.length - 1) / 2)).toBe(true)
      })
    )
  })

  it("each fact counts for its store and the platform, on the Nairobi day it happened", () => {
    fc.assert(
      fc.property(arbFacts, (facts) => {
        for (const f of facts) {
          const cs = contributions(f)
          expect(cs.map((c) => c.scope)).toEqual(f.storeId === null ? [PLATFORM_SCOPE] : [f.storeId, PLATFORM_SCOPE])
          for (const c of cs) expect(c.day).toBe(nairobiDay(f.at))
        }
      })
    )
  })
})
