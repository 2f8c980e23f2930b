/**
 * Seller success and platform insight (issue 15): daily read models per store and for the whole
 * platform, folded from outbox events. Pure.
 *
 * Each event becomes at most one fact; each fact contributes to two scopes (its store, and the
 * platform `*`) on one Nairobi day. Every figure is a sum of contributions (integer counters and
 * integer minor units), so folding facts in any order gives the same model, and a fact folded twice
 * (the same event id) changes nothing. The time from checkout to PAID is kept as one sample per
 * checkout and scope (the lower median is exact; a second order of the same checkout keeps the
 * smaller sample, which does not depend on the order either).
 */
import type { Currency, Money } from "./money.js"

export const PLATFORM_SCOPE = "*"
const NAIROBI_OFFSET_MS = 3 * 3_600_000
const DAY_MS = 86_400_000

/** The Nairobi calendar day (UTC+3 all year, no daylight saving) of an instant, as YYYY-MM-DD. */
export const nairobiDay = (ms: number): string => new Date(ms + NAIROBI_OFFSET_MS).toISOString().slice(0, 10)
/** `day` plus `n` days (n may be negative). */
export const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)

export interface PaidLine {
  readonly productId: string
  readonly quantity: number
  /** the line's merchandise after discounts, minor units of the order's currency */
  readonly amount: number
}

interface FactBase {
  /** the outbox event's id: a fact folded twice counts once */
  readonly eventId: string
  readonly at: number
}
interface StoreFact extends FactBase {
  readonly storeId: string
}

export type InsightFact =
  | (StoreFact & { readonly kind: "ORDER_PLACED"; readonly currency: Currency; readonly zoneId: string; readonly shippingFee: number })
  | (StoreFact & {
      readonly kind: "ORDER_PAID"
      readonly checkoutId: string
      readonly checkedOutAt: number
      readonly currency: Currency
      /** the order's total, what the buyer was charged for it (minor units) */
      readonly total: number
      /** paid by M-Pesa (false: paid in full by the platform's incentives, which is no payment attempt) */
      readonly byMpesa: boolean
      readonly zoneId: string
      readonly lines: ReadonlyArray<PaidLine>
    })
  | (StoreFact & { readonly kind: "PAYMENT_FAILED" })
  | (StoreFact & { readonly kind: "REFUNDED"; readonly currency: Currency; readonly amount: number })
  /** SLA timers closed in time by a dispatch or a delivery */
  | (StoreFact & { readonly kind: "SLA_MET"; readonly timers: number })
  | (StoreFact & { readonly kind: "SLA_BREACHED" })
  | (FactBase & { readonly kind: "EXCEPTION_OPENED" | "EXCEPTION_CLOSED"; readonly storeId: string | null })

export interface Counters {
  readonly ordersPlaced: number
  readonly ordersPaid: number
  readonly paymentsSucceeded: number
  readonly paymentsFailed: number
  readonly refunds: number
  readonly slaMet: number
  readonly slaBreached: number
  readonly exceptionsOpened: number
  readonly exceptionsClosed: number
}
export const COUNTERS: ReadonlyArray<keyof Counters> = [
  "ordersPlaced",
  "ordersPaid",
  "paymentsSucceeded",
  "paymentsFailed",
  "refunds",
  "slaMet",
  "slaBreached",
  "exceptionsOpened",
  "exceptionsClosed"
]
export const zeroCounters: Counters = {
  ordersPlaced: 0,
  ordersPaid: 0,
  paymentsSucceeded: 0,
  paymentsFailed: 0,
  refunds: 0,
  slaMet: 0,
  slaBreached: 0,
  exceptionsOpened: 0,
  exceptionsClosed: 0
}

/** What one fact adds to one scope's day. */
export interface Contribution {
  readonly scope: string
  readonly day: string
  readonly counters: Partial<Counters>
  readonly money: ReadonlyArray<{ readonly currency: Currency; readonly gmv: number; readonly refunded: number }>
  readonly sample?: { readonly checkoutId: string; readonly millis: number } | undefined
  readonly products: ReadonlyArray<{ readonly productId: string; readonly currency: Currency; readonly units: number; readonly revenue: number }>
  readonly areas: ReadonlyArray<{
    readonly zoneId: string
    readonly currency: Currency
    readonly ordersPlaced: number
    readonly shippingFees: number
    readonly ordersPaid: number
  }>
}

