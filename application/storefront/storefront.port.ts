/** StorefrontReader: a store as buyers see it (only a KYC-verified store), and its verified products. */
import type { StoreId } from "../../domain/ids.js"
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { Currency } from "../../domain/money.js"
import type { ProductSummary } from "../catalogue/catalogue.port.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface StoreView {
  readonly id: StoreId
  readonly slug: string
  readonly name: string
  readonly currency: Currency
  readonly productCount: number
  readonly openedAt: number
  /** milestones reached (issue 15); absent in an entry cached before badges existed */
  readonly badges?: ReadonlyArray<{ readonly code: string; readonly title: string; readonly reachedAt: number }> | undefined
}

export class StorefrontReader extends Context.Tag("amana/StorefrontReader")<
  StorefrontReader,
  {
    /** A VERIFIED store by its slug (lower case). */
    readonly storeBySlug: (slug: string) => Effect.Effect<Option.Option<StoreView>, StoreUnavailable>
    /** Its VERIFIED, not archived products (brand verified when there is one), newest first; out of stock ones show 0 available. */
    readonly storeProducts: (
      storeId: StoreId,
      page: { readonly limit: number; readonly offset: number }
    ) => Effect.Effect<ReadonlyArray<ProductSummary>, StoreUnavailable>
    /** A store's slug whatever its state (to invalidate what was cached under it). */
    readonly slugOf: (storeId: StoreId) => Effect.Effect<Option.Option<string>, StoreUnavailable>
  }
>() {}
