/**
 * The cart, for buyers (bearer token) and guests (X-Cart-Token, a signed token the API hands out
 * with the first item). The preview prices the cart with the checkout's own domain rules.
 */
import { Effect, Redacted, Schema } from "effect"
import { addToCart, authenticateWithCart, removeFromCart, setCartQuantity, viewCart, MAX_LINE_QUANTITY } from "../../../application/cart/cart.js"
import type { CartRead, CartView, ViewOptions } from "../../../application/cart/cart.js"
import type { CartOwner } from "../../../application/cart/cart.port.js"
import { CartItemNotFound } from "../../../application/cart/cart.errors.js"
import { Ids } from "../../../application/ports/ids.js"
import { signCartToken, verifyCartToken } from "../cart-token.js"
import { endpoint, header } from "../endpoint.js"
import type { RequestContext } from "../endpoint.js"
import { Id, Money, VariantIdParam, WireVariantId } from "../wire.js"
import { toProblem } from "../problems.js"
import { ProductSummary } from "./catalogue-schemas.js"
import { recommendForCart } from "../../../application/recommendations/recommendations.js"
import { tenantOf } from "./stores.js"

export class InvalidCartToken {
  readonly _tag = "InvalidCartToken"
  readonly code = "CART.INVALID_TOKEN"
  readonly message = "the X-Cart-Token is not one this API issued"
}

const CART_TOKEN_HEADER = "x-cart-token"

/** Who owns the cart of this request: the buyer, or the guest behind a valid cart token. */
export const ownerOf = (ctx: RequestContext): Effect.Effect<CartOwner | undefined, InvalidCartToken> => {
  if (ctx.session) return Effect.succeed({ _tag: "Buyer", buyerId: ctx.session.user.id })
  const signed = header(ctx, CART_TOKEN_HEADER)
  if (signed === undefined) return Effect.succeed(undefined)
  const guestToken = verifyCartToken(Redacted.value(ctx.config.cartTokenSecret), signed)
  return guestToken === undefined ? Effect.fail(new InvalidCartToken()) : Effect.succeed({ _tag: "Guest", guestToken })
}

/** A guest without a cart gets a new signed token (sent back in X-Cart-Token and the body). */
export const ownerOrNewGuest = (ctx: RequestContext) =>
  Effect.flatMap(ownerOf(ctx), (owner) =>
    owner !== undefined
      ? Effect.succeed(owner)
      : Effect.flatMap(Ids, (ids) =>
          Effect.map(ids.next("gst"), (guestToken): CartOwner => {
            ctx.setHeader("X-Cart-Token", signCartToken(Redacted.value(ctx.config.cartTokenSecret), guestToken))
            return { _tag: "Guest", guestToken }
          })
        )
  )

const Issue = Schema.Struct({ code: Schema.String, detail: Schema.String })
const Cart = Schema.Struct({
  cartId: Schema.NullOr(Schema.String),
  cartToken: Schema.optional(Schema.String).annotations({ description: "guests: send this back as X-Cart-Token" }),
  lines: Schema.Array(
    Schema.Struct({
      variantId: Schema.String,
      productId: Schema.String,
      storeId: Schema.String,
      title: Schema.String,
      sku: Schema.String,
      unitPrice: Money,
      quantity: Schema.Int,
      lineTotal: Money,
      available: Schema.Int,
      sellable: Schema.Boolean,
      notSellableReasons: Schema.Array(Schema.String)
    })
  ),
  preview: Schema.NullOr(
    Schema.Struct({
      subtotal: Money,
      discount: Money,
      shipping: Money,
      shippingDiscount: Money,
      shippingQuoted: Schema.Boolean,
      total: Money,
      charge: Money,
      code: Schema.optional(Schema.Struct({ code: Schema.String, discount: Money })),
      orders: Schema.Array(
        Schema.Struct({
          storeId: Schema.String,
          subtotal: Money,
          promotion: Schema.optional(Schema.Struct({ id: Schema.String, name: Schema.String, discount: Money, freeShipping: Schema.Boolean })),
          discount: Money,
          shipping: Money,
          shippingDiscount: Money,
          total: Money
        })
      )
    })
  ),
  issues: Schema.Array(Issue),
  recommendations: Schema.Array(ProductSummary).annotations({
    description:
      "Bought together with the cart's products in completed orders (at least twice; the cart's stores first), else those stores' best sellers: only products on sale now, never one already in the cart"
  })
}).annotations({ identifier: "Cart" })

const CartQuery = Schema.Struct({
  destination: Schema.optional(Id).annotations({ description: "a location id (pickup point, market, town, county): quotes shipping" }),
  code: Schema.optional(Schema.String.pipe(Schema.maxLength(32))).annotations({ description: "a discount code to preview" })
})

const Quantity = Schema.Int.pipe(Schema.between(1, MAX_LINE_QUANTITY))

type Query = { destination?: string | undefined; code?: string | undefined }

