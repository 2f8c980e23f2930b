/**
 * Affiliate commissions: the rate a seller offers, the amount earned on an order, who earns it,
 * the commission's lifecycle, and the weekly payout batch.
 *
 * The seller's economics never depend on platform incentives, so commission is computed on the
 * seller's base price × quantity. There is deliberately no discount input anywhere here.
 */
import { Array as Arr, Either, Option, Schema } from "effect"
import { EpochMillis, StoreId, UserId } from "./ids.js"
import * as Money from "./money.js"

// ---------------------------------------------------------------------------------------------
// Rate and amount

export const MAX_COMMISSION_BPS = 5_000

/** A seller-set affiliate commission rate: whole basis points, 0 to 5000 (0–50%). */
export const CommissionRate = Schema.Number.pipe(
  Schema.filter((n) => Number.isInteger(n) && n >= 0 && n <= MAX_COMMISSION_BPS, {
    message: (issue) => `commission rate must be a whole number of basis points from 0 to ${MAX_COMMISSION_BPS} (0–50%), got ${String(issue.actual)}`
  }),
  Schema.brand("CommissionRate")
)
export type CommissionRate = typeof CommissionRate.Type

export interface CommissionLine {
  /** The seller's base price × quantity: never the discounted price. */
  readonly baseLineTotal: Money.Money
  readonly rateBps: CommissionRate
}

/** One line's commission: rate × base line total, rounded HALF_EVEN (unbiased over many orders). */
export const commissionForLine = (line: CommissionLine): Money.Money => Money.percentOf(line.baseLineTotal, line.rateBps, "HALF_EVEN")

/** Rounded per line, then summed, so each line's commission can be shown and reversed on its own. */
export const commissionForLines = (lines: ReadonlyArray<CommissionLine>, currency: Money.Currency): Money.Money =>
  Money.sum(lines.map(commissionForLine), currency)

// ---------------------------------------------------------------------------------------------
// Attribution

export interface Affiliate {
  readonly code: string
  readonly userId: UserId
  readonly active: boolean
}

/**
 * Who earns the commission on an order. The rule:
 * - no `?ref=` code, or a code that matches no affiliate: nobody;
 * - codes are matched trimmed and case-insensitively (they are typed and shared by hand); if more
 *   than one affiliate matches, nobody (ambiguity is a data error: we do not guess who to pay);
 * - an inactive affiliate earns nothing;
 * - self-referral earns nothing: the affiliate is the buyer, or one of the seller's own users
 *   (owner or staff), who would otherwise be paid a commission on their own sale.
 */
