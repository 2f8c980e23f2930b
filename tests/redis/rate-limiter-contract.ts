/**
 * The one behaviour spec every RateLimiter implementation must meet (see
 * adapters/redis/sliding-window.ts for the rule). Time is pinned with TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, TestClock } from "effect"
import type { RateLimiter } from "../../application/ports/rate-limiter.js"

type Limiter = RateLimiter["Type"]

export interface LimiterUnderTest {
  readonly name: string
  /** Prefix for every key this run uses: unique per run so parallel files and reruns never collide. */
  readonly keyPrefix: string
  readonly limiter: () => Limiter
  /** Several limiters over the same store (for Redis: one per connection) for the race test. */
  readonly racers: () => ReadonlyArray<Limiter>
}

const MIN = 60_000
// A realistic epoch, so the scores Redis stores are 13-digit numbers like production's.
const T0 = 1_750_000_000_000

export const rateLimiterContract = (subject: LimiterUnderTest): void => {
  const key = (name: string) => `${subject.keyPrefix}${name}`
  const otp = (name: string) => ({ key: key(name), limit: 5, windowMs: 15 * MIN })

  describe(`${subject.name}: sliding-window rate limit`, () => {
    it.effect("5 per 15 minutes: hits 1-5 are allowed counting down, the 6th is refused until the oldest ages out", () =>
      Effect.gen(function* () {
        const limiter = subject.limiter()
        yield* TestClock.setTime(T0)
        const remaining: Array<number> = []
        for (let i = 0; i < 5; i++) {
          const d = yield* limiter.hit(otp("six"))
          if (d.allowed) remaining.push(d.remaining)
          yield* TestClock.adjust(Duration.minutes(1))
        }
        expect(remaining).toEqual([4, 3, 2, 1, 0])
        // now T0 + 5 min; the oldest hit (T0) ages out at T0 + 15 min: 10 minutes from now
        expect(yield* limiter.hit(otp("six"))).toEqual({ allowed: false, retryAfterMs: 10 * MIN })
      })
    )

    it.effect("Retry-After is exact: one ms early is still refused, on time is allowed", () =>
      Effect.gen(function* () {
        const limiter = subject.limiter()
        yield* TestClock.setTime(T0)
        for (let i = 0; i < 5; i++) yield* limiter.hit(otp("exact"))
        yield* TestClock.adjust(Duration.minutes(3))
        const refused = yield* limiter.hit(otp("exact"))
        expect(refused).toEqual({ allowed: false, retryAfterMs: 12 * MIN })
        yield* TestClock.adjust(Duration.millis(12 * MIN - 1))
        expect(yield* limiter.hit(otp("exact"))).toEqual({ allowed: false, retryAfterMs: 1 })
        yield* TestClock.adjust(Duration.millis(1))
        // all five were at T0, so all five aged out together
        expect(yield* limiter.hit(otp("exact"))).toEqual({ allowed: true, remaining: 4 })
      })
    )

    it.effect("the window slides: as each old hit ages out exactly one more is allowed", () =>
      Effect.gen(function* () {
        const limiter = subject.limiter()
        yield* TestClock.setTime(T0)
        for (let i = 0; i < 5; i++) {
          yield* limiter.hit(otp("slide"))
          yield* TestClock.adjust(Duration.minutes(1))
        }
        // T0 + 15 min: the T0 hit has aged out, the T0 + 1 min one has not
        yield* TestClock.setTime(T0 + 15 * MIN)
        expect(yield* limiter.hit(otp("slide"))).toEqual({ allowed: true, remaining: 0 })
        expect(yield* limiter.hit(otp("slide"))).toEqual({ allowed: false, retryAfterMs: 1 * MIN })
        yield* TestClock.adjust(Duration.minutes(1))
        expect(yield* limiter.hit(otp("slide"))).toEqual({ allowed: true, remaining: 0 })
        // a whole window later everything has aged out
        yield* TestClock.adjust(Duration.minutes(15))
        expect(yield* limiter.hit(otp("slide"))).toEqual({ allowed: true, remaining: 4 })
      })
    )

    it.effect("refused hits are not counted: hammering does not extend the lockout", () =>
      Effect.gen(function* () {
        const limiter = subject.limiter()
        yield* TestClock.setTime(T0)
        for (let i = 0; i < 5; i++) yield* limiter.hit(otp("hammer"))
        for (let i = 0; i < 20; i++) {
          yield* TestClock.adjust(Duration.seconds(30))
          yield* limiter.hit(otp("hammer"))
        }
        // 10 minutes later the lockout still ends 15 minutes after the first hits
        expect(yield* limiter.hit(otp("hammer"))).toEqual({ allowed: false, retryAfterMs: 5 * MIN })
      })
    )

    it.effect("peek tells what a hit would be told and counts nothing: a lock can be checked without spending a try", () =>
      Effect.gen(function* () {
        const limiter = subject.limiter()
        yield* TestClock.setTime(T0)
        expect(yield* limiter.peek(otp("peek"))).toEqual({ allowed: true, remaining: 4 })
        for (let i = 0; i < 3; i++) yield* limiter.peek(otp("peek"))
        for (let i = 0; i < 5; i++) {
          expect(yield* limiter.peek(otp("peek"))).toEqual({ allowed: true, remaining: 4 - i })
          yield* limiter.hit(otp("peek"))
        }
        yield* TestClock.adjust(Duration.minutes(5))
        expect(yield* limiter.peek(otp("peek"))).toEqual({ allowed: false, retryAfterMs: 10 * MIN })
        yield* TestClock.adjust(Duration.minutes(10))
        expect(yield* limiter.peek(otp("peek"))).toEqual({ allowed: true, remaining: 4 })
      })
    )

    it.effect("keys are independent: exhausting one phone's limit leaves another's untouched", () =>
      Effect.gen(function* () {
        const limiter = subject.limiter()
        yield* TestClock.setTime(T0)
        for (let i = 0; i < 5; i++) yield* limiter.hit(otp("a:254708374149"))
        expect((yield* limiter.hit(otp("a:254708374149"))).allowed).toBe(false)
        expect(yield* limiter.hit(otp("a:254110123456"))).toEqual({ allowed: true, remaining: 4 })
        expect(yield* limiter.hit({ ...otp("b:254708374149"), limit: 3, windowMs: 60 * MIN })).toEqual({ allowed: true, remaining: 2 })
      })
    )

    it.effect("200 concurrent hits on a limit of 100 allow exactly 100, each seeing a distinct remaining count", () =>
      Effect.gen(function* () {
        const racers = subject.racers()
        yield* TestClock.setTime(T0)
        const limit = { key: key("race"), limit: 100, windowMs: 60 * MIN }
        const decisions = yield* Effect.all(
          Array.from({ length: 200 }, (_, i) => (racers[i % racers.length] as Limiter).hit(limit)),
          { concurrency: "unbounded" }
        )
        const allowed = decisions.flatMap((d) => (d.allowed ? [d.remaining] : []))
        expect(allowed.length).toBe(100)
        // no two hits saw the same count: the check and the insert were atomic
        expect([...allowed].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i))
        expect(decisions.filter((d) => !d.allowed)).toEqual(Array.from({ length: 100 }, () => ({ allowed: false, retryAfterMs: 60 * MIN })))
      })
    )

    it.effect("a limit that cannot be honoured (0, negative, fractional) is a bug and dies", () =>
      Effect.gen(function* () {
        const limiter = subject.limiter()
        for (const bad of [
          { limit: 0, windowMs: MIN },
          { limit: 5, windowMs: 0 },
          { limit: 2.5, windowMs: MIN }
        ]) {
          const exit = yield* Effect.exit(limiter.hit({ key: key("bad"), ...bad }))
          expect(Exit.isFailure(exit) && !Exit.isInterrupted(exit)).toBe(true)
          expect(String(Exit.isFailure(exit) ? exit.cause : "")).toMatch(/RateLimiter: (limit|windowMs) must be a positive integer/)
        }
      })
    )
  })
}
