/**
 * Reading the read models (issue 15): a scope's daily series over the last `days` Nairobi days
 * (zero-filled), its top products and delivery areas, open issues, and the plain-language lines
 * domain/insights.ts draws from them. The seller reads their own store's; the back-office reads the
 * platform's (`*`). Only the read models are read, never the order tables.
 */
import { Clock, Effect } from "effect"
import { addDays, dailySeries, insightLines, nairobiDay, PLATFORM_SCOPE } from "../../domain/insights.js"
import type { UserId } from "../../domain/ids.js"
import { sellerWith } from "../seller/seller.js"
import { InsightStore } from "./insights.port.js"

export const MAX_DAYS = 90
export const DEFAULT_DAYS = 14

export const insightsFor = (scope: string, days: number) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const to = nairobiDay(now)
    const from = addDays(to, 1 - days)
    const store = yield* InsightStore
    const [rows, topProducts, areas, openIssues] = yield* Effect.all([
      store.series(scope, from, to),
      store.topProducts(scope, from, to, 5),
      store.areas(scope, from, to),
      store.openIssues(scope)
    ])
    const series = dailySeries(rows, to, days)
    return { from, to, days, series, topProducts, areas, openIssues, insights: insightLines({ series, areas, topProducts, openIssues }) }
  }).pipe(Effect.withSpan("Insights.read"))

/** GET /api/v1/seller/insights: the owner's store. */
export const sellerInsights = (userId: UserId, days: number) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "INSIGHTS")
    return { storeId: store.storeId as string, ...(yield* insightsFor(store.storeId, days)) }
  })

/** The back-office dashboard: the whole platform. */
export const platformInsights = (days: number) => insightsFor(PLATFORM_SCOPE, days)
