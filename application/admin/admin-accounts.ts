/**
 * Admin accounts: the first admin at first start, admins creating admins, and logging in. Admins
 * are not buyers: email + password (hashed by the PasswordHasher adapter, a memory-hard KDF), and
 * login attempts are rate-limited per email and per client address.
 */
import { AdminUserId } from "../../domain/ids.js"
import { Clock, Effect, Option } from "effect"
import { RateLimiter } from "../ports/rate-limiter.js"
import { Ids } from "../ports/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AdminInvalidInput, AdminLoginThrottled } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor, AdminRole } from "./admin-roles.js"
import { AdminStore, PasswordHasher } from "./admin.port.js"
import { recordAdminAction } from "./record-admin-action.js"

export const MIN_PASSWORD_LENGTH = 12
/** RFC 5321's limit on a path; longer is not an address anyone can log in with. */
export const MAX_EMAIL_LENGTH = 254
/** Longer than any sane password, far shorter than a body: the KDF never hashes megabytes. */
export const MAX_PASSWORD_LENGTH = 1024
// no NUL or control characters either (the database refuses NUL; nobody's address holds them)
const EMAIL = /^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u

/** The normalised email when it has an email's length and shape; checked before anything else runs. */
export const normaliseEmail = (raw: string): string | undefined => {
  if (raw.length > MAX_EMAIL_LENGTH + 16) return undefined
  const email = raw.trim().toLowerCase()
  return email.length <= MAX_EMAIL_LENGTH && EMAIL.test(email) ? email : undefined
}

const validEmail = (raw: string) =>
  Effect.suspend(() => {
    const email = normaliseEmail(raw)
    return email !== undefined ? Effect.succeed(email) : Effect.fail(new AdminInvalidInput({ detail: `${raw.slice(0, 80)} is not an email address` }))
  })

const validPassword = (password: string) =>
  password.length >= MIN_PASSWORD_LENGTH && password.length <= MAX_PASSWORD_LENGTH
    ? Effect.void
    : Effect.fail(new AdminInvalidInput({ detail: `a password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters` }))

/** A checked email, a checked and hashed password, and a new id: what every new admin starts from. */
const newAdminCredentials = (rawEmail: string, password: string) =>
  Effect.gen(function* () {
    const email = yield* validEmail(rawEmail)
    yield* validPassword(password)
    const passwordHash = yield* Effect.flatMap(PasswordHasher, (hasher) => hasher.hash(password))
    const id = AdminUserId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("adm")))
    return { id, email, passwordHash }
  })

/**
 * Creates the first PLATFORM_ADMIN when there is no admin at all; None when one exists already.
 * Audited as a SYSTEM action.
 */
export const bootstrapFirstAdmin = (cmd: { readonly email: string; readonly password: string }) =>
  Effect.gen(function* () {
    const { id, email, passwordHash } = yield* newAdminCredentials(cmd.email, cmd.password)
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        if ((yield* store.countAdmins()) > 0) return Option.none<{ readonly id: AdminUserId; readonly email: string }>()
        yield* store.insertAdmin({ id, email, passwordHash, role: "PLATFORM_ADMIN" })
        yield* store.audit({
          actorKind: "SYSTEM",
          actorId: "first-start",
          actorRole: null,
          action: "ADMIN_USER.CREATE",
          entity: "admin_user",
          entityId: id,
          before: null,
          after: { email, role: "PLATFORM_ADMIN" },
          reason: "first admin at first start"
        })
        return Option.some({ id, email })
      })
    )
  }).pipe(Effect.withSpan("Admin.bootstrapFirstAdmin"))

export const createAdminUser = (actor: AdminActor, cmd: { readonly email: string; readonly role: AdminRole; readonly password: string }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "admins.manage")
    const { id, email, passwordHash } = yield* newAdminCredentials(cmd.email, cmd.password)
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        if (Option.isSome(yield* store.findAdminByEmail(email))) return yield* new AdminInvalidInput({ detail: `there is already an admin ${email}` })
        yield* store.insertAdmin({ id, email, passwordHash, role: cmd.role })
        yield* recordAdminAction(actor, { action: "ADMIN_USER.CREATE", entity: "admin_user", entityId: id, before: null, after: { email, role: cmd.role } }, [])
        return { id, email, role: cmd.role }
      })
    )
  }).pipe(Effect.withSpan("Admin.createAdminUser"))

/** At most this many attempts per email, and per client address, in the window. */
export const LOGIN_LIMIT = { perEmail: 5, perAddress: 20, windowMs: 15 * 60_000 }

// Verified against when the email is unknown, so a wrong email costs as much time as a wrong password.
const DECOY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="

/**
 * Some(actor) for the right email and password of an ACTIVE admin; None otherwise (no hint which part
 * was wrong). Unauthenticated input, so in this order: the email's length and shape and the
 * password's length (nothing touched yet), the per-address limit (one source cannot spend every
 * email's budget), then the per-email limit. The RateLimiter adapter stores keys hashed.
 */
export const authenticateAdmin = (cmd: { readonly email: string; readonly password: string; readonly clientAddress: string }) =>
  Effect.gen(function* () {
    const email = normaliseEmail(cmd.email)
    if (email === undefined || cmd.password.length > MAX_PASSWORD_LENGTH) return Option.none<AdminActor>()
    const limiter = yield* RateLimiter
    const limits = [
      { key: `admin-login:addr:${cmd.clientAddress.slice(0, 64)}`, limit: LOGIN_LIMIT.perAddress },
      { key: `admin-login:email:${email}`, limit: LOGIN_LIMIT.perEmail }
    ]
    for (const { key, limit } of limits) {
      const decision = yield* limiter.hit({ key, limit, windowMs: LOGIN_LIMIT.windowMs })
      if (!decision.allowed) return yield* Effect.fail(new AdminLoginThrottled({ retryAfterMs: decision.retryAfterMs }))
    }
    const store = yield* AdminStore
    const hasher = yield* PasswordHasher
    const admin = yield* store.findAdminByEmail(email)
    const ok = yield* hasher.verify(cmd.password, Option.match(admin, { onNone: () => DECOY, onSome: (a) => a.passwordHash }))
    if (!ok || Option.isNone(admin) || admin.value.status !== "ACTIVE") return Option.none<AdminActor>()
    yield* store.recordLogin(admin.value.id, yield* Clock.currentTimeMillis)
    return Option.some<AdminActor>({ id: admin.value.id, email: admin.value.email, role: admin.value.role })
  }).pipe(Effect.withSpan("Admin.authenticate"))

export const verifyAuditChain = (actor: AdminActor) =>
  Effect.gen(function* () {
    yield* authorize(actor, "audit.read")
    const store = yield* AdminStore
    return yield* store.verifyAuditChain()
  }).pipe(Effect.withSpan("Admin.verifyAuditChain"))
