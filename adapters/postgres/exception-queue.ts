/**
 * The exception queue's one writer: every `insert into exceptions` is this module's (the
 * application's ExceptionQueue port, and the worker's dead letters, which have no use case).
 * A new exception is announced by EXCEPTION_OPENED in the same transaction (the read models count
 * open issues per store from it); its store is its order's, when it is about one.
 */
import { Effect, Layer } from "effect"
import { ExceptionQueue } from "../../application/ports/exception-queue.js"
import type { ExceptionReport } from "../../application/ports/exception-queue.js"
import { Database, DbError } from "./database.js"
import { appendToOutbox, q, unavailable } from "./unit-of-work.js"

/** On the current transaction (or the pool); a second report of the same cause is a no-op. */
export const insertException = (db: Database["Type"], e: ExceptionReport) =>
  Effect.gen(function* () {
    const storeId = typeof e.payload["storeId"] === "string" ? e.payload["storeId"] : null
    const rows = yield* q(
      db,
      (sql) => sql<Array<{ id: string; store_id: string | null; created_at: Date }>>`
      insert into exceptions (kind, entity, entity_id, payload, dedupe_key, store_id)
      values (${e.kind}, ${e.entity}, ${e.entityId}, ${sql.json(e.payload as never)}, ${e.dedupeKey},
              coalesce(${storeId}::text, (select store_id from orders where ${e.entity}::text = 'order' and id = ${e.entityId}::text)))
      on conflict (dedupe_key) do nothing
      returning id, store_id, created_at`
    )
    const row = rows[0]
    // A dead letter of EXCEPTION_OPENED itself is not announced again (a broken handler would otherwise feed itself).
    if (row === undefined || (e.kind === "DEAD_LETTER" && e.payload["eventType"] === "EXCEPTION_OPENED")) return
    yield* appendToOutbox(db, [
      {
        type: "EXCEPTION_OPENED",
        aggregateType: "EXCEPTION",
        aggregateId: row.id,
        payload: { exceptionId: row.id, kind: e.kind, storeId: row.store_id, at: row.created_at.getTime() }
      }
    ])
  })

export const ExceptionQueueLive = Layer.effect(
  ExceptionQueue,
  // its own transaction when raised outside one (a handler running in its own transactions), so the
  // exception and its EXCEPTION_OPENED commit together
  Effect.map(Database, (db) => ({
    raise: (e) =>
      Effect.flatMap(db.inTransaction, (inOne) =>
        inOne ? insertException(db, e) : Effect.mapError(db.transaction(insertException(db, e)), (x) => (x instanceof DbError ? unavailable(x) : x))
      )
  }))
)
