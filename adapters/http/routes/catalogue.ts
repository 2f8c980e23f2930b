/** Browsing: products (sellable only), product detail, pickup points and the location tree. */
import { Effect, Schema } from "effect"
import { locations, pickupPoints, productDetail, searchProducts } from "../../../application/catalogue/browse.js"
import { endpoint } from "../endpoint.js"
import { Money, Paging, ProductIdParam, WireLocationId } from "../wire.js"

const ProductSummary = Schema.Struct({
  id: Schema.String,
  storeId: Schema.String,
  storeName: Schema.String,
  title: Schema.String,
  description: Schema.String,
  price: Money,
  media: Schema.Array(Schema.String),
  available: Schema.Int
}).annotations({ identifier: "ProductSummary" })

const ProductDetail = Schema.Struct({
  ...ProductSummary.fields,
  brand: Schema.optional(Schema.String),
  categoryId: Schema.optional(Schema.String),
  commissionRateBps: Schema.Int,
  sellable: Schema.Boolean,
  variants: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      sku: Schema.String,
      attributes: Schema.Record({ key: Schema.String, value: Schema.String }),
      price: Money,
      weightGrams: Schema.Int,
      available: Schema.Int
    })
  )
}).annotations({ identifier: "ProductDetail" })

export const Location = Schema.Struct({
  id: Schema.String,
  kind: Schema.Literal("COUNTY", "TOWN", "MARKET", "PICKUP_POINT"),
  name: Schema.String,
  parentId: Schema.optional(Schema.String),
  address: Schema.optional(Schema.String),
  lat: Schema.optional(Schema.Number),
  lng: Schema.optional(Schema.Number)
}).annotations({ identifier: "Location" })

const SearchText = Schema.String.pipe(Schema.maxLength(200))

export const catalogueRoutes = [
  endpoint({
    method: "get",
    path: "/api/v1/products",
    tag: "Catalogue",
    summary: "Search sellable products",
    description:
      "Full-text search in English (stemmed) and Swahili/other words (as typed), tolerant of typos (pg_trgm). Only products that can be sold right now are listed.",
    auth: "none",
    query: Schema.Struct({ q: Schema.optional(SearchText), ...Paging.fields }),
    response: Schema.Struct({ items: Schema.Array(ProductSummary) }),
    errors: [400],
    handler: ({ query }) => Effect.map(searchProducts(query.q, query.limit, query.offset), (items) => ({ items }))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/products/:id",
    tag: "Catalogue",
    summary: "A product with its variants, prices and availability",
    auth: "none",
    params: ProductIdParam,
    response: ProductDetail,
    errors: [400, 404],
    handler: ({ params }) => productDetail(params.id)
  }),
  endpoint({
    method: "get",
    path: "/api/v1/pickup-points",
    tag: "Geography",
    summary: "Pickup points (partner shops and lockers), searchable by name or address",
    auth: "none",
    query: Schema.Struct({ q: Schema.optional(SearchText) }),
    response: Schema.Struct({ items: Schema.Array(Location) }),
    errors: [400],
    handler: ({ query }) => Effect.map(pickupPoints(query.q), (items) => ({ items }))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/locations",
    tag: "Geography",
    summary: "The location tree: counties, or the children of `parent`",
    auth: "none",
    query: Schema.Struct({ parent: Schema.optional(WireLocationId) }),
    response: Schema.Struct({ items: Schema.Array(Location) }),
    errors: [400, 404],
    handler: ({ query }) => Effect.map(locations(query.parent), (items) => ({ items }))
  })
]
