/** Browsing: products (sellable only), product detail, pickup points and the location tree. */
import { Effect, Schema } from "effect"
import { categories, locations, pickupPoints, productDetail, searchProducts, verifiedBrands } from "../../../application/catalogue/browse.js"
import { recommendForProduct } from "../../../application/recommendations/recommendations.js"
import { endpoint } from "../endpoint.js"
import { Money, Paging, ProductIdParam, WireLocationId } from "../wire.js"
import { ProductSummary } from "./catalogue-schemas.js"
import { tenantOf } from "./stores.js"

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
  ),
  recommendations: Schema.Array(ProductSummary).annotations({
    description:
      "Bought together with this product in completed orders (at least twice; its own store first), else the store's best sellers: only products on sale now, never this one"
  })
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

const Category = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  slug: Schema.String,
  parentId: Schema.optional(Schema.String)
}).annotations({ identifier: "Category" })

const Brand = Schema.Struct({ id: Schema.String, name: Schema.String }).annotations({ identifier: "Brand" })

const SearchText = Schema.String.pipe(Schema.maxLength(200))

export const catalogueRoutes = [
  endpoint({
    method: "get",
    path: "/api/v1/products",
    tag: "Catalogue",
    summary: "Search sellable products",
    description:
      "Full-text search in English (stemmed) and Swahili/other words (as typed), tolerant of typos (pg_trgm). Only products that can be sold right now are listed. On a store's own host (<slug>.STORE_DOMAIN, or X-Store-Subdomain from a trusted edge) only that store's products.",
    auth: "none",
    query: Schema.Struct({ q: Schema.optional(SearchText), ...Paging.fields }),
    response: Schema.Struct({ items: Schema.Array(ProductSummary) }),
    errors: [400],
    handler: ({ query, ctx }) =>
      Effect.flatMap(tenantOf(ctx), (store) => Effect.map(searchProducts(query.q, query.limit, query.offset, store?.id), (items) => ({ items })))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/products/:id",
    tag: "Catalogue",
    summary: "A product with its variants, prices and availability",
    description: "On a store's own host (<slug>.STORE_DOMAIN, or X-Store-Subdomain from a trusted edge) another store's product is 404.",
    auth: "none",
    params: ProductIdParam,
    response: ProductDetail,
    errors: [400, 404],
    handler: ({ params, ctx }) =>
      Effect.flatMap(tenantOf(ctx), (store) =>
        Effect.flatMap(productDetail(params.id, store?.id), (product) =>
          Effect.map(recommendForProduct(product, store?.id), (recommendations) => ({ ...product, recommendations }))
        )
      )
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
  }),
  endpoint({
    method: "get",
    path: "/api/v1/categories",
    tag: "Catalogue",
    summary: "The category tree, flat (each with its parent)",
    description: "What a store's main category (POST /api/v1/seller/stores) and a product's category are chosen from. Admins keep the tree in the back-office.",
    auth: "none",
    response: Schema.Struct({ items: Schema.Array(Category) }),
    errors: [],
    handler: () => Effect.map(categories(), (items) => ({ items }))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/brands",
    tag: "Catalogue",
    summary: "Verified brands",
    description:
      "The brands a product may name (brandId on POST /api/v1/seller/products). Admins create and verify brands in the back-office; a product naming an unverified brand is not sold until the brand is verified.",
    auth: "none",
    response: Schema.Struct({ items: Schema.Array(Brand) }),
    errors: [],
    handler: () => Effect.map(verifiedBrands(), (items) => ({ items }))
  })
]
