/** Tests that look at graphile-worker's jobs wait for the outbox relay first (adapters/postgres/outbox-relay.ts). */
import { Effect } from "effect"
import type { ManagedRuntime } from "effect"
import { Database } from "../../adapters/postgres/database.js"
import { relayFor } from "../../adapters/postgres/outbox-relay.js"

/** Resolves once a relay run that began after this call has handed over what was committed before it. */
export const relayed = (runtime: ManagedRuntime.ManagedRuntime<Database, unknown>): Promise<void> =>
  runtime.runPromise(Effect.flatMap(Database, (db) => Effect.promise(() => relayFor(db).flush())))
