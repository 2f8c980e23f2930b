/**
 * Bringing an abandoned cart back (issue 14): which of its three WhatsApp messages is due, and when.
 * A cart untouched for 1 h gets a reminder, at 24 h a one-use discount code, at 72 h a last call,
 * each measured from the cart's last touch (a touch postpones the next message; it never restarts
 * the sequence: a message once sent is never sent again). Nothing goes out in Nairobi's quiet
 * hours (21:00 to 08:00, UTC+3 all year): a message due then waits for 08:00. After a message the
 * next one waits at least `minGapMs`, so a worker that was down never sends a burst, and a cart
 * whose first message could only go more than `startWithinMs` after its last touch is left alone.
 * Pure: the caller brings the clock.
 */

export interface RecoveryPolicy {
  /** after the last touch, for messages 1, 2 and 3 */
  readonly offsetsMs: readonly [number, number, number]
  readonly minGapMs: number
  readonly startWithinMs: number
  /** local hours [quietFrom, 24) and [0, quietUntil) are quiet */
  readonly quietFromHour: number
  readonly quietUntilHour: number
  /** local time = UTC + this (Nairobi: +3 h, no daylight saving) */
  readonly utcOffsetMs: number
}

const HOUR = 3_600_000
const DAY = 24 * HOUR

export const defaultRecoveryPolicy: RecoveryPolicy = {
  offsetsMs: [HOUR, DAY, 3 * DAY],
  minGapMs: 12 * HOUR,
  startWithinMs: DAY,
  quietFromHour: 21,
  quietUntilHour: 8,
  utcOffsetMs: 3 * HOUR
}

export type RecoveryStep = 1 | 2 | 3

export interface RecoveryState {
  /** the cart's last change (an item added, removed or its quantity changed) */
  readonly touchedAt: number
  /** messages already sent (0 to 3) */
  readonly sent: number
  readonly lastSentAt: number | null
}

export type RecoveryDecision =
  { readonly _tag: "Finished" } | { readonly _tag: "Wait"; readonly until: number } | { readonly _tag: "Send"; readonly step: RecoveryStep }

const localHour = (t: number, p: RecoveryPolicy) => Math.floor(((((t + p.utcOffsetMs) % DAY) + DAY) % DAY) / HOUR)

export const isQuiet = (t: number, p: RecoveryPolicy = defaultRecoveryPolicy): boolean => {
  const h = localHour(t, p)
  return h >= p.quietFromHour || h < p.quietUntilHour
}

/** `t` itself when it is not quiet, else the end of its quiet period (the next local quietUntilHour:00). */
export const outsideQuietHours = (t: number, p: RecoveryPolicy = defaultRecoveryPolicy): number => {
  if (!isQuiet(t, p)) return t
  const local = t + p.utcOffsetMs
  const dayStart = local - (((local % DAY) + DAY) % DAY)
  const end = dayStart + p.quietUntilHour * HOUR
  return (end > local ? end : end + DAY) - p.utcOffsetMs
}

/** When message `sent + 1` may go, before quiet hours are applied. */
const dueAt = (s: RecoveryState, p: RecoveryPolicy): number => {
  const step = s.sent + 1
  const byTouch = s.touchedAt + p.offsetsMs[step - 1]!
  return s.lastSentAt === null ? byTouch : Math.max(byTouch, s.lastSentAt + p.minGapMs)
}

export const nextRecoveryStep = (s: RecoveryState, now: number, p: RecoveryPolicy = defaultRecoveryPolicy): RecoveryDecision => {
  if (s.sent >= 3) return { _tag: "Finished" }
  const due = outsideQuietHours(dueAt(s, p), p)
  // when it can go: its due time, or now if that has passed (later still if now is quiet)
  const sendAt = now < due ? due : outsideQuietHours(now, p)
  if (s.sent === 0 && sendAt - s.touchedAt > p.startWithinMs) return { _tag: "Finished" }
  if (sendAt > now) return { _tag: "Wait", until: sendAt }
  // 1, 2 or 3: sent is 0, 1 or 2 here
  return { _tag: "Send", step: s.sent === 0 ? 1 : s.sent === 1 ? 2 : 3 }
}
