/**
 * ExceptionQueue: things a human must look at (the back-office's exception queue). The only way
 * anything is added to it: the Postgres adapter (adapters/postgres/exception-queue.ts) is the one
 * writer of the `exceptions` table. Deduplicated: a replayed cause raises one exception.
 */
import { Context } from "effect"
import type { Effect } from "effect"
import type { StoreUnavailable } from "./unit-of-work.js"

export interface ExceptionReport {
  readonly kind: string
  readonly entity: string
  readonly entityId: string
  readonly payload: Readonly<Record<string, unknown>>
  /** one exception per cause, however often it is replayed */
  readonly dedupeKey: string
}

export class ExceptionQueue extends Context.Tag("amana/ExceptionQueue")<
  ExceptionQueue,
  {
    readonly raise: (e: ExceptionReport) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
