import { Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { DeliveryDetails, deliveryText, isEmptyDelivery } from "../../domain/delivery.js"
import { buildSnapshot, decodeSnapshot, encodeSnapshot } from "../../domain/snapshot.js"
import { CheckoutId, LocationId, OrderId, UserId } from "../../domain/ids.js"
import { priceCheckout } from "../../domain/pricing.js"
import { arbCheckout, NOW } from "./fixtures.js"

const stored = Schema.decodeUnknownEither(DeliveryDetails)
const typed = {
  name: Schema.decodeUnknownEither(deliveryText.recipientName),
  notes: Schema.decodeUnknownEither(deliveryText.notes)
}
const CONTROLS = [
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
  "\u007f",
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i)),
  "\u202a",
  "\u202e",
  "\u2066",
  "\u2069"
]
const plain = fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim() === s && s !== "" && !CONTROLS.some((c) => s.includes(c)))

const arbDelivery = fc.record(
  {
    recipientName: plain,
    recipientPhone: fc.integer({ min: 10_000_000, max: 99_999_999 }).map((n) => `2547${n}`),
    addressLine: plain,
    landmark: plain,
    notes: fc.array(plain, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("\n"))
  },
  { requiredKeys: [] }
)

describe("delivery details", () => {
  it("any control character (C0, DEL, C1, bidi controls) is refused in a one-line field; in notes only the newline passes", () => {
    fc.assert(
      fc.property(plain, fc.constantFrom(...CONTROLS), plain, (before, control, after) => {
        const text = `${before}${control}${after}`
        expect(Either.isLeft(typed.name(text))).toBe(true)
        expect(Either.isRight(typed.notes(text))).toBe(control === "\n")
      })
    )
  })

  it("text is trimmed on the way in, refused when blank or too long; the stored form refuses untrimmed text", () => {
    expect(typed.name("  Mama Wanjiru ")).toEqual(Either.right("Mama Wanjiru"))
    expect(Either.isLeft(typed.name("   "))).toBe(true)
    expect(Either.isLeft(typed.name("n".repeat(101)))).toBe(true)
    expect(Either.isRight(typed.name("n".repeat(100)))).toBe(true)
    expect(Either.isLeft(typed.notes("n".repeat(501)))).toBe(true)
    expect(Either.isLeft(stored({ recipientName: " Mama" }))).toBe(true)
    expect(Either.isLeft(stored({ recipientPhone: "0712345678" }))).toBe(true)
    expect(Either.isRight(stored({ recipientPhone: "254712345678" }))).toBe(true)
  })

  it("a snapshot carries the details given (none when all are empty), and encode -> decode is the identity", () => {
    fc.assert(
      fc.property(arbCheckout, arbDelivery, (input, delivery) => {
        const result = priceCheckout(input)
        if (Either.isLeft(result)) return
        for (const [i, o] of result.right.orders.entries()) {
          const s = buildSnapshot(result.right, o, {
            orderId: OrderId.make(`ord-${i + 1}`),
            checkoutId: CheckoutId.make("chk-1"),
            buyerId: UserId.make("buyer-1"),
            createdAt: NOW,
            destination: LocationId.make("KE-047-cbd"),
            platformFeeBps: 500,
            delivery: Either.getOrThrow(stored(delivery))
          })
          // (arbDelivery leaves a field out rather than setting it undefined: no keys is no details)
          expect(s.delivery).toEqual(Object.keys(delivery).length === 0 ? undefined : delivery)
          expect(Either.getOrThrow(decodeSnapshot(encodeSnapshot(s)))).toEqual(s)
        }
      }),
      { numRuns: 100 }
    )
  })

  it("only the control ranges are refused: the characters either side of each range pass (a name with an accent, an emoji, a non-breaking space)", () => {
    const around = (c: number) => `Mama${String.fromCharCode(c)}Wanjiru`
    const refused = [0x1f, 0x7f, 0x9f, 0x202a, 0x202e, 0x2066, 0x2069]
    const passing = [0x20, 0x7e, 0xa0, 0x2029, 0x202f, 0x2065, 0x206a]
    for (const c of refused) expect(Either.isLeft(typed.name(around(c))), c.toString(16)).toBe(true)
    for (const c of passing) expect(typed.name(around(c)), c.toString(16)).toEqual(Either.right(around(c)))
    for (const name of ["Zoë Achieng", "Mũthoni Wa Kĩrũkũ", "Duka la Mama 🛍️", "محمد"]) expect(typed.name(name)).toEqual(Either.right(name))
  })

  it("each refusal says what is wrong, in words a buyer can act on", () => {
    const why = (r: Either.Either<unknown, { readonly message: string }>) => (Either.isLeft(r) ? r.left.message : "accepted")
    expect(why(stored({ recipientName: " Mama" }))).toContain("no spaces around it")
    expect(why(typed.name("   "))).toContain("must not be blank")
    expect(why(typed.name("n".repeat(101)))).toContain("at most 100 characters")
    expect(why(typed.name("a\u0007b"))).toContain("no control characters")
    expect(why(typed.notes("a\u0007b"))).toContain("no control characters (a newline is fine)")
  })

  it("details with any one field given are details: only all fields left out is none", () => {
    expect(isEmptyDelivery({})).toBe(true)
    expect(isEmptyDelivery({ recipientName: undefined, landmark: undefined })).toBe(true)
    for (const given of [{ landmark: "Opposite Sarit Centre" }, { recipientName: "Mama", landmark: undefined }, { notes: "Call first" }])
      expect(isEmptyDelivery(given), JSON.stringify(given)).toBe(false)
  })
})