const viewOptions = (ctx: RequestContext, query: Query): ViewOptions => ({ ...query, buyerId: ctx.session?.user.id })

/** The answer to every cart request: the cart as `view` priced it (a write answers from what it wrote), and recommendations. */
const answer = (ctx: RequestContext, owner: CartOwner | undefined, v: CartView) =>
  Effect.map(cartRecommendations(ctx, v.lines), (recommendations) => ({ ...rendered(ctx, owner, v), recommendations }))

const render = (ctx: RequestContext, owner: CartOwner | undefined, query: Query, prefetched: CartRead | undefined) =>
  Effect.flatMap(viewCart(owner, viewOptions(ctx, query), prefetched), (v) => answer(ctx, owner, v))

/** On a store's own host only that store's products; on a host naming no store we know, none (the cart itself is not scoped). */
const cartRecommendations = (ctx: RequestContext, lines: Parameters<typeof recommendForCart>[0]) =>
  tenantOf(ctx).pipe(
    Effect.flatMap((store) => recommendForCart(lines, store?.id)),
    Effect.catchTag("StoreNotFound", () => Effect.succeed([]))
  )

const rendered = (ctx: RequestContext, owner: CartOwner | undefined, v: CartView) => ({
  cartId: v.cartId ?? null,
  ...(owner?._tag === "Guest" && { cartToken: signCartToken(Redacted.value(ctx.config.cartTokenSecret), owner.guestToken) }),
  lines: v.lines,
  preview: v.preview ?? null,
  issues: v.issues.map((e) => {
    const p = toProblem(e)
    return { code: p?.code ?? "CART.PREVIEW_FAILED", detail: p?.detail ?? String(e) }
  })
})

export const cartRoutes = [
  endpoint({
    method: "get",
    path: "/api/v1/cart",
    tag: "Cart",
    summary: "The cart with a live incentive preview and shipping quote",
    auth: "optional",
    query: CartQuery,
    headers: [{ name: "X-Cart-Token", required: false, description: "guest cart token" }],
    response: Cart,
    errors: [400, 401],
    // a signed-in buyer's session and cart in one statement (a guest reads no session)
    authenticateWith: (token, { query }) => authenticateWithCart(token, [], query),
    handler: ({ query, ctx, prefetched }) => Effect.flatMap(ownerOf(ctx), (owner) => render(ctx, owner, query, prefetched))
  }),
  endpoint({
    method: "post",
    path: "/api/v1/cart/items",
    tag: "Cart",
    summary: "Add a variant to the cart (a guest without a cart gets a new cart token)",
    auth: "optional",
    query: CartQuery,
    body: Schema.Struct({ variantId: WireVariantId, quantity: Schema.optionalWith(Quantity, { default: () => 1 }) }),
    headers: [{ name: "X-Cart-Token", required: false, description: "guest cart token" }],
    status: 201,
    response: Cart,
    errors: [400, 401, 409, 422],
    authenticateWith: (token, { query, body }) => authenticateWithCart(token, [body.variantId], query),
    handler: ({ query, body, ctx, prefetched }) =>
      Effect.gen(function* () {
        const owner = yield* ownerOrNewGuest(ctx)
        return yield* answer(ctx, owner, yield* addToCart(owner, body.variantId, body.quantity, viewOptions(ctx, query), prefetched))
      })
  }),
  endpoint({
    method: "patch",
    path: "/api/v1/cart/items/:id",
    tag: "Cart",
    summary: "Change the quantity of a cart line (the id is the variant id)",
    auth: "optional",
    params: VariantIdParam,
    query: CartQuery,
    body: Schema.Struct({ quantity: Quantity }),
    response: Cart,
    errors: [400, 401, 404, 409, 422],
    authenticateWith: (token, { query }) => authenticateWithCart(token, [], query),
    handler: ({ params, query, body, ctx, prefetched }) =>
      Effect.gen(function* () {
        const owner = yield* ownerOf(ctx)
        if (owner === undefined) return yield* new CartItemNotFound({ variantId: params.id })
        return yield* answer(ctx, owner, yield* setCartQuantity(owner, params.id, body.quantity, viewOptions(ctx, query), prefetched))
      })
  }),
  endpoint({
    method: "delete",
    path: "/api/v1/cart/items/:id",
    tag: "Cart",
    summary: "Remove a cart line (the id is the variant id)",
    auth: "optional",
    params: VariantIdParam,
    query: CartQuery,
    response: Cart,
    errors: [400, 401, 404],
    authenticateWith: (token, { query }) => authenticateWithCart(token, [], query),
    handler: ({ params, query, ctx, prefetched }) =>
      Effect.gen(function* () {
        const owner = yield* ownerOf(ctx)
        if (owner === undefined) return yield* new CartItemNotFound({ variantId: params.id })
        return yield* answer(ctx, owner, yield* removeFromCart(owner, params.id, viewOptions(ctx, query), prefetched))
      })
  })
]
