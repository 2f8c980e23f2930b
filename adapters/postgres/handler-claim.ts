/**
 * A handler's claim (application/ports/handler-claim.ts) in PostgreSQL: its `processed_events` row.
 *
 * `claimInsert` returns one row when the claim is new and none when the event was handled before;
 * on its own it is the worker's claim, and as a CTE (`with claim as (...)`) it is a part of a
 * one-statement handler's write, whose rows are gated by `claimed` (`where exists (select from
 * claim)`). One statement sees one snapshot, but `on conflict` sees every committed or in-flight
 * row: of two runs of one event at once, the second's insert waits for the first's statement and
 * then returns nothing, so the second writes nothing.
 */
import type { HandlerClaim } from "../../application/ports/handler-claim.js"
import type { Sql } from "./database.js"

export const claimInsert = (sql: Sql, claim: HandlerClaim) =>
  sql`insert into processed_events (handler, event_id) values (${claim.handler}, ${claim.eventId}) on conflict do nothing returning 1`

/** The gate of a write in the claim's statement: true only when the claim CTE inserted its row. */
export const claimed = (sql: Sql) => sql`exists (select from claim)`
