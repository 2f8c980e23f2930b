/** UnitOfWork: one transaction around a use case. Nested calls join the outer transaction. */
import { Context, Data } from "effect"
import type { Effect } from "effect"

/** The store failed for a reason that is not the caller's (connection lost, serialization storm...). */
export class StoreUnavailable extends Data.TaggedError("StoreUnavailable")<{ readonly detail: string; readonly cause?: unknown }> {
  readonly code = "STORE.UNAVAILABLE"
  override get message() {
    return this.detail
  }
}

export class UnitOfWork extends Context.Tag("amana/UnitOfWork")<
  UnitOfWork,
  {
    /** Runs `effect` in one transaction; retried from the start on a serialization failure or deadlock. */
    readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreUnavailable, R>
    /**
     * Runs `effect`'s reads in one read-only snapshot (REPEATABLE READ): every statement sees the same
     * committed state, so a read assembled from several statements is never torn. Takes no locks.
     */
    readonly snapshot: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreUnavailable, R>
  }
>() {}
