import { Either, Option, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  attribute,
  CommissionRate,
  commissionForLine,
  commissionForLines,
  commissionTransitions,
  CommissionRejectionReason,
  CommissionState,
  isPayoutDay,
  payee,
  payoutWeekKey,
  payoutsByCurrency,
  selectPayoutBatch,
  transitionCommission,
  type PayeeBalance
} from "../../domain/commission.js"
import { EpochMillis, UserId } from "../../domain/ids.js"
import * as Money from "../../domain/money.js"

const HOUR = 3_600_000
const DAY = 24 * HOUR
const at = (iso: string): EpochMillis => EpochMillis.make(Date.parse(iso))
const rate = (bps: number): CommissionRate => CommissionRate.make(bps)
const user = (id: string): UserId => UserId.make(id)

/** Reference for Nairobi (UTC+3) calendar facts, via the platform's Date on the shifted instant. */
const nairobi = (now: number) => new Date(now + 3 * HOUR)
const referenceIsFriday = (now: number): boolean => nairobi(now).getUTCDay() === 5
const referenceWeekKey = (now: number): string => {
  const d = nairobi(now)
  const ahead = (5 - d.getUTCDay() + 7) % 7
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + ahead)).toISOString().slice(0, 10)
}

/** Independent HALF_EVEN of base × bps / 10000, on BigInt. */
const manualPercentHalfEven = (base: number, bps: number): number => {
  const n = BigInt(base) * BigInt(bps)
  let q = n / 10_000n
  const twice = (n % 10_000n) * 2n
  if (twice > 10_000n || (twice === 10_000n && q % 2n === 1n)) q += 1n
  return Number(q)
}

// Small bases and round rates are mixed in so that exact half-cent ties (where rounding rules differ) occur often.
const arbLine = fc.record({
  baseLineTotal: fc.oneof(fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 0, max: 200 })).map((n) => Money.make(n, "KES")),
  rateBps: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.constantFrom(500, 1_000, 2_500, 5_000)).map(rate)
})

describe("CommissionRate", () => {
  it.each([0, 1, 1_000, 5_000])("accepts %d bps", (bps) => {
    expect(Either.isRight(Schema.decodeUnknownEither(CommissionRate)(bps))).toBe(true)
  })
  it.each([-1, 5_001, 10_000, 12.5, Number.NaN])("refuses %d bps with a message naming the bounds", (bps) => {
    const result = Schema.decodeUnknownEither(CommissionRate)(bps)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(String(result.left.message)).toContain("from 0 to 5000 (0–50%)")
  })
})

