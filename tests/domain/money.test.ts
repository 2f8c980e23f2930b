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
      fc.property(fc.array(fc.tuple(fc.nat({ max: 1_000 }), fc.nat({ max: 50 })), { minLength: 1, maxLength: 6 }), fc.nat({ max: 400 }), (wc, total) => {
        const parts = M.allocateIntegerWithin(
          total,
          wc.map(([w]) => w),
          wc.map(([, c]) => c)
        )
        parts.forEach((p, i) => expect(p).toBeLessThanOrEqual(wc[i]![1]))
        expect(parts.reduce((s, p) => s + p, 0)).toBe(
          Math.min(
            total,
            wc.reduce((s, [, c]) => s + c, 0)
          )
        )
        if (parts.every((p, i) => p < wc[i]![1]))
          expect(parts).toEqual(
            M.allocateInteger(
              total,
              wc.map(([w]) => w)
            )
          )
      })
    )
  })
})

describe("money: edges (mutation testing found these unpinned)", () => {
  const kes = (cents: number) => M.make(cents, "KES")

  it("an entered amount may be exactly KES 1,000,000.00, not a cent more", () => {
    expect(M.maxEntered("KES")).toEqual(M.kes(1_000_000))
    expect(M.withinEntered(M.kes(1_000_000))).toBe(true)
    expect(M.withinEntered(kes(1_000_000_01))).toBe(false)
    expect(M.withinEntered(M.make(30_000_000, "UGX"))).toBe(true)
    expect(M.withinEntered(M.make(30_000_001, "UGX"))).toBe(false)
  })

  it("negating zero is zero (not -0), and a credit of KES 5 is -5", () => {
    expect(Object.is(M.negate(M.kes(0)).amount, 0)).toBe(true)
    expect(M.negate(M.kes(5))).toEqual(M.kes(-5))
  })

  it("compare, equals, isZero, isNegative, min, max and clamp", () => {
    expect([M.compare(kes(1), kes(2)), M.compare(kes(2), kes(2)), M.compare(kes(3), kes(2))]).toEqual([-1, 0, 1])
    expect(() => M.compare(kes(1), M.make(1, "TZS"))).toThrow("currency mismatch: KES vs TZS")
    expect(() => M.min(kes(1), M.make(1, "TZS"))).toThrow(M.MoneyInvariantError)
    expect(() => M.max(kes(1), M.make(1, "TZS"))).toThrow(M.MoneyInvariantError)
    expect(M.equals(kes(100), M.make(100, "TZS"))).toBe(false)
    expect(M.equals(kes(100), kes(101))).toBe(false)
    expect(M.equals(kes(100), kes(100))).toBe(true)
    expect([M.isZero(kes(0)), M.isZero(kes(1)), M.isZero(kes(-1))]).toEqual([true, false, false])
    expect([M.isNegative(kes(-1)), M.isNegative(kes(0)), M.isNegative(kes(1))]).toEqual([true, false, false])
    expect([M.min(kes(1), kes(2)), M.min(kes(2), kes(1)), M.max(kes(1), kes(2)), M.max(kes(2), kes(1))]).toEqual([kes(1), kes(1), kes(2), kes(2)])
    expect([M.clamp(kes(-5), kes(10)), M.clamp(kes(5), kes(10)), M.clamp(kes(15), kes(10))]).toEqual([kes(0), kes(5), kes(10)])
  })

  it("sums refuse a foreign amount, naming it; times refuses a fractional quantity; major and kes scale by the minor unit", () => {
    expect(() => M.sum([kes(1), M.make(1, "UGX")], "KES")).toThrow("currency mismatch: UGX vs KES")
    expect(M.sum([], "TZS")).toEqual(M.zero("TZS"))
    expect(M.sum([kes(1), kes(2)], "KES")).toEqual(kes(3))
    expect(() => M.times(kes(1), 1.5)).toThrow("quantity must be an integer: 1.5")
    expect(M.major(7, "UGX")).toEqual(M.make(7, "UGX"))
    expect(M.major(7, "TZS")).toEqual(M.make(700, "TZS"))
    expect(() => M.make(2 ** 53, "KES")).toThrow(`not a safe integer of minor units: ${2 ** 53}`)
    expect(M.subtract(kes(5), kes(7))).toEqual(kes(-2))
  })

  it("rounding a negative ratio moves away from zero like a positive one: −5/2 is −3 half-up, −2 half-even, −2 down, −3 up", () => {
    expect(M.divideRounded(-5n, 2n, "HALF_UP")).toBe(-3n)
    expect(M.divideRounded(-5n, 2n, "HALF_EVEN")).toBe(-2n)
    expect(M.divideRounded(-5n, 2n, "DOWN")).toBe(-2n)
    expect(M.divideRounded(-5n, 2n, "UP")).toBe(-3n)
    expect(M.divideRounded(-6n, 2n, "UP")).toBe(-3n)
  })

  it("half-even sends an exact half to the even neighbour (5/2 = 2, 7/2 = 4), anything above half up (7/4 = 2), below half down (5/4 = 1)", () => {
    expect(M.divideRounded(5n, 2n, "HALF_EVEN")).toBe(2n)
    expect(M.divideRounded(7n, 2n, "HALF_EVEN")).toBe(4n)
    expect(M.divideRounded(7n, 4n, "HALF_EVEN")).toBe(2n)
    expect(M.divideRounded(5n, 4n, "HALF_EVEN")).toBe(1n)
    expect(M.divideRounded(5n, 4n, "HALF_UP")).toBe(1n)
    expect(M.divideRounded(6n, 4n, "HALF_UP")).toBe(2n)
    expect(M.divideRounded(4n, 4n, "UP")).toBe(1n)
  })

  it("a divisor of zero, a negative or fractional ratio and an unknown rounding rule are refused by name", () => {
    expect(() => M.divideRounded(1n, 0n, "DOWN")).toThrow("divisor must be positive")
    expect(() => M.divideRounded(1n, -1n, "DOWN")).toThrow("divisor must be positive")
    expect(() => M.divideRounded(1n, 2n, "NEAREST" as M.Rounding)).toThrow("unknown rounding rule: NEAREST")
    expect(() => M.multiplyByRatio(kes(100), 1.5, 2)).toThrow("ratio must be integer/positive integer: 1.5/2")
    expect(() => M.multiplyByRatio(kes(100), 1, 2.5)).toThrow(M.MoneyInvariantError)
    expect(() => M.multiplyByRatio(kes(100), 1, 0)).toThrow(M.MoneyInvariantError)
    expect(M.multiplyByRatio(kes(100), 1, 1)).toEqual(kes(100))
    // the default rule is half-even: half of 5 cents is 2, half of 7 cents is 4
    expect([M.multiplyByRatio(kes(5), 1, 2), M.multiplyByRatio(kes(7), 1, 2)]).toEqual([kes(2), kes(4)])
    expect(new M.MoneyInvariantError("x").name).toBe("MoneyInvariantError")
    expect(M.percentOf(kes(10_000), 1_250)).toEqual(kes(1_250))
    // percentOf's default rule is half-even too: 50% of 5 cents is 2, of 7 cents is 4
    expect([M.percentOf(kes(5), 5_000), M.percentOf(kes(7), 5_000)]).toEqual([kes(2), kes(4)])
    expect(() => M.multiplyByRatio(kes(100), 1, 0)).toThrow("ratio must be integer/positive integer: 1/0")
    expect(M.bps(1_250)).toBe(1_250)
  })

  it("allocation: a refund of −KES 1.00 over 1:1:1 is −0.34, −0.33, −0.33; nothing over all-zero weights splits evenly; zero stays +0", () => {
    expect(M.allocateInteger(-100, [1, 1, 1])).toEqual([-34, -33, -33])
    expect(M.allocateInteger(5, [0, 0])).toEqual([3, 2])
    expect(M.allocateInteger(0, [])).toEqual([])
    expect(M.allocateInteger(0, [1, 2]).every((p) => Object.is(p, 0))).toBe(true)
    // remainders 0.6 (index 0) and 0.4 (index 1): the leftover unit goes to the larger remainder, also when it comes later
    expect(M.allocateInteger(1, [2, 3])).toEqual([0, 1])
    expect(M.allocateInteger(1, [3, 2])).toEqual([1, 0])
    expect(M.allocateInteger(2, [1, 1, 1])).toEqual([1, 1, 0])
  })

  it("allocation refuses a fractional total, parts without weights, and negative or fractional weights, by name", () => {
    expect(() => M.allocateInteger(1.5, [1])).toThrow("cannot allocate a non-integer: 1.5")
    expect(() => M.allocateInteger(1, [])).toThrow("cannot allocate a non-zero amount over no parts")
    expect(() => M.allocateInteger(1, [1, -1])).toThrow("weights must be non-negative integers: -1")
    expect(() => M.allocateInteger(1, [0.5])).toThrow("weights must be non-negative integers: 0.5")
  })

  it("allocation within caps: refuses negative or fractional totals and a cap count that is not the weight count; a negative cap holds nothing", () => {
    expect(() => M.allocateIntegerWithin(-1, [1], [5])).toThrow("cannot allocate a negative or non-integer amount: -1")
    expect(() => M.allocateIntegerWithin(0.5, [1], [5])).toThrow(M.MoneyInvariantError)
    expect(() => M.allocateIntegerWithin(1, [1, 1], [5])).toThrow("one cap per weight")
    expect(M.allocateIntegerWithin(10, [1, 1], [-5, 4])).toEqual([0, 4])
    expect(M.allocateIntegerWithin(0, [1], [5])).toEqual([0])
    expect(M.allocateIntegerWithin(6, [1, 1], [3, 3])).toEqual([3, 3])
  })

  it("whole-unit charges refuse a negative amount; shares send a leftover shilling to the largest rest, ties to the earlier part", () => {
    expect(() => M.toWholeUnitCharge(kes(-1))).toThrow("cannot charge a negative amount")
    expect(M.toWholeUnitCharge(kes(0))).toEqual({ charge: kes(0), roundingAbsorbed: kes(0) })
    expect(M.toWholeUnitShares([kes(50), kes(50)], "KES").shares).toEqual([M.kes(1), M.kes(0)])
    expect(M.toWholeUnitShares([kes(30), kes(80)], "KES").shares).toEqual([M.kes(0), M.kes(1)])
    // the rest decides, not the size: 0.90 and 1.20 make 2.10, and the leftover shilling goes to the 0.90 (rest 90 > 20)
    expect(M.toWholeUnitShares([kes(90), kes(120)], "KES").shares).toEqual([M.kes(1), M.kes(1)])
    expect(M.toWholeUnitShares([kes(100), kes(250)], "KES")).toEqual({ charge: M.kes(3), roundingAbsorbed: kes(50), shares: [M.kes(1), M.kes(2)] })
    expect(() => M.toWholeUnits(M.make(1, "TZS"))).toThrow("not a whole TZS amount: 1")
    expect(M.toWholeUnits(M.make(7, "UGX"))).toBe(7)
  })

  it("formats a few cents, a round million and a negative UGX amount", () => {
    expect(M.format(kes(5))).toBe("KES 0.05")
    expect(M.format(kes(100_000_000))).toBe("KES 1,000,000.00")
    expect(M.format(M.make(-1_500, "UGX"))).toBe("-UGX 1,500")
    expect(M.format(kes(0))).toBe("KES 0.00")
  })
})
