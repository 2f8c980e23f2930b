/**
 * Affiliate links: who counts as a visitor worth a click, how long a click's attribution lasts,
 * which day a click belongs to, and when the next weekly payout batch is selected. Pure: every
 * instant is passed in.
 */
import { MAX_COMMISSION_BPS } from "./commission.js"

const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS

/** A click's attribution stays with the visitor's cart this long; a later click replaces it (last click wins). */
export const ATTRIBUTION_WINDOW_MS = 30 * DAY_MS

/** An affiliate code as users.affiliate_code allows it. */
export const AFFILIATE_CODE_PATTERN = /^[A-Za-z0-9_-]{3,32}$/

/**
 * Obvious robots: link previews (WhatsApp, Facebook, Telegram, Slack, Twitter), crawlers, and
 * scripted clients. They are redirected like anyone, but leave no click and no attribution. An
 * empty User-Agent is a script too: every browser sends one.
 */
const BOT =
  /bot|crawl|spider|slurp|preview|facebookexternalhit|whatsapp|telegram|slack|discord|twitter|linkedin|embedly|curl|wget|python|java\/|go-http|okhttp|axios|node-fetch|undici|headless|phantom|lighthouse|monitor|pingdom|scan/i

export const isLikelyBot = (userAgent: string | undefined): boolean => {
  const ua = (userAgent ?? "").trim()
  return ua === "" || ua.length > 1_000 || BOT.test(ua)
}

/** The Nairobi calendar date (UTC+3, no DST) of an instant: clicks are counted once per visitor per such day. */
export const nairobiDate = (now: number): string => new Date(now + 3 * HOUR_MS).toISOString().slice(0, 10)

/** When a click's attribution lapses. */
export const attributionExpiry = (clickedAt: number): number => clickedAt + ATTRIBUTION_WINDOW_MS

const FRIDAY = 5
/** The weekly batch is selected Fridays 03:00 UTC (06:00 Nairobi): composition/event-handlers.ts' crontab. */
const BATCH_HOUR_UTC = 3

/**
 * The next time the weekly payout batch is selected, strictly after `now`: the coming Friday at
 * 03:00 UTC (06:00 Nairobi), or the one after when this Friday's has already run.
 */
export const nextPayoutSelection = (now: number): number => {
  const midnight = now - (((now % DAY_MS) + DAY_MS) % DAY_MS)
  const weekday = new Date(midnight).getUTCDay()
  const candidate = midnight + ((FRIDAY - weekday + 7) % 7) * DAY_MS + BATCH_HOUR_UTC * HOUR_MS
  return candidate > now ? candidate : candidate + 7 * DAY_MS
}

/**
 * The commission rates an affiliate can expect, from the product rules: each seller sets its own
 * rate per product, from 0 to 50% of the base price. The rules name no tiers within that range, so
 * the range is the one "tier" we can state without inventing policy (docs/decisions.md).
 */
export const commissionRateRanges: ReadonlyArray<{ readonly label: string; readonly minBps: number; readonly maxBps: number }> = [
  { label: "seller-set rate per product (product rules: 0–50% of the base price)", minBps: 0, maxBps: MAX_COMMISSION_BPS }
]
