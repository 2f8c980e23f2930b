/**
 * Step-up codes: a logged-in user proves, again, that they hold their phone before one sensitive
 * change (today: the store's payout destination). "Fresh" means: a 6-digit code sent to the user's
 * own phone for that purpose (never a login code), at most STEP_UP_TTL_MS old, not used before, the
 * newest one sent for that purpose, with at most STEP_UP_MAX_ATTEMPTS tries. The code is checked and
 * spent in its own transaction (a wrong guess is counted even though the change is refused).
 */
import { Clock, Context, Data, Effect, Option } from "effect"
import type { Effect as E } from "effect"
import type { UserId } from "../../domain/ids.js"
import { Ids } from "../ports/ids.js"
import { Notifier } from "../ports/notifier.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { enforce } from "./rate-limits.js"

export const STEP_UP_TTL_MS = 10 * 60_000
export const STEP_UP_MAX_ATTEMPTS = 5
/** PAYOUT_METHOD: the store's payout destination. STORE_OWNER: making someone an OWNER (who could then change it). */
export type StepUpPurpose = "PAYOUT_METHOD" | "STORE_OWNER"

/** Each purpose's own message, naming what the code confirms. */
const TEMPLATE: { readonly [P in StepUpPurpose]: "step_up_code" | "step_up_owner_code" } = {
  PAYOUT_METHOD: "step_up_code",
  STORE_OWNER: "step_up_owner_code"
}

export interface StepUpRecord {
  readonly id: string
  readonly createdAt: number
  readonly expiresAt: number
  readonly attempts: number
  readonly consumed: boolean
}

export class StepUpCodes extends Context.Tag("amana/StepUpCodes")<
  StepUpCodes,
  {
    readonly save: (code: {
      readonly id: string
      readonly userId: UserId
      readonly purpose: StepUpPurpose
      readonly code: string
      readonly createdAt: number
      readonly expiresAt: number
    }) => E.Effect<void, StoreUnavailable>
    /** The newest code for the user and purpose, row-locked for the rest of the transaction. */
    readonly latest: (userId: UserId, purpose: StepUpPurpose) => E.Effect<Option.Option<StepUpRecord>, StoreUnavailable>
    readonly matches: (id: string, code: string) => E.Effect<boolean, StoreUnavailable>
    readonly recordFailedAttempt: (id: string) => E.Effect<void, StoreUnavailable>
    readonly consume: (id: string, at: number) => E.Effect<void, StoreUnavailable>
  }
>() {}

/** The change needs a step-up code and none was given. */
export class StepUpRequired extends Data.TaggedError("StepUpRequired")<{ readonly what: string; readonly requestAt: string }> {
  readonly code = "AUTH.STEP_UP_REQUIRED"
  override get message() {
    return `${this.what} needs a confirmation code sent to your phone: ask for one with POST ${this.requestAt}, then send it as \`code\``
  }
}

/** Wrong, expired, spent, superseded or never sent: one answer for all. */
export class StepUpCodeInvalid extends Data.TaggedError("StepUpCodeInvalid")<{ readonly attemptsLeft: number }> {
  readonly code = "AUTH.STEP_UP_INVALID"
  override get message() {
    return this.attemptsLeft > 0
      ? `the confirmation code is wrong or has expired (${this.attemptsLeft} attempt(s) left)`
      : "the confirmation code is wrong or has expired; request a new one"
  }
}

const MINUTE = 60_000
/** Codes sent per user and purpose: 3 per 15 minutes (each is a WhatsApp message we pay for). */
const sendLimit = (userId: UserId, purpose: StepUpPurpose) => ({ key: `step-up:${purpose}:${userId}`, limit: 3, windowMs: 15 * MINUTE })

export const requestStepUpCode = (user: { readonly id: UserId; readonly phone: string }, purpose: StepUpPurpose) =>
  Effect.gen(function* () {
    yield* enforce("confirmation codes", sendLimit(user.id, purpose))
    const ids = yield* Ids
    const uow = yield* UnitOfWork
    const now = yield* Clock.currentTimeMillis
    const id = yield* ids.next("stp")
    const code = yield* ids.code(6)
    yield* uow.transaction(Effect.flatMap(StepUpCodes, (s) => s.save({ id, userId: user.id, purpose, code, createdAt: now, expiresAt: now + STEP_UP_TTL_MS })))
    yield* Effect.flatMap(Notifier, (n) => n.send({ to: user.phone, template: TEMPLATE[purpose], params: [code], dedupeKey: `step_up_code:${id}` }))
    return { expiresAt: now + STEP_UP_TTL_MS }
  }).pipe(Effect.withSpan("Auth.requestStepUpCode"))

/** Checks and spends the code (committed on its own, right or wrong); fails with StepUpCodeInvalid. */
export const spendStepUpCode = (userId: UserId, purpose: StepUpPurpose, code: string) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const now = yield* Clock.currentTimeMillis
    const outcome = yield* uow.transaction(
      Effect.gen(function* () {
        const codes = yield* StepUpCodes
        const latest = Option.getOrUndefined(yield* codes.latest(userId, purpose))
        if (!latest || latest.consumed || latest.expiresAt <= now || latest.attempts >= STEP_UP_MAX_ATTEMPTS) return { ok: false as const, attemptsLeft: 0 }
        if (!(yield* codes.matches(latest.id, code))) {
          yield* codes.recordFailedAttempt(latest.id)
          return { ok: false as const, attemptsLeft: STEP_UP_MAX_ATTEMPTS - latest.attempts - 1 }
        }
        yield* codes.consume(latest.id, now)
        return { ok: true as const }
      })
    )
    if (!outcome.ok) return yield* new StepUpCodeInvalid({ attemptsLeft: outcome.attemptsLeft })
  })
