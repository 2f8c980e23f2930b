/**
 * Stores as tenants: a store and its products by slug, and the store a request is addressed to:
 * its Host is <slug>.<STORE_DOMAIN>, or a trusted edge (TRUST_PROXY set) names it in
 * X-Store-Subdomain. The catalogue endpoints are then scoped to that store (catalogue.ts).
 */
import { Effect, Schema } from "effect"
import { storeBySlug, storeProducts, StoreNotFound } from "../../../application/storefront/storefront.js"
import type { StoreView } from "../../../application/storefront/storefront.port.js"
import { endpoint, header } from "../endpoint.js"
import type { RequestContext } from "../endpoint.js"
import { Instant, Paging } from "../wire.js"
import { ProductSummary } from "./catalogue-schemas.js"

const SLUG = /^[a-z0-9-]{2,64}$/

export const StoreSlugParam = Schema.Struct({
  slug: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9-]{2,64}$/, { message: () => "a store slug is 2 to 64 letters, digits or -" }))
})

/** A milestone the store has reached (first sale, 10 sales, ...). */
export const Badge = Schema.Struct({ code: Schema.String, title: Schema.String, reachedAt: Instant }).annotations({ identifier: "Badge" })

const Store = Schema.Struct({
  id: Schema.String,
  slug: Schema.String,
  name: Schema.String,
  currency: Schema.String,
  productCount: Schema.Int,
  openedAt: Instant,
  badges: Schema.Array(Badge)
}).annotations({ identifier: "Store" })

const storeJson = (s: StoreView) => ({
  id: s.id,
  slug: s.slug,
  name: s.name,
  currency: s.currency,
  productCount: s.productCount,
  openedAt: s.openedAt,
  badges: s.badges ?? []
})

/**
 * The slug this request is addressed to, if any: X-Store-Subdomain when TRUST_PROXY is set (only a
 * trusted edge may name the tenant), else the Host's first label under STORE_DOMAIN. A name that
 * cannot be a slug is reported as it is (a 404 follows, the same as an unknown store).
 */
export const tenantSlug = (ctx: RequestContext): string | undefined => {
  if (ctx.config.trustProxy !== false) {
    const edge = header(ctx, "x-store-subdomain")?.trim().toLowerCase()
    if (edge !== undefined && edge !== "") return edge
  }
  const domain = ctx.config.storeDomain
  if (domain === undefined) return undefined
  const host = (header(ctx, "host") ?? "").trim().toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "")
  if (!host.endsWith(`.${domain}`)) return undefined
  return host.slice(0, -(domain.length + 1))
}

/** The store the request is scoped to (undefined: the whole marketplace); an unknown one is 404 STORE.NOT_FOUND. */
export const tenantOf = (
  ctx: RequestContext
): Effect.Effect<
  StoreView | undefined,
  StoreNotFound | Effect.Effect.Error<ReturnType<typeof storeBySlug>>,
  Effect.Effect.Context<ReturnType<typeof storeBySlug>>
> => {
  const slug = tenantSlug(ctx)
  if (slug === undefined) return Effect.succeed(undefined)
  return SLUG.test(slug) ? storeBySlug(slug) : Effect.fail(new StoreNotFound({ slug: slug.slice(0, 64) }))
}

export const storeRoutes = [
  endpoint({
    method: "get",
    path: "/api/v1/stores/:slug",
    tag: "Catalogue",
    summary: "A store by its slug (only a KYC-verified store)",
    auth: "none",
    params: StoreSlugParam,
    response: Store,
    errors: [400, 404],
    handler: ({ params }) => Effect.map(storeBySlug(params.slug), storeJson)
  }),
  endpoint({
    method: "get",
    path: "/api/v1/stores/:slug/products",
    tag: "Catalogue",
    summary: "A store's products buyers may see (verified; out of stock ones with 0 available), newest first",
    auth: "none",
    params: StoreSlugParam,
    query: Paging,
    response: Schema.Struct({ store: Store, items: Schema.Array(ProductSummary) }),
    errors: [400, 404],
    handler: ({ params, query }) => Effect.map(storeProducts(params.slug, query.limit, query.offset), (r) => ({ store: storeJson(r.store), items: r.items }))
  })
]
