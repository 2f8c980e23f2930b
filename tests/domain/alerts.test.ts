/** Which platform alerts fire (domain/alerts.ts): worked examples and properties. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { countedWindows, decideAlerts, dedupeKeyOf, defaultAlertThresholds, paymentSuccessTooLow, windowStartOf } from "../../domain/alerts.js"
import type { AlertReadings, AlertThresholds } from "../../domain/alerts.js"

const MIN = 60_000
const W = 15 * MIN
// 28 Nov 2026 06:00 UTC, a window's start
const T = Date.UTC(2026, 10, 28, 6, 0)
const quiet: AlertReadings = { payments: { ended: 0, paid: 0 }, outboxLagMs: 0, deadLetters: [], slaBreaches: [] }
const th = defaultAlertThresholds
const keys = (r: AlertReadings, now: number, t: AlertThresholds = th) => decideAlerts(r, t, now).map((a) => a.dedupeKey)

describe("alerts, worked examples", () => {
  it("payments: 5 of 10 paid in 15 minutes (50%) is below 60% and fires; 6 of 10 does not; 0 of 9 is too few to judge", () => {
    const fired = decideAlerts({ ...quiet, payments: { ended: 10, paid: 5 } }, th, T + 7 * MIN)
    expect(fired).toEqual([
      expect.objectContaining({
        condition: "PAYMENT_SUCCESS_LOW",
        scope: "platform",
        windowStart: T,
        dedupeKey: "PAYMENT_SUCCESS_LOW:platform:2026-11-28T06:00:00.000Z",
        summary: "payment success 50% (5 of 10 paid in the last 15 min), below 60%"
      })
    ])
    expect(keys({ ...quiet, payments: { ended: 10, paid: 6 } }, T)).toEqual([])
    expect(keys({ ...quiet, payments: { ended: 9, paid: 0 } }, T)).toEqual([])
  })

  it("outbox: 5 min 1 s behind fires, exactly 5 min does not", () => {
    expect(keys({ ...quiet, outboxLagMs: 5 * MIN + 1000 }, T + MIN)).toEqual(["OUTBOX_LAG:platform:2026-11-28T06:00:00.000Z"])
    expect(keys({ ...quiet, outboxLagMs: 5 * MIN }, T + MIN)).toEqual([])
  })

  it("dead letters: one in the window just closed still fires (under its own window's key) at the first minute of the next", () => {
    const r = { ...quiet, deadLetters: [{ windowStart: T - W, count: 1 }] }
    expect(keys(r, T)).toEqual(["DEAD_LETTERS:platform:2026-11-28T05:45:00.000Z"])
    // two windows later it is no longer evaluated
    expect(keys(r, T + W)).toEqual([])
  })

  it("SLA: 5 breaches in Nairobi in one window fire for Nairobi only; 4 in Mombasa do not; 3 + 2 split over two windows do not", () => {
    const r: AlertReadings = {
      ...quiet,
      slaBreaches: [
        { zoneId: "zone_nbi", windowStart: T, count: 5 },
        { zoneId: "zone_msa", windowStart: T, count: 4 },
        { zoneId: "zone_ksm", windowStart: T - W, count: 3 },
        { zoneId: "zone_ksm", windowStart: T, count: 2 }
      ]
    }
    expect(keys(r, T + 3 * MIN)).toEqual(["SLA_BREACHES:zone_nbi:2026-11-28T06:00:00.000Z"])
  })

  it("a rerun in the same window gives the same keys; the next window, new ones", () => {
    const r = { ...quiet, payments: { ended: 20, paid: 2 }, outboxLagMs: 20 * MIN }
    expect(keys(r, T + MIN)).toEqual(keys(r, T + 14 * MIN))
    expect(keys(r, T + W)).toEqual(["PAYMENT_SUCCESS_LOW:platform:2026-11-28T06:15:00.000Z", "OUTBOX_LAG:platform:2026-11-28T06:15:00.000Z"])
  })
})

const arbThresholds: fc.Arbitrary<AlertThresholds> = fc.record({
  windowMs: fc.constantFrom(5 * MIN, 15 * MIN, 60 * MIN),
  paymentMinSuccessBps: fc.integer({ min: 0, max: 10_000 }),
  paymentMinAttempts: fc.integer({ min: 1, max: 50 }),
  outboxMaxLagMs: fc.integer({ min: 1_000, max: 60 * MIN }),
  deadLetters: fc.integer({ min: 1, max: 10 }),
  slaBreachesPerZone: fc.integer({ min: 1, max: 10 })
})
const arbNow = fc.integer({ min: T - 30 * 24 * 60 * MIN, max: T + 30 * 24 * 60 * MIN })
const arbPayments = fc.nat({ max: 200 }).chain((ended) => fc.record({ ended: fc.constant(ended), paid: fc.nat({ max: ended }) }))
/** Readings around `now`: counts in the windows near it (some too old to count). */
const arbReadings = (now: number, windowMs: number): fc.Arbitrary<AlertReadings> => {
  const ws = fc.integer({ min: -3, max: 0 }).map((k) => windowStartOf(now, windowMs) + k * windowMs)
  return fc.record({
    payments: arbPayments,
    outboxLagMs: fc.nat({ max: 2 * 3_600_000 }),
    deadLetters: fc.array(fc.record({ windowStart: ws, count: fc.integer({ min: 1, max: 5 }) }), { maxLength: 6 }),
    slaBreaches: fc.array(fc.record({ zoneId: fc.constantFrom("zone_nbi", "zone_msa", "zone_ksm"), windowStart: ws, count: fc.integer({ min: 1, max: 6 }) }), {
      maxLength: 10
    })
  })
}
const arbCase = fc.tuple(arbThresholds, arbNow).chain(([t, now]) => fc.record({ t: fc.constant(t), now: fc.constant(now), r: arbReadings(now, t.windowMs) }))