describe("commission amounts", () => {
  it.each([
    // base line total (KES minor units), rate bps, expected commission (minor units)
    { what: "KES 2,500 at 10%", base: 250_000, bps: 1_000, expected: 25_000 },
    { what: "KES 1,200 × 2 at 12.5%", base: 240_000, bps: 1_250, expected: 30_000 },
    { what: "KES 850 at 7.5%", base: 85_000, bps: 750, expected: 6_375 },
    { what: "KES 0.15 at 10%: 1.5 cents rounds to even 2", base: 15, bps: 1_000, expected: 2 },
    { what: "KES 0.25 at 10%: 2.5 cents rounds to even 2", base: 25, bps: 1_000, expected: 2 },
    { what: "KES 999 at 0%", base: 99_900, bps: 0, expected: 0 },
    { what: "KES 3,333 at 50%", base: 333_300, bps: 5_000, expected: 166_650 }
  ])("$what", ({ base, bps, expected }) => {
    expect(commissionForLine({ baseLineTotal: Money.make(base, "KES"), rateBps: rate(bps) })).toEqual(Money.make(expected, "KES"))
  })

  it("sums per-line commissions: KES 2,400 at 12.5% + KES 850 at 7.5% = KES 363.75", () => {
    const total = commissionForLines(
      [
        { baseLineTotal: Money.times(Money.kes(1_200), 2), rateBps: rate(1_250) },
        { baseLineTotal: Money.kes(850), rateBps: rate(750) }
      ],
      "KES"
    )
    expect(Money.format(total)).toBe("KES 363.75")
  })

  it("no lines earn nothing", () => {
    expect(commissionForLines([], "KES")).toEqual(Money.zero("KES"))
  })

  it("property: commission is computed on base alone (equals the manual per-line HALF_EVEN percent sum)", () => {
    fc.assert(
      fc.property(fc.array(arbLine, { maxLength: 20 }), (lines) => {
        const manual = lines.reduce((s, l) => s + manualPercentHalfEven(l.baseLineTotal.amount, l.rateBps), 0)
        expect(commissionForLines(lines, "KES")).toEqual(Money.make(manual, "KES"))
      })
    )
  })

  it("property: commission never exceeds 50% of the base (each line at most half its base, rounded half-even)", () => {
    fc.assert(
      fc.property(fc.array(arbLine, { maxLength: 20 }), (lines) => {
        const base = lines.reduce((s, l) => s + l.baseLineTotal.amount, 0)
        const commission = commissionForLines(lines, "KES").amount
        const halfEvenHalves = lines.reduce((s, l) => {
          const b = l.baseLineTotal.amount
          const half = Math.floor(b / 2)
          return s + (b % 2 === 1 && half % 2 === 1 ? half + 1 : half)
        }, 0)
        expect(commission).toBeGreaterThanOrEqual(0)
        expect(commission).toBeLessThanOrEqual(halfEvenHalves)
        // and at most half a minor unit per line above the exact 50%
        expect(2 * commission).toBeLessThanOrEqual(base + lines.length)
      })
    )
  })
})

describe("attribution", () => {
  const amina = { code: "AMINA10", userId: user("u-amina"), active: true }
  const baraka = { code: "BARAKA", userId: user("u-baraka"), active: false }
  const owner = { code: "OWNER", userId: user("u-owner"), active: true }
  const affiliates = [amina, baraka, owner]
  const base = { affiliates, buyerId: user("u-buyer"), sellerOwnerIds: [user("u-owner"), user("u-staff")] }

  it.each([
    { what: "a valid code", refCode: "AMINA10", buyerId: "u-buyer", expected: "u-amina" },
    { what: "codes match trimmed and case-insensitively", refCode: "  amina10 ", buyerId: "u-buyer", expected: "u-amina" },
    { what: "no code", refCode: undefined, buyerId: "u-buyer", expected: undefined },
    { what: "a blank code", refCode: "   ", buyerId: "u-buyer", expected: undefined },
    { what: "an unknown code", refCode: "NOPE", buyerId: "u-buyer", expected: undefined },
    { what: "an inactive affiliate", refCode: "BARAKA", buyerId: "u-buyer", expected: undefined },
    { what: "the buyer referring themself", refCode: "AMINA10", buyerId: "u-amina", expected: undefined },
    { what: "the seller's owner referring their own store", refCode: "OWNER", buyerId: "u-buyer", expected: undefined }
  ])("$what -> $expected", ({ refCode, buyerId, expected }) => {
    const input = { ...base, buyerId: user(buyerId), ...(refCode === undefined ? {} : { refCode }) }
    expect(attribute(input)).toEqual(expected === undefined ? Option.none() : Option.some(user(expected)))
  })

  it("an ambiguous code attributes nobody", () => {
    const twin = { code: "amina10", userId: user("u-twin"), active: true }
    expect(attribute({ ...base, affiliates: [amina, twin], refCode: "AMINA10" })).toEqual(Option.none())
  })

  it("property: self-referral is never attributed; an attribution is always an active affiliate whose code was given", () => {
    const ids = fc.constantFrom("u1", "u2", "u3", "u4", "u5").map(user)
    const codes = fc.constantFrom("A", "B", "C", "D")
    fc.assert(
      fc.property(
        fc.array(fc.record({ code: codes, userId: ids, active: fc.boolean() }), { maxLength: 6 }),
        fc.option(codes, { nil: undefined }),
        ids,
        fc.array(ids, { maxLength: 3 }),
        (affs, refCode, buyerId, sellerOwnerIds) => {
          const result = attribute({ affiliates: affs, buyerId, sellerOwnerIds, ...(refCode === undefined ? {} : { refCode }) })
          const candidates = affs.filter((a) => a.code === refCode)
          const expected =
            candidates.length === 1 && candidates[0]!.active && candidates[0]!.userId !== buyerId && !sellerOwnerIds.includes(candidates[0]!.userId)
              ? Option.some(candidates[0]!.userId)
              : Option.none()
          expect(result).toEqual(expected)
          if (Option.isSome(result)) {
            expect(result.value).not.toBe(buyerId)
            expect(sellerOwnerIds).not.toContain(result.value)
          }
        }
      )
    )
  })
})

