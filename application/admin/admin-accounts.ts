/**
 * Admin accounts: the first admin at first start, admins creating admins, and logging in. Admins
 * are not buyers: email + password (hashed by the PasswordHasher adapter, a memory-hard KDF), and
 * login attempts are rate-limited per email and per client address.
 */
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
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

const validEmail = (raw: string) =>
  Effect.suspend(() => {
    const email = raw.trim().toLowerCase()
    return EMAIL.test(email) ? Effect.succeed(email) : Effect.fail(new AdminInvalidInput({ detail: `${raw} is not an email address` }))
  })

const validPassword = (password: string) =>
  password.length >= MIN_PASSWORD_LENGTH ? Effect.void : Effect.fail(new AdminInvalidInput({ detail: `a password has at least ${MIN_PASSWORD_LENGTH} characters` }))

/** A checked email, a checked and hashed password, and a new id: what every new admin starts from. */
const newAdminCredentials = (rawEmail: string, password: string) =>
  Effect.gen(function* () {
    const email = yield* validEmail(rawEmail)
    yield* validPassword(password)
    const passwordHash = yield* Effect.flatMap(PasswordHasher, (hasher) => hasher.hash(password))
    const id = yield* Effect.flatMap(Ids, (ids) => ids.next("adm"))
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
        if ((yield* store.countAdmins()) > 0) return Option.none<{ readonly id: string; readonly email: string }>()
        yield* store.insertAdmin({ id, email, passwordHash, role: "PLATFORM_ADMIN" })
        yield* store.audit({ actorKind: "SYSTEM", actorId: "first-start", actorRole: null, action: "ADMIN_USER.CREATE", entity: "admin_user", entityId: id, before: null, after: { email, role: "PLATFORM_ADMIN" }, reason: "first admin at first start" })
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

/** Some(actor) for the right email and password of an ACTIVE admin; None otherwise (no hint which part was wrong). */
export const authenticateAdmin = (cmd: { readonly email: string; readonly password: string; readonly clientAddress: string }) =>
  Effect.gen(function* () {
    const email = cmd.email.trim().toLowerCase()
    const limiter = yield* RateLimiter
    for (const key of [`admin-login:email:${email}`, `admin-login:addr:${cmd.clientAddress}`]) {
      const decision = yield* limiter.hit({ key, limit: key.includes(":email:") ? LOGIN_LIMIT.perEmail : LOGIN_LIMIT.perAddress, windowMs: LOGIN_LIMIT.windowMs })
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