export const attribute = (input: {
  readonly refCode?: string
  readonly affiliates: ReadonlyArray<Affiliate>
  readonly buyerId: UserId
  readonly sellerOwnerIds: ReadonlyArray<UserId>
}): Option.Option<UserId> => {
  const code = input.refCode?.trim().toUpperCase() ?? ""
  if (code === "") return Option.none()
  const matches = input.affiliates.filter((a) => a.code.trim().toUpperCase() === code)
  const affiliate = matches.length === 1 ? matches[0] : undefined
  if (affiliate === undefined || !affiliate.active) return Option.none()
  if (affiliate.userId === input.buyerId || input.sellerOwnerIds.includes(affiliate.userId)) return Option.none()
  return Option.some(affiliate.userId)
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

export const CommissionState = Schema.Literal("PENDING", "APPROVED", "REJECTED", "PAID")
export type CommissionState = typeof CommissionState.Type

export const CommissionRejectionReason = Schema.Literal("ORDER_CANCELLED", "ORDER_REFUNDED", "FRAUD")
export type CommissionRejectionReason = typeof CommissionRejectionReason.Type

/**
 * The legal commission transitions, as data:
 *   PENDING  -> APPROVED   the order is COMPLETED
 *   PENDING  -> REJECTED   the order is cancelled or refunded, or fraud
 *   APPROVED -> PAID       the payout's B2C result confirmed success
 *   APPROVED -> REJECTED   fraud only: a COMPLETED order cannot be cancelled or refunded any more
 * REJECTED and PAID are final. A payout in flight stays APPROVED until Daraja confirms it, so a
 * failed B2C needs no way back from PAID; clawing back a PAID commission is a ledger adjustment.
 */
export const commissionTransitions: { readonly [S in CommissionState]: ReadonlyArray<CommissionState> } = {
  PENDING: ["APPROVED", "REJECTED"],
  APPROVED: ["PAID", "REJECTED"],
  REJECTED: [],
  PAID: []
}

/** Which rejection reasons each state accepts (data, like the table above). */
export const rejectionReasonsFrom: { readonly [S in CommissionState]: ReadonlyArray<CommissionRejectionReason> } = {
  PENDING: ["ORDER_CANCELLED", "ORDER_REFUNDED", "FRAUD"],
  APPROVED: ["FRAUD"],
  REJECTED: [],
  PAID: []
}

export class IllegalCommissionTransition extends Schema.TaggedError<IllegalCommissionTransition>()("IllegalCommissionTransition", {
  from: CommissionState,
  to: CommissionState
}) {
  readonly code = "COMMISSION.ILLEGAL_TRANSITION"
  override get message(): string {
    return `illegal commission transition: ${this.from} -> ${this.to}`
  }
}

export class InvalidCommissionRejectionReason extends Schema.TaggedError<InvalidCommissionRejectionReason>()("InvalidCommissionRejectionReason", {
  from: CommissionState,
  reason: Schema.optionalWith(CommissionRejectionReason, { exact: true })
}) {
  readonly code = "COMMISSION.INVALID_REJECTION_REASON"
  override get message(): string {
    return `a commission in ${this.from} cannot be rejected ${this.reason === undefined ? "without a reason" : `for ${this.reason}`}`
  }
}

export const canTransitionCommission = (from: CommissionState, to: CommissionState): boolean => commissionTransitions[from].includes(to)

/** Move a commission to `to`; a rejection must carry a reason its current state accepts. */
export const transitionCommission = (
  current: CommissionState,
  to: CommissionState,
  reason?: CommissionRejectionReason
): Either.Either<CommissionState, IllegalCommissionTransition | InvalidCommissionRejectionReason> => {
  if (!canTransitionCommission(current, to)) return Either.left(new IllegalCommissionTransition({ from: current, to }))
  if (to === "REJECTED" && (reason === undefined || !rejectionReasonsFrom[current].includes(reason)))
    return Either.left(new InvalidCommissionRejectionReason(reason === undefined ? { from: current } : { from: current, reason }))
  return Either.right(to)
}

// ---------------------------------------------------------------------------------------------
// Payout day and batch

/** Africa/Nairobi is UTC+3 all year (no DST), so local time is plain arithmetic on epoch millis. */
const NAIROBI_OFFSET_MS = 3 * 60 * 60 * 1000
const DAY_MS = 24 * 60 * 60 * 1000
const FRIDAY = 5 // 0 = Sunday

const nairobiDayNumber = (now: number): number => Math.floor((now + NAIROBI_OFFSET_MS) / DAY_MS)
/** Day 0 (1970-01-01) was a Thursday. */
const weekday = (day: number): number => (((day + 4) % 7) + 7) % 7

/** Civil date of a day number since 1970-01-01 (Howard Hinnant's days_from_civil, inverted). */
const isoDate = (day: number): string => {
  const z = day + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`
}

/** Payouts run on Fridays, Nairobi time. */
export const isPayoutDay = (now: EpochMillis): boolean => weekday(nairobiDayNumber(now)) === FRIDAY

/**
 * The payout week containing `now`, named by the Nairobi date of its Friday ("2026-11-20").
 * A payout week runs Saturday 00:00 to Friday 23:59:59.999 Nairobi time, so on a Friday this is
 * that day and on any other day it is the coming Friday, the batch a balance will next be in.
 * Used as the batch's idempotency key.
 */
export const payoutWeekKey = (now: EpochMillis): string => {
  const day = nairobiDayNumber(now)
  return isoDate(day + ((FRIDAY - weekday(day) + 7) % 7))
}

export const PayeeKind = Schema.Literal("SELLER", "AFFILIATE", "RIDER")
export type PayeeKind = typeof PayeeKind.Type

/** Who is paid: a seller's store, or a user (an affiliate, or a rider for shipping fees). */
export type Payee = { readonly payeeKind: "SELLER"; readonly payeeId: StoreId } | { readonly payeeKind: "AFFILIATE" | "RIDER"; readonly payeeId: UserId }

/** The payee named by kind and id (decoded: a blank id is a defect). */
export const payee = (payeeKind: PayeeKind, payeeId: string): Payee =>
  payeeKind === "SELLER" ? { payeeKind, payeeId: StoreId.make(payeeId) } : { payeeKind, payeeId: UserId.make(payeeId) }

export type PayeeBalance = Payee & {
  readonly approved: Money.Money
  /** Not paid before this instant: the payee's destination changed recently (domain/store.ts PAYOUT_HOLD_MS). */
  readonly heldUntil?: number | undefined
  /** An affiliate's: the APPROVED commissions this balance holds (read with it), which its payout carries. */
  readonly commissionIds?: ReadonlyArray<string> | undefined
  /**
   * The payee is suspended or banned (a store's KYC, an affiliate's or rider's account): nothing is
   * paid to it while so, and the balance stays owed (carried over, never forfeited).
   */
  readonly frozen?: true | undefined
  /** A store whose owner has set no payout destination yet: nowhere to send it, so it stays owed (carried over). */
  readonly noDestination?: true | undefined
}

export interface PayoutBatch {
  readonly weekKey: string
  /** Sorted by currency, payeeId, then payeeKind; one entry per payee and currency. */
  readonly payouts: ReadonlyArray<PayeeBalance>
  /** Balances below their currency's minimum (or below one whole unit), held after a change of destination, of a suspended or banned payee, or with no destination, kept for a later week; same order. */
  readonly carriedOver: ReadonlyArray<PayeeBalance>
}

export class NotPayoutDay extends Schema.TaggedError<NotPayoutDay>()("NotPayoutDay", {
  now: EpochMillis,
  nextPayoutWeekKey: Schema.String
}) {
  readonly code = "COMMISSION.NOT_PAYOUT_DAY"
  override get message(): string {
    return `payouts run on Fridays (Africa/Nairobi); the next payout day is ${this.nextPayoutWeekKey}`
  }
}

export const DEFAULT_PAYOUT_MINIMUM: Money.Money = Money.kes(1_000)

/**
 * The smallest balance paid out, per currency. KES 1,000 is the product rule; a currency with no
 * minimum here is paid whenever it holds at least one whole unit (there is no rule for it yet, and
 * no exchange rate is guessed).
 */
export const DEFAULT_PAYOUT_MINIMUMS: Partial<Record<Money.Currency, Money.Money>> = { KES: DEFAULT_PAYOUT_MINIMUM }

/**
 * The week's payouts: every payee whose approved balance in a currency is at least that currency's
 * minimum (and at least one whole unit, what a payout can send) is paid; the rest carry over. A payee is (payeeKind, payeeId): a seller and
 * an affiliate may share an id string. Several balance rows for one payee and currency are summed
 * first, so nobody is paid twice; balances in different currencies are never added (one payout per
 * payee and currency; the application makes one batch per currency). `minimum` overrides the
 * minimum of its own currency.
 */
export const selectPayoutBatch = (input: {
  readonly now: EpochMillis
  readonly balances: ReadonlyArray<PayeeBalance>
  readonly minimum?: Money.Money
  readonly minimums?: Partial<Record<Money.Currency, Money.Money>>
}): Either.Either<PayoutBatch, NotPayoutDay> => {
  const weekKey = payoutWeekKey(input.now)
  if (!isPayoutDay(input.now)) return Either.left(new NotPayoutDay({ now: input.now, nextPayoutWeekKey: weekKey }))
  const minimums: Partial<Record<Money.Currency, Money.Money>> = {
    ...(input.minimums ?? DEFAULT_PAYOUT_MINIMUMS),
    ...(input.minimum !== undefined && { [input.minimum.currency]: input.minimum })
  }

  const byPayee = new Map<string, PayeeBalance>()
  for (const b of input.balances) {
    const key = `${b.approved.currency}\u0000${b.payeeKind}\u0000${b.payeeId}`
    const seen = byPayee.get(key)
    byPayee.set(
      key,
      seen === undefined
        ? b
        : {
            ...seen,
            approved: Money.add(seen.approved, b.approved),
            heldUntil: Math.max(seen.heldUntil ?? 0, b.heldUntil ?? 0) || undefined,
            ...((seen.frozen === true || b.frozen === true) && { frozen: true as const }),
            ...((seen.noDestination === true || b.noDestination === true) && { noDestination: true as const }),
            ...((seen.commissionIds !== undefined || b.commissionIds !== undefined) && {
              commissionIds: [...(seen.commissionIds ?? []), ...(b.commissionIds ?? [])]
            })
          }
    )
  }
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0)
  const ordered = [...byPayee.values()].sort(
    (a, b) => cmp(a.approved.currency, b.approved.currency) || cmp(a.payeeId, b.payeeId) || cmp(a.payeeKind, b.payeeKind)
  )
  const [carriedOver, payouts] = Arr.partition(ordered, (b) => {
    const minimum = minimums[b.approved.currency]
    const held = (b.heldUntil !== undefined && input.now < b.heldUntil) || b.frozen === true || b.noDestination === true
    // at least one whole unit: money goes out in whole units and the rest stays owed, so a smaller
    // balance (the cents an earlier payout left) would be a payout of nothing
    const wholeUnit = b.approved.amount >= Money.minorPerMajor(b.approved.currency)
    return !held && wholeUnit && (minimum === undefined || Money.compare(b.approved, minimum) >= 0)
  })
  return Either.right({ weekKey, payouts, carriedOver })
}

/** The batch's payouts, one group per currency (sorted by currency). */
export const payoutsByCurrency = (
  payouts: ReadonlyArray<PayeeBalance>
): ReadonlyArray<{ readonly currency: Money.Currency; readonly payouts: ReadonlyArray<PayeeBalance> }> => {
  const groups = new Map<Money.Currency, Array<PayeeBalance>>()
  for (const p of payouts) groups.set(p.approved.currency, [...(groups.get(p.approved.currency) ?? []), p])
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([currency, ps]) => ({ currency, payouts: ps }))
}