describe("commission lifecycle", () => {
  it.each([
    { from: "PENDING", to: "APPROVED", reason: undefined, ok: true },
    { from: "PENDING", to: "REJECTED", reason: "ORDER_CANCELLED", ok: true },
    { from: "PENDING", to: "REJECTED", reason: undefined, ok: false },
    { from: "PENDING", to: "PAID", reason: undefined, ok: false },
    { from: "APPROVED", to: "PAID", reason: undefined, ok: true },
    { from: "APPROVED", to: "REJECTED", reason: "FRAUD", ok: true },
    { from: "APPROVED", to: "REJECTED", reason: "ORDER_REFUNDED", ok: false },
    { from: "PAID", to: "APPROVED", reason: undefined, ok: false },
    { from: "REJECTED", to: "PENDING", reason: undefined, ok: false }
  ] as const)("$from -> $to ($reason): $ok", ({ from, to, reason, ok }) => {
    const result = transitionCommission(from, to, reason)
    expect(Either.isRight(result)).toBe(ok)
  })

  it("an illegal transition names both states under a stable code", () => {
    const result = transitionCommission("PAID", "PENDING")
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.code).toBe("COMMISSION.ILLEGAL_TRANSITION")
      expect(result.left.message).toContain("PAID -> PENDING")
    }
  })

  it("property: transitionCommission only ever yields pairs in the table, and rejects after approval only for fraud", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CommissionState.literals),
        fc.constantFrom(...CommissionState.literals),
        fc.option(fc.constantFrom(...CommissionRejectionReason.literals), { nil: undefined }),
        (from, to, reason) => {
          const result = transitionCommission(from, to, reason)
          const inTable = commissionTransitions[from].includes(to)
          if (Either.isRight(result)) {
            expect(inTable).toBe(true)
            expect(result.right).toBe(to)
            if (to === "REJECTED") expect(reason).toBeDefined()
            if (from === "APPROVED" && to === "REJECTED") expect(reason).toBe("FRAUD")
          } else if (!inTable) {
            expect(result.left._tag).toBe("IllegalCommissionTransition")
          } else {
            expect(result.left.code).toBe("COMMISSION.INVALID_REJECTION_REASON")
          }
        }
      )
    )
  })
})

