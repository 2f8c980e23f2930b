import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as M from "../../domain/money.js"

const currency = fc.constantFrom<M.Currency>("KES", "TZS", "UGX")
const amount = fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 })
const money = fc.tuple(amount, currency).map(([a, c]) => M.make(a, c))

describe("money: worked examples in shillings", () => {
  it.each([
    // description, computed, expected
    ["KES 100 × 3", M.times(M.kes(100), 3), M.kes(300)],
    ["KES 1,000 + KES 0.50", M.add(M.kes(1_000), M.make(50, "KES")), M.make(100_050, "KES")],
    ["16% of KES 999.99 (half-even) = KES 160.00", M.percentOf(M.make(99_999, "KES"), 1_600), M.make(16_000, "KES")],
    ["12.5% of KES 0.04 (half-even: 0.5 cent -> 0)", M.percentOf(M.make(4, "KES"), 1_250), M.make(0, "KES")],
    ["12.5% of KES 0.12 (half-even: 1.5 cents -> 2)", M.percentOf(M.make(12, "KES"), 1_250), M.make(2, "KES")],
    ["12.5% of KES 0.04 (half-up: 0.5 cent -> 1)", M.percentOf(M.make(4, "KES"), 1_250, "HALF_UP"), M.make(1, "KES")],
    ["10% of KES 0.99 (down)", M.percentOf(M.make(99, "KES"), 1_000, "DOWN"), M.make(9, "KES")],
    ["10% of KES 0.91 (up)", M.percentOf(M.make(91, "KES"), 1_000, "UP"), M.make(10, "KES")]
  ])("%s", (_name, computed, expected) => {
    expect(computed).toEqual(expected)
  })

  it("KES 100 split three ways is 33.34 + 33.33 + 33.33", () => {
    expect(M.allocate(M.kes(100), [1, 1, 1]).map((m) => m.amount)).toEqual([3_334, 3_333, 3_333])
  })

  it("KES 10 split 1:2 by weight is 3.33 and 6.67 (largest remainder)", () => {
    expect(M.allocate(M.kes(10), [1, 2]).map((m) => m.amount)).toEqual([333, 667])
  })

  it("KES 1,234.56 is charged as KES 1,234 with 56 cents absorbed", () => {
    const { charge, roundingAbsorbed } = M.toWholeUnitCharge(M.make(123_456, "KES"))
    expect(charge).toEqual(M.kes(1_234))
    expect(roundingAbsorbed).toEqual(M.make(56, "KES"))
    expect(M.toWholeUnits(charge)).toBe(1_234)
  })

  it("UGX has no minor unit: UGX 5,000 is charged as is", () => {
    expect(M.toWholeUnitCharge(M.major(5_000, "UGX"))).toEqual({ charge: M.make(5_000, "UGX"), roundingAbsorbed: M.zero("UGX") })
  })

  it("formats amounts for people", () => {
    expect(M.format(M.make(123_456, "KES"))).toBe("KES 1,234.56")
    expect(M.format(M.make(-5, "TZS"))).toBe("-TZS 0.05")
    expect(M.format(M.make(5_000, "UGX"))).toBe("UGX 5,000")
  })

  it("refuses mixed currencies, non-integer amounts and overflow", () => {
    expect(() => M.multiplyByRatio(M.make(Number.MAX_SAFE_INTEGER, "KES"), 2, 1)).toThrow(/safe integer/)
    expect(() => M.add(M.kes(1), M.major(1, "UGX"))).toThrow(M.MoneyInvariantError)
    expect(() => M.make(1.5, "KES")).toThrow(M.MoneyInvariantError)
    expect(() => M.toWholeUnits(M.make(150, "KES"))).toThrow(/not a whole KES amount/)
  })
})

