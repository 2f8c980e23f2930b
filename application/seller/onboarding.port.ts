/** OnboardingStore: opening a store, its KYC submission, payout destination, members and archived products. */
import type { CategoryId, LocationId, ProductId, StoreId, UserId } from "../../domain/ids.js"
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { StoreKycState } from "../../domain/catalogue.js"
import type { KycSubmission, PayoutDestination, StoreRole } from "../../domain/store.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import type { SlugTaken } from "./seller.errors.js"

export interface NewStore {
  readonly id: StoreId
  readonly ownerId: UserId
  readonly name: string
  readonly slug: string
  readonly mainCategoryId: CategoryId
  readonly locationId: LocationId
  readonly contactPhone: string
  readonly at: number
}

export interface StoreProfile {
  readonly id: StoreId
  readonly name: string
  readonly slug: string | undefined
  readonly mainCategoryId: string | undefined
  readonly locationId: string | undefined
  readonly contactPhone: string | undefined
  readonly kycState: StoreKycState
  readonly kycReason: string | undefined
  readonly kyc: KycSubmission | undefined
  readonly kycSubmittedAt: number | undefined
  readonly payout: PayoutDestination | undefined
  readonly payoutMethodChangedAt: number | undefined
  readonly createdAt: number
}

export interface StoreMember {
  readonly userId: UserId
  readonly phone: string
  readonly role: StoreRole
  readonly addedAt: number
}

export class OnboardingStore extends Context.Tag("amana/OnboardingStore")<
  OnboardingStore,
  {
    readonly categoryExists: (id: CategoryId) => Effect.Effect<boolean, StoreUnavailable>
    readonly locationKind: (id: LocationId) => Effect.Effect<Option.Option<string>, StoreUnavailable>
    /** The store, its OWNER membership, its main stock location, and the SELLER_OWNER role on the user. */
    readonly insertStore: (store: NewStore) => Effect.Effect<void, StoreUnavailable | SlugTaken>
    /** Row-locked for the rest of the transaction. */
    readonly lockStore: (storeId: StoreId) => Effect.Effect<Option.Option<StoreProfile>, StoreUnavailable>
    /** Back to PENDING with the submission (a REJECTED store's reason is cleared). */
    readonly saveKyc: (storeId: StoreId, kyc: KycSubmission, at: number) => Effect.Effect<void, StoreUnavailable>
    readonly setPayoutDestination: (storeId: StoreId, destination: PayoutDestination, at: number) => Effect.Effect<void, StoreUnavailable>
    /** The store of a user (any role), if any. */
    readonly membershipOf: (userId: UserId) => Effect.Effect<Option.Option<{ readonly storeId: StoreId; readonly role: StoreRole }>, StoreUnavailable>
    /** Row-locked: the store's members. */
    readonly members: (storeId: StoreId) => Effect.Effect<ReadonlyArray<StoreMember>, StoreUnavailable>
    /** Adds (or changes the role of) a member, and the matching SELLER_OWNER / SELLER_STAFF role on the user. */
    readonly putMember: (storeId: StoreId, userId: UserId, role: StoreRole, at: number) => Effect.Effect<void, StoreUnavailable>
    /** Removes a member and the seller roles the user no longer holds anywhere. */
    readonly removeMember: (storeId: StoreId, userId: UserId) => Effect.Effect<void, StoreUnavailable>
    /**
     * Archives (sets archived_at) or restores (clears it) a product of this store: CHANGED now,
     * ALREADY so, or NOT_FOUND (not this store's).
     */
    readonly setArchived: (
      productId: ProductId,
      storeId: StoreId,
      archived: boolean,
      at: number
    ) => Effect.Effect<"CHANGED" | "ALREADY" | "NOT_FOUND", StoreUnavailable>
  }
>() {}
