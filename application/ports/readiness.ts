/**
 * Readiness: whether this process can do its job now (GET /readyz): the database answers, its
 * schema is the one this code was built for, and a worker is running against it (its heartbeat is
 * fresh). Liveness (GET /healthz) needs none of this: the process answering is enough.
 */
import { Context } from "effect"
import type { Effect } from "effect"

export type ReadinessCheckName = "database" | "migrations" | "worker"

export interface ReadinessCheck {
  readonly name: ReadinessCheckName
  readonly ready: boolean
  /** what was found, for a person: "heartbeat 2 s ago", "pending: 0065_x.sql" */
  readonly detail: string
}

export class Readiness extends Context.Tag("amana/Readiness")<
  Readiness,
  {
    /** Every check, passing or not; never fails (a failing dependency is a check that did not pass). */
    readonly check: Effect.Effect<ReadonlyArray<ReadinessCheck>>
  }
>() {}
