/**
 * The edge's depth bound on parsed bodies (adapters/http/edge.ts, nestsDeeperThan): the same answer
 * as a recursive depth count on any JSON value, without recursion (a 100 kB body may nest ~50,000
 * levels: recursion would overflow the stack it guards).
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { MAX_BODY_DEPTH, bodyRefusal, nestsDeeperThan } from "../../adapters/http/edge.js"

/** Levels of objects and arrays: 0 for a scalar. */
const depth = (v: unknown): number => (typeof v !== "object" || v === null ? 0 : 1 + Math.max(0, ...(Array.isArray(v) ? v : Object.values(v)).map(depth)))

const nested = (levels: number): unknown => {
  let v: unknown = 1
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? [v] : { a: v }
  return v
}

describe("nestsDeeperThan", () => {
  it("is depth > limit, for any JSON value and limit", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (v, limit) => nestsDeeperThan(v, limit) === depth(v) > limit),
      { numRuns: 500 }
    )
  })

  it("worked examples: a scalar nests 0 levels, {a:[1]} 2; 64 levels pass the edge, 65 do not; 50,000 levels do not overflow", () => {
    expect(nestsDeeperThan("x", 0)).toBe(false)
    expect(nestsDeeperThan({ a: [1] }, 1)).toBe(true)
    expect(nestsDeeperThan({ a: [1] }, 2)).toBe(false)
    expect(bodyRefusal(nested(MAX_BODY_DEPTH))).toBeUndefined()
    expect(bodyRefusal(nested(MAX_BODY_DEPTH + 1))?.code).toBe("REQUEST.TOO_DEEP")
    expect(bodyRefusal(JSON.parse("[".repeat(50_000) + "]".repeat(50_000)))?.code).toBe("REQUEST.TOO_DEEP")
    // bad text is refused first, as before, however deep
    expect(bodyRefusal({ a: "x\u0000" })?.code).toBe("REQUEST.INVALID_TEXT")
    expect(bodyRefusal([nested(MAX_BODY_DEPTH + 1), "x\u0000"])?.code).toBe("REQUEST.INVALID_TEXT")
  })
})
