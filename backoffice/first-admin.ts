/**
 * The first admin, at first start: from ADMIN_EMAIL and ADMIN_PASSWORD when both are set, otherwise
 * admin@amana.local with a generated password printed once (it is stored only as a scrypt hash, so
 * it cannot be shown again). Does nothing once any admin exists.
 */
import { randomBytes } from "node:crypto"
import { Effect, Option } from "effect"
import { bootstrapFirstAdmin } from "../application/admin/admin-accounts.js"
import type { PlatformRuntime } from "../composition/platform.js"

export interface FirstAdmin {
  readonly created: boolean
  readonly email?: string
  /** only when generated here: the caller prints it once */
  readonly generatedPassword?: string
}

export const DEFAULT_ADMIN_EMAIL = "admin@amana.local"

export const ensureFirstAdmin = async (
  runtime: PlatformRuntime,
  env: Readonly<Record<string, string | undefined>> = process.env,
  print: (line: string) => void = (line) => console.log(line)
): Promise<FirstAdmin> => {
  const email = env["ADMIN_EMAIL"]?.trim() || DEFAULT_ADMIN_EMAIL
  const given = env["ADMIN_PASSWORD"]
  const password = given && given.length > 0 ? given : randomBytes(18).toString("base64url")
  const created = await runtime.runPromise(bootstrapFirstAdmin({ email, password }).pipe(Effect.orDie))
  if (Option.isNone(created)) return { created: false }
  if (given) {
    print(`Back-office: first admin ${created.value.email} created from ADMIN_EMAIL / ADMIN_PASSWORD`)
    return { created: true, email: created.value.email }
  }
  print(
    [
      "================================================================",
      " Amana back-office: first admin created (shown once, not stored)",
      `   email:    ${created.value.email}`,
      `   password: ${password}`,
      "================================================================"
    ].join("\n")
  )
  return { created: true, email: created.value.email, generatedPassword: password }
}
