/** Affiliate link rules: robots, the click's day, the attribution window, the next payout batch. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ATTRIBUTION_WINDOW_MS, attributionExpiry, commissionRateRanges, isLikelyBot, nairobiDate, nextPayoutSelection } from "../../domain/affiliate.js"
import { MAX_COMMISSION_BPS, payoutWeekKey } from "../../domain/commission.js"
import { EpochMillis } from "../../domain/ids.js"

const DAY = 86_400_000
const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) })

describe("nextPayoutSelection", () => {
  it("is always a Friday 03:00 UTC strictly after now and at most a week later", () => {
    fc.assert(
      fc.property(instant, (now) => {
        const next = nextPayoutSelection(now)
        const d = new Date(next)
        expect([d.getUTCDay(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]).toEqual([5, 3, 0, 0, 0])
        expect(next).toBeGreaterThan(now)
        expect(next - now).toBeLessThanOrEqual(7 * DAY)
      })
    )
  })

  it("names the batch week whose Friday it is (the payout key the batch is stored under)", () => {
    fc.assert(
      fc.property(instant, (now) => {
        const next = nextPayoutSelection(now)
        expect(payoutWeekKey(EpochMillis.make(next))).toBe(new Date(next).toISOString().slice(0, 10))
      })
    )
  })

  it("worked examples: Thursday evening -> next morning; Friday 03:00 exactly -> a week later", () => {
    expect(new Date(nextPayoutSelection(Date.UTC(2026, 10, 26, 20, 0))).toISOString()).toBe("2026-11-27T03:00:00.000Z")
    expect(new Date(nextPayoutSelection(Date.UTC(2026, 10, 27, 3, 0))).toISOString()).toBe("2026-12-04T03:00:00.000Z")
    expect(new Date(nextPayoutSelection(Date.UTC(2026, 10, 27, 2, 59))).toISOString()).toBe("2026-11-27T03:00:00.000Z")
  })
})

describe("clicks and attribution", () => {
  it("a click's day is the Nairobi date (UTC+3): 21:00 UTC is already tomorrow", () => {
    expect(nairobiDate(Date.UTC(2026, 10, 27, 20, 59))).toBe("2026-11-27")
    expect(nairobiDate(Date.UTC(2026, 10, 27, 21, 0))).toBe("2026-11-28")
  })

  it("an attribution lasts exactly 30 days after its click", () => {
    fc.assert(
      fc.property(instant, (at) => {
        expect(attributionExpiry(at) - at).toBe(ATTRIBUTION_WINDOW_MS)
      })
    )
    expect(ATTRIBUTION_WINDOW_MS).toBe(30 * DAY)
  })

  it.each([
    ["WhatsApp link preview", "WhatsApp/2.23.20.0 A", true],
    ["Facebook", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", true],
    ["Googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", true],
    ["curl", "curl/8.4.0", true],
    ["no User-Agent", undefined, true],
    ["a blank one", "  ", true],
    ["Chrome on Android", "Mozilla/5.0 (Linux; Android 13; SM-A135F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", false],
    [
      "Safari on iPhone",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
      false
    ],
    ["Opera Mini", "Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25 Version/10.54", false]
  ])("robots: %s -> %s", (_name, ua, bot) => expect(isLikelyBot(ua)).toBe(bot))

  it("a User-Agent over 1,000 characters is a script (no browser sends one), at 1,000 it is judged by its words", () => {
    const prefix = "Mozilla/5.0 (Linux; Android 13) "
    const browserLike = (n: number) => prefix + "x".repeat(n - prefix.length)
    expect(browserLike(1_000)).toHaveLength(1_000)
    expect(isLikelyBot(browserLike(1_000))).toBe(false)
    expect(isLikelyBot(browserLike(1_001))).toBe(true)
  })

  it("the stated commission range is the product rules' 0–50%", () => {
    expect(commissionRateRanges).toEqual([expect.objectContaining({ minBps: 0, maxBps: MAX_COMMISSION_BPS })])
    expect(MAX_COMMISSION_BPS).toBe(5_000)
  })
})
