/** UnitOfWork: one transaction around a use case. Nested calls join the outer transaction. */
import { Context, Data, Effect, Either } from "effect"

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

/**
 * Independent statements of the current transaction, issued at once: postgres.js pipelines a
 * connection's queries (they leave together, with no wait between them) and the server runs them
 * one after another, in the order they were issued. So use it only where no statement needs
 * another's answer, and where running them in any order would do. (Outside a transaction they would
 * run on several pooled connections, in no order.) The effects issue their first statements in the
 * order given. Each runs to its end: none is interrupted when another fails (an interrupted
 * statement is cancelled on the server; a defect still interrupts). The result is the first failure
 * in the order given: a statement after a failed one fails only because the transaction is aborted,
 * so whatever may fail for a reason of its own (a lock wait: a deadlock is retried) goes first.
 */
export const pipelined = <const T extends ReadonlyArray<Effect.Effect<unknown, unknown, unknown>>>(
  effects: T
): Effect.Effect<{ -readonly [K in keyof T]: Effect.Effect.Success<T[K]> }, Effect.Effect.Error<T[number]>, Effect.Effect.Context<T[number]>> =>
  Effect.flatMap(
    Effect.forEach(effects as ReadonlyArray<Effect.Effect<unknown, unknown, unknown>>, (e) => Effect.either(e), { concurrency: "unbounded" }),
    (results) => {
      const failed = results.find(Either.isLeft)
      return failed === undefined ? Effect.succeed(results.map((r) => Either.getOrThrow(r))) : Effect.fail(failed.left)
    }
  ) as never
