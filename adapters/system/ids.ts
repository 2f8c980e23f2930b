/** Ids from the operating system's CSPRNG: time-ordered prefixed ids and uniform numeric codes. */
import { randomFillSync, randomInt } from "node:crypto"
import { Effect, Layer } from "effect"
import { Ids } from "../../application/ports/ids.js"

// Crockford base32: sortable and unambiguous when read aloud over the phone.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Randomness drawn from the CSPRNG 4 KiB at a time, not one call per id (a checkout makes several):
// each id takes the next 16 bytes, never handed out twice; the pool is refilled when used up.
const POOL_BYTES = 4096
const pool = Buffer.alloc(POOL_BYTES)
let taken = POOL_BYTES

/** A ULID-style id: 10 chars of milliseconds + 16 chars of randomness, so ids sort by creation. */
export const newId = (prefix: string, now: number = Date.now()): string => {
  let time = ""
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32]! + time
  if (taken + 16 > POOL_BYTES) {
    randomFillSync(pool)
    taken = 0
  }
  let rand = ""
  for (let i = taken; i < taken + 16; i++) rand += ALPHABET[pool[i]! % 32]!
  taken += 16
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
