/**
 * Phone login with a one-time code (no passwords):
 *   requestLoginCode(phone, address)  6-digit code, hashed at rest, valid 10 minutes, sent by the
 *                            Notifier; limited per phone, per client address and globally (LoginLimits).
 *   logIn(phone, code, address)  at most 5 tries per code and LoginLimits' wrong guesses per phone
 *                            per window (any code), attempts per address and globally; a locked
 *                            phone is refused (RateLimited, 429) before its code is even compared.
 *                            On success the code is spent, the user is created as a BUYER if new,
 *                            and a 30-day bearer session is opened.
 */
import { Clock, Effect, Option } from "effect"
import { UserId } from "../../domain/ids.js"
import { recordSignupReferral } from "../referrals/referrals.js"
import type { SignupReferral } from "../referrals/referrals.js"
import { Ids } from "../ports/ids.js"
import { RateLimiter } from "../ports/rate-limiter.js"
import { Notifier } from "../ports/notifier.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AccountNotActive, InvalidLoginCode, Unauthenticated } from "./auth.errors.js"
import { AuthStore } from "./auth.port.js"
import type { AuthUser, Session } from "./auth.port.js"
import { enforce, ensureNotLimited, Limits, LoginLimits } from "./rate-limits.js"

export const OTP_TTL_MS = 10 * 60_000
export const OTP_MAX_ATTEMPTS = 5
export const SESSION_TTL_MS = 30 * 86_400_000

/** `clientAddress`: who asks (the HTTP adapter's client address key), for the per-address limits. */
export const requestLoginCode = (phone: string, clientAddress: string) =>
  Effect.gen(function* () {
    const limits = yield* LoginLimits
    // The address first: a flood from one address is refused before it spends a victim phone's budget.
    yield* enforce("login codes from this address", Limits.otpFromAddress(clientAddress, limits))
    yield* enforce("login codes for this phone", Limits.otp(phone, limits))
    yield* enforce("login codes right now; the platform is limiting logins", Limits.otpGlobal(limits))
    const ids = yield* Ids
    const store = yield* AuthStore
    const uow = yield* UnitOfWork
    const notifier = yield* Notifier
    const now = yield* Clock.currentTimeMillis
    const id = yield* ids.next("otp")
    const code = yield* ids.code(6)
    yield* uow.transaction(store.saveOtp({ id, phone, code, createdAt: now, expiresAt: now + OTP_TTL_MS }))
    yield* notifier.send({ to: phone, template: "login_code", params: [code], dedupeKey: `login_code:${id}` })
    return { expiresAt: now + OTP_TTL_MS }
  }).pipe(Effect.withSpan("Auth.requestLoginCode"))

export interface LoggedIn {
  readonly token: string
  readonly expiresAt: number
  readonly user: AuthUser
  /** what became of the referral code given at sign-up, when one was */
  readonly referral?: SignupReferral | undefined
}

/** `referralCode`: someone's code a new buyer signs up with (application/referrals); recorded in the login's transaction. */
export const logIn = (phone: string, code: string, clientAddress: string, referralCode?: string) =>
  Effect.gen(function* () {
    const limits = yield* LoginLimits
    yield* enforce("login attempts from this address", Limits.codeAttemptsFromAddress(clientAddress, limits))
    yield* enforce("login attempts right now; the platform is limiting logins", Limits.codeAttemptsGlobal(limits))
    const ids = yield* Ids
    const store = yield* AuthStore
    const uow = yield* UnitOfWork
    const now = yield* Clock.currentTimeMillis
    const newUserId = UserId.make(yield* ids.next("usr"))
    // The failed attempt must be counted even though the login fails: commit it, then fail.
    const outcome = yield* uow.transaction(
      Effect.gen(function* () {
        const otp = Option.getOrUndefined(yield* store.latestOtp(phone))
        // Checked under the code's row lock, so one phone's guesses are counted one after another.
        const wrongCodes = Limits.wrongCodes(phone, limits)
        yield* ensureNotLimited("wrong codes for this phone", wrongCodes)
        if (!otp || otp.consumed || otp.expiresAt <= now || otp.attempts >= OTP_MAX_ATTEMPTS) return { ok: false as const, attemptsLeft: 0 }
        if (!(yield* store.codeMatches(otp.id, code))) {
          yield* store.recordFailedAttempt(otp.id)
          const perPhone = yield* Effect.flatMap(RateLimiter, (l) => l.hit(wrongCodes))
          return { ok: false as const, attemptsLeft: Math.min(OTP_MAX_ATTEMPTS - otp.attempts - 1, perPhone.allowed ? perPhone.remaining : 0) }
        }
        yield* store.consumeOtp(otp.id, now)
        const user = yield* store.findOrCreateUser(phone, newUserId)
        if (user.status !== "ACTIVE") return { ok: false as const, inactive: user.status, attemptsLeft: 0 }
        const referral = referralCode === undefined ? undefined : yield* recordSignupReferral(user, user.id === newUserId, referralCode)
        const session = yield* store.createSession(user.id, now, now + SESSION_TTL_MS)
        return { ok: true as const, user, token: session.token, referral }
      })
    )
    if (!outcome.ok) {
      if ("inactive" in outcome) return yield* new AccountNotActive({ status: outcome.inactive })
      return yield* new InvalidLoginCode({ attemptsLeft: outcome.attemptsLeft })
    }
    return { token: outcome.token, expiresAt: now + SESSION_TTL_MS, user: outcome.user, referral: outcome.referral } satisfies LoggedIn
  }).pipe(Effect.withSpan("Auth.logIn"))

/** Ends the session the request came with: its token stops working at once. */
export const logOut = (session: Session) =>
  Effect.gen(function* () {
    const store = yield* AuthStore
    const uow = yield* UnitOfWork
    const now = yield* Clock.currentTimeMillis
    yield* uow.transaction(store.revokeSession(session.sessionId, now))
  }).pipe(Effect.withSpan("Auth.logOut"))

/** Ends every session of the user (every device, this one included): how many were live. */
export const logOutEverywhere = (session: Session) =>
  Effect.gen(function* () {
    const store = yield* AuthStore
    const uow = yield* UnitOfWork
    const now = yield* Clock.currentTimeMillis
    const revoked = yield* uow.transaction(store.revokeUserSessions(session.user.id, now))
    return { revoked: Option.getOrElse(revoked, () => 0) }
  }).pipe(Effect.withSpan("Auth.logOutEverywhere"))

/** A session found (or not) for a bearer token: refused when none, counted against its rate limit. */
const admit = (session: Option.Option<Session>) =>
  Effect.gen(function* () {
    if (Option.isNone(session)) return yield* new Unauthenticated({ reason: "INVALID" })
    yield* enforce("requests for this session", Limits.session(session.value.sessionId))
    return session.value satisfies Session
  })

/** The session behind a bearer token, and one hit on its per-minute limit. */
export const authenticate = (token: string) =>
  Effect.gen(function* () {
    const store = yield* AuthStore
    const now = yield* Clock.currentTimeMillis
    return yield* admit(yield* store.findSession(token, now))
  })

/**
 * `authenticate`, for a read that finds the token's session itself, in the same statement as what
 * it reads (by AuthStore.findSession's rule; a poll in one round trip): the same refusal when there
 * is none and the same rate limit, then what it read.
 */
export const authenticateAlong = <A, E, R>(read: (now: number) => Effect.Effect<{ readonly session: Option.Option<Session>; readonly read: A }, E, R>) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const found = yield* read(now)
    const session = yield* admit(found.session)
    return { session, read: found.read }
  })
