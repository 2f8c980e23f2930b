/**
 * CatalogueReader: what buyers browse. Only sellable products are listed (store KYC-verified,
 * product VERIFIED, brand verified if any, stock available); a product page also shows a verified
 * product that is momentarily out of stock, with availability 0.
 */
import type { BrandId, CategoryId, LocationId, ProductId, StoreId, VariantId } from "../../domain/ids.js"
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { Money } from "../../domain/money.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface ProductSummary {
  readonly id: ProductId
  readonly storeId: StoreId
  readonly storeName: string
  readonly title: string
  readonly description: string
  readonly price: Money
  readonly media: ReadonlyArray<string>
  readonly available: number
}

export interface VariantView {
  readonly id: VariantId
  readonly sku: string
  readonly attributes: Readonly<Record<string, string>>
  readonly price: Money
  readonly weightGrams: number
  readonly available: number
}

export interface ProductDetail extends ProductSummary {
  readonly brand?: string | undefined
  readonly categoryId?: CategoryId | undefined
  readonly commissionRateBps: number
  readonly sellable: boolean
  readonly variants: ReadonlyArray<VariantView>
}

export interface LocationView {
  readonly id: LocationId
  readonly kind: "COUNTY" | "TOWN" | "MARKET" | "PICKUP_POINT"
  readonly name: string
  readonly parentId?: LocationId | undefined
  readonly address?: string | undefined
  readonly lat?: number | undefined
  readonly lng?: number | undefined
}

/** A category a seller files a store or product under (the tree is the admins'; a root has no parent). */
export interface CategoryView {
  readonly id: CategoryId
  readonly name: string
  readonly slug: string
  readonly parentId?: CategoryId | undefined
}

/** A brand admins have verified: the only ones a product may show. */
export interface BrandView {
  readonly id: BrandId
  readonly name: string
}

export class CatalogueReader extends Context.Tag("amana/CatalogueReader")<
  CatalogueReader,
  {
    /** Full-text (English and Swahili/simple) plus trigram similarity for typos; no query lists everything sellable. */
    readonly search: (query: {
      readonly text?: string | undefined
      readonly limit: number
      readonly offset: number
      /** only this store's products */
      readonly storeId?: StoreId | undefined
    }) => Effect.Effect<ReadonlyArray<ProductSummary>, StoreUnavailable>
    readonly product: (productId: ProductId) => Effect.Effect<Option.Option<ProductDetail>, StoreUnavailable>
    readonly pickupPoints: (query: {
      readonly text?: string | undefined
      readonly limit: number
    }) => Effect.Effect<ReadonlyArray<LocationView>, StoreUnavailable>
    /** Children of `parentId`; the counties when absent. */
    readonly locations: (parentId: LocationId | undefined) => Effect.Effect<ReadonlyArray<LocationView>, StoreUnavailable>
    readonly locationExists: (id: LocationId) => Effect.Effect<boolean, StoreUnavailable>
    /** Every category (each names its parent): roots first, then by name. */
    readonly categories: () => Effect.Effect<ReadonlyArray<CategoryView>, StoreUnavailable>
    /** Verified brands by name. */
    readonly verifiedBrands: () => Effect.Effect<ReadonlyArray<BrandView>, StoreUnavailable>
  }
>() {}
