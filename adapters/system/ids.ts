/** Ids from the operating system's CSPRNG: time-ordered prefixed ids and uniform numeric codes. */
import { randomBytes, randomInt } from "node:crypto"
import { Effect, Layer } from "effect"
import { Ids } from "../../application/ports/ids.js"

// Crockford base32: sortable and unambiguous when read aloud over the phone.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

/** A ULID-style id: 10 chars of milliseconds + 16 chars of randomness, so ids sort by creation. */
export const newId = (prefix: string, now: number = Date.now()): string => {
  let time = ""
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32]! + time
  const bytes = randomBytes(16)
  let rand = ""
  for (const b of bytes) rand += ALPHABET[b % 32]!
  return `${prefix}_${time}${rand}`.toLowerCase()
}

export const newCode = (digits: number): string => {
  let code = ""
  for (let i = 0; i < digits; i++) code += String(randomInt(10))
  return code
}

export const IdsLive = Layer.succeed(Ids, {
  next: (prefix) => Effect.sync(() => newId(prefix)),
  code: (digits) => Effect.sync(() => newCode(digits))
})
