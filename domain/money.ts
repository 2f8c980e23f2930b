/**
 * Money: integer minor units with a currency. No floats anywhere: ratios are integer fractions
 * evaluated with BigInt and an explicit rounding rule, and splits use largest-remainder allocation
 * so the parts always sum to the whole.
 */
import { Schema } from "effect"

export const Currency = Schema.Literal("KES", "TZS", "UGX")
export type Currency = typeof Currency.Type

/** ISO 4217 minor units per major unit: KES and TZS have cents; UGX has none. */
export const minorPerMajor = (currency: Currency): number => (currency === "UGX" ? 1 : 100)

export const Money = Schema.Struct({
  amount: Schema.Int.pipe(Schema.filter((n) => Number.isSafeInteger(n), { message: () => "amount must be a safe integer of minor units" })),
  currency: Currency
})
export type Money = typeof Money.Type

/**
 * The most an amount a person enters (a price, an amount off, a cap, a minimum subtotal) may be, per
 * currency: far above what one M-Pesa charge can carry (KES 250,000), and small enough that 99 units
 * on each of 50 lines stay exact integers (2^53 / 4,950 is about 1.8 × 10^12 minor units).
 */
export const MAX_ENTERED_MINOR: Readonly<Record<Currency, number>> = { KES: 1_000_000_00, TZS: 20_000_000_00, UGX: 30_000_000 }
export const maxEntered = (currency: Currency): Money => ({ amount: MAX_ENTERED_MINOR[currency], currency })
export const withinEntered = (m: Money): boolean => m.amount <= MAX_ENTERED_MINOR[m.currency]

/** A broken money invariant (mixed currencies, overflow) is a programming error, not a business outcome. */
export class MoneyInvariantError extends Error {
  override readonly name = "MoneyInvariantError"
}

const checked = (amount: number, currency: Currency): Money => {
  if (!Number.isSafeInteger(amount)) throw new MoneyInvariantError(`not a safe integer of minor units: ${amount}`)
  return { amount, currency }
}

export const make = (amount: number, currency: Currency): Money => checked(amount, currency)
export const zero = (currency: Currency): Money => ({ amount: 0, currency })
/** Whole major units (shillings) to Money: kes(150) is KES 150.00. */
export const major = (units: number, currency: Currency): Money => checked(units * minorPerMajor(currency), currency)
export const kes = (shillings: number): Money => major(shillings, "KES")

const same = (a: Money, b: Money): Currency => {
  if (a.currency !== b.currency) throw new MoneyInvariantError(`currency mismatch: ${a.currency} vs ${b.currency}`)
  return a.currency
}

export const add = (a: Money, b: Money): Money => checked(a.amount + b.amount, same(a, b))
export const subtract = (a: Money, b: Money): Money => checked(a.amount - b.amount, same(a, b))
export const negate = (a: Money): Money => checked(-a.amount || 0, a.currency)
export const sum = (items: ReadonlyArray<Money>, currency: Currency): Money => {
  let total = 0
  for (const m of items) {
    if (m.currency !== currency) throw new MoneyInvariantError(`currency mismatch: ${m.currency} vs ${currency}`)
    total += m.amount
  }
  return checked(total, currency)
}
export const times = (a: Money, quantity: number): Money => {
  if (!Number.isSafeInteger(quantity)) throw new MoneyInvariantError(`quantity must be an integer: ${quantity}`)
  return checked(a.amount * quantity, a.currency)
}
export const min = (a: Money, b: Money): Money => (same(a, b) && a.amount <= b.amount ? a : b)
export const max = (a: Money, b: Money): Money => (same(a, b) && a.amount >= b.amount ? a : b)
export const compare = (a: Money, b: Money): -1 | 0 | 1 => {
  same(a, b)
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0
}
export const equals = (a: Money, b: Money): boolean => a.currency === b.currency && a.amount === b.amount
export const isZero = (a: Money): boolean => a.amount === 0
export const isNegative = (a: Money): boolean => a.amount < 0
/** Clamp into [0, ceiling]. */
export const clamp = (a: Money, ceiling: Money): Money => max(zero(a.currency), min(a, ceiling))