describe("payout day", () => {
  it.each([
    // instant (UTC), Nairobi local, payout day?, week key
    { utc: "2026-11-19T20:59:59.999Z", local: "Thu 23:59:59.999", payday: false, week: "2026-11-20" },
    { utc: "2026-11-19T21:00:00.000Z", local: "Fri 00:00", payday: true, week: "2026-11-20" },
    { utc: "2026-11-20T12:00:00.000Z", local: "Fri 15:00", payday: true, week: "2026-11-20" },
    { utc: "2026-11-20T20:59:59.999Z", local: "Fri 23:59:59.999", payday: true, week: "2026-11-20" },
    { utc: "2026-11-20T21:00:00.000Z", local: "Sat 00:00", payday: false, week: "2026-11-27" },
    { utc: "2026-12-30T09:00:00.000Z", local: "Wed 12:00", payday: false, week: "2027-01-01" },
    { utc: "2028-02-28T22:00:00.000Z", local: "Tue 29 Feb 01:00", payday: false, week: "2028-03-03" }
  ])("$utc ($local Nairobi): payday $payday, week $week", ({ utc, payday, week }) => {
    expect(isPayoutDay(at(utc))).toBe(payday)
    expect(payoutWeekKey(at(utc))).toBe(week)
  })

  const arbInstant = fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) }).map((n) => EpochMillis.make(n))

  it("property: isPayoutDay is true exactly on Nairobi Fridays", () => {
    fc.assert(
      fc.property(arbInstant, (now) => {
        expect(isPayoutDay(now)).toBe(referenceIsFriday(now))
      }),
      { numRuns: 2_000 }
    )
  })

  it("property: payoutWeekKey is the Nairobi date of the Friday on or after now", () => {
    fc.assert(
      fc.property(arbInstant, (now) => {
        expect(payoutWeekKey(now)).toBe(referenceWeekKey(now))
      }),
      { numRuns: 2_000 }
    )
  })
})

