/** What an admin action can fail with: stable tags and codes, messages a reviewer can act on. */
import { Data } from "effect"

export class AdminForbidden extends Data.TaggedError("AdminForbidden")<{ readonly role: string; readonly capability: string }> {
  readonly code = "ADMIN.FORBIDDEN"
  override get message() {
    return `a ${this.role} may not do this (needs ${this.capability})`
  }
}

export class AdminRecordNotFound extends Data.TaggedError("AdminRecordNotFound")<{ readonly entity: string; readonly id: string }> {
  readonly code = "ADMIN.NOT_FOUND"
  override get message() {
    return `there is no ${this.entity} ${this.id}`
  }
}

/** The command is malformed (missing reason, bad dates, unknown scope...). */
export class AdminInvalidInput extends Data.TaggedError("AdminInvalidInput")<{ readonly detail: string }> {
  readonly code = "ADMIN.INVALID_INPUT"
  override get message() {
    return this.detail
  }
}

/** The record is not in a state that allows this change (e.g. verifying a banned seller). */
export class AdminIllegalChange extends Data.TaggedError("AdminIllegalChange")<{ readonly entity: string; readonly from: string; readonly change: string }> {
  readonly code = "ADMIN.ILLEGAL_CHANGE"
  override get message() {
    return `cannot ${this.change.toLowerCase().replaceAll("_", " ")} a ${this.entity} that is ${this.from}`
  }
}

/**
 * The record changed after the reviewer opened it: deciding now would approve what nobody saw (a
 * seller's edit made between the reviewer's look and the click).
 */
export class AdminChangedSinceViewed extends Data.TaggedError("AdminChangedSinceViewed")<{
  readonly entity: string
  readonly viewed: number
  readonly current: number
}> {
  readonly code = "ADMIN.CHANGED_SINCE_VIEWED"
  override get message() {
    return `the ${this.entity} changed after you opened it (you reviewed version ${this.viewed}, it is now version ${this.current}): open it again, look at the changes and decide again`
  }
}

export class AdminLoginThrottled extends Data.TaggedError("AdminLoginThrottled")<{ readonly retryAfterMs: number }> {
  readonly code = "ADMIN.LOGIN_THROTTLED"
  override get message() {
    return "too many login attempts: wait a few minutes and try again"
  }
}