/**
 * Rounding rules for a ratio that does not divide exactly.
 * HALF_EVEN (banker's) is the default for fees and commissions: unbiased over many orders.
 * DOWN truncates toward zero (used where the platform must never over-charge).
 */
export type Rounding = "HALF_EVEN" | "HALF_UP" | "DOWN" | "UP"

/** round(n / d) for integers (d > 0) under the given rule, exactly, in BigInt. */
export const divideRounded = (n: bigint, d: bigint, rounding: Rounding): bigint => {
  if (d <= 0n) throw new MoneyInvariantError("divisor must be positive")
  const negative = n < 0n
  const abs = negative ? -n : n
  let q = abs / d
  const r = abs % d
  if (r !== 0n && roundsAway(rounding, q, r * 2n, d)) q += 1n
  return negative ? -q : q
}

/** Does a quotient q with twice-remainder `twice` (over divisor d) move one unit away from zero? */
const roundsAway = (rounding: Rounding, q: bigint, twice: bigint, d: bigint): boolean => {
  switch (rounding) {
    case "DOWN":
      return false
    case "UP":
      return true
    case "HALF_UP":
      return twice >= d
    case "HALF_EVEN":
      return twice > d || (twice === d && q % 2n === 1n)
    default:
      throw new MoneyInvariantError(`unknown rounding rule: ${String(rounding)}`)
  }
}

/** a × numerator / denominator, rounded by the rule. */
export const multiplyByRatio = (a: Money, numerator: number, denominator: number, rounding: Rounding = "HALF_EVEN"): Money => {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0)
    throw new MoneyInvariantError(`ratio must be integer/positive integer: ${numerator}/${denominator}`)
  const v = divideRounded(BigInt(a.amount) * BigInt(numerator), BigInt(denominator), rounding)
  return checked(Number(v), a.currency)
}

/** Rates are integer basis points: 1250 bps = 12.5%. */
export const BasisPoints = Schema.Int.pipe(Schema.between(0, 10_000), Schema.brand("BasisPoints"))
export type BasisPoints = typeof BasisPoints.Type
export const bps = (n: number): BasisPoints => BasisPoints.make(n)
export const percentOf = (a: Money, rate: number, rounding: Rounding = "HALF_EVEN"): Money => multiplyByRatio(a, rate, 10_000, rounding)

/**
 * Largest-remainder allocation of an integer: split `total` in proportion to non-negative integer
 * `weights`. Every part gets floor(total × w / W); the leftover units go one each to the largest
 * remainders, ties to the earlier index. Parts sum to `total` exactly. All-zero weights split evenly.
 */
export const allocateInteger = (total: number, weights: ReadonlyArray<number>): Array<number> => {
  if (!Number.isSafeInteger(total)) throw new MoneyInvariantError(`cannot allocate a non-integer: ${total}`)
  if (weights.length === 0) {
    if (total !== 0) throw new MoneyInvariantError("cannot allocate a non-zero amount over no parts")
    return []
  }
  for (const w of weights) if (!Number.isSafeInteger(w) || w < 0) throw new MoneyInvariantError(`weights must be non-negative integers: ${w}`)
  const ws = weights.every((w) => w === 0) ? weights.map(() => 1n) : weights.map(BigInt)
  const sign = total < 0 ? -1n : 1n
  const abs = BigInt(Math.abs(total))
  const W = ws.reduce((s, w) => s + w, 0n)
  const parts = ws.map((w) => (abs * w) / W)
  const remainders = ws.map((w, i) => ({ i, r: (abs * w) % W }))
  let leftover = abs - parts.reduce((s, p) => s + p, 0n)
  remainders.sort((x, y) => (x.r === y.r ? x.i - y.i : x.r > y.r ? -1 : 1))
  for (let k = 0; leftover > 0n; k++, leftover--) parts[remainders[k]!.i]! += 1n
  return parts.map((p) => Number(p * sign) || 0)
}

/**
 * Largest-remainder allocation under ceilings: like allocateInteger, but no part exceeds its cap;
 * what a full part cannot take goes to the others, by their weights. Parts sum to
 * min(total, sum of caps): whatever fits nowhere is left unallocated.
 */
