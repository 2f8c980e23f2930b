/**
 * A request's program starts on the platform's built runtime with its loggers and log annotations
 * already set (adapters/http/run.ts, runRequest) instead of Effect.locally and Effect.annotateLogs
 * around it: the program sees the same values the old way gave, a runtime not built yet is built,
 * and a disposed one answers as before (a defect), so shutdown does not change.
 */
import { Cause, Effect, Equal, Exit, FiberRef, HashSet, Layer, ManagedRuntime } from "effect"
import { describe, expect, it } from "vitest"
import { runRequest } from "../../adapters/http/run.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import { effectLogger } from "../../adapters/system/logging.js"

const seen = Effect.all([FiberRef.get(FiberRef.currentLogAnnotations), FiberRef.get(FiberRef.currentLoggers)])
const platformLike = () => ManagedRuntime.make(Layer.empty) as unknown as PlatformRuntime

describe("runRequest", () => {
  it("the program sees what Effect.annotateLogs({ requestId, route }) and the request's loggers gave it, on a built runtime and on one not built yet", async () => {
    for (const build of [true, false]) {
      const runtime = platformLike()
      if (build) await runtime.runtime()
      const exit = await runRequest(runtime, "req-1", "GET /api/v1/x", seen)
      const old = await runtime.runPromiseExit(
        seen.pipe(Effect.annotateLogs({ requestId: "req-1", route: "GET /api/v1/x" }), Effect.locally(FiberRef.currentLoggers, HashSet.make(effectLogger)))
      )
      expect(Exit.isSuccess(exit) && Exit.isSuccess(old)).toBe(true)
      if (Exit.isSuccess(exit) && Exit.isSuccess(old)) {
        expect(Equal.equals(exit.value[0], old.value[0]), String(build)).toBe(true)
        expect([...exit.value[1]]).toEqual([effectLogger])
        expect([...old.value[1]]).toEqual([effectLogger])
      }
      // a second request has its own id (nothing is left from the first)
      const second = await runRequest(runtime, "req-2", "GET /api/v1/x", seen)
      expect(Exit.isSuccess(second) && [...second.value[0]].find(([k]) => k === "requestId")?.[1]).toBe("req-2")
      await runtime.dispose()
    }
  })

  it("a disposed runtime answers as runPromiseExit does: a defect", async () => {
    const runtime = platformLike()
    await runtime.runtime()
    await runtime.dispose()
    const exit = await runRequest(runtime, "req-3", "GET /x", Effect.succeed(1))
    const old = await runtime.runPromiseExit(Effect.succeed(1))
    expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
    expect(Exit.isFailure(old) && Cause.isDie(old.cause)).toBe(true)
  })
})