describe("payout batch", () => {
  const friday = at("2026-11-20T09:00:00Z")
  const balance = (payeeId: string, payeeKind: "SELLER" | "AFFILIATE", shillings: number): PayeeBalance => ({
    ...payee(payeeKind, payeeId),
    approved: Money.make(Math.round(shillings * 100), "KES")
  })

  it("pays KES 1,000 and above, carries the rest, sorted by payee", () => {
    const result = selectPayoutBatch({
      now: friday,
      balances: [
        balance("store-b", "SELLER", 1_000),
        balance("aff-z", "AFFILIATE", 999.99),
        balance("store-a", "SELLER", 25_400.5),
        balance("aff-y", "AFFILIATE", 600),
        balance("aff-y", "AFFILIATE", 400) // a second row for the same payee: summed to KES 1,000
      ]
    })
    expect(result).toEqual(
      Either.right({
        weekKey: "2026-11-20",
        payouts: [balance("aff-y", "AFFILIATE", 1_000), balance("store-a", "SELLER", 25_400.5), balance("store-b", "SELLER", 1_000)],
        carriedOver: [balance("aff-z", "AFFILIATE", 999.99)]
      })
    )
  })

  it("a store with no payout destination is carried over, its balance kept whole", () => {
    const nowhere: PayeeBalance = { ...balance("store-x", "SELLER", 5_000), noDestination: true }
    const result = Either.getOrThrow(selectPayoutBatch({ now: friday, balances: [nowhere, balance("store-y", "SELLER", 2_000)] }))
    expect(result.payouts.map((p) => p.payeeId)).toEqual(["store-y"])
    expect(result.carriedOver).toEqual([nowhere])
  })

  it("a seller and an affiliate sharing an id string are different payees", () => {
    const result = selectPayoutBatch({ now: friday, balances: [balance("x", "SELLER", 1_500), balance("x", "AFFILIATE", 1_500)] })
    expect(Either.getOrThrow(result).payouts.map((p) => p.payeeKind)).toEqual(["AFFILIATE", "SELLER"])
  })

  it("refuses to run on a Thursday in Nairobi, naming the next payout day", () => {
    const result = selectPayoutBatch({ now: at("2026-11-19T20:00:00Z"), balances: [balance("s", "SELLER", 5_000)] })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.code).toBe("COMMISSION.NOT_PAYOUT_DAY")
      expect(result.left.nextPayoutWeekKey).toBe("2026-11-20")
    }
  })

  it("property: the batch holds exactly the payees with approved balance >= minimum and at least one whole shilling, none twice, and loses no money", () => {
    const arbBalance = fc
      .record({
        payeeId: fc.constantFrom("a", "b", "c", "d", "e", "f"),
        payeeKind: fc.constantFrom("SELLER" as const, "AFFILIATE" as const),
        approved: fc.integer({ min: -50_000, max: 300_000 }).map((n) => Money.make(n, "KES"))
      })
      .map((b): PayeeBalance => ({ ...payee(b.payeeKind, b.payeeId), approved: b.approved }))
    const arbFriday = fc
      .integer({ min: 0, max: 5_000 })
      .chain((week) => fc.integer({ min: 0, max: DAY - 1 }).map((ms) => EpochMillis.make(Date.UTC(1970, 0, 1, 21) + week * 7 * DAY + ms)))
    fc.assert(
      fc.property(arbFriday, fc.array(arbBalance, { maxLength: 30 }), fc.integer({ min: 1, max: 200_000 }), (now, balances, min) => {
        const minimum = Money.make(min, "KES")
        const batch = Either.getOrThrow(selectPayoutBatch({ now, balances, minimum }))
        const totals = new Map<string, number>()
        for (const b of balances) {
          const key = `${b.payeeKind}:${b.payeeId}`
          totals.set(key, (totals.get(key) ?? 0) + b.approved.amount)
        }
        const expectedPaid = [...totals]
          .filter(([, amount]) => amount >= min && amount >= 100)
          .map(([key]) => key)
          .sort()
        const paidKeys = batch.payouts.map((p) => `${p.payeeKind}:${p.payeeId}`)
        expect([...paidKeys].sort()).toEqual(expectedPaid)
        expect(new Set(paidKeys).size).toBe(paidKeys.length)
        for (const p of batch.payouts) expect(p.approved.amount).toBe(totals.get(`${p.payeeKind}:${p.payeeId}`))
        const all = [...batch.payouts, ...batch.carriedOver]
        expect(all.length).toBe(totals.size)
        expect(all.reduce((s, b) => s + b.approved.amount, 0)).toBe(balances.reduce((s, b) => s + b.approved.amount, 0))
        const ids = batch.payouts.map((p) => p.payeeId)
        expect(ids).toEqual([...ids].sort())
      })
    )
  })

  it("property: balances in several currencies never fail the batch; each payee is paid once per currency, never summed across currencies, KES at its minimum", () => {
    const arbBalance = fc
      .record({
        payeeId: fc.constantFrom("a", "b", "c"),
        payeeKind: fc.constantFrom("SELLER" as const, "AFFILIATE" as const, "RIDER" as const),
        approved: fc
          .tuple(fc.integer({ min: -50_000, max: 300_000 }), fc.constantFrom("KES" as const, "TZS" as const, "UGX" as const))
          .map(([n, c]) => Money.make(n, c))
      })
      .map((b): PayeeBalance => ({ ...payee(b.payeeKind, b.payeeId), approved: b.approved }))
    fc.assert(
      fc.property(fc.array(arbBalance, { maxLength: 30 }), (balances) => {
        const batch = Either.getOrThrow(selectPayoutBatch({ now: friday, balances }))
        const totals = new Map<string, number>()
        for (const b of balances) {
          const key = `${b.approved.currency}:${b.payeeKind}:${b.payeeId}`
          totals.set(key, (totals.get(key) ?? 0) + b.approved.amount)
        }
        const keys = batch.payouts.map((p) => `${p.approved.currency}:${p.payeeKind}:${p.payeeId}`)
        expect(new Set(keys).size).toBe(keys.length)
        for (const p of batch.payouts) {
          expect(p.approved.amount).toBe(totals.get(`${p.approved.currency}:${p.payeeKind}:${p.payeeId}`))
          expect(p.approved.amount).toBeGreaterThanOrEqual(p.approved.currency === "KES" ? 1_000_00 : Money.minorPerMajor(p.approved.currency))
        }
        expect(batch.payouts.length + batch.carriedOver.length).toBe(totals.size)
        const groups = payoutsByCurrency(batch.payouts)
        expect(groups.flatMap((g) => g.payouts.map((p) => p.approved.currency === g.currency))).not.toContain(false)
        expect(groups.reduce((n, g) => n + g.payouts.length, 0)).toBe(batch.payouts.length)
      })
    )
  })

  it("property: every payout sends at least one whole unit (the cents an earlier payout left are carried over, never a payout of nothing), and nothing owed is lost", () => {
    const arbBalance = fc
      .record({
        payeeId: fc.constantFrom("a", "b", "c"),
        payeeKind: fc.constantFrom("SELLER" as const, "AFFILIATE" as const, "RIDER" as const),
        approved: fc
          .tuple(
            fc.oneof(fc.integer({ min: -300, max: 300 }), fc.integer({ min: 0, max: 300_000 })),
            fc.constantFrom("KES" as const, "TZS" as const, "UGX" as const)
          )
          .map(([n, c]) => Money.make(n, c))
      })
      .map((b): PayeeBalance => ({ ...payee(b.payeeKind, b.payeeId), approved: b.approved }))
    fc.assert(
      fc.property(fc.array(arbBalance, { maxLength: 30 }), (balances) => {
        const batch = Either.getOrThrow(selectPayoutBatch({ now: friday, balances }))
        for (const p of batch.payouts) expect(Money.toWholeUnitCharge(p.approved).charge.amount).toBeGreaterThan(0)
        const owed = (bs: ReadonlyArray<PayeeBalance>, c: string) => bs.filter((b) => b.approved.currency === c).reduce((s, b) => s + b.approved.amount, 0)
        for (const c of ["KES", "TZS", "UGX"]) expect(owed([...batch.payouts, ...batch.carriedOver], c)).toBe(owed(balances, c))
      })
    )
  })

  it("property: no batch on any day but a Nairobi Friday", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), (n) => {
        const now = EpochMillis.make(n)
        expect(Either.isRight(selectPayoutBatch({ now, balances: [] }))).toBe(referenceIsFriday(n))
      })
    )
  })
})

