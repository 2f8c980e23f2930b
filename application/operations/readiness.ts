/** The readiness verdict: every check passes, or NotReady names those that did not. */
import { Data, Effect } from "effect"
import { Readiness } from "../ports/readiness.js"
import type { ReadinessCheck } from "../ports/readiness.js"

export class NotReady extends Data.TaggedError("NotReady")<{ readonly checks: ReadonlyArray<ReadinessCheck> }> {
  readonly code = "SERVICE.NOT_READY"
  get failing(): ReadonlyArray<ReadinessCheck> {
    return this.checks.filter((c) => !c.ready)
  }
  override get message() {
    return `not ready: ${this.failing.map((c) => `${c.name} (${c.detail})`).join("; ")}`
  }
  /** one entry per failing check (the problem's `errors`) */
  get issues(): ReadonlyArray<{ readonly path: string; readonly message: string }> {
    return this.failing.map((c) => ({ path: c.name, message: c.detail }))
  }
}

export const requireReady: Effect.Effect<ReadonlyArray<ReadinessCheck>, NotReady, Readiness> = Effect.flatMap(Readiness, (r) =>
  Effect.flatMap(r.check, (checks) => (checks.every((c) => c.ready) ? Effect.succeed(checks) : Effect.fail(new NotReady({ checks }))))
)
