/** Which milestones a store's progress reaches (domain/milestones.ts): worked examples in shillings and properties. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { hasReached, newlyReached } from "../../domain/milestones.js"
import type { MilestoneDefinition, StoreProgress } from "../../domain/milestones.js"

const DEFINITIONS: ReadonlyArray<MilestoneDefinition> = [
  { code: "FIRST_SALE", title: "First sale", kind: "SALES", threshold: 1 },
  { code: "SALES_10", title: "10 sales", kind: "SALES", threshold: 10 },
  { code: "SALES_50", title: "50 sales", kind: "SALES", threshold: 50 },
  { code: "REVENUE_KES_100K", title: "First KES 100,000 in sales", kind: "REVENUE", threshold: 100_000_00, currency: "KES" }
]
const progress = (sales: number, kes: number): StoreProgress => ({ sales, revenue: { KES: kes } })
const codes = (ds: ReadonlyArray<MilestoneDefinition>) => ds.map((d) => d.code)

describe("milestones, worked examples", () => {
  it("the first completed order is the first sale; ten orders of KES 9,999.99 are 10 sales but not KES 100,000; one more shilling is", () => {
    expect(codes(newlyReached(DEFINITIONS, progress(1, 2_500_00), new Set()))).toEqual(["FIRST_SALE"])
    expect(codes(newlyReached(DEFINITIONS, progress(10, 99_999_90), new Set(["FIRST_SALE"])))).toEqual(["SALES_10"])
    expect(codes(newlyReached(DEFINITIONS, progress(10, 100_000_00), new Set(["FIRST_SALE", "SALES_10"])))).toEqual(["REVENUE_KES_100K"])
  })

  it("revenue in another currency does not count towards a KES milestone", () => {
    expect(hasReached(DEFINITIONS[3]!, { sales: 3, revenue: { UGX: 500_000_000 } })).toBe(false)
  })
})

const arbProgress = fc.record({ sales: fc.nat({ max: 200 }), kes: fc.nat({ max: 50_000_000 }) })
const arbAlready = fc.subarray(codes(DEFINITIONS))

describe("milestones, properties", () => {
  it("exactly the definitions reached and not already credited, smallest first", () => {
    fc.assert(
      fc.property(arbProgress, arbAlready, (p, already) => {
        const got = newlyReached(DEFINITIONS, progress(p.sales, p.kes), new Set(already))
        const expected = DEFINITIONS.filter((d) => !already.includes(d.code) && hasReached(d, progress(p.sales, p.kes)))
        expect(new Set(codes(got))).toEqual(new Set(codes(expected)))
        for (let i = 1; i < got.length; i++) expect(got[i - 1]!.threshold).toBeLessThanOrEqual(got[i]!.threshold)
      })
    )
  })

  it("monotone: more sales and revenue never un-reach a milestone", () => {
    fc.assert(
      fc.property(arbProgress, fc.nat({ max: 50 }), fc.nat({ max: 5_000_000 }), (p, moreSales, moreKes) => {
        const before = new Set(codes(newlyReached(DEFINITIONS, progress(p.sales, p.kes), new Set())))
        const after = new Set(codes(newlyReached(DEFINITIONS, progress(p.sales + moreSales, p.kes + moreKes), new Set())))
        for (const c of before) expect(after.has(c)).toBe(true)
      })
    )
  })

  it("crediting what was reached leaves nothing to reach at the same progress (a replay records nothing)", () => {
    fc.assert(
      fc.property(arbProgress, (p) => {
        const first = newlyReached(DEFINITIONS, progress(p.sales, p.kes), new Set())
        expect(newlyReached(DEFINITIONS, progress(p.sales, p.kes), new Set(codes(first)))).toEqual([])
      })
    )
  })
})
