/**
 * Abandoned-cart schedule (domain/cart-recovery.ts): which of the three messages is due, given the
 * cart's last touch, what was sent, the time now and Nairobi's quiet hours. Worked examples, then
 * properties over random carts and clocks.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { defaultRecoveryPolicy as P, isQuiet, nextRecoveryStep, outsideQuietHours } from "../../domain/cart-recovery.js"
import type { RecoveryState } from "../../domain/cart-recovery.js"

const H = 3_600_000
// 1 Dec 2026 10:00 in Nairobi (07:00 UTC)
const T0 = Date.UTC(2026, 11, 1, 7, 0)
const nairobiHour = (t: number) => new Date(t + 3 * H).getUTCHours()

describe("cart recovery schedule: worked examples", () => {
  const fresh: RecoveryState = { touchedAt: T0, sent: 0, lastSentAt: null }

  it("touched 10:00 Nairobi: nothing before 11:00, the reminder at 11:00, the code at 24 h, the last call at 72 h, then nothing", () => {
    expect(nextRecoveryStep(fresh, T0 + H - 1)).toEqual({ _tag: "Wait", until: T0 + H })
    expect(nextRecoveryStep(fresh, T0 + H)).toEqual({ _tag: "Send", step: 1 })
    const one = { touchedAt: T0, sent: 1, lastSentAt: T0 + H }
    expect(nextRecoveryStep(one, T0 + 23 * H)).toEqual({ _tag: "Wait", until: T0 + 24 * H })
    expect(nextRecoveryStep(one, T0 + 24 * H)).toEqual({ _tag: "Send", step: 2 })
    const two = { touchedAt: T0, sent: 2, lastSentAt: T0 + 24 * H }
    expect(nextRecoveryStep(two, T0 + 72 * H)).toEqual({ _tag: "Send", step: 3 })
    expect(nextRecoveryStep({ touchedAt: T0, sent: 3, lastSentAt: T0 + 72 * H }, T0 + 100 * H)).toEqual({ _tag: "Finished" })
  })

  it("touched 20:30 Nairobi: the reminder due 21:30 waits for 08:00; a cart touched more than a day ago never starts", () => {
    const late = Date.UTC(2026, 11, 1, 17, 30) // 20:30 EAT
    const morning = Date.UTC(2026, 11, 2, 5, 0) // 08:00 EAT next day
    expect(nextRecoveryStep({ touchedAt: late, sent: 0, lastSentAt: null }, late + H)).toEqual({ _tag: "Wait", until: morning })
    expect(nextRecoveryStep({ touchedAt: late, sent: 0, lastSentAt: null }, morning - 1)).toEqual({ _tag: "Wait", until: morning })
    expect(nextRecoveryStep({ touchedAt: late, sent: 0, lastSentAt: null }, morning)).toEqual({ _tag: "Send", step: 1 })
    expect(nextRecoveryStep(fresh, T0 + 25 * H)).toEqual({ _tag: "Finished" })
  })

  it("found by the no-stall property: touched 03:00 Nairobi, first looked at 21:00 the same day: the reminder could only go after 24 h, so never (not a wait that ends stale)", () => {
    const early = Date.UTC(2026, 11, 1, 0, 0) // 03:00 EAT
    expect(nextRecoveryStep({ touchedAt: early, sent: 0, lastSentAt: null }, early + 18 * H)).toEqual({ _tag: "Finished" })
    expect(nextRecoveryStep({ touchedAt: early, sent: 0, lastSentAt: null }, early + 17 * H)).toEqual({ _tag: "Send", step: 1 })
  })

  it("a worker back after days sends one message, and the next only after the minimum gap", () => {
    const one = { touchedAt: T0, sent: 1, lastSentAt: T0 + H }
    expect(nextRecoveryStep(one, T0 + 80 * H)).toEqual({ _tag: "Send", step: 2 })
    // the code went out late (T0 + 70 h): the last call, due at 72 h, waits 12 h after it (20:00 Nairobi)
    expect(nextRecoveryStep({ touchedAt: T0, sent: 2, lastSentAt: T0 + 70 * H }, T0 + 72 * H)).toEqual({ _tag: "Wait", until: T0 + 82 * H })
  })

  it("quiet hours are 21:00 to 08:00 Nairobi (UTC+3)", () => {
    expect(isQuiet(Date.UTC(2026, 11, 1, 17, 59))).toBe(false) // 20:59
    expect(isQuiet(Date.UTC(2026, 11, 1, 18, 0))).toBe(true) // 21:00
    expect(isQuiet(Date.UTC(2026, 11, 1, 4, 59))).toBe(true) // 07:59
    expect(isQuiet(Date.UTC(2026, 11, 1, 5, 0))).toBe(false) // 08:00
    expect(outsideQuietHours(Date.UTC(2026, 11, 1, 22, 0))).toBe(Date.UTC(2026, 11, 2, 5, 0)) // 01:00 -> 08:00 the same local day
  })
})

const anyTime = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2030, 0, 1) })
const state = fc
  .record({ touchedAt: anyTime, sent: fc.integer({ min: 0, max: 3 }), sinceTouch: fc.integer({ min: 0, max: 10 * 24 * H }) })
  .map(({ touchedAt, sent, sinceTouch }): RecoveryState => ({ touchedAt, sent, lastSentAt: sent === 0 ? null : touchedAt + sinceTouch }))
const later = fc.integer({ min: 0, max: 12 * 24 * H })

describe("cart recovery schedule: properties", () => {
  it("nothing is ever sent in quiet hours (21:00 to 08:00 Nairobi)", () => {
    fc.assert(
      fc.property(state, later, (s, dt) => {
        const d = nextRecoveryStep(s, s.touchedAt + dt)
        if (d._tag === "Send") expect(nairobiHour(s.touchedAt + dt)).toSatisfy((h: number) => h >= 8 && h < 21)
      })
    )
  })

  it("the step sent is always the next one, never before its offset from the last touch, and never a fourth", () => {
    fc.assert(
      fc.property(state, later, (s, dt) => {
        const now = s.touchedAt + dt
        const d = nextRecoveryStep(s, now)
        if (s.sent >= 3) expect(d._tag).toBe("Finished")
        if (d._tag === "Send") {
          expect(d.step).toBe(s.sent + 1)
          expect(now).toBeGreaterThanOrEqual(s.touchedAt + P.offsetsMs[d.step - 1]!)
          if (s.lastSentAt !== null) expect(now - s.lastSentAt).toBeGreaterThanOrEqual(P.minGapMs)
        }
      })
    )
  })

  it("a wait ends outside quiet hours, in the future, and at its end the message is due (the schedule never stalls)", () => {
    fc.assert(
      fc.property(state, later, (s, dt) => {
        const now = s.touchedAt + dt
        const d = nextRecoveryStep(s, now)
        if (d._tag !== "Wait") return
        expect(d.until).toBeGreaterThan(now)
        expect(isQuiet(d.until)).toBe(false)
        expect(nextRecoveryStep(s, d.until)).toEqual({ _tag: "Send", step: s.sent + 1 })
      })
    )
  })

  it("a due message is deferred by at most the quiet hours (11 h) past its due time", () => {
    fc.assert(
      fc.property(anyTime, (touchedAt) => {
        const s = { touchedAt, sent: 0, lastSentAt: null }
        const d = nextRecoveryStep(s, touchedAt + H)
        const sendAt = d._tag === "Wait" ? d.until : touchedAt + H
        expect(d._tag === "Send" || d._tag === "Wait").toBe(true)
        expect(sendAt - (touchedAt + H)).toBeLessThanOrEqual(11 * H)
      })
    )
  })
})
