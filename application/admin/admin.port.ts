/**
 * AdminStore: what the back-office use cases need from persistence. Every `lock*` takes the row
 * lock in the current UnitOfWork transaction, so two reviewers deciding the same record serialize
 * and the second one sees the first one's outcome.
 */
import type {
  AdminUserId,
  BrandId,
  CommissionId,
  DiscountCodeId,
  ExceptionId,
  OrderId,
  PayoutBatchId,
  PayoutId,
  ProductId,
  PromotionId,
  StoreId,
  UserId
} from "../../domain/ids.js"
import { Context } from "effect"
import type { CommissionState } from "../../domain/commission.js"
import type { Effect, Option } from "effect"
import type { StoreKycState, VerificationState } from "../../domain/catalogue.js"
import type { IncentiveEffect, PromotionScope } from "../../domain/incentives.js"
import type { Currency, Money } from "../../domain/money.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import type { AdminRole } from "./admin-roles.js"

/** One audit-log row: the same entry the AuditLog port appends (application/ports/audit-log.ts). */
export type { AuditActor, AuditRecord as AuditEntry, SystemActor } from "../ports/audit-log.js"
import type { AuditRecord as AuditEntry } from "../ports/audit-log.js"

export interface SellerRecord {
  readonly id: StoreId
  readonly name: string
  readonly kycState: StoreKycState
  readonly kycReason: string | null
}

/** What a reviewer approves; stored as products.last_verified so a re-review can show a diff. */
export interface ProductReviewedFields {
  readonly title: string
  readonly description: string
  readonly basePrice: Money
  readonly media: ReadonlyArray<string>
  readonly brandId: BrandId | null
  readonly variants: ReadonlyArray<{
    readonly sku: string
    readonly attributes: Readonly<Record<string, unknown>>
    readonly priceOverride: number | null
    readonly active: boolean
  }>
}

export interface ProductRecord {
  readonly id: ProductId
  readonly storeId: StoreId
  readonly state: VerificationState
  readonly rejectionReason: string | null
  readonly version: number
  readonly current: ProductReviewedFields
  readonly lastVerified: ProductReviewedFields | null
}

export interface BrandRecord {
  readonly id: BrandId
  readonly name: string
  /** in the shared vocabulary: the table's PENDING is PENDING_REVIEW */
  readonly state: VerificationState
  readonly rejectionReason: string | null
}

/** One immutable rule version of a promotion. */
export interface PromotionRule {
  readonly priority: number
  readonly startsAt: number
  readonly endsAt: number
  readonly scope: PromotionScope
  readonly minSubtotal?: Money | undefined
  readonly effect: IncentiveEffect
  readonly currency: Currency
  readonly globalLimit: number | null
  readonly perBuyerLimit: number | null
}

export type IncentiveStatus = "ACTIVE" | "PAUSED" | "ENDED"

export interface PromotionRecord {
  readonly id: PromotionId
  readonly name: string
  readonly status: IncentiveStatus
  readonly currentVersion: number
  readonly rule: PromotionRule
}

export interface DiscountCodeRule {
  readonly startsAt: number | null
  readonly expiresAt: number
  readonly currency: Currency
  readonly minSubtotal: number
  readonly effect: IncentiveEffect
  readonly globalLimit: number | null
  readonly perBuyerLimit: number | null
}

export interface DiscountCodeRecord {
  readonly id: DiscountCodeId
  readonly code: string
  readonly status: IncentiveStatus
  readonly currentVersion: number
  readonly rule: DiscountCodeRule
}

export interface ExceptionRecord {
  readonly id: ExceptionId
  readonly kind: string
  readonly status: "OPEN" | "RESOLVED"
  readonly entity: string | null
  readonly entityId: string | null
  readonly payload: Readonly<Record<string, unknown>>
  readonly note: string | null
  /** the store whose order it is about, when it is about one (the read models count a store's issues) */
  readonly storeId?: string | null | undefined
}

export interface PayoutBatchRecord {
  readonly id: PayoutBatchId
  readonly weekKey: string
  readonly state: "DRAFT" | "APPROVED" | "PROCESSING" | "COMPLETED"
  readonly payouts: number
  readonly total: ReadonlyArray<Money>
}

export interface CommissionRecord {
  readonly id: CommissionId
  readonly orderId: OrderId
  readonly storeId: StoreId
  readonly affiliateUserId: UserId
  readonly amount: Money
  readonly state: CommissionState
}

export interface AdminUserRecord {
  readonly id: AdminUserId
  readonly email: string
  readonly passwordHash: string
  readonly role: AdminRole
  readonly status: "ACTIVE" | "DISABLED"
}