type Part = Omit<Contribution, "scope" | "day">
const part = (p: Partial<Part>): Part => ({ counters: {}, money: [], products: [], areas: [], ...p })

/** A fact's contribution, the same for the store and the platform. */
const partOf = (f: InsightFact): Part => {
  switch (f.kind) {
    case "ORDER_PLACED":
      return part({
        counters: { ordersPlaced: 1 },
        areas: [{ zoneId: f.zoneId, currency: f.currency, ordersPlaced: 1, shippingFees: f.shippingFee, ordersPaid: 0 }]
      })
    case "ORDER_PAID": {
      const products = new Map<string, { units: number; revenue: number }>()
      for (const l of f.lines) {
        const p = products.get(l.productId) ?? { units: 0, revenue: 0 }
        products.set(l.productId, { units: p.units + l.quantity, revenue: p.revenue + l.amount })
      }
      return part({
        counters: { ordersPaid: 1, ...(f.byMpesa && { paymentsSucceeded: 1 }) },
        money: [{ currency: f.currency, gmv: f.total, refunded: 0 }],
        sample: { checkoutId: f.checkoutId, millis: Math.max(0, f.at - f.checkedOutAt) },
        products: [...products].map(([productId, p]) => ({ productId, currency: f.currency, ...p })),
        areas: [{ zoneId: f.zoneId, currency: f.currency, ordersPlaced: 0, shippingFees: 0, ordersPaid: 1 }]
      })
    }
    case "PAYMENT_FAILED":
      return part({ counters: { paymentsFailed: 1 } })
    case "REFUNDED":
      return part({ counters: { refunds: 1 }, money: [{ currency: f.currency, gmv: 0, refunded: f.amount }] })
    case "SLA_MET":
      return part({ counters: { slaMet: f.timers } })
    case "SLA_BREACHED":
      return part({ counters: { slaBreached: 1 } })
    case "EXCEPTION_OPENED":
      return part({ counters: { exceptionsOpened: 1 } })
    case "EXCEPTION_CLOSED":
      return part({ counters: { exceptionsClosed: 1 } })
  }
}

/** Where a fact counts: its store (when it has one) and the platform, on its Nairobi day. */
export const contributions = (f: InsightFact): ReadonlyArray<Contribution> => {
  const day = nairobiDay(f.at)
  const p = partOf(f)
  const scopes = f.storeId === null ? [PLATFORM_SCOPE] : [f.storeId, PLATFORM_SCOPE]
  return scopes.map((scope) => ({ scope, day, ...p }))
}

/** Of two samples for one checkout and scope, the one kept: the smaller (millis, day), whichever came first. */
export const keptSample = <S extends { readonly millis: number; readonly day: string }>(a: S, b: S): S =>
  b.millis < a.millis || (b.millis === a.millis && b.day < a.day) ? b : a

// ---- The whole model, folded in memory (what the tables hold; the tests compare them) ----

export interface ReadModel {
  readonly daily: ReadonlyMap<string, Counters>
  readonly money: ReadonlyMap<string, { readonly gmv: number; readonly refunded: number }>
  readonly samples: ReadonlyMap<string, { readonly day: string; readonly millis: number }>
  readonly products: ReadonlyMap<string, { readonly units: number; readonly revenue: number }>
  readonly areas: ReadonlyMap<string, { readonly ordersPlaced: number; readonly shippingFees: number; readonly ordersPaid: number }>
}

/** Keys of the model's maps: the tables' primary keys joined by "|". */
export const key = (...parts: ReadonlyArray<string>) => parts.join("|")

const bump = <V extends object>(map: Map<string, V>, k: string, zero: V, add: Partial<V>) => {
  const cur = map.get(k) ?? zero
  const next = { ...cur } as Record<string, number>
  for (const [name, n] of Object.entries(add)) if (typeof n === "number") next[name] = (next[name] ?? 0) + n
  map.set(k, next as V)
}