describe("commission: what refusals say, and the batch's overrides (mutation testing found these unpinned)", () => {
  const user = (id: string) => UserId.make(id)
  const friday = at("2026-11-20T09:00:00Z")
  const bal = (payeeId: string, amount: Money.Money): PayeeBalance => ({ ...payee("SELLER", payeeId), approved: amount })

  it("a stored code is matched trimmed and case-insensitively too; a seller's staff referring the store earns nothing", () => {
    const zawadi = { code: "  Zawadi ", userId: user("u-zawadi"), active: true }
    expect(attribute({ refCode: "ZAWADI", affiliates: [zawadi], buyerId: user("u-b"), sellerOwnerIds: [] })).toEqual(Option.some(user("u-zawadi")))
    expect(attribute({ refCode: "ZAWADI", affiliates: [zawadi], buyerId: user("u-b"), sellerOwnerIds: [user("u-owner"), user("u-zawadi")] })).toEqual(
      Option.none()
    )
  })

  it("a rejection without a reason, or with one its state does not accept, says which", () => {
    const without = transitionCommission("PENDING", "REJECTED")
    const refunded = transitionCommission("APPROVED", "REJECTED", "ORDER_REFUNDED")
    expect(Either.isLeft(without) && [without.left._tag, without.left.message, "reason" in without.left]).toEqual([
      "InvalidCommissionRejectionReason",
      "a commission in PENDING cannot be rejected without a reason",
      false
    ])
    expect(Either.isLeft(refunded) && [refunded.left.message, refunded.left.code]).toEqual([
      "a commission in APPROVED cannot be rejected for ORDER_REFUNDED",
      "COMMISSION.INVALID_REJECTION_REASON"
    ])
    const illegal = transitionCommission("REJECTED", "PAID")
    expect(Either.isLeft(illegal) && illegal.left.message).toBe("illegal commission transition: REJECTED -> PAID")
  })

  it("not a payout day: the refusal names the next Friday", () => {
    const r = selectPayoutBatch({ now: at("2026-11-21T09:00:00Z"), balances: [] })
    expect(Either.isLeft(r) && r.left.message).toBe("payouts run on Fridays (Africa/Nairobi); the next payout day is 2026-11-27")
  })

  it("a minimum passed in replaces its own currency's only; minimums replace the defaults; no minimum pays anything positive", () => {
    const balances = [bal("s1", Money.kes(600)), bal("s2", Money.make(300, "UGX")), bal("s3", Money.make(0, "UGX")), bal("s4", Money.make(-5, "UGX"))]
    const withMinimum = Either.getOrThrow(selectPayoutBatch({ now: friday, balances, minimum: Money.kes(500) }))
    expect(withMinimum.payouts.map((p) => p.payeeId)).toEqual(["s1", "s2"])
    expect(withMinimum.carriedOver.map((p) => p.payeeId)).toEqual(["s3", "s4"])
    const defaults = Either.getOrThrow(selectPayoutBatch({ now: friday, balances }))
    expect(defaults.payouts.map((p) => p.payeeId)).toEqual(["s2"])
    const own = Either.getOrThrow(selectPayoutBatch({ now: friday, balances, minimums: { UGX: Money.make(301, "UGX") } }))
    expect(own.payouts.map((p) => p.payeeId)).toEqual(["s1"])
    const exactly = Either.getOrThrow(selectPayoutBatch({ now: friday, balances: [bal("s1", Money.kes(1_000))] }))
    expect(exactly.payouts.map((p) => p.payeeId)).toEqual(["s1"])
  })

  it("payouts grouped by currency, currencies in order, payees in their given order", () => {
    const groups = payoutsByCurrency([
      bal("b", Money.make(5, "UGX")),
      bal("a", Money.kes(1_000)),
      bal("c", Money.make(7, "UGX")),
      bal("d", Money.make(9, "TZS"))
    ])
    expect(groups.map((g) => [g.currency, g.payouts.map((p) => p.payeeId)])).toEqual([
      ["KES", ["a"]],
      ["TZS", ["d"]],
      ["UGX", ["b", "c"]]
    ])
    expect(payoutsByCurrency([])).toEqual([])
  })

  it("payees sort by currency first, then id, then kind", () => {
    const r = Either.getOrThrow(
      selectPayoutBatch({ now: friday, balances: [bal("b", Money.make(5, "UGX")), bal("z", Money.kes(2_000)), bal("a", Money.make(5, "UGX"))], minimums: {} })
    )
    expect(r.payouts.map((p) => `${p.approved.currency}:${p.payeeId}`)).toEqual(["KES:z", "UGX:a", "UGX:b"])
  })
})

describe("commission: March dates and blank codes (mutation testing found these unpinned)", () => {
  it.each([
    ["2024-03-01T09:00:00Z", "2024-03-01"], // a Friday that is the 1st of March (the civil-date arithmetic turns its year on 1 March)
    ["2024-02-29T09:00:00Z", "2024-03-01"], // leap day, a Thursday
    ["1974-03-01T09:00:00Z", "1974-03-01"],
    ["2100-03-05T09:00:00Z", "2100-03-05"] // 2100 is not a leap year
  ])("the payout week of %s is named %s", (utc, week) => {
    expect(payoutWeekKey(EpochMillis.make(Date.parse(utc)))).toBe(week)
  })

  it("a blank ?ref= attributes nobody, even next to an affiliate record whose code is blank", () => {
    const blank = { code: " ", userId: UserId.make("u-blank"), active: true }
    expect(attribute({ refCode: "  ", affiliates: [blank], buyerId: UserId.make("u-b"), sellerOwnerIds: [] })).toEqual(Option.none())
    expect(attribute({ refCode: "", affiliates: [blank], buyerId: UserId.make("u-b"), sellerOwnerIds: [] })).toEqual(Option.none())
  })
})
