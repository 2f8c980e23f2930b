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
import { format } from "./money.js"
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

// ---- Plain-language insight lines, from a store's figures ----

export interface AreaTotals {
  readonly name: string
  readonly currency: Currency
  readonly ordersPlaced: number
  readonly shippingFees: number
  readonly ordersPaid: number
}
export interface ProductTotals {
  readonly title: string
  readonly currency: Currency
  readonly units: number
  readonly revenue: number
}
export interface InsightLine {
  /** stable, for clients that style or count them */
  readonly code: string
  readonly text: string
}

/** Thresholds below which a line would be noise (too few attempts to call a trend). */
export const MIN_ATTEMPTS = 5
export const MIN_AREA_ORDERS = 3

const pct = (num: number, den: number) => Math.round((100 * num) / den)
const showMoney = (amount: number, currency: Currency) => format({ amount, currency })
const sumOf = (days: ReadonlyArray<DayFigures>, k: keyof Counters) => days.reduce((s, d) => s + d[k], 0)
const gmvOf = (days: ReadonlyArray<DayFigures>, currency: Currency) =>
  days.reduce((s, d) => s + d.gmv.filter((m) => m.currency === currency).reduce((t, m) => t + m.amount, 0), 0)
const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`

/** The currency the store sold most in over the days (KES when it sold nothing). */
export const mainCurrency = (days: ReadonlyArray<DayFigures>): Currency => {
  let best: Currency = "KES"
  let bestAmount = 0
  for (const c of CURRENCY_ORDER) {
    const amount = gmvOf(days, c)
    if (amount > bestAmount) [best, bestAmount] = [c, amount]
  }
  return best
}

/**
 * What a seller should notice in their figures, most important first. Week-on-week lines compare
 * the last 7 days with the 7 before (only when the series has 14 days or more); every other line is
 * about the whole series. A line is said only when its numbers carry it (MIN_ATTEMPTS, MIN_AREA_ORDERS).
 */
export const insightLines = (input: {
  readonly series: ReadonlyArray<DayFigures>
  readonly areas: ReadonlyArray<AreaTotals>
  readonly topProducts: ReadonlyArray<ProductTotals>
  readonly openIssues: number
}): ReadonlyArray<InsightLine> => {
  const { series } = input
  const lines: Array<InsightLine> = []
  const span = `the last ${plural(series.length, "day", "days")}`
  const thisWeek = series.length >= 14 ? series.slice(-7) : undefined
  const lastWeek = series.length >= 14 ? series.slice(-14, -7) : undefined

  // Payment success, week on week (or, on a shorter series, when it is low).
  const attempts = (days: ReadonlyArray<DayFigures>) => ({
    ok: sumOf(days, "paymentsSucceeded"),
    all: sumOf(days, "paymentsSucceeded") + sumOf(days, "paymentsFailed")
  })
  if (thisWeek && lastWeek) {
    const now = attempts(thisWeek)
    const before = attempts(lastWeek)
    if (now.all >= MIN_ATTEMPTS && before.all >= MIN_ATTEMPTS) {
      const [p, q] = [pct(now.ok, now.all), pct(before.ok, before.all)]
      if (p <= q - 10) lines.push({ code: "PAYMENT_SUCCESS_FELL", text: `Payment success fell to ${p}% this week from ${q}% the week before.` })
      else if (p >= q + 10) lines.push({ code: "PAYMENT_SUCCESS_ROSE", text: `Payment success rose to ${p}% this week from ${q}% the week before.` })
    }
  } else {
    const all = attempts(series)
    if (all.all >= MIN_ATTEMPTS && pct(all.ok, all.all) < 80)
      lines.push({ code: "PAYMENT_SUCCESS_LOW", text: `Only ${pct(all.ok, all.all)}% of M-Pesa payments went through in ${span} (${all.ok} of ${all.all}).` })
  }

  // Sales, week on week, in the store's main currency.
  const currency = mainCurrency(series)
  if (thisWeek && lastWeek) {
    const [now, before] = [gmvOf(thisWeek, currency), gmvOf(lastWeek, currency)]
    if (before > 0 && now > 0) {
      const change = pct(now - before, before)
      if (Math.abs(change) >= 20)
        lines.push({
          code: change > 0 ? "SALES_UP" : "SALES_DOWN",
          text: `Sales were ${showMoney(now, currency)} this week, ${change > 0 ? "up" : "down"} ${Math.abs(change)}% from ${showMoney(before, currency)} the week before.`
        })
    } else if (before > 0 && now === 0)
      lines.push({ code: "SALES_STOPPED", text: `No paid orders this week, after ${showMoney(before, currency)} in sales the week before.` })
  }
  if (sumOf(series, "ordersPaid") === 0 && sumOf(series, "ordersPlaced") > 0)
    lines.push({ code: "NO_PAID_ORDERS", text: `${plural(sumOf(series, "ordersPlaced"), "order was", "orders were")} placed in ${span}, but none was paid.` })

  // Deadlines.
  const met = sumOf(series, "slaMet")
  const timers = met + sumOf(series, "slaBreached")
  if (timers >= MIN_ATTEMPTS && pct(met, timers) < 90)
    lines.push({
      code: "SLA_MISSED",
      text: `${met} of ${plural(timers, "dispatch and delivery deadline", "dispatch and delivery deadlines")} were met in ${span} (${pct(met, timers)}%).`
    })

  // A delivery area far dearer than the store's others, where fewer orders are paid.
  for (const area of input.areas) {
    const others = input.areas.filter((a) => a !== area && a.currency === area.currency)
    const o = others.reduce((s, a) => ({ placed: s.placed + a.ordersPlaced, fees: s.fees + a.shippingFees, paid: s.paid + a.ordersPaid }), {
      placed: 0,
      fees: 0,
      paid: 0
    })
    if (area.ordersPlaced < MIN_AREA_ORDERS || o.placed < MIN_AREA_ORDERS || o.fees === 0) continue
    // average fee at least 1.5 times the others', and conversion at least 15 points lower (integer cross-multiplication)
    const dearer = 2 * area.shippingFees * o.placed >= 3 * o.fees * area.ordersPlaced
    const convertsLess = 100 * area.ordersPaid * o.placed <= (100 * o.paid - 15 * o.placed) * area.ordersPlaced
    if (!dearer || !convertsLess) continue
    lines.push({
      code: "AREA_FEE_HURTS_CONVERSION",
      text:
        `Delivery to ${area.name} costs buyers ${showMoney(Math.round(area.shippingFees / area.ordersPlaced), area.currency)} on average, ` +
        `against ${showMoney(Math.round(o.fees / o.placed), area.currency)} to your other areas, and only ${pct(area.ordersPaid, area.ordersPlaced)}% of those orders are paid ` +
        `(${pct(o.paid, o.placed)}% elsewhere).`
    })
  }

  if (input.openIssues > 0)
    lines.push({
      code: "OPEN_ISSUES",
      text: `${plural(input.openIssues, "issue about your orders is", "issues about your orders are")} open with Amana's team.`
    })

  const top = input.topProducts[0]
  if (top !== undefined && top.units > 0)
    lines.push({ code: "TOP_PRODUCT", text: `Your best seller in ${span}: ${top.title}, ${top.units} sold for ${showMoney(top.revenue, top.currency)}.` })
  return lines
}
