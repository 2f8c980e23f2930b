/** SellerStore: a seller's store, listings, stock and money lines. */
import type { OrderId, ProductId, StoreId, UserId, VariantId } from "../../domain/ids.js"
import { Context, Data } from "effect"
import type { Effect, Option } from "effect"
import type { Listing } from "../../domain/catalogue.js"
import type { Money } from "../../domain/money.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface SellerStoreRef {
  readonly storeId: StoreId
  readonly storeName: string
  readonly role: "OWNER" | "STAFF"
}

export interface StockLine {
  readonly variantId: VariantId
  readonly onHand: number
  readonly reserved: number
}

export interface LedgerLine {
  readonly at: number
  readonly kind: string
  readonly orderId?: OrderId | undefined
  readonly description: string
  /** positive: owed to the seller; negative: paid out */
  readonly amount: Money
}

export interface PayoutLine {
  readonly payoutId: string
  readonly status: string
  readonly amount: Money
  readonly createdAt: number
  readonly receipt?: string | undefined
}

export class SkuTaken extends Data.TaggedError("SkuTaken")<{ readonly sku: string }> {
  readonly code = "CATALOGUE.SKU_TAKEN"
  override get message() {
    return `the SKU ${this.sku} is already used`
  }
}

export class SellerStore extends Context.Tag("amana/SellerStore")<
  SellerStore,
  {
    /** The store this user works for (an owner's own store first). */
    readonly storeOf: (userId: UserId) => Effect.Effect<Option.Option<SellerStoreRef>, StoreUnavailable>
    /** The store's live products, or (archived: true) its archived ones. */
    readonly listings: (
      storeId: StoreId,
      archived: boolean
    ) => Effect.Effect<ReadonlyArray<{ readonly listing: Listing; readonly stock: ReadonlyArray<StockLine> }>, StoreUnavailable>
    /** Row-locked for the rest of the transaction. */
    readonly loadListing: (
      productId: ProductId
    ) => Effect.Effect<Option.Option<{ readonly listing: Listing; readonly stock: ReadonlyArray<StockLine> }>, StoreUnavailable>
    readonly insertListing: (listing: Listing, stock: ReadonlyMap<string, number>, at: number) => Effect.Effect<void, StoreUnavailable | SkuTaken>
    /** Of the brand and category a listing names, those that do not exist. */
    readonly missingReferences: (refs: {
      readonly brandId?: string | undefined
      readonly categoryId?: string | undefined
    }) => Effect.Effect<ReadonlyArray<"brandId" | "categoryId">, StoreUnavailable>
    /** The product's deactivated variants (removed by an edit, kept for the orders that name them). */
    readonly retiredVariants: (productId: ProductId) => Effect.Effect<ReadonlyArray<{ readonly id: VariantId; readonly sku: string }>, StoreUnavailable>
    /** Writes the edited product and its variant set (a variant left out is deactivated, never deleted). */
    readonly updateListing: (listing: Listing, at: number) => Effect.Effect<void, StoreUnavailable | SkuTaken>
    readonly variantOwner: (
      variantId: VariantId
    ) => Effect.Effect<Option.Option<{ readonly storeId: StoreId; readonly productId: ProductId }>, StoreUnavailable>
    /** ok false (nothing changed) when reservations exceed the new on-hand figure; `before` is the on-hand figure it replaced */
    readonly setStock: (
      variantId: VariantId,
      onHand: number
    ) => Effect.Effect<{ readonly ok: boolean; readonly reserved: number; readonly before: number }, StoreUnavailable>
    readonly ledger: (storeId: StoreId) => Effect.Effect<ReadonlyArray<LedgerLine>, StoreUnavailable>
    readonly payouts: (storeId: StoreId) => Effect.Effect<ReadonlyArray<PayoutLine>, StoreUnavailable>
    /** Snapshots of this store's orders whose escrow was released, each with whether its commission was since given back to the store (rejected for fraud). */
    readonly settledSnapshots: (
      storeId: StoreId
    ) => Effect.Effect<ReadonlyArray<{ readonly snapshot: unknown; readonly commissionReversed: boolean }>, StoreUnavailable>
  }
>() {}
