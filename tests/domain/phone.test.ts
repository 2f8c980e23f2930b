import { Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Phone from "../../domain/phone.js"

const normalised = (input: string) => Either.getOrThrow(Phone.normalise(input))

describe("phone: worked examples", () => {
  it.each([
    ["0708374149", "254708374149"],
    ["0110 123 456", "254110123456"],
    ["0708-374-149", "254708374149"],
    ["+254708374149", "254708374149"],
    ["+254 708 374 149", "254708374149"],
    ["+254-110-123-456", "254110123456"],
    ["254708374149", "254708374149"],
    ["254 110 123456", "254110123456"],
    ["  0708374149  ", "254708374149"]
  ])("%s is stored as %s", (input, stored) => {
    expect(normalised(input)).toBe(stored)
  })

  it.each([
    ["", "empty"],
    ["0808374149", "not a mobile prefix (08)"],
    ["070837414", "one digit short"],
    ["07083741490", "one digit long"],
    ["708374149", "no leading 0 or country code"],
    ["+0708374149", "plus before a local number"],
    ["+255708374149", "Tanzania, not Kenya"],
    ["2540708374149", "country code and the local 0 together"],
    ["+254 (708) 374149", "brackets"],
    ["07o8374149", "a letter o for a zero"],
    ["0708374149-", "trailing dash"],
    ["-0708374149", "leading dash"],
    ["++254708374149", "two plus signs"],
    ["0708.374.149", "dots"]
  ])("%s is refused (%s) with PHONE.INVALID naming the accepted forms", (input) => {
    const result = Phone.normalise(input)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.code).toBe("PHONE.INVALID")
      expect(result.left._tag).toBe("InvalidPhone")
      expect(result.left.message).toContain("07XXXXXXXX, 01XXXXXXXX, +2547XXXXXXXX, +2541XXXXXXXX, 2547XXXXXXXX or 2541XXXXXXXX")
    }
  })

  it("the Msisdn schema decodes any accepted form at the boundary and explains a refusal", () => {
    const decode = Schema.decodeUnknownEither(Phone.Msisdn)
    expect(decode("+254 708 374 149")).toEqual(Either.right("254708374149"))
    const refused = decode("12345")
    expect(Either.isLeft(refused)).toBe(true)
    if (Either.isLeft(refused)) expect(refused.left.message).toContain("PHONE.INVALID")
    expect(Either.isLeft(decode(254708374149))).toBe(true)
  })
})

// A subscriber number: 7 or 1 then eight digits.
const subscriber = fc.tuple(fc.constantFrom("7", "1"), fc.stringMatching(/^\d{8}$/)).map(([p, rest]) => `${p}${rest}`)
const separator = fc.constantFrom("", " ", "-", "  ", " - ")
// Sprinkle separators between the digits of `digits`.
const spaced = (digits: string) =>
  fc.array(separator, { minLength: digits.length - 1, maxLength: digits.length - 1 }).map((seps) => [...digits].map((d, i) => d + (seps[i] ?? "")).join(""))
const acceptedForms = (sub: string) => fc.tuple(spaced(`0${sub}`), spaced(`254${sub}`)).map(([localForm, intl]) => [localForm, intl, `+${intl}`])

describe("phone: properties", () => {
  it("every accepted form of the same number normalises to the same value, 254 + subscriber", () => {
    fc.assert(
      fc.property(
        subscriber.chain((sub) => acceptedForms(sub).map((forms) => ({ sub, forms }))),
        ({ sub, forms }) => {
          for (const form of forms) expect(normalised(form)).toBe(`254${sub}`)
        }
      )
    )
  })

  it("a normalised value round-trips: normalising it again changes nothing, and it encodes as itself", () => {
    fc.assert(
      fc.property(subscriber, (sub) => {
        const once = normalised(`0${sub}`)
        expect(normalised(once)).toBe(once)
        expect(Phone.isNormalised(once)).toBe(true)
        expect(Schema.encodeSync(Phone.Msisdn)(once)).toBe(once)
        expect(Schema.decodeSync(Phone.Msisdn)(Schema.encodeSync(Phone.Msisdn)(once))).toBe(once)
      })
    )
  })

  it("random junk is refused: anything normalise accepts has exactly the digits of an accepted form", () => {
    const junk = fc.oneof(fc.string(), fc.stringMatching(/^[+\d -]{0,16}$/), fc.stringMatching(/^\d{1,15}$/))
    fc.assert(
      fc.property(junk, (input) => {
        const result = Phone.normalise(input)
        const digits = input.trim().replace(/[ -]/g, "")
        const acceptable = /^(?:0[17]\d{8}|\+?254[17]\d{8})$/.test(digits) && /^\+?\d(?:[ -]*\d)*$/.test(input.trim())
        expect(Either.isRight(result)).toBe(acceptable)
        if (Either.isLeft(result)) expect(result.left.code).toBe("PHONE.INVALID")
      })
    )
  })

  it("a number with a wrong prefix or length is refused in every form", () => {
    const wrong = fc.oneof(
      fc.tuple(fc.constantFrom("0", "2", "3", "4", "5", "6", "8", "9"), fc.stringMatching(/^\d{8}$/)).map(([p, r]) => p + r),
      fc.tuple(fc.constantFrom("7", "1"), fc.oneof(fc.stringMatching(/^\d{0,7}$/), fc.stringMatching(/^\d{9,12}$/))).map(([p, r]) => p + r)
    )
    fc.assert(
      fc.property(wrong, (sub) => {
        for (const form of [`0${sub}`, `254${sub}`, `+254${sub}`]) expect(Either.isLeft(Phone.normalise(form))).toBe(true)
      })
    )
  })
})

describe("phone: the stored form (mutation testing found this unpinned)", () => {
  it("a value that is not in the stored form is refused with the form it should have", () => {
    const r = Schema.decodeUnknownEither(Phone.NormalisedMsisdn)("0708374149")
    expect(Either.isLeft(r) && r.left.message).toContain("expected a normalised Kenyan mobile number: 2547XXXXXXXX or 2541XXXXXXXX")
    expect(Schema.decodeUnknownEither(Phone.NormalisedMsisdn)("254708374149")).toEqual(Either.right("254708374149"))
  })
})