export const allocateIntegerWithin = (total: number, weights: ReadonlyArray<number>, caps: ReadonlyArray<number>): Array<number> => {
  if (!Number.isSafeInteger(total) || total < 0) throw new MoneyInvariantError(`cannot allocate a negative or non-integer amount: ${total}`)
  if (caps.length !== weights.length) throw new MoneyInvariantError("one cap per weight")
  const parts = weights.map(() => 0)
  let left = Math.min(
    total,
    caps.reduce((s, c) => s + Math.max(0, c), 0)
  )
  while (left > 0) {
    const open = parts.flatMap((p, i) => (p < caps[i]! ? [i] : []))
    const shares = allocateInteger(
      left,
      open.map((i) => weights[i]!)
    )
    left = 0
    open.forEach((i, k) => {
      const take = Math.min(shares[k]!, caps[i]! - parts[i]!)
      parts[i]! += take
      left += shares[k]! - take
    })
  }
  return parts
}

/** Largest-remainder allocation of money (see allocateInteger): parts sum to `total` exactly. */
export const allocate = (total: Money, weights: ReadonlyArray<number>): Array<Money> =>
  allocateInteger(total.amount, weights).map((n) => checked(n, total.currency))

/**
 * M-Pesa charges whole shillings. The buyer is asked for exactly what is charged: the amount
 * rounded DOWN to a whole major unit, and the shortfall (0 to 99 cents) is made explicit so the
 * platform can absorb it as a ledger entry. charge + roundingAbsorbed === amount, always.
 */
export interface WholeUnitCharge {
  readonly charge: Money
  readonly roundingAbsorbed: Money
}
export const toWholeUnitCharge = (amount: Money): WholeUnitCharge => {
  if (amount.amount < 0) throw new MoneyInvariantError("cannot charge a negative amount")
  const unit = minorPerMajor(amount.currency)
  const charge = checked(amount.amount - (amount.amount % unit), amount.currency)
  return { charge, roundingAbsorbed: subtract(amount, charge) }
}

/**
 * One whole-unit charge for several parts (the orders of a checkout), and each part's share of it in
 * whole units. The charge is the sum rounded DOWN (toWholeUnitCharge). Each share is its part rounded
 * down, and the units left over go one each to the parts with the largest sub-unit rests (ties to the
 * earlier index): the shares sum to the charge and each is within one unit of its part, so refunding
 * every part by its share returns exactly what was charged.
 */
export interface WholeUnitShares extends WholeUnitCharge {
  readonly shares: ReadonlyArray<Money>
}
export const toWholeUnitShares = (parts: ReadonlyArray<Money>, currency: Currency): WholeUnitShares => {
  const { charge, roundingAbsorbed } = toWholeUnitCharge(sum(parts, currency))
  const unit = minorPerMajor(currency)
  const floors = parts.map((p) => p.amount - (p.amount % unit))
  let leftover = (charge.amount - floors.reduce((s, f) => s + f, 0)) / unit
  const byRest = parts.map((p, i) => ({ i, rest: p.amount % unit })).sort((x, y) => y.rest - x.rest || x.i - y.i)
  for (let k = 0; leftover > 0; k++, leftover--) floors[byRest[k]!.i]! += unit
  return { charge, roundingAbsorbed, shares: floors.map((f) => checked(f, currency)) }
}

/** Whole major units of a whole-unit amount (what is sent to Daraja as `Amount`). */
export const toWholeUnits = (amount: Money): number => {
  const unit = minorPerMajor(amount.currency)
  if (amount.amount % unit !== 0) throw new MoneyInvariantError(`not a whole ${amount.currency} amount: ${amount.amount}`)
  return amount.amount / unit
}

export const format = (m: Money): string => {
  const unit = minorPerMajor(m.currency)
  const abs = Math.abs(m.amount)
  const whole = Math.floor(abs / unit).toLocaleString("en-US")
  const frac = unit === 1 ? "" : "." + String(abs % unit).padStart(2, "0")
  return `${m.amount < 0 ? "-" : ""}${m.currency} ${whole}${frac}`
}
