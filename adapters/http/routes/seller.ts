/** /api/v1/seller/...: a seller's listings, stock, commission rates, orders and statement. */
import { Effect, Schema } from "effect"
import type { Listing } from "../../../domain/catalogue.js"
import type { StockLine } from "../../../application/seller/seller.port.js"
import {
  acceptOrder,
  createProduct,
  editProduct,
  listProducts,
  rejectOrder,
  setCommissionRate,
  setStock,
  statement,
  storeOrder,
  storeOrders
} from "../../../application/seller/seller.js"
import { endpoint, me } from "../endpoint.js"
import { Instant, Money, OrderIdParam, Paging, ProductIdParam, VariantIdParam, WireBrandId, WireCategoryId, WireVariantId } from "../wire.js"
import { OrderDetail, OrderListItem } from "./orders.js"

const Attributes = Schema.Record({ key: Schema.String.pipe(Schema.maxLength(40)), value: Schema.String.pipe(Schema.maxLength(100)) })
const Sku = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64))
const Grams = Schema.Int.pipe(Schema.between(1, 1_000_000))
const Bps = Schema.Int.pipe(Schema.between(0, 5_000)).annotations({ description: "affiliate commission in basis points of the base price (0–5000 = 0–50%)" })
const Media = Schema.Array(Schema.String.pipe(Schema.maxLength(500))).pipe(Schema.maxItems(20))
const Title = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))
const Description = Schema.String.pipe(Schema.maxLength(5_000))

const SellerProduct = Schema.Struct({
  id: Schema.String,
  title: Schema.String,
  description: Schema.String,
  basePrice: Money,
  media: Schema.Array(Schema.String),
  brandId: Schema.optional(Schema.String),
  categoryId: Schema.optional(Schema.String),
  state: Schema.String,
  rejectionReason: Schema.optional(Schema.String),
  commissionRateBps: Schema.Int,
  variants: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      sku: Schema.String,
      attributes: Attributes,
      priceOverride: Schema.optional(Money),
      weightGrams: Schema.Int,
      onHand: Schema.Int,
      reserved: Schema.Int
    })
  )
}).annotations({ identifier: "SellerProduct" })

const view = ({ listing, stock }: { listing: Listing; stock: ReadonlyArray<StockLine> }) => ({
  id: listing.product.id as string,
  title: listing.product.title,
  description: listing.product.description,
  basePrice: listing.product.basePrice,
  media: listing.product.media,
  brandId: listing.product.brandId,
  categoryId: listing.product.categoryId,
  state: listing.product.state,
  rejectionReason: listing.product.rejectionReason,
  commissionRateBps: listing.product.commissionRateBps,
  variants: listing.variants.map((v) => {
    const s = stock.find((x) => x.variantId === v.id)
    return {
      id: v.id as string,
      sku: v.sku,
      attributes: v.attributes,
      priceOverride: v.priceOverride,
      weightGrams: v.weightGrams,
      onHand: s?.onHand ?? 0,
      reserved: s?.reserved ?? 0
    }
  })
})

const detail = (o: Schema.Schema.Type<typeof OrderDetail> & { buyerId?: string }) => {
  const { buyerId: _buyerId, ...rest } = o
  return rest
}

