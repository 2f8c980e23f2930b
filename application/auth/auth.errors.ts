import { Data } from "effect"

/** Wrong, expired, used-up or never-sent code: one answer for all, so the API leaks nothing. */
export class InvalidLoginCode extends Data.TaggedError("InvalidLoginCode")<{ readonly attemptsLeft: number }> {
  readonly code = "AUTH.INVALID_CODE"
  override get message() {
    return this.attemptsLeft > 0
      ? `the code is wrong or has expired (${this.attemptsLeft} attempt(s) left)`
      : "the code is wrong or has expired; request a new one"
  }
}

export class Unauthenticated extends Data.TaggedError("Unauthenticated")<{ readonly reason: "MISSING" | "INVALID" }> {
  readonly code = "AUTH.REQUIRED"
  override get message() {
    return this.reason === "MISSING"
      ? "this needs a bearer token: log in with POST /api/v1/auth/otp then /auth/token"
      : "the bearer token is invalid or has expired; log in again"
  }
}

export class AccountNotActive extends Data.TaggedError("AccountNotActive")<{ readonly status: string }> {
  readonly code = "AUTH.ACCOUNT_NOT_ACTIVE"
  override get message() {
    return `this account is ${this.status.toLowerCase()}`
  }
}

export class Forbidden extends Data.TaggedError("Forbidden")<{ readonly detail: string }> {
  readonly code = "AUTH.FORBIDDEN"
  override get message() {
    return this.detail
  }
}
