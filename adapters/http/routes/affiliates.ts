/**
 * Affiliates: apply, the affiliate's own figures, and the links they share (`/r/:code?p=...`).
 *
 * A link is followed by a browser: the click is counted once per visitor per day (the buyer, the
 * guest cart token, or else a keyed hash of the client's address: never the address itself), the
 * attribution goes with the visitor's cart, and the visitor is sent to STOREFRONT_BASE_URL plus a
 * path WE build from what the database knows (`/products/<id>`, `/stores/<slug>` or `/`), so `p`
 * can never send anyone elsewhere. Without a storefront the answer is the same facts as JSON.
 */
import { createHmac } from "node:crypto"
import { Effect, Redacted, Schema } from "effect"
import { affiliateDashboard, applyAsAffiliate, followAffiliateLink } from "../../../application/affiliates/affiliates.js"
import type { CartOwner } from "../../../application/cart/cart.port.js"
import { Ids } from "../../../application/ports/ids.js"
import { AFFILIATE_CODE_PATTERN, isLikelyBot } from "../../../domain/affiliate.js"
import { signCartToken } from "../cart-token.js"
import { endpoint, header, me } from "../endpoint.js"
import type { RequestContext } from "../endpoint.js"
import { Id, Instant, Money } from "../wire.js"
import { ownerOf } from "./cart.js"

const AffiliateCodeParam = Schema.String.pipe(
  Schema.pattern(AFFILIATE_CODE_PATTERN, { message: () => "an affiliate code is 3 to 32 letters, digits, _ or -" })
).annotations({ description: "the affiliate's code" })

const Target = Schema.Struct({
  kind: Schema.Literal("HOME", "PRODUCT", "STORE"),
  productId: Schema.optional(Schema.String),
  slug: Schema.optional(Schema.String),
  path: Schema.String.annotations({ description: "the storefront path the visitor is sent to" })
}).annotations({ identifier: "AffiliateLinkTarget" })

const LinkFollowed = Schema.Struct({
  location: Schema.NullOr(Schema.String).annotations({ description: "where the visitor is sent (null: no STOREFRONT_BASE_URL configured)" }),
  target: Target,
  counted: Schema.Boolean.annotations({ description: "a new click (the first of this visitor today)" }),
  attributed: Schema.Boolean.annotations({ description: "the visitor's cart now carries this affiliate (30 days, last click wins)" }),
  cartToken: Schema.optional(Schema.String).annotations({ description: "a new guest cart token, when the visitor had none: send it back as X-Cart-Token" })
}).annotations({ identifier: "AffiliateLinkFollowed" })

const Dashboard = Schema.Struct({
  code: Schema.String,
  links: Schema.Struct({
    home: Schema.String,
    product: Schema.String.annotations({ description: "template: replace {productId}" }),
    store: Schema.String.annotations({ description: "template: replace {storeSlug}" })
  }),
  clicks: Schema.Int,
  conversions: Schema.Int.annotations({ description: "paid orders attributed to you (cancelled or refunded ones not counted)" }),
  earnings: Schema.Array(Schema.Struct({ state: Schema.Literal("PENDING", "APPROVED", "PAID", "REJECTED"), amount: Money, count: Schema.Int })),
  topTargets: Schema.Array(Schema.Struct({ kind: Schema.Literal("HOME", "PRODUCT", "STORE"), target: Schema.NullOr(Schema.String), clicks: Schema.Int })),
  nextPayout: Schema.Struct({
    selectedAt: Instant.annotations({ description: "when the weekly batch is next selected (Friday 06:00 Nairobi)" }),
    weekKey: Schema.String.annotations({ description: "the batch's Friday (Nairobi date)" }),
    minimum: Money.annotations({ description: "approved balances below this carry over to a later week" })
  }),
  commissionRateRanges: Schema.Array(Schema.Struct({ label: Schema.String, minBps: Schema.Int, maxBps: Schema.Int }))
}).annotations({ identifier: "AffiliateDashboard" })

const pathOf = (target: { readonly kind: "PRODUCT"; readonly productId: string } | { readonly kind: "STORE"; readonly slug: string } | undefined) =>
  target === undefined
    ? { kind: "HOME" as const, path: "/" }
    : target.kind === "PRODUCT"
      ? { kind: "PRODUCT" as const, productId: target.productId, path: `/products/${encodeURIComponent(target.productId)}` }
      : { kind: "STORE" as const, slug: target.slug, path: `/stores/${encodeURIComponent(target.slug)}` }

