/** Browsing: search, product page, and the geography a buyer picks a destination from. */
import type { LocationId, ProductId, StoreId } from "../../domain/ids.js"
import { Data, Effect, Option } from "effect"
import { CatalogueReader } from "./catalogue.port.js"

export class ProductNotFound extends Data.TaggedError("ProductNotFound")<{ readonly productId: string }> {
  readonly code = "PRODUCT.NOT_FOUND"
  override get message() {
    return `there is no product ${this.productId} on sale`
  }
}

export class LocationNotFound extends Data.TaggedError("LocationNotFound")<{ readonly locationId: string }> {
  readonly code = "LOCATION.NOT_FOUND"
  override get message() {
    return `there is no location ${this.locationId}`
  }
}

/** `storeId`: only that store's products (a request on the store's own host). */
export const searchProducts = (text: string | undefined, limit = 20, offset = 0, storeId?: StoreId) =>
  Effect.flatMap(CatalogueReader, (r) => r.search({ text: text?.trim() === "" ? undefined : text?.trim(), limit, offset, storeId })).pipe(
    Effect.withSpan("Catalogue.search")
  )

/** `storeId`: another store's product is not found (a request on the store's own host). */
export const productDetail = (productId: ProductId, storeId?: StoreId) =>
  Effect.flatMap(CatalogueReader, (r) =>
    Effect.flatMap(
      r.product(productId),
      Option.match({
        onNone: () => Effect.fail(new ProductNotFound({ productId })),
        onSome: (p) => (storeId !== undefined && p.storeId !== storeId ? Effect.fail(new ProductNotFound({ productId })) : Effect.succeed(p))
      })
    )
  )

export const pickupPoints = (text: string | undefined, limit = 50) =>
  Effect.flatMap(CatalogueReader, (r) => r.pickupPoints({ text: text?.trim() === "" ? undefined : text?.trim(), limit }))

export const locations = (parentId: LocationId | undefined) =>
  Effect.gen(function* () {
    const r = yield* CatalogueReader
    if (parentId !== undefined && !(yield* r.locationExists(parentId))) return yield* new LocationNotFound({ locationId: parentId })
    return yield* r.locations(parentId)
  })

/** The category tree, flat (each with its parent): what a seller files a store or product under. */
export const categories = () => Effect.flatMap(CatalogueReader, (r) => r.categories())

/** Verified brands: what a seller may name on a product (others are proposed with the listing). */
export const verifiedBrands = () => Effect.flatMap(CatalogueReader, (r) => r.verifiedBrands())
