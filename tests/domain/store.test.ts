/** Stores: slugs a store may take, who may do what, who may be removed, KYC details, the payout hold in the weekly batch. */
import fc from "fast-check"
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { payee, selectPayoutBatch } from "../../domain/commission.js"
import type { PayeeBalance } from "../../domain/commission.js"
import { EpochMillis } from "../../domain/ids.js"
import {
  canRemoveMember,
  KycSubmission,
  kycSubmittable,
  normaliseIdentifier,
  normaliseSlug,
  PAYOUT_HOLD_MS,
  RESERVED_SLUGS,
  roleMay,
  slugProblem
} from "../../domain/store.js"
import type { StoreCapability, StoreRole } from "../../domain/store.js"

const label = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/

describe("store slugs", () => {
  it("every accepted slug is a DNS label of 3-40 characters without '--', and not reserved", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."abcxyz019-_.A é"), maxLength: 50 }), (raw) => {
        const slug = normaliseSlug(raw)
        if (slugProblem(slug) !== undefined) return
        expect(slug).toMatch(label)
        expect(slug.length).toBeGreaterThanOrEqual(3)
        expect(slug.length).toBeLessThanOrEqual(40)
        expect(slug).not.toContain("--")
        expect(RESERVED_SLUGS.has(slug)).toBe(false)
      })
    )
  })

  it("well-formed slugs are accepted, whatever their case or surrounding spaces; reserved ones are refused as RESERVED", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9]{1,10}$/), { minLength: 1, maxLength: 4 }), (parts) => {
        const slug = parts.join("-")
        fc.pre(!RESERVED_SLUGS.has(slug) && slug.length >= 3 && slug.length <= 40)
        expect(slugProblem(normaliseSlug(`  ${slug.toUpperCase()} `))).toBeUndefined()
      })
    )
    for (const reserved of ["www", "api", "admin", "WWW", " Api "]) expect(slugProblem(normaliseSlug(reserved))).toBe("RESERVED")
    for (const bad of ["ab", "-ab", "ab-", "a--b", "a_b", "a.b", "x".repeat(41), "dükä"]) expect(slugProblem(normaliseSlug(bad)), bad).toBe("FORMAT")
  })
})

const members = fc.uniqueArray(fc.record({ userId: fc.constantFrom("u1", "u2", "u3", "u4", "u5"), role: fc.constantFrom<StoreRole>("OWNER", "STAFF") }), {
  selector: (m) => m.userId,
  maxLength: 5
})

describe("store members", () => {
  it("removing a member never leaves a store that had an owner without one", () => {
    fc.assert(
      fc.property(members, fc.constantFrom("u1", "u2", "u3", "u4", "u5"), (ms, who) => {
        if (!canRemoveMember(ms, who)) return
        const after = ms.filter((m) => m.userId !== who)
        expect(after.length).toBe(ms.length - 1)
        if (ms.some((m) => m.role === "OWNER")) expect(after.some((m) => m.role === "OWNER")).toBe(true)
      })
    )
  })

  it("a staff member can always be removed, an owner only while another owner stays, and someone who is not a member never", () => {
    fc.assert(
      fc.property(members, fc.constantFrom("u1", "u2", "u3", "u4", "u5"), (ms, who) => {
        const target = ms.find((m) => m.userId === who)
        const otherOwners = ms.filter((m) => m.role === "OWNER" && m.userId !== who).length
        const expected = target === undefined ? false : target.role === "STAFF" ? true : otherOwners > 0
        expect(canRemoveMember(ms, who)).toBe(expected)
      })
    )
    const shop = [
      { userId: "wanjiru", role: "OWNER" as const },
      { userId: "otieno", role: "STAFF" as const }
    ]
    expect(canRemoveMember(shop, "otieno")).toBe(true)
    expect(canRemoveMember(shop, "wanjiru")).toBe(false) // the last owner stays
    expect(canRemoveMember([...shop, { userId: "akinyi", role: "OWNER" }], "wanjiru")).toBe(true)
    expect(canRemoveMember(shop, "stranger")).toBe(false)
  })

  it("STAFF may manage products, stock and orders, nothing about money, staff, webhooks or KYC; an OWNER may do everything", () => {
    const all: ReadonlyArray<StoreCapability> = ["PRODUCTS", "STOCK", "ORDERS", "STATEMENT", "PAYOUT_METHOD", "STAFF", "WEBHOOKS", "KYC"]
    expect(all.filter((c) => roleMay("STAFF", c))).toEqual(["PRODUCTS", "STOCK", "ORDERS"])
    expect(all.every((c) => roleMay("OWNER", c))).toBe(true)
  })
})

