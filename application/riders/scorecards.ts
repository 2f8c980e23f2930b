/** Rider scorecards: on-time rate, failed attempts, disputes, and the score the pool ranks by. */
import { Effect } from "effect"
import { scorecard } from "./assignment.js"
import { FulfilmentStore } from "../fulfilment/fulfilment.port.js"

export const riderScorecards = (riderUserId?: string) =>
  Effect.map(
    Effect.flatMap(FulfilmentStore, (s) => s.riderStats(riderUserId)),
    (rows) => rows.map((r) => scorecard(r.riderUserId, r.name, r.stats))
  )