export const sellerRoutes = [
  endpoint({
    method: "get",
    path: "/api/v1/seller/products",
    tag: "Seller",
    summary: "The store's products in every state, with stock",
    description: "Archived products are left out; `?archived=true` lists only them (to restore one: POST /api/v1/seller/products/:id/restore).",
    auth: "required",
    query: Schema.Struct({ archived: Schema.optional(Schema.Literal("true", "false")) }),
    response: Schema.Struct({ items: Schema.Array(SellerProduct) }),
    errors: [400, 401, 403],
    handler: ({ query, ctx }) => Effect.map(listProducts(me(ctx).user.id, query.archived === "true"), (ls) => ({ items: ls.map(view) }))
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/products",
    tag: "Seller",
    summary: "List a new product (it goes to PENDING_REVIEW: sold only once an admin verifies it)",
    auth: "required",
    body: Schema.Struct({
      title: Title,
      description: Schema.optionalWith(Description, { default: () => "" }),
      basePrice: Money,
      media: Schema.optionalWith(Media, { default: () => [] }),
      brandId: Schema.optional(WireBrandId),
      categoryId: Schema.optional(WireCategoryId),
      commissionRateBps: Schema.optionalWith(Bps, { default: () => 0 }),
      variants: Schema.Array(
        Schema.Struct({
          sku: Sku,
          attributes: Schema.optionalWith(Attributes, { default: () => ({}) }),
          priceOverride: Schema.optional(Money),
          weightGrams: Grams,
          stock: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 1_000_000)), { default: () => 0 })
        })
      ).pipe(Schema.minItems(1), Schema.maxItems(50))
    }),
    status: 201,
    response: SellerProduct,
    errors: [400, 401, 403, 409, 422],
    handler: ({ body, ctx }) => Effect.map(createProduct(me(ctx).user.id, body), view)
  }),
  endpoint({
    method: "patch",
    path: "/api/v1/seller/products/:id",
    tag: "Seller",
    summary: "Edit a product; a material edit (title, price, media, brand, variants) sends it back to PENDING_REVIEW",
    auth: "required",
    params: ProductIdParam,
    body: Schema.Struct({
      title: Schema.optional(Title),
      description: Schema.optional(Description),
      basePrice: Schema.optional(Money),
      media: Schema.optional(Media),
      brandId: Schema.optional(Schema.NullOr(WireBrandId)),
      categoryId: Schema.optional(Schema.NullOr(WireCategoryId)),
      commissionRateBps: Schema.optional(Bps),
      variants: Schema.optional(
        Schema.Array(
          Schema.Struct({
            id: Schema.optional(WireVariantId),
            sku: Sku,
            attributes: Schema.optionalWith(Attributes, { default: () => ({}) }),
            priceOverride: Schema.optional(Money),
            weightGrams: Grams
          })
        ).pipe(Schema.minItems(1), Schema.maxItems(50))
      )
    }),
    response: SellerProduct,
    errors: [400, 401, 403, 404, 409, 422],
    handler: ({ params, body, ctx }) => Effect.map(editProduct(me(ctx).user.id, params.id, body), view)
  }),
  endpoint({
    method: "put",
    path: "/api/v1/seller/products/:id/commission",
    tag: "Seller",
    summary: "Set the affiliate commission rate the store offers on a product",
    auth: "required",
    params: ProductIdParam,
    body: Schema.Struct({ commissionRateBps: Bps }),
    response: SellerProduct,
    errors: [400, 401, 403, 404],
    handler: ({ params, body, ctx }) => Effect.map(setCommissionRate(me(ctx).user.id, params.id, body.commissionRateBps), view)
  }),
  endpoint({
    method: "put",
    path: "/api/v1/seller/inventory/:id",
    tag: "Seller",
    summary: "Set the units on hand of a variant (never below what unpaid checkouts reserve)",
    auth: "required",
    params: VariantIdParam,
    body: Schema.Struct({ onHand: Schema.Int.pipe(Schema.between(0, 1_000_000)) }),
    response: Schema.Struct({ variantId: Schema.String, onHand: Schema.Int, reserved: Schema.Int }),
    errors: [400, 401, 403, 404, 409],
    handler: ({ params, body, ctx }) => setStock(me(ctx).user.id, params.id, body.onHand)
  }),
  endpoint({
    method: "get",
    path: "/api/v1/seller/orders",
    tag: "Seller",
    summary: "The store's orders, newest first",
    auth: "required",
    query: Paging,
    response: Schema.Struct({ items: Schema.Array(OrderListItem) }),
    errors: [400, 401, 403],
    handler: ({ query, ctx }) => Effect.map(storeOrders(me(ctx).user.id, query.limit, query.offset), (items) => ({ items }))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/seller/orders/:id",
    tag: "Seller",
    summary: "One of the store's orders",
    auth: "required",
    params: OrderIdParam,
    response: OrderDetail,
    errors: [400, 401, 403, 404],
    handler: ({ params, ctx }) => Effect.map(storeOrder(me(ctx).user.id, params.id), detail)
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/orders/:id/accept",
    tag: "Seller",
    summary: "Accept a paid order",
    auth: "required",
    params: OrderIdParam,
    response: OrderDetail,
    errors: [400, 401, 403, 404, 409],
    handler: ({ params, ctx }) => Effect.map(acceptOrder(me(ctx).user.id, params.id), detail)
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/orders/:id/reject",
    tag: "Seller",
    summary: "Reject a paid order: it is cancelled and the buyer refunded in full",
    auth: "required",
    params: OrderIdParam,
    body: Schema.Struct({ reason: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(500)) }),
    response: OrderDetail,
    errors: [400, 401, 403, 404, 409],
    handler: ({ params, body, ctx }) => Effect.map(rejectOrder(me(ctx).user.id, params.id, body.reason), detail)
  }),
  endpoint({
    method: "get",
    path: "/api/v1/seller/statement",
    tag: "Seller",
    summary: "The store's statement: ledger lines, per-order breakdown (base price, fee, commission, net), payouts and balance",
    auth: "required",
    response: Schema.Struct({
      storeId: Schema.String,
      storeName: Schema.String,
      balance: Money.annotations({ description: "the balance owed in the store's only currency; with several, the KES one (see balances)" }),
      balances: Schema.Array(Money).annotations({ description: "the balance owed per currency (KES 0 when nothing was ever owed)" }),
      lines: Schema.Array(
        Schema.Struct({ at: Instant, kind: Schema.String, orderId: Schema.optional(Schema.String), description: Schema.String, amount: Money })
      ),
      orders: Schema.Array(
        Schema.Struct({
          orderId: Schema.String,
          base: Money,
          platformFee: Money,
          commission: Money,
          net: Money,
          commissionReversed: Schema.optional(Schema.Literal(true)).annotations({
            description: "the affiliate's commission was rejected for fraud and given back to the store: commission 0, net without it"
          })
        })
      ),
      payouts: Schema.Array(
        Schema.Struct({ payoutId: Schema.String, status: Schema.String, amount: Money, createdAt: Instant, receipt: Schema.optional(Schema.String) })
      )
    }),
    errors: [401, 403],
    handler: ({ ctx }) => statement(me(ctx).user.id)
  })
]