export class AdminStore extends Context.Tag("amana/AdminStore")<
  AdminStore,
  {
    /** Appends to the hash-chained audit log (the chain is computed by the database); returns seq. */
    readonly audit: (entry: AuditEntry) => Effect.Effect<number, StoreUnavailable>

    readonly lockSeller: (storeId: StoreId) => Effect.Effect<Option.Option<SellerRecord>, StoreUnavailable>
    readonly setSellerKyc: (
      storeId: StoreId,
      change: { readonly state: StoreKycState; readonly reason: string | null; readonly by: AdminUserId; readonly at: number }
    ) => Effect.Effect<void, StoreUnavailable>

    readonly lockProduct: (productId: ProductId) => Effect.Effect<Option.Option<ProductRecord>, StoreUnavailable>
    /** `verified` is set when the product becomes VERIFIED: what was approved, for later diffs. */
    readonly setProductState: (
      productId: ProductId,
      change: {
        readonly state: VerificationState
        readonly reason: string | null
        readonly by: AdminUserId
        readonly at: number
        readonly verified?: ProductReviewedFields
      }
    ) => Effect.Effect<void, StoreUnavailable>

    readonly lockBrand: (brandId: BrandId) => Effect.Effect<Option.Option<BrandRecord>, StoreUnavailable>
    readonly setBrandState: (
      brandId: BrandId,
      change: { readonly state: VerificationState; readonly reason: string | null; readonly by: AdminUserId; readonly at: number }
    ) => Effect.Effect<void, StoreUnavailable>

    readonly insertPromotion: (p: {
      readonly id: PromotionId
      readonly name: string
      readonly by: AdminUserId
      readonly at: number
      readonly rule: PromotionRule
    }) => Effect.Effect<void, StoreUnavailable>
    readonly lockPromotion: (id: PromotionId) => Effect.Effect<Option.Option<PromotionRecord>, StoreUnavailable>
    /** Appends version `version` (never rewrites one) and moves the head to it. */
    readonly appendPromotionVersion: (
      id: PromotionId,
      version: number,
      rule: PromotionRule,
      by: AdminUserId,
      at: number
    ) => Effect.Effect<void, StoreUnavailable>
    readonly setPromotionStatus: (id: PromotionId, status: IncentiveStatus, at: number) => Effect.Effect<void, StoreUnavailable>

    readonly insertDiscountCode: (d: {
      readonly id: DiscountCodeId
      readonly code: string
      /** null: issued by the platform itself (an abandoned cart's one-use code, application/cart-recovery) */
      readonly by: AdminUserId | null
      readonly at: number
      readonly rule: DiscountCodeRule
    }) => Effect.Effect<void, StoreUnavailable>
    /** Is this code string taken by a live (not ENDED) code? */
    readonly liveCodeExists: (code: string) => Effect.Effect<boolean, StoreUnavailable>
    readonly lockDiscountCode: (id: DiscountCodeId) => Effect.Effect<Option.Option<DiscountCodeRecord>, StoreUnavailable>
    readonly appendDiscountCodeVersion: (
      id: DiscountCodeId,
      version: number,
      rule: DiscountCodeRule,
      by: AdminUserId,
      at: number
    ) => Effect.Effect<void, StoreUnavailable>
    readonly setDiscountCodeStatus: (id: DiscountCodeId, status: IncentiveStatus, at: number) => Effect.Effect<void, StoreUnavailable>

    readonly lockException: (id: ExceptionId) => Effect.Effect<Option.Option<ExceptionRecord>, StoreUnavailable>
    /** The OPEN exceptions of this kind about this entity, locked (oldest first). */
    readonly lockOpenExceptionsAbout: (kind: string, entity: string, entityId: string) => Effect.Effect<ReadonlyArray<ExceptionRecord>, StoreUnavailable>
    readonly resolveException: (
      id: ExceptionId,
      change: { readonly note: string; readonly by: AdminUserId; readonly at: number }
    ) => Effect.Effect<void, StoreUnavailable>
    /** Puts a dead-lettered outbox event back on the worker's queue (same transaction). */
    readonly requeueOutboxEvent: (eventId: string) => Effect.Effect<boolean, StoreUnavailable>

    readonly lockPayoutBatch: (id: PayoutBatchId) => Effect.Effect<Option.Option<PayoutBatchRecord>, StoreUnavailable>
    readonly approvePayoutBatch: (id: PayoutBatchId, by: AdminUserId, at: number) => Effect.Effect<void, StoreUnavailable>

    readonly lockCommission: (id: CommissionId) => Effect.Effect<Option.Option<CommissionRecord>, StoreUnavailable>
    readonly rejectCommission: (id: CommissionId, reason: string, at: number) => Effect.Effect<void, StoreUnavailable>
    /**
     * Takes `amount` out of the affiliate's payout not yet sent (PENDING) in that currency; a payout left
     * below `minimum` leaves its batch (the balance carries over). "IN_FLIGHT" when a payout to the
     * affiliate is SUBMITTED (it cannot be pulled back) or MANUAL_PENDING (with a person: give it back first), else what happened to the batch.
     */
    readonly pullFromPendingPayout: (
      commissionId: CommissionId,
      affiliateUserId: UserId,
      amount: Money,
      minimum: Money | undefined
    ) => Effect.Effect<"IN_FLIGHT" | { readonly payoutId: PayoutId; readonly remaining: number } | undefined, StoreUnavailable>

    readonly findAdminByEmail: (email: string) => Effect.Effect<Option.Option<AdminUserRecord>, StoreUnavailable>
    readonly countAdmins: () => Effect.Effect<number, StoreUnavailable>
    readonly insertAdmin: (a: {
      readonly id: AdminUserId
      readonly email: string
      readonly passwordHash: string
      readonly role: AdminRole
    }) => Effect.Effect<void, StoreUnavailable>
    readonly recordLogin: (adminId: AdminUserId, at: number) => Effect.Effect<void, StoreUnavailable>

    /** First audit seq that does not verify, None when the chain is intact. */
    readonly verifyAuditChain: () => Effect.Effect<Option.Option<number>, StoreUnavailable>
  }
>() {}

/** Password hashing (a memory-hard KDF) lives in an adapter; use cases only see this. */
export class PasswordHasher extends Context.Tag("amana/PasswordHasher")<
  PasswordHasher,
  {
    readonly hash: (password: string) => Effect.Effect<string>
    readonly verify: (password: string, stored: string) => Effect.Effect<boolean>
  }
>() {}
