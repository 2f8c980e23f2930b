/**
 * Delivery details a buyer gives at checkout (all optional): who receives the parcel, a phone to
 * reach them, where exactly, a landmark, notes for the rider. Frozen in the order snapshot, so they
 * never change after checkout, and shown to the rider carrying the order.
 *
 * Text is what a rider reads on a small screen: trimmed, not blank, bounded, and free of control
 * characters (C0, DEL, C1) and of the Unicode bidirectional controls that can make a line read
 * differently from what it holds. Notes alone may span lines (a newline, nothing else).
 */
import { Schema } from "effect"
import { NormalisedMsisdn } from "./phone.js"

/** C0, DEL, C1, and the bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069); the newline only when `multiline`. */
const hasControl = (s: string, multiline: boolean): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x0a && multiline) continue
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return true
  }
  return false
}

const text = (max: number, multiline: boolean) =>
  Schema.String.pipe(
    Schema.filter((s) => s.trim() === s || "no spaces around it"),
    Schema.minLength(1, { message: () => "must not be blank" }),
    Schema.maxLength(max, { message: () => `at most ${max} characters` }),
    Schema.filter((s) => !hasControl(s, multiline) || (multiline ? "no control characters (a newline is fine)" : "no control characters"))
  )

/** What the API accepts: the same rules, leading and trailing spaces trimmed first. */
const trimmed = (max: number, multiline: boolean) => Schema.compose(Schema.Trim, text(max, multiline))

export const RECIPIENT_NAME_MAX = 100
export const ADDRESS_LINE_MAX = 200
export const LANDMARK_MAX = 200
export const NOTES_MAX = 500

/** As stored in the snapshot. */
export const DeliveryDetails = Schema.Struct({
  recipientName: Schema.optional(text(RECIPIENT_NAME_MAX, false)),
  recipientPhone: Schema.optional(NormalisedMsisdn),
  addressLine: Schema.optional(text(ADDRESS_LINE_MAX, false)),
  landmark: Schema.optional(text(LANDMARK_MAX, false)),
  notes: Schema.optional(text(NOTES_MAX, true))
})
export type DeliveryDetails = typeof DeliveryDetails.Type

/** The text fields as a buyer types them (trimmed on the way in); the phone is decoded by the edge's Msisdn. */
export const deliveryText = {
  recipientName: trimmed(RECIPIENT_NAME_MAX, false),
  addressLine: trimmed(ADDRESS_LINE_MAX, false),
  landmark: trimmed(LANDMARK_MAX, false),
  notes: trimmed(NOTES_MAX, true)
}

/** Nothing given is no details at all (the snapshot then carries none). */
export const isEmptyDelivery = (d: DeliveryDetails): boolean => Object.values(d).every((v) => v === undefined)
