/**
 * Platform alerts (issue 15): given what was read (payment outcomes, outbox lag, dead letters, SLA
 * breaches per zone), the thresholds and the time, which alerts fire, each with the key that makes
 * it fire once per condition, scope and window.
 *
 * Windows are tumbling: [k * windowMs, (k + 1) * windowMs) in epoch ms. A rate or a level (payment
 * success over the last `windowMs`, outbox lag now) is keyed by the window `now` falls in: while it
 * lasts it fires at most once a window. A count (dead letters, a zone's SLA breaches) is counted in
 * the window its events fell in, and the window just closed is evaluated too (its last minutes may
 * have come after the previous run), so each event counts towards exactly one window.
 *
 * Pure: integers only (a rate is compared as paid * 10_000 < bps * ended), no clock.
 */

export const ALERT_CONDITIONS = ["PAYMENT_SUCCESS_LOW", "OUTBOX_LAG", "DEAD_LETTERS", "SLA_BREACHES"] as const
export type AlertCondition = (typeof ALERT_CONDITIONS)[number]

export interface AlertThresholds {
  /** the window's length (default 15 minutes) */
  readonly windowMs: number
  /** payment success below this, in basis points of the payments that ended in the last window (6_000 = 60%) */
  readonly paymentMinSuccessBps: number
  /** ...judged only once at least this many payments ended in it (one failure of one is not a trend) */
  readonly paymentMinAttempts: number
  /** the oldest unprocessed outbox event older than this */
  readonly outboxMaxLagMs: number
  /** at least this many new dead letters in a window */
  readonly deadLetters: number
  /** at least this many SLA breaches in one zone in a window */
  readonly slaBreachesPerZone: number
}

export const defaultAlertThresholds: AlertThresholds = {
  windowMs: 15 * 60_000,
  paymentMinSuccessBps: 6_000,
  paymentMinAttempts: 10,
  outboxMaxLagMs: 5 * 60_000,
  deadLetters: 1,
  slaBreachesPerZone: 5
}

export interface WindowCount {
  readonly windowStart: number
  readonly count: number
}

export interface AlertReadings {
  /** payment attempts that ended in the last `windowMs` (counted per order), and how many of them were paid */
  readonly payments: { readonly ended: number; readonly paid: number }
  /** age of the oldest outbox event not yet handled (dead letters excluded), 0 when none */
  readonly outboxLagMs: number
  /** new dead letters by the window they appeared in */
  readonly deadLetters: ReadonlyArray<WindowCount>
  /** SLA breaches by zone and window */
  readonly slaBreaches: ReadonlyArray<WindowCount & { readonly zoneId: string }>
}

export interface FiringAlert {
  readonly condition: AlertCondition
  /** "platform", or the zone */
  readonly scope: string
  readonly windowStart: number
  /** unique per condition, scope and window: the database refuses a second firing */
  readonly dedupeKey: string
  readonly observed: Readonly<Record<string, number>>
  /** one line for a person (WhatsApp template parameter: no new lines) */
  readonly summary: string
}

export const PLATFORM_SCOPE = "platform"

/** The start of the window `t` falls in. */
export const windowStartOf = (t: number, windowMs: number): number => t - (((t % windowMs) + windowMs) % windowMs)

/** The windows whose counts are evaluated at `now`: the one just closed, and the current one. */
export const countedWindows = (now: number, windowMs: number): readonly [number, number] => {
  const current = windowStartOf(now, windowMs)
  return [current - windowMs, current]
}

export const dedupeKeyOf = (condition: AlertCondition, scope: string, windowStart: number): string =>
  `${condition}:${scope}:${new Date(windowStart).toISOString()}`

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`

/** Whole percent, rounded down, of a part of a positive whole. */
const percent = (part: number, whole: number) => Math.floor((part * 100) / whole)

export const paymentSuccessTooLow = (p: AlertReadings["payments"], t: AlertThresholds): boolean =>
  p.ended >= Math.max(1, t.paymentMinAttempts) && p.paid * 10_000 < t.paymentMinSuccessBps * p.ended

/** Which alerts fire at `now`, each once in the result, in a stable order (condition, scope, window). */
export const decideAlerts = (readings: AlertReadings, thresholds: AlertThresholds, now: number): ReadonlyArray<FiringAlert> => {
  const w = thresholds.windowMs
  const current = windowStartOf(now, w)
  const counted = new Set(countedWindows(now, w))
  const fired: Array<FiringAlert> = []
  const fire = (condition: AlertCondition, scope: string, windowStart: number, observed: Record<string, number>, summary: string) =>
    fired.push({ condition, scope, windowStart, dedupeKey: dedupeKeyOf(condition, scope, windowStart), observed, summary })

  const { ended, paid } = readings.payments
  if (paymentSuccessTooLow(readings.payments, thresholds))
    fire(
      "PAYMENT_SUCCESS_LOW",
      PLATFORM_SCOPE,
      current,
      { ended, paid, minSuccessBps: thresholds.paymentMinSuccessBps },
      `payment success ${percent(paid, ended)}% (${paid} of ${ended} paid in the last ${minutes(w)}), below ${thresholds.paymentMinSuccessBps / 100}%`
    )

  if (readings.outboxLagMs > thresholds.outboxMaxLagMs)
    fire(
      "OUTBOX_LAG",
      PLATFORM_SCOPE,
      current,
      { lagMs: readings.outboxLagMs, maxLagMs: thresholds.outboxMaxLagMs },
      `the worker is ${Math.floor(readings.outboxLagMs / 1000)} s behind (oldest unhandled event), above ${Math.floor(thresholds.outboxMaxLagMs / 1000)} s`
    )

  // counts: summed per window (a reading may come in several rows), only the windows evaluated now
  const deadByWindow = new Map<number, number>()
  for (const d of readings.deadLetters) if (counted.has(d.windowStart)) deadByWindow.set(d.windowStart, (deadByWindow.get(d.windowStart) ?? 0) + d.count)
  for (const [windowStart, count] of [...deadByWindow].sort((a, b) => a[0] - b[0]))
    if (count >= Math.max(1, thresholds.deadLetters))
      fire(
        "DEAD_LETTERS",
        PLATFORM_SCOPE,
        windowStart,
        { deadLetters: count, threshold: thresholds.deadLetters },
        `${count} job(s) or event handler(s) gave up after their last attempt in the ${minutes(w)} from ${hhmm(windowStart)} UTC`
      )

  const slaByKey = new Map<string, { zoneId: string; windowStart: number; count: number }>()
  for (const s of readings.slaBreaches) {
    if (!counted.has(s.windowStart)) continue
    const key = `${s.zoneId}\u0000${s.windowStart}`
    const seen = slaByKey.get(key)
    slaByKey.set(key, { zoneId: s.zoneId, windowStart: s.windowStart, count: (seen?.count ?? 0) + s.count })
  }
  const sla = [...slaByKey.values()].sort((a, b) => (a.zoneId < b.zoneId ? -1 : a.zoneId > b.zoneId ? 1 : a.windowStart - b.windowStart))
  for (const s of sla)
    if (s.count >= Math.max(1, thresholds.slaBreachesPerZone))
      fire(
        "SLA_BREACHES",
        s.zoneId,
        s.windowStart,
        { breaches: s.count, threshold: thresholds.slaBreachesPerZone },
        `${s.count} SLA breaches in zone ${s.zoneId} in the ${minutes(w)} from ${hhmm(s.windowStart)} UTC (alert at ${thresholds.slaBreachesPerZone})`
      )

  return fired
}

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16)
