/**
 * Meta's catalogue (issue 15): a store's product feed as Meta's data feed CSV, for Commerce Manager
 * to fetch on its schedule, and the owner's connection of the store to its Meta catalogue (synced
 * by the Catalog Batch API on every change; application/meta-catalogue).
 */
import { Effect, Schema } from "effect"
import { metaFeed } from "../../../application/meta-catalogue/feed.js"
import { connectMetaCatalogue, disconnectMetaCatalogue, metaCatalogueConnection } from "../../../application/meta-catalogue/connection.js"
import { BinaryFile, endpoint, me } from "../endpoint.js"
import { Instant } from "../wire.js"

const FeedParams = Schema.Struct({
  storeSlug: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9-]{2,64}$/, { message: () => "a store slug is 2 to 64 letters, digits or -" }))
})

const CatalogId = Schema.String.pipe(
  Schema.pattern(/^[0-9]{5,30}$/, { message: () => "catalogId: Meta's catalogue id, 5 to 30 digits (Commerce Manager, Catalogue settings)" })
)
// The token is checked without ever being quoted back: a refusal names the rule, not the value.
const AccessToken = Schema.Redacted(
  Schema.String.pipe(
    Schema.pattern(/^[\x21-\x7e]{20,2048}$/, { message: () => "accessToken: 20 to 2,048 printable characters without spaces (a system user's token)" })
  )
)

const Batch = Schema.Struct({
  id: Schema.String,
  status: Schema.Literal("SUBMITTED", "FINISHED", "REFUSED").annotations({
    description: "SUBMITTED: Meta is processing it; FINISHED: done, with Meta's per-item errors; REFUSED: Meta refused the whole call (reconnect)"
  }),
  items: Schema.Int,
  errors: Schema.Array(Schema.Struct({ id: Schema.optional(Schema.String).annotations({ description: "the SKU" }), message: Schema.String })),
  submittedAt: Instant,
  finishedAt: Schema.optional(Instant)
})

const Connection = Schema.Struct({
  connected: Schema.Boolean,
  catalogId: Schema.optional(Schema.String),
  connectedAt: Schema.optional(Instant),
  batches: Schema.Array(Batch).annotations({ description: "the newest sync batches, newest first" })
}).annotations({ identifier: "MetaCatalogueConnection" })

export const metaCatalogueRoutes = [
  endpoint({
    method: "get",
    path: "/feeds/meta/:storeSlug.csv",
    tag: "Catalogue",
    summary: "A store's products in Meta's catalogue data feed format (CSV)",
    description:
      'Columns id (the SKU), title, description, availability, condition, price ("1500.00 KES"), link, image_link, brand, item_group_id (the product): one row per SKU buyers may buy or see out of stock (a KYC-verified store, verified products not archived, brand verified or none; a product without an image is left out). RFC 4180 CSV, UTF-8. Cached up to 5 minutes, dropped on every product, stock, KYC or brand change. Point Commerce Manager\'s scheduled feed at it.',
    auth: "none",
    params: FeedParams,
    binaryResponse: { contentTypes: ["text/csv"] },
    response: BinaryFile,
    errors: [400, 404],
    handler: ({ params }) => Effect.map(metaFeed(params.storeSlug), (csv) => ({ contentType: "text/csv; charset=utf-8", bytes: new TextEncoder().encode(csv) }))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/seller/store/meta-catalogue",
    tag: "Seller",
    summary: "The store's Meta catalogue connection and its latest sync batches (OWNER only; the token is never shown)",
    auth: "required",
    response: Connection,
    errors: [401, 403],
    handler: ({ ctx }) => metaCatalogueConnection(me(ctx).user.id)
  }),
  endpoint({
    method: "put",
    path: "/api/v1/seller/store/meta-catalogue",
    tag: "Seller",
    summary: "Connect the store to its Meta catalogue (OWNER only): every change is then synced by the Catalog Batch API",
    description:
      "catalogId and a system user's access token with catalog_management on it. The token is stored sealed and never returned, logged or audited. Connecting again replaces both. Connecting syncs every product at once.",
    auth: "required",
    body: Schema.Struct({ catalogId: CatalogId, accessToken: AccessToken }),
    response: Schema.Struct({ connected: Schema.Literal(true), catalogId: Schema.String, connectedAt: Instant }),
    errors: [400, 401, 403],
    handler: ({ body, ctx }) => connectMetaCatalogue(me(ctx).user.id, body)
  }),
  endpoint({
    method: "delete",
    path: "/api/v1/seller/store/meta-catalogue",
    tag: "Seller",
    summary: "Disconnect the store's Meta catalogue (OWNER only): syncing stops, the catalogue is left as it is",
    auth: "required",
    response: Schema.Struct({ connected: Schema.Literal(false) }),
    errors: [401, 403],
    handler: ({ ctx }) => disconnectMetaCatalogue(me(ctx).user.id)
  })
]
