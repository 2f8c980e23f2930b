import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { chooseRider, MAX_LIVE_JOBS, riderScore, scorecard } from "../../application/riders/assignment.js"
import type { Candidate } from "../../application/riders/assignment.js"

const stats = fc
  .record({ delivered: fc.nat(200), onTime: fc.nat(200), failedAttempts: fc.nat(50), disputes: fc.nat(20) })
  .map((s) => ({ ...s, onTime: Math.min(s.onTime, s.delivered) }))
const candidate = fc.record({ riderUserId: fc.stringMatching(/^usr_[a-z0-9]{1,6}$/), load: fc.nat(MAX_LIVE_JOBS + 2), stats })
const candidates = fc.uniqueArray(candidate, { selector: (c) => c.riderUserId, maxLength: 12 })

describe("rider assignment (in-house pool)", () => {
  it("property: the choice does not depend on the order riders are listed in", () => {
    fc.assert(
      fc.property(
        candidates.chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, { minLength: cs.length, maxLength: cs.length }))),
        ([cs, shuffled]) => {
          expect(chooseRider(shuffled)?.riderUserId).toBe(chooseRider(cs)?.riderUserId)
        }
      )
    )
  })

  it("property: the chosen rider is never busier than another eligible rider, never full and never excluded", () => {
    fc.assert(
      fc.property(candidates, fc.array(fc.stringMatching(/^usr_[a-z0-9]{1,6}$/), { maxLength: 3 }), (cs, exclude) => {
        const chosen = chooseRider(cs, exclude)
        const eligible = cs.filter((c) => c.load < MAX_LIVE_JOBS && !exclude.includes(c.riderUserId))
        if (eligible.length === 0) {
          expect(chosen).toBeUndefined()
          return
        }
        expect(chosen).toBeDefined()
        expect(exclude).not.toContain(chosen!.riderUserId)
        expect(chosen!.load).toBeLessThan(MAX_LIVE_JOBS)
        for (const c of eligible) {
          expect(chosen!.load).toBeLessThanOrEqual(c.load)
          if (c.load === chosen!.load) expect(riderScore(chosen!.stats)).toBeGreaterThanOrEqual(riderScore(c.stats))
        }
      })
    )
  })

  it("property: a score stays within 0..1000", () => {
    fc.assert(
      fc.property(stats, (s) => {
        const score = riderScore(s)
        expect(score).toBeGreaterThanOrEqual(0)
        expect(score).toBeLessThanOrEqual(1000)
      })
    )
  })

  const c = (id: string, load: number, delivered: number, onTime: number, failedAttempts = 0, disputes = 0): Candidate => ({
    riderUserId: id,
    load,
    stats: { delivered, onTime, failedAttempts, disputes }
  })
  it.each([
    ["the least loaded wins", [c("usr_a", 2, 50, 50), c("usr_b", 1, 0, 0)], "usr_b"],
    ["same load: the better score wins", [c("usr_a", 1, 10, 5), c("usr_b", 1, 10, 10)], "usr_b"],
    ["same load and score: the smaller id wins", [c("usr_b", 0, 0, 0), c("usr_a", 0, 0, 0)], "usr_a"],
    ["a full rider is skipped", [c("usr_a", MAX_LIVE_JOBS, 99, 99), c("usr_b", 4, 0, 0)], "usr_b"]
  ])("%s", (_name, cs, expected) => {
    expect(chooseRider(cs)?.riderUserId).toBe(expected)
  })

  it("worked scorecard: 9 of 10 delivered on time, 1 failed attempt, no dispute", () => {
    // on time (9 + 1) / (10 + 2) = 833; penalty 1 × 250 / (11 + 1) = 20 -> 813
    expect(scorecard("usr_r", "Otieno", { delivered: 10, onTime: 9, failedAttempts: 1, disputes: 0 })).toEqual({
      riderUserId: "usr_r",
      name: "Otieno",
      delivered: 10,
      onTime: 9,
      failedAttempts: 1,
      disputes: 0,
      jobs: 11,
      onTimeBps: 9_000,
      score: 813
    })
  })
})