describe("money: invariants", () => {
  it("allocation parts sum exactly to the total, whatever the weights", () => {
    fc.assert(
      fc.property(money, fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 40 }), (total, weights) => {
        const parts = M.allocate(total, weights)
        expect(parts).toHaveLength(weights.length)
        expect(M.sum(parts, total.currency)).toEqual(total)
      })
    )
  })

  it("allocation is fair: each part is within one minor unit of its exact proportional share", () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 20 }), (total, weights) => {
        const W = weights.reduce((a, b) => a + b, 0)
        M.allocateInteger(total, weights).forEach((p, i) => {
          const exact = (total * weights[i]!) / W
          expect(Math.abs(p - exact)).toBeLessThan(1)
        })
      })
    )
  })

  it("addition and subtraction are inverse and exact", () => {
    fc.assert(
      fc.property(amount, amount, currency, (a, b, c) => {
        expect(M.subtract(M.add(M.make(a, c), M.make(b, c)), M.make(b, c))).toEqual(M.make(a, c))
      })
    )
  })

  it("multiplyByRatio rounds within one minor unit of the exact value, never beyond, for every rule", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom<M.Rounding>("HALF_EVEN", "HALF_UP", "DOWN", "UP"),
        (a, n, d, rounding) => {
          const got = BigInt(M.multiplyByRatio(M.make(a, "KES"), n, d, rounding).amount)
          const exactTimesD = BigInt(a) * BigInt(n)
          const diff = got * BigInt(d) - exactTimesD
          expect(diff < BigInt(d) && diff > -BigInt(d)).toBe(true)
          if (rounding === "DOWN") expect(a >= 0 ? diff <= 0n : diff >= 0n).toBe(true)
          if (rounding === "UP") expect(a >= 0 ? diff >= 0n : diff <= 0n).toBe(true)
        }
      )
    )
  })

  it("whole-shilling charge + absorbed rounding = amount; the buyer is never charged more than owed", () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000_000 }), currency, (a, c) => {
        const m = M.make(a, c)
        const { charge, roundingAbsorbed } = M.toWholeUnitCharge(m)
        expect(M.add(charge, roundingAbsorbed)).toEqual(m)
        expect(charge.amount % M.minorPerMajor(c)).toBe(0)
        expect(roundingAbsorbed.amount).toBeGreaterThanOrEqual(0)
        expect(roundingAbsorbed.amount).toBeLessThan(M.minorPerMajor(c))
      })
    )
  })

  it("whole-unit shares: each part's share is whole units within one unit of it, and the shares sum to the charge", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 100_000_000 }), { minLength: 1, maxLength: 8 }), currency, (amounts, c) => {
        const parts = amounts.map((a) => M.make(a, c))
        const { charge, roundingAbsorbed, shares } = M.toWholeUnitShares(parts, c)
        expect(M.toWholeUnitCharge(M.sum(parts, c))).toEqual({ charge, roundingAbsorbed })
        expect(M.sum(shares, c)).toEqual(charge)
        shares.forEach((s, i) => {
          expect(s.amount % M.minorPerMajor(c)).toBe(0)
          expect(Math.abs(s.amount - parts[i]!.amount)).toBeLessThan(M.minorPerMajor(c))
        })
      })
    )
  })

  it("whole-unit shares: KES 1,300.30 and 2,300.40 share a KES 3,600 charge as 1,300 and 2,300; 0.60 + 0.60 as 1 + 0", () => {
    expect(M.toWholeUnitShares([M.make(130_030, "KES"), M.make(230_040, "KES")], "KES").shares).toEqual([M.kes(1_300), M.kes(2_300)])
    // 0.40 + 0.70 + 0.50 = 1.60: the one shilling goes to the largest rest (0.70).
    expect(M.toWholeUnitShares([M.make(40, "KES"), M.make(70, "KES"), M.make(50, "KES")], "KES").shares).toEqual([M.kes(0), M.kes(1), M.kes(0)])
    expect(M.toWholeUnitShares([M.make(60, "KES"), M.make(60, "KES")], "KES").shares).toEqual([M.kes(1), M.kes(0)])
  })

  it("allocation within caps: no part above its cap, parts sum to min(total, sum of caps), proportional where caps allow", () => {
    expect(M.allocateIntegerWithin(10, [1, 1], [3, 100])).toEqual([3, 7])
    expect(M.allocateIntegerWithin(10, [1, 1], [3, 4])).toEqual([3, 4])
    expect(M.allocateIntegerWithin(3, [1, 2], [10, 10])).toEqual([1, 2])
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 1_000 }), fc.nat({ max: 50 })), { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 400 }),
        (wc, total) => {
          const parts = M.allocateIntegerWithin(total, wc.map(([w]) => w), wc.map(([, c]) => c))
          parts.forEach((p, i) => expect(p).toBeLessThanOrEqual(wc[i]![1]))
          expect(parts.reduce((s, p) => s + p, 0)).toBe(Math.min(total, wc.reduce((s, [, c]) => s + c, 0)))
          if (parts.every((p, i) => p < wc[i]![1])) expect(parts).toEqual(M.allocateInteger(total, wc.map(([w]) => w)))
        }
      )
    )
  })
})
