/** The end-of-day report (domain/daily-report.ts): worked examples in shillings, then properties. */
import fc from "fast-check"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { amountsText, dailyReport, dayLabel, hadActivity, paramText, reportParams } from "../../domain/daily-report.js"
import { dailySeries, zeroCounters } from "../../domain/insights.js"
import type { DayFigures } from "../../domain/insights.js"
import { validateOutbound } from "../../application/notifications/templates.js"
import { renderText } from "../../application/notifications/templates.js"

const quiet = (day: string): DayFigures => dailySeries({ daily: [], money: [], medians: new Map() }, day, 1)[0]!
const day = (over: Partial<DayFigures>): DayFigures => ({ ...quiet("2026-11-28"), ...over })

describe("end-of-day report, worked examples", () => {
  it("3 orders placed, 2 paid for KES 2,500 and KES 1,200.50, one delivery late, two issues opened and one closed", () => {
    const f = day({
      ordersPlaced: 3,
      ordersPaid: 2,
      gmv: [{ amount: 3_700_50, currency: "KES" }],
      slaBreached: 1,
      slaMet: 3,
      exceptionsOpened: 2,
      exceptionsClosed: 1
    })
    expect(hadActivity(f)).toBe(true)
    const r = dailyReport(f, 1)
    expect(r).toEqual({
      day: "2026-11-28",
      ordersPlaced: 3,
      ordersPaid: 2,
      revenue: [{ amount: 3_700_50, currency: "KES" }],
      refunded: [],
      lateDeliveries: 1,
      onTimeDeliveries: 3,
      openIssues: 1
    })
    const params = reportParams("Kitenge House", r, "KES")
    expect(params).toEqual(["Kitenge House", "Sat 28 Nov 2026", "2 orders paid of 3 placed", "KES 3,700.50", "1 delivery late", "1 issue open"])
    expect(renderText("daily_report", params)).toBe(
      "Amana end of day for Kitenge House, Sat 28 Nov 2026: 2 orders paid of 3 placed, revenue KES 3,700.50, 1 delivery late, 1 issue open."
    )
  })

  it("a day with nothing is no activity; the platform's quiet day reads KES 0.00 and 0 everywhere", () => {
    expect(hadActivity(quiet("2026-11-28"))).toBe(false)
    expect(reportParams("the Amana platform", dailyReport(quiet("2026-11-28"), 0), "KES")).toEqual([
      "the Amana platform",
      "Sat 28 Nov 2026",
      "0 orders paid of 0 placed",
      "KES 0.00",
      "0 deliveries late",
      "0 issues open"
    ])
  })

  it("an issue closed today that was opened before the read models is activity, and open issues never read below 0", () => {
    const f = day({ exceptionsClosed: 1 })
    expect(hadActivity(f)).toBe(true)
    expect(dailyReport(f, -1).openIssues).toBe(0)
  })

  it("several currencies are listed by code; a store name with line breaks becomes one parameter WhatsApp accepts", () => {
    expect(
      amountsText(
        [
          { amount: 30_000, currency: "UGX" },
          { amount: 1_500_00, currency: "KES" }
        ],
        "KES"
      )
    ).toBe("UGX 30,000 + KES 1,500.00")
    expect(
      dailyReport(
        day({
          gmv: [
            { amount: 30_000, currency: "UGX" },
            { amount: 0, currency: "TZS" },
            { amount: 1_500_00, currency: "KES" }
          ]
        }),
        0
      ).revenue
    ).toEqual([
      { amount: 1_500_00, currency: "KES" },
      { amount: 30_000, currency: "UGX" }
    ])
    expect(paramText("Mama\nNjeri's\t\tduka     ", "your store")).toBe("Mama Njeri's duka")
    expect(paramText(" \n ", "your store")).toBe("your store")
    expect(dayLabel("2027-01-01")).toBe("Fri 1 Jan 2027")
  })
})

const arbMoney = fc
  .array(fc.record({ amount: fc.integer({ min: 0, max: 10_000_000_00 }), currency: fc.constantFrom("KES" as const, "TZS" as const, "UGX" as const) }), {
    maxLength: 3
  })
  .map((ms) => [...new Map(ms.map((m) => [m.currency, m])).values()])
const arbFigures: fc.Arbitrary<DayFigures> = fc
  .record({
    ordersPlaced: fc.nat({ max: 500 }),
    ordersPaid: fc.nat({ max: 500 }),
    paymentsSucceeded: fc.nat({ max: 500 }),
    paymentsFailed: fc.nat({ max: 50 }),
    refunds: fc.nat({ max: 20 }),
    slaMet: fc.nat({ max: 500 }),
    slaBreached: fc.nat({ max: 50 }),
    exceptionsOpened: fc.nat({ max: 20 }),
    exceptionsClosed: fc.nat({ max: 20 }),
    gmv: arbMoney,
    refunded: arbMoney,
    day: fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString().slice(0, 10))
  })
  .map((r) => ({ ...quiet(r.day), ...r }))
const arbName = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: "grapheme", maxLength: 30 }), fc.constantFrom("\n\t", "Duka\n\nLetu", "     "))

describe("end-of-day report, properties", () => {
  it("the template's parameters are always ones WhatsApp accepts (six, none empty, no line break, tab or 5 spaces)", () => {
    fc.assert(
      fc.property(arbFigures, fc.integer({ min: -20, max: 20 }), arbName, fc.constantFrom("KES" as const, "UGX" as const), (f, open, name, currency) => {
        const params = reportParams(name, dailyReport(f, open), currency)
        const checked = validateOutbound({ to: "254711000001", template: "daily_report", params, dedupeKey: "k" })
        expect(Either.isRight(checked), Either.isLeft(checked) ? checked.left.detail : "").toBe(true)
      })
    )
  })

  it("revenue reads back to the paid totals, exactly, per currency (integer minor units, nothing lost or added)", () => {
    fc.assert(
      fc.property(arbFigures, (f) => {
        const r = dailyReport(f, 0)
        const text = amountsText(r.revenue, "KES")
        for (const m of f.gmv.filter((m) => m.amount !== 0)) {
          const shown = new RegExp(`${m.currency} ([\\d,]+(?:\\.\\d{2})?)`).exec(text)![1]!
          const [whole, cents = ""] = shown.replace(/,/g, "").split(".")
          expect(Number(whole) * (m.currency === "UGX" ? 1 : 100) + (cents === "" ? 0 : Number(cents))).toBe(m.amount)
        }
        expect(r.revenue.reduce((n, m) => n + m.amount, 0)).toBe(f.gmv.reduce((n, m) => n + m.amount, 0))
      })
    )
  })

  it("activity is exactly: some counter or some amount not zero", () => {
    fc.assert(
      fc.property(arbFigures, (f) => {
        const any =
          Object.keys(zeroCounters).some((k) => (f as unknown as Record<string, number>)[k] !== 0) || [...f.gmv, ...f.refunded].some((m) => m.amount !== 0)
        expect(hadActivity(f)).toBe(any)
      })
    )
  })

  it("the report copies the day's counts and never shows a negative number of open issues", () => {
    fc.assert(
      fc.property(arbFigures, fc.integer({ min: -50, max: 50 }), (f, open) => {
        const r = dailyReport(f, open)
        expect([r.ordersPlaced, r.ordersPaid, r.lateDeliveries, r.onTimeDeliveries]).toEqual([f.ordersPlaced, f.ordersPaid, f.slaBreached, f.slaMet])
        expect(r.openIssues).toBe(Math.max(0, open))
      })
    )
  })
})
