/**
 * SecretBox: AES-256-GCM under a key derived (SHA-256) from TOKEN_SEAL_KEY (held to secrets.ts'
 * rule; a development stand-in outside a world-facing deployment), with what the secret belongs to
 * (a store id) as associated data: a sealed token copied onto another store's row does not open.
 * Sealed form: `v1:` + base64(12-byte nonce | 16-byte tag | ciphertext). The database holds only
 * that; rotating the key makes every sealed token unreadable (the sync then fails and the owner
 * connects again).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto"
import { Effect, Layer, Redacted } from "effect"
import { SecretBox, SecretUnreadable } from "../../application/meta-catalogue/meta-catalogue.port.js"
import { requiredSecret } from "./secrets.js"

export const TokenSealKeyConfig = requiredSecret("TOKEN_SEAL_KEY", () => "amana-dev-token-seal-key")

export const makeSecretBox = (secret: Redacted.Redacted<string>) => {
  const key = createHash("sha256").update(Redacted.value(secret)).digest()
  return SecretBox.of({
    seal: (value, boundTo) =>
      Effect.sync(() => {
        const nonce = randomBytes(12)
        const cipher = createCipheriv("aes-256-gcm", key, nonce)
        cipher.setAAD(Buffer.from(boundTo, "utf8"))
        const body = Buffer.concat([cipher.update(Redacted.value(value), "utf8"), cipher.final()])
        return `v1:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString("base64")}`
      }),
    open: (sealed, boundTo) =>
      Effect.try({
        try: () => {
          if (!sealed.startsWith("v1:")) throw new Error("unknown format")
          const raw = Buffer.from(sealed.slice(3), "base64")
          if (raw.length < 29) throw new Error("too short")
          const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12))
          decipher.setAAD(Buffer.from(boundTo, "utf8"))
          decipher.setAuthTag(raw.subarray(12, 28))
          return Redacted.make(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8"))
        },
        catch: () =>
          new SecretUnreadable({ detail: "a sealed secret does not open under TOKEN_SEAL_KEY (rotated key, or sealed for something else): connect again" })
      })
  })
}

export const SecretBoxFromEnv = Layer.effect(SecretBox, Effect.map(TokenSealKeyConfig, makeSecretBox))
