/**
 * PasswordHasher with scrypt (memory-hard; node:crypto, no native build). Stored as
 * `scrypt$N$r$p$salt$hash` (base64) so the cost can be raised later without breaking old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { Effect, Layer } from "effect"
import { PasswordHasher } from "../application/admin/admin.port.js"

// N = 2^15, r = 8: 32 MiB and roughly 50-100 ms per hash on a server core.
const COST = { N: 32_768, r: 8, p: 1 }
const KEY_LENGTH = 64

const derive = (password: string, salt: Buffer, N: number, r: number, p: number, length: number) =>
  new Promise<Buffer>((ok, fail) =>
    scrypt(password.normalize("NFKC"), salt, length, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? fail(err) : ok(key)))
  )

export const hashPassword = async (password: string): Promise<string> => {
  const salt = randomBytes(16)
  const key = await derive(password, salt, COST.N, COST.r, COST.p, KEY_LENGTH)
  return ["scrypt", COST.N, COST.r, COST.p, salt.toString("base64"), key.toString("base64")].join("$")
}

export const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
  const [scheme, n, r, p, salt, hash] = stored.split("$")
  if (scheme !== "scrypt" || !n || !r || !p || salt === undefined || hash === undefined) return false
  const expected = Buffer.from(hash, "base64")
  if (expected.length === 0) return false
  const key = await derive(password, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p), expected.length)
  return timingSafeEqual(key, expected)
}

export const ScryptPasswordHasherLive = Layer.succeed(PasswordHasher, {
  hash: (password) => Effect.promise(() => hashPassword(password)),
  verify: (password, stored) => Effect.promise(() => verifyPassword(password, stored).catch(() => false))
})