/** Fold facts (any order, duplicates allowed) into the model. */
export const foldFacts = (facts: Iterable<InsightFact>): ReadModel => {
  const seen = new Set<string>()
  const daily = new Map<string, Counters>()
  const money = new Map<string, { gmv: number; refunded: number }>()
  const samples = new Map<string, { day: string; millis: number }>()
  const products = new Map<string, { units: number; revenue: number }>()
  const areas = new Map<string, { ordersPlaced: number; shippingFees: number; ordersPaid: number }>()
  for (const f of facts) {
    if (seen.has(f.eventId)) continue
    seen.add(f.eventId)
    for (const c of contributions(f)) {
      bump(daily, key(c.scope, c.day), zeroCounters, c.counters)
      for (const m of c.money) bump(money, key(c.scope, c.day, m.currency), { gmv: 0, refunded: 0 }, m)
      if (c.sample) {
        const k = key(c.scope, c.sample.checkoutId)
        const s = { day: c.day, millis: c.sample.millis }
        const cur = samples.get(k)
        samples.set(k, cur === undefined ? s : keptSample(cur, s))
      }
      for (const p of c.products) bump(products, key(c.scope, c.day, p.productId, p.currency), { units: 0, revenue: 0 }, p)
      for (const a of c.areas) bump(areas, key(c.scope, c.day, a.zoneId, a.currency), { ordersPlaced: 0, shippingFees: 0, ordersPaid: 0 }, a)
    }
  }
  return { daily, money, samples, products, areas }
}

// ---- Reading: a scope's daily series, zero-filled ----

export interface DailyRow extends Counters {
  readonly day: string
}
export interface MoneyRow {
  readonly day: string
  readonly currency: Currency
  readonly gmv: number
  readonly refunded: number
}

export interface DayFigures extends Counters {
  readonly day: string
  /** paid orders' totals per currency (none on a day without sales) */
  readonly gmv: ReadonlyArray<Money>
  readonly refunded: ReadonlyArray<Money>
  /** paymentsSucceeded / (succeeded + failed), null without attempts */
  readonly paymentSuccessRate: number | null
  /** slaMet / (met + breached), null without timers */
  readonly slaOnTimeRate: number | null
  /** the lower median of the day's checkout-to-PAID times, null without payments */
  readonly medianMillisToPaid: number | null
}

/** num / den, or null when den is 0. Rates are ratios, not money: a plain number in [0, 1]. */
export const rate = (num: number, den: number): number | null => (den === 0 ? null : num / den)

/** The lower median (PostgreSQL's percentile_disc(0.5)): the middle value, the lower of the two middles. */
export const lowerMedian = (values: ReadonlyArray<number>): number | null => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

const CURRENCY_ORDER: ReadonlyArray<Currency> = ["KES", "TZS", "UGX"]
const byCurrency = (a: Money, b: Money) => CURRENCY_ORDER.indexOf(a.currency) - CURRENCY_ORDER.indexOf(b.currency)

/** `days` consecutive days ending with `lastDay`, each filled from the rows (a day without rows is all zero). */
export const dailySeries = (
  rows: { readonly daily: ReadonlyArray<DailyRow>; readonly money: ReadonlyArray<MoneyRow>; readonly medians: ReadonlyMap<string, number> },
  lastDay: string,
  days: number
): ReadonlyArray<DayFigures> => {
  const daily = new Map(rows.daily.map((r) => [r.day, r]))
  return Array.from({ length: days }, (_, i) => {
    const day = addDays(lastDay, i - days + 1)
    const d = daily.get(day)
    const c: Counters = d === undefined ? zeroCounters : (Object.fromEntries(COUNTERS.map((k) => [k, d[k]])) as unknown as Counters)
    const money = rows.money.filter((m) => m.day === day)
    return {
      day,
      ...c,
      gmv: money
        .filter((m) => m.gmv !== 0)
        .map((m): Money => ({ amount: m.gmv, currency: m.currency }))
        .sort(byCurrency),
      refunded: money
        .filter((m) => m.refunded !== 0)
        .map((m): Money => ({ amount: m.refunded, currency: m.currency }))
        .sort(byCurrency),
      paymentSuccessRate: rate(c.paymentsSucceeded, c.paymentsSucceeded + c.paymentsFailed),
      slaOnTimeRate: rate(c.slaMet, c.slaMet + c.slaBreached),
      medianMillisToPaid: rows.medians.get(day) ?? null
    }
  })
}
