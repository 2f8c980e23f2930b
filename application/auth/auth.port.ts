/**
 * AuthStore: one-time codes and sessions. Secrets never reach the store in a form it keeps: the
 * adapter hashes codes and tokens before writing them (otp_codes.code_hash, user_sessions.token_hash)
 * and compares hashes when asked.
 */
import type { UserId } from "../../domain/ids.js"
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface OtpRecord {
  readonly id: string
  readonly phone: string
  readonly createdAt: number
  readonly expiresAt: number
  readonly attempts: number
  readonly consumed: boolean
}

export type UserStatus = "ACTIVE" | "SUSPENDED" | "BANNED"

export interface AuthUser {
  readonly id: UserId
  readonly phone: string
  readonly roles: ReadonlyArray<string>
  readonly status: UserStatus
}

export interface Session {
  readonly sessionId: string
  readonly expiresAt: number
  readonly user: AuthUser
}

export class AuthStore extends Context.Tag("amana/AuthStore")<
  AuthStore,
  {
    readonly saveOtp: (otp: {
      readonly id: string
      readonly phone: string
      readonly code: string
      readonly createdAt: number
      readonly expiresAt: number
    }) => Effect.Effect<void, StoreUnavailable>
    /** The newest code sent to this phone, row-locked for the rest of the transaction. */
    readonly latestOtp: (phone: string) => Effect.Effect<Option.Option<OtpRecord>, StoreUnavailable>
    /** Does `code` hash to what was stored for this OTP? */
    readonly codeMatches: (otpId: string, code: string) => Effect.Effect<boolean, StoreUnavailable>
    readonly recordFailedAttempt: (otpId: string) => Effect.Effect<void, StoreUnavailable>
    readonly consumeOtp: (otpId: string, at: number) => Effect.Effect<void, StoreUnavailable>
    /** The user with this phone; created as a BUYER (with `newId`) on first login. */
    readonly findOrCreateUser: (phone: string, newId: UserId) => Effect.Effect<AuthUser, StoreUnavailable>
    /** A new session; the adapter makes the random bearer token and keeps only its hash. */
    readonly createSession: (
      userId: UserId,
      createdAt: number,
      expiresAt: number
    ) => Effect.Effect<{ readonly token: string; readonly sessionId: string }, StoreUnavailable>
    /** Ends one session (its token stops working at once). */
    readonly revokeSession: (sessionId: string, at: number) => Effect.Effect<void, StoreUnavailable>
    /** Ends every live session of a user: how many were live; None when there is no such user. */
    readonly revokeUserSessions: (userId: UserId, at: number) => Effect.Effect<Option.Option<number>, StoreUnavailable>
    /** The live session for a bearer token (not revoked, not expired, user ACTIVE). */
    readonly findSession: (token: string, now: number) => Effect.Effect<Option.Option<Session>, StoreUnavailable>
  }
>() {}
