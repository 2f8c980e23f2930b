/**
 * The exception queue's one writer: every `insert into exceptions` is this module's (the
 * application's ExceptionQueue port, and the worker's dead letters, which have no use case).
 */
import { Effect, Layer } from "effect"
import { ExceptionQueue } from "../../application/ports/exception-queue.js"
import type { ExceptionReport } from "../../application/ports/exception-queue.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

/** On the current transaction (or the pool); a second report of the same cause is a no-op. */
export const insertException = (db: Database["Type"], e: ExceptionReport) =>
  q(
    db,
    (sql) => sql`
    insert into exceptions (kind, entity, entity_id, payload, dedupe_key)
    values (${e.kind}, ${e.entity}, ${e.entityId}, ${sql.json(e.payload as never)}, ${e.dedupeKey})
    on conflict (dedupe_key) do nothing`
  ).pipe(Effect.asVoid)

export const ExceptionQueueLive = Layer.effect(
  ExceptionQueue,
  Effect.map(Database, (db) => ({ raise: (e) => insertException(db, e) }))
)
