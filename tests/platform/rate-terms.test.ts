/** Rate terms typed in the back-office: money is whole minor units, never negative, one currency per rate. */
import fc from "fast-check"
import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { slugOf, validRateTerms } from "../../application/platform/shipping-settings.js"

const check = (terms: Parameters<typeof validRateTerms>[0]) => Effect.runSync(Effect.either(validRateTerms(terms)))

describe("rate terms", () => {
  it("a flat amount is accepted exactly when it is a non-negative safe integer (minor units)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double({ noNaN: false }), fc.constant(Number.MAX_SAFE_INTEGER + 2)), (amount) => {
        const outcome = check({ kind: "FLAT", name: "Standard", amount: { amount, currency: "KES" } })
        expect(Either.isRight(outcome)).toBe(Number.isSafeInteger(amount) && amount >= 0)
      })
    )
  })

  it("a weight rate's base and per-kg amounts share one currency", () => {
    const mixed = check({ kind: "WEIGHT", name: "By weight", base: { amount: 100, currency: "KES" }, perKg: { amount: 10, currency: "UGX" } })
    expect(Either.isLeft(mixed) && mixed.left.message).toContain("one currency")
    expect(Either.isRight(check({ kind: "WEIGHT", name: "By weight", base: { amount: 100, currency: "UGX" }, perKg: { amount: 10, currency: "UGX" } }))).toBe(
      true
    )
  })

  it("a slug is lowercase letters, digits and single dashes, whatever the name", () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        const slug = slugOf(name)
        expect(slug).toMatch(/^([a-z0-9]+(-[a-z0-9]+)*)?$/)
        expect(slug.length).toBeLessThanOrEqual(48)
      })
    )
    expect(slugOf(`${"a".repeat(47)} b`)).toBe("a".repeat(47))
    expect(slugOf("  Sarit Centre — Locker #2 ")).toBe("sarit-centre-locker-2")
  })
})
