/**
 * Merchant milestones (issue 15): first sale, 10, 50, 100 sales, the first KES 100,000 (the
 * definitions are data). A store's progress is its completed orders: how many, and their merchandise
 * at base prices per currency. Pure: which definitions the progress has reached that the store has
 * not yet been credited with.
 */
import type { Currency } from "./money.js"

export interface MilestoneDefinition {
  readonly code: string
  readonly title: string
  /** SALES: completed orders; REVENUE: their merchandise at base prices, in minor units of `currency` */
  readonly kind: "SALES" | "REVENUE"
  readonly threshold: number
  readonly currency?: Currency | undefined
}

export interface StoreProgress {
  readonly sales: number
  /** minor units per currency */
  readonly revenue: Readonly<Partial<Record<Currency, number>>>
}

export const hasReached = (d: MilestoneDefinition, p: StoreProgress): boolean =>
  d.kind === "SALES" ? p.sales >= d.threshold : d.currency !== undefined && (p.revenue[d.currency] ?? 0) >= d.threshold

/** The definitions reached by `progress` and not in `already`, smallest threshold first. */
export const newlyReached = (
  definitions: ReadonlyArray<MilestoneDefinition>,
  progress: StoreProgress,
  already: ReadonlySet<string>
): ReadonlyArray<MilestoneDefinition> =>
  definitions.filter((d) => !already.has(d.code) && hasReached(d, progress)).sort((a, b) => a.threshold - b.threshold || a.code.localeCompare(b.code))
