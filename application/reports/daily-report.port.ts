/** DailyReportStore: who gets the end-of-day report, the day's open issues, and each report claimed once (migration 0077). */
import { Context } from "effect"
import type { Effect } from "effect"
import type { Currency } from "../../domain/money.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface ActiveStore {
  readonly storeId: string
  readonly name: string
  readonly currency: Currency
  /** the owner's phone (2547XXXXXXXX) */
  readonly ownerPhone: string
}

export interface ReportClaim {
  readonly scope: string
  readonly day: string
  /** "owner" for a store's report, the admin's id for the platform's */
  readonly recipient: string
  readonly phone: string
  readonly params: ReadonlyArray<string>
  readonly at: number
}

export class DailyReportStore extends Context.Tag("amana/DailyReportStore")<
  DailyReportStore,
  {
    /** Stores with a row in the day's read models (insight_daily or insight_daily_money), with their owner's phone. */
    readonly activeStores: (day: string) => Effect.Effect<ReadonlyArray<ActiveStore>, StoreUnavailable>
    /** Exceptions opened minus closed for the scope up to the end of the day (may be below 0 for issues opened before the read models). */
    readonly openIssues: (scope: string, day: string) => Effect.Effect<number, StoreUnavailable>
    /** Active PLATFORM_ADMINs with a WhatsApp number. */
    readonly platformRecipients: () => Effect.Effect<ReadonlyArray<{ readonly adminId: string; readonly phone: string }>, StoreUnavailable>
    /** Records the report; false when it was already (scope, day, recipient). */
    readonly claim: (claim: ReportClaim) => Effect.Effect<boolean, StoreUnavailable>
    /** How many reports were asked for on the day. */
    readonly sentCount: (day: string) => Effect.Effect<{ readonly stores: number; readonly admins: number }, StoreUnavailable>
  }
>() {}
