/**
 * Ports of the Meta catalogue (shared/protocols/META.md): what a store's feed is made of, the
 * store's connection to a Meta catalogue (its catalogue id and access token, the token sealed), the
 * Catalog Batch API (adapters/meta), and where a product's page is.
 */
import { Context, Data } from "effect"
import type { Effect, Option, Redacted } from "effect"
import type { ProductId, StoreId, UserId } from "../../domain/ids.js"
import type { FeedItem } from "../../domain/meta-feed.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

/** A feed item before its link is known. */
export type FeedSource = Omit<FeedItem, "link">

/** One variant of a store's product and whether buyers may see it (and so Meta may show it). */
export interface CatalogueVariant {
  readonly sku: string
  /** a verified product of a KYC-verified store, not archived, its brand verified or none, the variant active */
  readonly listed: boolean
  readonly item: FeedSource
}

export class MetaFeedReader extends Context.Tag("amana/MetaFeedReader")<
  MetaFeedReader,
  {
    /** Every listed variant of the store, in a stable order (product created, then SKU). */
    readonly listedItems: (storeId: StoreId) => Effect.Effect<ReadonlyArray<FeedSource>, StoreUnavailable>
    /** Every variant of these products of the store (all of its products when `productIds` is undefined), listed or not. */
    readonly variants: (storeId: StoreId, productIds: ReadonlyArray<ProductId> | undefined) => Effect.Effect<ReadonlyArray<CatalogueVariant>, StoreUnavailable>
  }
>() {}

/** Where the product's page is (STOREFRONT_BASE_URL, else the API's product URL). */
export class CatalogueLinks extends Context.Tag("amana/CatalogueLinks")<CatalogueLinks, { readonly productLink: (productId: string) => string }>() {}

export interface CatalogueConnection {
  readonly storeId: StoreId
  readonly catalogId: string
  /** the access token sealed by the SecretBox: only the process can open it */
  readonly sealedToken: string
  readonly connectedAt: number
  readonly connectedBy: UserId
}

export interface CatalogueBatch {
  readonly id: string
  readonly storeId: StoreId
  readonly catalogId: string
  readonly handles: ReadonlyArray<string>
  readonly items: number
  readonly status: "SUBMITTED" | "FINISHED" | "REFUSED"
  readonly errors: ReadonlyArray<BatchItemError>
  readonly submittedAt: number
  readonly finishedAt: number | undefined
}

export class CatalogueConnectionStore extends Context.Tag("amana/CatalogueConnectionStore")<
  CatalogueConnectionStore,
  {
    readonly find: (storeId: StoreId) => Effect.Effect<Option.Option<CatalogueConnection>, StoreUnavailable>
    /** The store's connection locked for the caller's transaction. */
    readonly lock: (storeId: StoreId) => Effect.Effect<Option.Option<CatalogueConnection>, StoreUnavailable>
    readonly save: (connection: CatalogueConnection) => Effect.Effect<void, StoreUnavailable>
    readonly remove: (storeId: StoreId) => Effect.Effect<boolean, StoreUnavailable>
    /** Connected stores with products of this brand, and those products. */
    readonly connectedProductsOfBrand: (
      brandId: string
    ) => Effect.Effect<ReadonlyArray<{ readonly storeId: StoreId; readonly productIds: ReadonlyArray<ProductId> }>, StoreUnavailable>
    readonly recordBatch: (batch: CatalogueBatch) => Effect.Effect<void, StoreUnavailable>
    readonly findBatch: (id: string) => Effect.Effect<Option.Option<CatalogueBatch>, StoreUnavailable>
    readonly finishBatch: (id: string, errors: ReadonlyArray<BatchItemError>, at: number) => Effect.Effect<void, StoreUnavailable>
    /** The store's newest batches, newest first. */
    readonly recentBatches: (storeId: StoreId, limit: number) => Effect.Effect<ReadonlyArray<CatalogueBatch>, StoreUnavailable>
  }
>() {}

/** Seals a secret for the database (AES-256-GCM under a key the database never holds), bound to what it belongs to. */
export class SecretBox extends Context.Tag("amana/SecretBox")<
  SecretBox,
  {
    readonly seal: (secret: Redacted.Redacted<string>, boundTo: string) => Effect.Effect<string>
    /** Fails when the box was sealed under another key or for something else. */
    readonly open: (sealed: string, boundTo: string) => Effect.Effect<Redacted.Redacted<string>, SecretUnreadable>
  }
>() {}

export class SecretUnreadable extends Data.TaggedError("SecretUnreadable")<{ readonly detail: string }> {
  readonly code = "SECRET.UNREADABLE"
  override get message() {
    return this.detail
  }
}

// ---------------------------------------------------------------------------------------------
// The Catalog Batch API

export interface BatchRequest {
  readonly method: "UPDATE" | "DELETE"
  /** the feed's fields (UPDATE), or only the id (DELETE) */
  readonly data: Readonly<Record<string, string>>
}

export interface BatchItemError {
  /** the item's id (our SKU), when Meta names it */
  readonly id: string | undefined
  readonly message: string
}

export type BatchStatus = { readonly status: "IN_PROGRESS" } | { readonly status: "FINISHED"; readonly errors: ReadonlyArray<BatchItemError> }

/** Meta is throttling, down or unreachable: try again later (the outbox retries with backoff). */
export class CatalogRetryLater extends Data.TaggedError("CatalogRetryLater")<{ readonly detail: string }> {
  readonly code = "META_CATALOGUE.RETRY_LATER"
  override get message() {
    return this.detail
  }
}
/** Meta refused the request as a whole (a revoked token, an unknown catalogue): a person must reconnect. */
export class CatalogRefused extends Data.TaggedError("CatalogRefused")<{ readonly detail: string; readonly graphCode?: number }> {
  readonly code = "META_CATALOGUE.REFUSED"
  override get message() {
    return this.detail
  }
}
/** The batch's status is not final yet: a routine retry. */
export class BatchInProgress extends Data.TaggedError("BatchInProgress")<{ readonly handle: string }> {
  readonly code = "META_CATALOGUE.IN_PROGRESS"
  readonly routine = true as const
  override get message() {
    return `Meta is still processing batch ${this.handle}`
  }
}

export class CatalogBatchApi extends Context.Tag("amana/CatalogBatchApi")<
  CatalogBatchApi,
  {
    /** POST /<catalog id>/items_batch with item_type=PRODUCT_ITEM: the handles to poll. */
    readonly submit: (
      catalogId: string,
      token: Redacted.Redacted<string>,
      requests: ReadonlyArray<BatchRequest>
    ) => Effect.Effect<ReadonlyArray<string>, CatalogRetryLater | CatalogRefused>
    /** GET /<catalog id>/check_batch_request_status?handle=... */
    readonly status: (catalogId: string, token: Redacted.Redacted<string>, handle: string) => Effect.Effect<BatchStatus, CatalogRetryLater | CatalogRefused>
  }
>() {}