/** A visitor without a session or cart token: a keyed hash of the address (unlinkable without the secret). */
const addressVisitor = (ctx: RequestContext) =>
  `addr:${createHmac("sha256", Redacted.value(ctx.config.cartTokenSecret)).update(`affiliate-visitor:${ctx.clientAddress}`).digest("base64url").slice(0, 32)}`

const visitorOf = (owner: CartOwner | undefined, ctx: RequestContext) =>
  owner === undefined ? addressVisitor(ctx) : owner._tag === "Buyer" ? `buyer:${owner.buyerId}` : `guest:${owner.guestToken}`

export const affiliateRoutes = [
  endpoint({
    method: "post",
    path: "/api/v1/affiliate/apply",
    tag: "Affiliates",
    summary: "Apply to become an affiliate (an admin approves or rejects)",
    auth: "required",
    body: Schema.Struct({
      pitch: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1_000)).annotations({ description: "how you will share Amana's products" }),
      channel: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))).annotations({
        description: "where: a WhatsApp group, an Instagram handle, a blog..."
      })
    }),
    status: 201,
    response: Schema.Struct({ applicationId: Schema.String, state: Schema.Literal("PENDING"), createdAt: Instant }),
    errors: [400, 401, 409, 422],
    handler: ({ body, ctx }) => applyAsAffiliate(me(ctx).user.id, body)
  }),
  endpoint({
    method: "get",
    path: "/api/v1/affiliate/me",
    tag: "Affiliates",
    summary: "Your code, links, clicks, conversions, earnings by state and the next payout",
    auth: "required",
    response: Dashboard,
    errors: [401, 403],
    handler: ({ ctx }) =>
      Effect.map(affiliateDashboard(me(ctx).user.id), (d) => {
        const base = `${ctx.config.publicBaseUrl}/r/${encodeURIComponent(d.code)}`
        return { ...d, links: { home: base, product: `${base}?p={productId}`, store: `${base}?p={storeSlug}` } }
      })
  }),
  endpoint({
    method: "get",
    path: "/r/:code",
    tag: "Affiliates",
    summary: "Follow an affiliate link: counts the click, keeps the attribution with the visitor's cart, redirects to the storefront",
    description:
      "`p` is a product id or a store slug; an unknown or hidden one leads to the storefront's home. One click per visitor per affiliate per day; link previews and other obvious robots are redirected but counted and attributed nothing. The attribution lasts 30 days and the last link followed wins; a checkout without an affiliateCode uses it. 302 to STOREFRONT_BASE_URL + the path when a storefront is configured, else 200 with the same JSON. A code that names no approved affiliate is 404.",
    auth: "optional",
    params: Schema.Struct({ code: AffiliateCodeParam }),
    query: Schema.Struct({ p: Schema.optional(Id).annotations({ description: "a product id or a store slug" }) }),
    headers: [{ name: "X-Cart-Token", required: false, description: "guest cart token: the attribution goes with that cart" }],
    redirects: true,
    response: LinkFollowed,
    errors: [400, 404],
    handler: ({ params, query, ctx }) =>
      Effect.gen(function* () {
        const userAgent = header(ctx, "user-agent")
        const known = yield* ownerOf(ctx)
        const visitor = visitorOf(known, ctx)
        // a person without a cart gets one (its token comes back in X-Cart-Token, the body and the Location's fragment); a robot gets none
        let cartToken: string | undefined
        let owner = known
        if (owner === undefined && !isLikelyBot(userAgent)) {
          const guestToken = yield* Effect.flatMap(Ids, (ids) => ids.next("gst"))
          owner = { _tag: "Guest", guestToken }
          cartToken = signCartToken(Redacted.value(ctx.config.cartTokenSecret), guestToken)
        }
        const followed = yield* followAffiliateLink({ code: params.code, p: query.p, visitor, owner, userAgent })
        if (cartToken !== undefined && followed.attributed) ctx.setHeader("X-Cart-Token", cartToken)
        const target = pathOf(followed.target)
        const storefront = ctx.config.storefrontBaseUrl
        const withToken = cartToken !== undefined && followed.attributed
        const location = storefront === undefined ? null : `${storefront}${target.path}${withToken ? `#cartToken=${encodeURIComponent(cartToken!)}` : ""}`
        if (location !== null) ctx.setHeader("Location", location)
        ctx.setHeader("Cache-Control", "no-store")
        return { location, target, counted: followed.counted, attributed: followed.attributed, ...(withToken && { cartToken: cartToken! }) }
      })
  })
]
