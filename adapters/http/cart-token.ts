/**
 * Guest cart tokens: `<random guest token>.<HMAC-SHA256 tag>`. The signature lets the API refuse a
 * made-up token without a database read; the random part alone is what the carts table stores.
 */
import { createHmac, timingSafeEqual } from "node:crypto"

const tag = (secret: string, token: string) => createHmac("sha256", secret).update(`cart:${token}`).digest("base64url").slice(0, 32)

export const signCartToken = (secret: string, guestToken: string) => `${guestToken}.${tag(secret, guestToken)}`

/** The guest token inside a signed cart token, or undefined when the signature does not verify. */
export const verifyCartToken = (secret: string, signed: string): string | undefined => {
  const dot = signed.lastIndexOf(".")
  if (dot <= 0 || signed.length > 200) return undefined
  const token = signed.slice(0, dot)
  const given = Buffer.from(signed.slice(dot + 1))
  const expected = Buffer.from(tag(secret, token))
  return given.length === expected.length && timingSafeEqual(given, expected) ? token : undefined
}
