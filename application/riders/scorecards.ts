/** Rider scorecards: on-time rate, failed attempts, disputes, and the score the pool ranks by. */
import { Effect } from "effect"
import type { UserId } from "../../domain/ids.js"
import { scorecard } from "./assignment.js"
import { FulfilmentStore } from "../fulfilment/fulfilment.port.js"

export const riderScorecards = (riderUserId?: UserId) =>
  Effect.map(
    Effect.flatMap(FulfilmentStore, (s) => s.riderStats(riderUserId)),
    (rows) => rows.map((r) => scorecard(r.riderUserId, r.name, r.stats))
  )
