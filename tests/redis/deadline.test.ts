/**
 * withDeadline (adapters/redis/deadline.ts): the command's value, its failure mapped, a timeout
 * once the deadline passes, the timer cleared on interruption; and no fiber forked for it (what
 * Effect.timeoutFail cost on every authenticated request: two forked fibers and a fiber-ref merge).
 * The rate limiter's hit forks none either, against a real Redis when REDIS_URL is set.
 */
import { Redis } from "ioredis"
import { Effect, Exit, Fiber, Supervisor } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { withDeadline } from "../../adapters/redis/deadline.js"
import { makeRedisRateLimiter } from "../../adapters/redis/rate-limiter.js"

type Refusal = { readonly _tag: "Failed"; readonly cause: unknown } | { readonly _tag: "TimedOut" }
const onError = (cause: unknown): Refusal => ({ _tag: "Failed", cause })
const onTimeout = (): Refusal => ({ _tag: "TimedOut" })

/** Counts the fibers started under it (Supervisor.track lists only those still running). */
class Starts extends Supervisor.AbstractSupervisor<number> {
  started = 0
  get value() {
    return Effect.sync(() => this.started)
  }
  override onStart() {
    this.started++
  }
}

/** How many fibers `effect` forks while it runs. */
const forked = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const supervisor = new Starts()
      const exit = yield* Effect.exit(Effect.supervised(effect, supervisor))
      return { exit, fibers: yield* supervisor.value }
    })
  )

describe("withDeadline", () => {
  it("answers the command's value, its rejection or throw mapped by onError", async () => {
    expect(await Effect.runPromise(withDeadline(1_000, () => Promise.resolve(7), onError, onTimeout))).toBe(7)
    expect(await Effect.runPromise(Effect.flip(withDeadline(1_000, () => Promise.reject(new Error("no")), onError, onTimeout)))).toMatchObject({
      _tag: "Failed",
      cause: new Error("no")
    })
    const thrown = await Effect.runPromise(
      Effect.flip(
        withDeadline(
          1_000,
          () => {
            throw new Error("sync")
          },
          onError,
          onTimeout
        )
      )
    )
    expect(thrown).toMatchObject({ _tag: "Failed", cause: new Error("sync") })
  })

  it("fails with onTimeout once the deadline passes (a command that never answers), and a late answer changes nothing", async () => {
    let answer: (v: number) => void = () => undefined
    const started = performance.now()
    const error = await Effect.runPromise(Effect.flip(withDeadline(50, () => new Promise<number>((ok) => (answer = ok)), onError, onTimeout)))
    expect(error).toEqual({ _tag: "TimedOut" })
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
    answer(1)
  })

  it("an interrupted wait clears its timer (nothing fires after)", async () => {
    let timedOut = 0
    const fiber = Effect.runFork(
      withDeadline(
        30,
        () => new Promise<number>(() => undefined),
        onError,
        () => (timedOut++, onTimeout())
      )
    )
    const exit = await Effect.runPromise(Fiber.interrupt(fiber))
    expect(Exit.isInterrupted(exit)).toBe(true)
    await new Promise((r) => setTimeout(r, 60))
    expect(timedOut).toBe(0)
  })

  it("forks no fiber (Effect.timeoutFail forked two for every call)", async () => {
    const { exit, fibers } = await forked(withDeadline(1_000, () => Promise.resolve(1), onError, onTimeout))
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(fibers).toBe(0)
  })
})

const url = process.env["REDIS_URL"]?.trim() || undefined
describe.skipIf(url === undefined)(url === undefined ? "the Redis limiter's hit (skipped: REDIS_URL is unset)" : "the Redis limiter's hit", () => {
  const redis = url === undefined ? undefined : new Redis(url)
  afterAll(async () => {
    await redis?.quit()
  })
  it("forks no fiber", async () => {
    const limiter = makeRedisRateLimiter(redis!)
    const { exit, fibers } = await forked(limiter.hit({ key: `test:deadline:${process.pid}:${Date.now()}`, limit: 5, windowMs: 1_000 }))
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(fibers).toBe(0)
  })
})