describe("KYC details", () => {
  const valid = { idType: "NATIONAL_ID", idNumber: "12345678", kraPin: "A123456789B", documentIds: ["upl_1"] }
  const check = (k: unknown) => Either.isRight(Schema.validateEither(KycSubmission)(k as KycSubmission))
  it("the ID number's shape follows the document type; a KRA PIN and at least one document are required", () => {
    expect(check(valid)).toBe(true)
    expect(check({ ...valid, idType: "PASSPORT", idNumber: "AK1234567" })).toBe(true)
    expect(check({ ...valid, idType: "PASSPORT" })).toBe(false)
    expect(check({ ...valid, idNumber: "AK1234567" })).toBe(false)
    expect(check({ ...valid, kraPin: "123456789" })).toBe(false)
    expect(check({ ...valid, documentIds: [] })).toBe(false)
    expect(check({ ...valid, businessPermitNumber: "NCC/2026/1" })).toBe(true)
    expect(check({ ...valid, businessPermitNumber: "x" })).toBe(false)
  })

  it("each refusal names the rule broken", () => {
    const why = (k: unknown) => {
      const r = Schema.validateEither(KycSubmission)(k as KycSubmission)
      return Either.isLeft(r) ? r.left.message : "accepted"
    }
    expect(why({ ...valid, kraPin: "123456789" })).toContain("a KRA PIN is a letter, 9 digits and a letter (A123456789B)")
    expect(why({ ...valid, businessPermitNumber: "x" })).toContain("a business permit number is 4-30 letters, digits, '/' or '-'")
    expect(why({ ...valid, idNumber: "12" })).toContain("a national ID number is 7 or 8 digits")
    expect(why({ ...valid, idType: "PASSPORT", idNumber: "12345678" })).toContain("a passport number is one or two letters and 6 to 8 digits")
  })

  it("identifiers are stored as people mean them: spaces of any kind dropped, upper case; typed that way, a valid one passes", () => {
    expect(normaliseIdentifier(" a123 456\t789b\n")).toBe("A123456789B")
    expect(normaliseIdentifier("ak 1234567")).toBe("AK1234567")
    expect(normaliseIdentifier("ncc/2026/1")).toBe("NCC/2026/1")
    expect(check({ ...valid, kraPin: normaliseIdentifier("p 051234567 x") })).toBe(true)
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."aZ09/- \t\n"), maxLength: 30 }), (typed) => {
        const stored = normaliseIdentifier(typed)
        expect(stored).not.toMatch(/\s/)
        expect(stored).toBe(stored.toUpperCase())
        expect(stored).toBe(typed.replace(/\s/g, "").toUpperCase())
        expect(normaliseIdentifier(stored)).toBe(stored)
      })
    )
  })

  it("KYC may be (re)submitted by a new store, one waiting for review, or one rejected; never once verified, suspended or banned", () => {
    const states = ["PENDING", "VERIFIED", "REJECTED", "SUSPENDED", "BANNED"]
    expect(states.filter(kycSubmittable)).toEqual(["PENDING", "REJECTED"])
    expect(kycSubmittable("")).toBe(false)
  })
})

describe("the payout hold after a change of destination", () => {
  const FRIDAY = EpochMillis.make(Date.UTC(2026, 10, 20, 9, 0))
  const balance = fc
    .record({
      payeeId: fc.constantFrom("sto_a", "sto_b", "sto_c"),
      approved: fc.record({ amount: fc.integer({ min: 1, max: 5_000_000 }), currency: fc.constant("KES" as const) }),
      heldUntil: fc.option(fc.integer({ min: FRIDAY - 2 * PAYOUT_HOLD_MS, max: FRIDAY + 2 * PAYOUT_HOLD_MS }), { nil: undefined })
    })
    .map(({ payeeId, ...rest }): PayeeBalance => ({ ...payee("SELLER", payeeId), ...rest }))
  it("a payee held at selection time is never in the batch, only carried over; nothing is lost", () => {
    fc.assert(
      fc.property(fc.array(balance, { maxLength: 8 }), (balances: Array<PayeeBalance>) => {
        const batch = Either.getOrThrow(selectPayoutBatch({ now: FRIDAY, balances }))
        for (const p of batch.payouts) expect(p.heldUntil === undefined || p.heldUntil <= FRIDAY).toBe(true)
        const total = (bs: ReadonlyArray<PayeeBalance>) => bs.reduce((n, b) => n + b.approved.amount, 0)
        expect(total(batch.payouts) + total(batch.carriedOver)).toBe(total(balances))
      })
    )
  })
  it("a suspended or banned payee (frozen) is never in the batch, whatever it is owed; nothing it is owed is lost", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(balance, fc.boolean()), { maxLength: 8 }), (pairs) => {
        const balances = pairs.map(([b, frozen]): PayeeBalance => (frozen ? { ...b, frozen: true } : b))
        const batch = Either.getOrThrow(selectPayoutBatch({ now: FRIDAY, balances }))
        const frozenIds = new Set(balances.filter((b) => b.frozen === true).map((b) => b.payeeId))
        for (const p of batch.payouts) expect(frozenIds.has(p.payeeId)).toBe(false)
        const total = (bs: ReadonlyArray<PayeeBalance>) => bs.reduce((n, b) => n + b.approved.amount, 0)
        expect(total(batch.payouts) + total(batch.carriedOver)).toBe(total(balances))
      })
    )
    // KES 50,000 owed to a suspended store: carried over; the same balance reinstated is paid
    const owed: PayeeBalance = { ...payee("SELLER", "sto_a"), approved: { amount: 50_000_00, currency: "KES" } }
    const frozen = Either.getOrThrow(selectPayoutBatch({ now: FRIDAY, balances: [{ ...owed, frozen: true }] }))
    expect([frozen.payouts.length, frozen.carriedOver.map((b) => b.approved.amount)]).toEqual([0, [50_000_00]])
    expect(Either.getOrThrow(selectPayoutBatch({ now: FRIDAY, balances: [owed] })).payouts.map((p) => p.approved.amount)).toEqual([50_000_00])
  })
  it("the same balance is paid once the hold has passed", () => {
    const held: PayeeBalance = { ...payee("SELLER", "sto_a"), approved: { amount: 5_000_00, currency: "KES" }, heldUntil: FRIDAY + 1 }
    expect(Either.getOrThrow(selectPayoutBatch({ now: FRIDAY, balances: [held] })).payouts).toEqual([])
    expect(Either.getOrThrow(selectPayoutBatch({ now: FRIDAY, balances: [{ ...held, heldUntil: FRIDAY }] })).payouts).toHaveLength(1)
  })
})