describe("alerts, properties", () => {
  it("windows tile time: each instant is in exactly one window, which starts on a multiple of its length", () => {
    fc.assert(
      fc.property(arbNow, fc.constantFrom(MIN, 15 * MIN, 60 * MIN), (t, w) => {
        const s = windowStartOf(t, w)
        expect(s % w).toBe(0)
        expect(s <= t && t < s + w).toBe(true)
        expect(windowStartOf(s + w - 1, w)).toBe(s)
      })
    )
  })

  it("each firing's key is unique and is exactly its condition, scope and window", () => {
    fc.assert(
      fc.property(arbCase, ({ t, now, r }) => {
        const fired = decideAlerts(r, t, now)
        expect(new Set(fired.map((a) => a.dedupeKey)).size).toBe(fired.length)
        for (const a of fired) {
          expect(a.dedupeKey).toBe(dedupeKeyOf(a.condition, a.scope, a.windowStart))
          expect(countedWindows(now, t.windowMs)).toContain(a.windowStart)
          expect(a.summary).not.toMatch(/[\n\t]| {5,}/)
        }
      })
    )
  })

  it("a rerun anywhere in the same window with the same readings asks for exactly the same keys (the database then refuses them all)", () => {
    fc.assert(
      fc.property(arbCase, fc.nat(), ({ t, now, r }, offset) => {
        const later = windowStartOf(now, t.windowMs) + (offset % t.windowMs)
        expect(keys(r, later, t)).toEqual(keys(r, now, t))
      })
    )
  })

  it("a level still wrong in the next window fires again, under a new key", () => {
    fc.assert(
      fc.property(arbCase, ({ t, now, r }) => {
        const levels = (at: number) => decideAlerts({ ...r, deadLetters: [], slaBreaches: [] }, t, at)
        const now1 = levels(now)
        const next = levels(now + t.windowMs)
        expect(next.map((a) => a.condition)).toEqual(now1.map((a) => a.condition))
        for (const a of next) expect(now1.map((b) => b.dedupeKey)).not.toContain(a.dedupeKey)
      })
    )
  })

  it("payments fire exactly when enough ended and paid / ended < the minimum (integers, no rounding)", () => {
    fc.assert(
      fc.property(arbPayments, arbThresholds, ({ ended, paid }, t) => {
        const fires = decideAlerts({ ...quiet, payments: { ended, paid } }, t, T).some((a) => a.condition === "PAYMENT_SUCCESS_LOW")
        expect(fires).toBe(ended >= t.paymentMinAttempts && BigInt(paid) * 10_000n < BigInt(t.paymentMinSuccessBps) * BigInt(ended))
        expect(fires).toBe(paymentSuccessTooLow({ ended, paid }, t))
      })
    )
  })

  it("stricter thresholds never silence an alert that looser ones raise (counts: a lower bar fires a superset)", () => {
    fc.assert(
      fc.property(arbCase, ({ t, now, r }) => {
        const looser: AlertThresholds = {
          ...t,
          paymentMinSuccessBps: Math.min(10_000, t.paymentMinSuccessBps + 500),
          paymentMinAttempts: Math.max(1, t.paymentMinAttempts - 1),
          outboxMaxLagMs: Math.max(0, t.outboxMaxLagMs - 1_000),
          deadLetters: Math.max(1, t.deadLetters - 1),
          slaBreachesPerZone: Math.max(1, t.slaBreachesPerZone - 1)
        }
        const strict = new Set(keys(r, now, t))
        const loose = new Set(keys(r, now, looser))
        for (const k of strict) expect(loose.has(k)).toBe(true)
      })
    )
  })

  it("a zone fires for a window exactly when its breaches counted in that window reach the threshold; other zones do not add to it", () => {
    fc.assert(
      fc.property(arbCase, ({ t, now, r }) => {
        const fired = new Set(
          decideAlerts(r, t, now)
            .filter((a) => a.condition === "SLA_BREACHES")
            .map((a) => a.dedupeKey)
        )
        for (const ws of countedWindows(now, t.windowMs))
          for (const zone of ["zone_nbi", "zone_msa", "zone_ksm"]) {
            const n = r.slaBreaches.filter((s) => s.zoneId === zone && s.windowStart === ws).reduce((a, s) => a + s.count, 0)
            expect(fired.has(dedupeKeyOf("SLA_BREACHES", zone, ws))).toBe(n >= t.slaBreachesPerZone)
          }
      })
    )
  })
})
