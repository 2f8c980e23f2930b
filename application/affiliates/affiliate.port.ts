/**
 * AffiliateStore: applications to become an affiliate, the affiliates themselves (users with the
 * AFFILIATE role and a code), link clicks, and the attribution a click leaves with a cart owner.
 */
import type { ProductId, UserId } from "../../domain/ids.js"
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { CommissionState } from "../../domain/commission.js"
import type { Money } from "../../domain/money.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export type ApplicationState = "PENDING" | "APPROVED" | "REJECTED"

export interface ApplicationRecord {
  readonly id: string
  readonly userId: UserId
  readonly pitch: string
  readonly channel: string | null
  readonly state: ApplicationState
  readonly reason: string | null
  readonly code: string | null
  readonly createdAt: number
}

export interface AffiliateRecord {
  readonly userId: UserId
  readonly code: string
  /** the user is ACTIVE and holds the AFFILIATE role: only then do their links attribute */
  readonly active: boolean
}

/** Where a link's `p` leads: a product buyers may see (by id), or a verified store (by slug). */
export type LinkTarget = { readonly kind: "PRODUCT"; readonly productId: ProductId } | { readonly kind: "STORE"; readonly slug: string }

export interface AttributionRecord {
  readonly affiliateUserId: UserId
  readonly code: string
  readonly clickedAt: number
  readonly expiresAt: number
}

export interface AffiliateStats {
  readonly clicks: number
  /** orders attributed to the affiliate that were paid (their commission exists and was not rejected) */
  readonly conversions: number
  readonly earnings: ReadonlyArray<{ readonly state: CommissionState; readonly amount: Money; readonly count: number }>
  /** the most clicked targets, most clicked first */
  readonly topTargets: ReadonlyArray<{ readonly kind: "HOME" | "PRODUCT" | "STORE"; readonly target: string | null; readonly clicks: number }>
}

export class AffiliateStore extends Context.Tag("amana/AffiliateStore")<
  AffiliateStore,
  {
    readonly openApplication: (userId: UserId) => Effect.Effect<Option.Option<ApplicationRecord>, StoreUnavailable>
    /** false (nothing written) when the user already has an open application: one committed meanwhile (a double tap). */
    readonly insertApplication: (a: {
      readonly id: string
      readonly userId: UserId
      readonly pitch: string
      readonly channel: string | null
      readonly at: number
    }) => Effect.Effect<boolean, StoreUnavailable>
    /** Locks the application row for the rest of the transaction. */
    readonly lockApplication: (id: string) => Effect.Effect<Option.Option<ApplicationRecord>, StoreUnavailable>
    readonly decideApplication: (
      id: string,
      d: { readonly state: "APPROVED" | "REJECTED"; readonly reason: string | null; readonly code: string | null; readonly by: string; readonly at: number }
    ) => Effect.Effect<void, StoreUnavailable>
    /** The user's affiliate code and standing, when they have a code. */
    readonly affiliateOf: (userId: UserId) => Effect.Effect<Option.Option<AffiliateRecord>, StoreUnavailable>
    /** Matched case-insensitively. */
    readonly affiliateByCode: (code: string) => Effect.Effect<Option.Option<AffiliateRecord>, StoreUnavailable>
    /** Gives the user the AFFILIATE role and the code (kept when they already have one). */
    readonly grantAffiliate: (userId: UserId, code: string, at: number) => Effect.Effect<void, StoreUnavailable>
    readonly codeTaken: (code: string) => Effect.Effect<boolean, StoreUnavailable>
    /** A product buyers may see with this id, else a verified store with this slug. */
    readonly resolveTarget: (p: string) => Effect.Effect<Option.Option<LinkTarget>, StoreUnavailable>
    /** false when this visitor already clicked this affiliate's links that day (nothing written). */
    readonly recordClick: (click: {
      readonly id: string
      readonly affiliateUserId: UserId
      readonly visitor: string
      readonly day: string
      readonly targetKind: "HOME" | "PRODUCT" | "STORE"
      readonly target: string | null
      readonly at: number
    }) => Effect.Effect<boolean, StoreUnavailable>
    /** Sets the owner's attribution (last click wins). */
    readonly attribute: (owner: string, a: AttributionRecord) => Effect.Effect<void, StoreUnavailable>
    readonly attributionOf: (owner: string) => Effect.Effect<Option.Option<AttributionRecord>, StoreUnavailable>
    readonly removeAttribution: (owner: string) => Effect.Effect<void, StoreUnavailable>
    readonly stats: (userId: UserId) => Effect.Effect<AffiliateStats, StoreUnavailable>
  }
>() {}
