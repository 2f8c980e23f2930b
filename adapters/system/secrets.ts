/**
 * Secrets from the environment, read through Effect Config as Redacted (never printed), each by the
 * adapter that owns it. One rule for all of them:
 *
 * - a secret that is set but empty is always refused (an HMAC with the empty key verifies anything
 *   anyone signs with it);
 * - in a deployment that faces the world (NODE_ENV=production or MPESA_ENV=production) a secret must
 *   be set, at least MIN_SECRET_LENGTH characters, and not a well-known value;
 * - elsewhere (the simulator, the sandbox, tests) an unset required secret gets its development
 *   stand-in.
 *
 * A refusal is a ConfigError naming the variable; start-up fails with it.
 */
import { timingSafeEqual } from "node:crypto"
import { Config, ConfigError, Either, Option, Redacted } from "effect"

export const MIN_SECRET_LENGTH = 32

// Our own development stand-ins, and what people type when told "set a secret".
const WELL_KNOWN = [
  "dev-callback-secret",
  "amana-dev-handover-key",
  "amana-dev-audit-anchor-key",
  "amana-dev-token-seal-key",
  "secret",
  "changeme",
  "change-me",
  "password",
  "default",
  "example",
  "test",
  "development",
  "amana",
  "mpesa",
  "whatsapp"
]

/** Is this a value an attacker would try first? (repeats of a well-known word or of one short pattern count too) */
export const isWellKnownSecret = (value: string): boolean => {
  const v = value.trim().toLowerCase()
  if (/^(.{1,4})\1+$/.test(v)) return true // "aaaa…", "abab…", "12341234…"
  const stripped = v.replace(/[^a-z0-9]/g, "")
  return WELL_KNOWN.some((w) => {
    const word = w.replace(/[^a-z0-9]/g, "")
    return stripped === word || (stripped.length > 0 && stripped.replaceAll(word, "").replace(/\d/g, "") === "")
  })
}

/** Why this value is not good enough for a world-facing deployment (undefined: it is). */
export const secretWeakness = (name: string, value: string): string | undefined => {
  if (value.trim() === "") return `${name} is set but empty`
  if (value.length < MIN_SECRET_LENGTH) return `${name} is too short: use at least ${MIN_SECRET_LENGTH} random characters (e.g. openssl rand -hex 32)`
  if (isWellKnownSecret(value)) return `${name} is a well-known value: use a random one (e.g. openssl rand -hex 32)`
  return undefined
}

/** NODE_ENV=production or MPESA_ENV=production: secrets must be strong. */
export const worldFacing: Config.Config<boolean> = Config.all({
  node: Config.string("NODE_ENV").pipe(Config.withDefault("development")),
  mpesa: Config.string("MPESA_ENV").pipe(Config.withDefault("simulator"))
}).pipe(Config.map(({ node, mpesa }) => node === "production" || mpesa === "production"))

const judged = (name: string, strict: boolean, value: Redacted.Redacted<string>): Either.Either<Redacted.Redacted<string>, ConfigError.ConfigError> => {
  const raw = Redacted.value(value)
  const weakness = raw.trim() === "" ? `${name} is set but empty: unset it or give it a value` : strict ? secretWeakness(name, raw) : undefined
  return weakness === undefined ? Either.right(value) : Either.left(ConfigError.InvalidData([name], weakness))
}

/**
 * A secret the platform cannot run without. `development` makes the stand-in used outside a
 * world-facing deployment when it is unset; without it the secret is required everywhere.
 */
export const requiredSecret = (name: string, development?: () => string): Config.Config<Redacted.Redacted<string>> =>
  Config.all({ strict: worldFacing, value: Config.option(Config.redacted(name)) }).pipe(
    Config.mapOrFail(({ strict, value }) =>
      Option.match(value, {
        onSome: (v) => judged(name, strict, v),
        onNone: () =>
          strict || development === undefined
            ? Either.left(ConfigError.MissingData([name], `${name} must be set${strict ? " (NODE_ENV or MPESA_ENV is production)" : ""}`))
            : Either.right(Redacted.make(development()))
      })
    )
  )

/** A secret whose absence switches a feature off (None); set, it is held to the same rule. */
export const optionalSecret = (name: string): Config.Config<Option.Option<Redacted.Redacted<string>>> =>
  Config.all({ strict: worldFacing, value: Config.option(Config.redacted(name)) }).pipe(
    Config.mapOrFail(({ strict, value }) =>
      Option.match(value, {
        onNone: () => Either.right(Option.none()),
        onSome: (v) => Either.map(judged(name, strict, v), Option.some)
      })
    )
  )

/** A secret a request carries (in a path, a header) compared with ours in constant time. */
export const sameSecret = (given: string, expected: string): boolean => {
  const x = Buffer.from(given)
  const y = Buffer.from(expected)
  return x.length === y.length && timingSafeEqual(x, y)
}
