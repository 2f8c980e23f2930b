/** The read models' fold (domain/insights.ts): worked examples in shillings and its invariants as properties. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  addDays,
  contributions,
  dailySeries,
  foldFacts,
  insightLines,
  key,
  lowerMedian,
  nairobiDay,
  PLATFORM_SCOPE,
  zeroCounters
} from "../../domain/insights.js"
import type { AreaTotals, DayFigures, InsightFact, ReadModel } from "../../domain/insights.js"

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

// ---- the plain-language lines ----

const day = (i: number, c: Partial<DayFigures> = {}): DayFigures => ({
  day: addDays("2026-11-15", i),
  ...zeroCounters,
  gmv: [],
  refunded: [],
  paymentSuccessRate: null,
  slaOnTimeRate: null,
  medianMillisToPaid: null,
  ...c
})
const fortnight = (lastWeek: Partial<DayFigures>, thisWeek: Partial<DayFigures>) =>
  Array.from({ length: 14 }, (_, i) => day(i, i === 3 ? lastWeek : i === 10 ? thisWeek : {}))
const lines = (series: ReadonlyArray<DayFigures>, more: { areas?: ReadonlyArray<AreaTotals>; openIssues?: number } = {}) =>
  insightLines({ series, areas: more.areas ?? [], topProducts: [], openIssues: more.openIssues ?? 0 })

describe("insight lines, worked examples", () => {
  it("10 of 11 M-Pesa payments the week before, 5 of 8 this week: payment success fell to 63% from 91%; sales KES 6,650 from KES 13,300, down 50%", () => {
    const kes = (amount: number) => [{ amount, currency: "KES" as const }]
    const got = lines(
      fortnight(
        { paymentsSucceeded: 10, paymentsFailed: 1, ordersPaid: 10, gmv: kes(13_300_00) },
        { paymentsSucceeded: 5, paymentsFailed: 3, ordersPaid: 5, gmv: kes(6_650_00) }
      )
    )
    expect(got).toEqual([
      { code: "PAYMENT_SUCCESS_FELL", text: "Payment success fell to 63% this week from 91% the week before." },
      { code: "SALES_DOWN", text: "Sales were KES 6,650.00 this week, down 50% from KES 13,300.00 the week before." }
    ])
  })

  it("four attempts a week are too few to call a trend", () => {
    expect(lines(fortnight({ paymentsSucceeded: 4 }, { paymentsFailed: 4 }))).toEqual([])
  })

  it("Mombasa at KES 900 a delivery and 1 of 4 paid, against KES 250 and 8 of 10 elsewhere: said; at KES 300 it is not", () => {
    const nairobi: AreaTotals = { name: "Nairobi", currency: "KES", ordersPlaced: 10, shippingFees: 10 * 250_00, ordersPaid: 8 }
    const mombasa: AreaTotals = { name: "Mombasa", currency: "KES", ordersPlaced: 4, shippingFees: 4 * 900_00, ordersPaid: 1 }
    expect(lines([day(0)], { areas: [mombasa, nairobi] })).toEqual([
      {
        code: "AREA_FEE_HURTS_CONVERSION",
        text: "Delivery to Mombasa costs buyers KES 900.00 on average, against KES 250.00 to your other areas, and only 25% of those orders are paid (80% elsewhere)."
      }
    ])
    expect(lines([day(0)], { areas: [{ ...mombasa, shippingFees: 4 * 300_00 }, nairobi] })).toEqual([])
  })

  it("orders placed and none paid, deadlines missed, open issues", () => {
    expect(lines([day(0, { ordersPlaced: 3, slaMet: 3, slaBreached: 2 })], { openIssues: 2 }).map((l) => l.text)).toEqual([
      "3 orders were placed in the last 1 day, but none was paid.",
      "3 of 5 dispatch and delivery deadlines were met in the last 1 day (60%).",
      "2 issues about your orders are open with Amana's team."
    ])
  })
})

const arbDay = fc.record({
  paymentsSucceeded: fc.nat({ max: 30 }),
  paymentsFailed: fc.nat({ max: 30 }),
  ordersPlaced: fc.nat({ max: 30 }),
  ordersPaid: fc.nat({ max: 30 }),
  slaMet: fc.nat({ max: 10 }),
  slaBreached: fc.nat({ max: 10 }),
  gmv: fc.nat({ max: 1_000_000_00 })
})
const arbSeries = fc
  .array(arbDay, { minLength: 1, maxLength: 30 })
  .map((days) => days.map((d, i) => day(i, { ...d, gmv: d.gmv === 0 ? [] : [{ amount: d.gmv, currency: "KES" as const }] })))
const rateOf = (days: ReadonlyArray<DayFigures>) => {
  const ok = days.reduce((s, d) => s + d.paymentsSucceeded, 0)
  const all = days.reduce((s, d) => s + d.paymentsSucceeded + d.paymentsFailed, 0)
  return { ok, all }
}

describe("insight lines, properties", () => {
  it("payment success is said to fall only when this week's rate is at least 10 points below the week before's, each with 5 attempts or more", () => {
    fc.assert(
      fc.property(arbSeries, (series) => {
        const codes = lines(series).map((l) => l.code)
        expect(codes.includes("PAYMENT_SUCCESS_FELL") && codes.includes("PAYMENT_SUCCESS_ROSE")).toBe(false)
        if (!codes.includes("PAYMENT_SUCCESS_FELL")) return
        expect(series.length).toBeGreaterThanOrEqual(14)
        const now = rateOf(series.slice(-7))
        const before = rateOf(series.slice(-14, -7))
        expect(now.all >= 5 && before.all >= 5).toBe(true)
        expect(now.ok / now.all).toBeLessThan(before.ok / before.all)
      })
    )
  })

  it("every percentage said about payments or deadlines is a whole number from 0 to 100", () => {
    fc.assert(
      fc.property(arbSeries, (series) => {
        for (const l of lines(series).filter((x) => /PAYMENT|SLA/.test(x.code)))
          for (const m of l.text.matchAll(/(\d+)%/g)) expect(Number(m[1]) >= 0 && Number(m[1]) <= 100).toBe(true)
      })
    )
  })

  it("a quiet store (nothing happened, nothing open) is told nothing", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 90 }), (n) => {
        expect(lines(Array.from({ length: n }, (_, i) => day(i)))).toEqual([])
      })
    )
  })

  it("an area is called out only when its average fee is at least 1.5 times the others' and its conversion at least 15 points lower", () => {
    const arbArea = fc
      .record({
        name: fc.constantFrom("Mombasa", "Kisumu", "Nairobi"),
        currency: fc.constant("KES" as const),
        ordersPlaced: fc.integer({ min: 0, max: 20 }),
        fee: fc.integer({ min: 0, max: 2_000_00 }),
        paidShare: fc.integer({ min: 0, max: 100 })
      })
      .map((a): AreaTotals => ({
        name: a.name,
        currency: a.currency,
        ordersPlaced: a.ordersPlaced,
        shippingFees: a.ordersPlaced * a.fee,
        ordersPaid: Math.floor((a.ordersPlaced * a.paidShare) / 100)
      }))
    fc.assert(
      fc.property(fc.uniqueArray(arbArea, { maxLength: 3, selector: (a) => a.name }), (areas) => {
        const said = lines([day(0)], { areas }).filter((l) => l.code === "AREA_FEE_HURTS_CONVERSION")
        for (const l of said) {
          const area = areas.find((a) => l.text.startsWith(`Delivery to ${a.name} `) && a.ordersPlaced >= 3)!
          const others = areas.filter((a) => a !== area)
          const placed = others.reduce((s, a) => s + a.ordersPlaced, 0)
          const fees = others.reduce((s, a) => s + a.shippingFees, 0)
          const paid = others.reduce((s, a) => s + a.ordersPaid, 0)
          expect(area.shippingFees / area.ordersPlaced).toBeGreaterThanOrEqual((1.5 * fees) / placed - 1e-9)
          expect(area.ordersPaid / area.ordersPlaced).toBeLessThanOrEqual(paid / placed - 0.15 + 1e-9)
        }
      })
    )
  })
})
