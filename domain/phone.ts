/**
 * Kenyan mobile numbers (MSISDNs). People type them many ways; we store one: 2547XXXXXXXX or
 * 2541XXXXXXXX (country code, no plus), the form M-Pesa and WhatsApp both use.
 *
 * Accepted input (spaces and dashes allowed between digits, surrounding whitespace ignored):
 *   07XXXXXXXX, 01XXXXXXXX, +2547XXXXXXXX, +2541XXXXXXXX, 2547XXXXXXXX, 2541XXXXXXXX.
 * Anything else is refused with PHONE.INVALID; we never guess (a wrong guess sends a login code or
 * an M-Pesa prompt to a stranger).
 */
import { Either, ParseResult, Schema } from "effect"

/** The stored form. Decoding this schema only checks; use `Msisdn` to normalise input. */
export const NormalisedMsisdn = Schema.String.pipe(
  Schema.pattern(/^254[17]\d{8}$/, { message: () => "expected a normalised Kenyan mobile number: 2547XXXXXXXX or 2541XXXXXXXX" }),
  Schema.brand("Msisdn")
)
export type Msisdn = typeof NormalisedMsisdn.Type

export const ACCEPTED_FORMS = "07XXXXXXXX, 01XXXXXXXX, +2547XXXXXXXX, +2541XXXXXXXX, 2547XXXXXXXX or 2541XXXXXXXX"
const invalidMessage = `not a Kenyan mobile number; use ${ACCEPTED_FORMS} (spaces and dashes are fine)`

export class InvalidPhone extends Schema.TaggedError<InvalidPhone>()("InvalidPhone", {
  input: Schema.String
}) {
  readonly code = "PHONE.INVALID"
  // The input stays a field, not part of the message: phone numbers are personal data and messages get logged.
  override get message() {
    return `The phone number is ${invalidMessage}.`
  }
}

// One optional "+", then digits with single spaces or dashes between them.
const shape = /^\+?\d(?:[ -]*\d)*$/
const local = /^0([17]\d{8})$/
const international = /^254([17]\d{8})$/

/** Normalise any accepted form to 2547XXXXXXXX / 2541XXXXXXXX, or refuse with PHONE.INVALID. */
export const normalise = (input: string): Either.Either<Msisdn, InvalidPhone> => {
  const trimmed = input.trim()
  if (!shape.test(trimmed)) return Either.left(new InvalidPhone({ input }))
  const plus = trimmed.startsWith("+")
  const digits = trimmed.replace(/[+ -]/g, "")
  const subscriber = plus ? international.exec(digits)?.[1] : (local.exec(digits) ?? international.exec(digits))?.[1]
  return subscriber === undefined ? Either.left(new InvalidPhone({ input })) : Either.right(NormalisedMsisdn.make(`254${subscriber}`))
}

export const isNormalised = Schema.is(NormalisedMsisdn)

/**
 * The API-boundary schema: decodes any accepted form to the normalised, branded Msisdn and encodes
 * it back as stored. A refusal carries the human message naming the accepted forms.
 */
export const Msisdn = Schema.transformOrFail(Schema.String, NormalisedMsisdn, {
  strict: true,
  decode: (input, _options, ast) =>
    Either.match(normalise(input), {
      onLeft: () => ParseResult.fail(new ParseResult.Type(ast, input, `PHONE.INVALID: ${invalidMessage}`)),
      onRight: ParseResult.succeed
    }),
  encode: ParseResult.succeed
}).annotations({ identifier: "Msisdn", description: `A Kenyan mobile number: ${ACCEPTED_FORMS}` })
