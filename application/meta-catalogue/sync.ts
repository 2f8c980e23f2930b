/**
 * Keeping a connected store's Meta catalogue in step with what buyers may see, by the Catalog Batch
 * API (shared/protocols/META.md). Three outbox handlers (composition/event-handlers.ts):
 *
 * 1. `planCatalogueSync` on every product, stock, KYC and brand change (and on connecting): which
 *    connected stores and products the change touches, as META_CATALOGUE_SYNC_REQUESTED events
 *    (database only; a store with no connection gets none).
 * 2. `submitCatalogueSync` on each request: the products' variants as they are NOW (an UPDATE with
 *    the feed's fields for a listed one, a DELETE for one buyers may no longer see), sent in one
 *    items_batch call, the handler's one external call and last step; the batch and its handles
 *    are recorded on the same transaction, with META_CATALOGUE_BATCH_SUBMITTED. Replaying the call
 *    is harmless: each request states the item's whole current state.
 * 3. `checkCatalogueBatch` on each submitted batch: polls check_batch_request_status until Meta has
 *    finished (a routine retry while it has not: graphile-worker's backoff), then records the
 *    per-item errors, which the seller reads with GET /api/v1/seller/store/meta-catalogue.
 *
 * Meta throttling or down: the handler fails and the outbox retries it. Meta refusing the call as
 * a whole (a revoked token): recorded as a REFUSED batch for the seller to see and reconnect; no retry.
 */
import { Clock, Effect, Option, Schema } from "effect"
import { BrandId, ProductId, StoreId } from "../../domain/ids.js"
import { feedRow } from "../../domain/meta-feed.js"
import { Ids } from "../ports/ids.js"
import { Outbox } from "../ports/outbox.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { BatchInProgress, CatalogBatchApi, CatalogueConnectionStore, CatalogueLinks, MetaFeedReader, SecretBox } from "./meta-catalogue.port.js"
import type { BatchItemError, BatchRequest } from "./meta-catalogue.port.js"

/** Events that change a product's listing or its fields. */
export const CATALOGUE_PRODUCT_EVENTS = ["PRODUCT_UPDATED", "PRODUCT_VERIFIED", "PRODUCT_REJECTED", "PRODUCT_SUSPENDED", "PRODUCT_PENDING_REVIEW", "STOCK_SET"]
/** Events that change every product of a store (KYC decisions; a new connection syncs everything). */
export const CATALOGUE_STORE_EVENTS = ["SELLER_KYC_VERIFIED", "SELLER_KYC_REJECTED", "SELLER_KYC_SUSPENDED", "SELLER_KYC_BANNED", "META_CATALOGUE_CONNECTED"]
export const CATALOGUE_BRAND_EVENTS = ["BRAND_VERIFIED", "BRAND_REJECTED", "BRAND_SUSPENDED", "BRAND_PENDING_REVIEW"]

export const SYNC_REQUESTED = "META_CATALOGUE_SYNC_REQUESTED"
export const BATCH_SUBMITTED = "META_CATALOGUE_BATCH_SUBMITTED"

/** Meta takes up to 5,000 requests a call and recommends at most 3,000. */
export const MAX_BATCH_REQUESTS = 3_000

interface Event {
  readonly type: string
  readonly payload: Readonly<Record<string, unknown>>
}

const decoded = <A>(schema: Schema.Schema<A, string>, value: unknown): A | undefined => Option.getOrUndefined(Schema.decodeUnknownOption(schema)(value))

/** `retiredSkus`: item ids the store no longer uses (a variant's SKU renamed), deleted from the catalogue with the sync. */
const requestSync = (storeId: StoreId, productIds: ReadonlyArray<ProductId> | undefined, retiredSkus: ReadonlyArray<string> = []) =>
  Effect.flatMap(Outbox, (o) =>
    o.append([
      {
        type: SYNC_REQUESTED,
        aggregateType: "STORE",
        aggregateId: storeId,
        payload: { storeId, ...(productIds !== undefined && { productIds }), ...(retiredSkus.length > 0 && { retiredSkus }) }
      }
    ])
  )

const RetiredSkus = Schema.Array(Schema.String)

/** Handler 1: the sync requests a change calls for (none for a store without a connection). */
export const planCatalogueSync = (event: Event) =>
  Effect.gen(function* () {
    const connections = yield* CatalogueConnectionStore
    if (CATALOGUE_BRAND_EVENTS.includes(event.type)) {
      const brandId = decoded(BrandId, event.payload["brandId"])
      if (brandId === undefined) return
      for (const s of yield* connections.connectedProductsOfBrand(brandId)) yield* requestSync(s.storeId, s.productIds)
      return
    }
    const storeId = decoded(StoreId, event.payload["storeId"])
    if (storeId === undefined || Option.isNone(yield* connections.find(storeId))) return
    if (CATALOGUE_STORE_EVENTS.includes(event.type)) return yield* requestSync(storeId, undefined)
    const productId = decoded(ProductId, event.payload["productId"])
    const retired = Option.getOrElse(Schema.decodeUnknownOption(RetiredSkus)(event.payload["retiredSkus"]), () => [])
    if (productId !== undefined) yield* requestSync(storeId, [productId], retired)
  }).pipe(Effect.withSpan("MetaCatalogue.plan"))

const SyncRequest = Schema.Struct({ storeId: StoreId, productIds: Schema.optional(Schema.Array(ProductId)), retiredSkus: Schema.optional(RetiredSkus) })

/** The batch requests for these variants: each item's whole current state, so a replay changes nothing. */
export const batchRequests = (
  variants: ReadonlyArray<{ readonly sku: string; readonly listed: boolean; readonly item: Parameters<typeof feedRow>[0] }>
): ReadonlyArray<BatchRequest & { readonly productId: string }> =>
  variants.map((v) => {
    const row = v.listed ? feedRow(v.item) : null
    return row === null ? { method: "DELETE", data: { id: v.sku }, productId: v.item.productId } : { method: "UPDATE", data: row, productId: v.item.productId }
  })

/** Handler 2: one items_batch call for the requested products of a connected store. */
export const submitCatalogueSync = (payload: unknown) =>
  Effect.gen(function* () {
    const request = yield* Effect.orDieWith(Schema.decodeUnknown(SyncRequest)(payload), () => new Error(`${SYNC_REQUESTED} without a valid storeId`))
    const connection = yield* Effect.flatMap(CatalogueConnectionStore, (s) => s.find(request.storeId))
    if (Option.isNone(connection)) return // disconnected since
    const links = yield* CatalogueLinks
    const variants = yield* Effect.flatMap(MetaFeedReader, (r) => r.variants(request.storeId, request.productIds))
    const current = new Set(variants.map((v) => v.sku))
    const retired = [...new Set(request.retiredSkus ?? [])].filter((sku) => !current.has(sku))
    const items = batchRequests(variants.map((v) => ({ ...v, item: { ...v.item, link: links.productLink(v.item.productId) } })))
    const requests: ReadonlyArray<BatchRequest> = [...items, ...retired.map((sku) => ({ method: "DELETE" as const, data: { id: sku } }))]
    if (requests.length === 0) return
    if (requests.length > MAX_BATCH_REQUESTS) {
      // more than one call's worth: split by product into requests of their own (each one call)
      const chunks: Array<Array<ProductId>> = [[]]
      let size = 0
      const counts = new Map<string, number>()
      for (const r of items) counts.set(r.productId, (counts.get(r.productId) ?? 0) + 1)
      for (const [productId, n] of counts) {
        if (size + n > MAX_BATCH_REQUESTS && chunks[chunks.length - 1]!.length > 0) {
          chunks.push([])
          size = 0
        }
        chunks[chunks.length - 1]!.push(productId as ProductId)
        size += n
      }
      for (const [i, chunk] of chunks.entries()) yield* requestSync(request.storeId, chunk, i === 0 ? retired : [])
      return
    }
    const box = yield* SecretBox
    const token = yield* box.open(connection.value.sealedToken, request.storeId)
    const id = yield* Effect.flatMap(Ids, (ids) => ids.next("mcb"))
    const store = yield* CatalogueConnectionStore
    const base = { id, storeId: request.storeId, catalogId: connection.value.catalogId, items: requests.length, finishedAt: undefined }
    const sent = requests.map(({ method, data }) => ({ method, data }))
    // The one external call. What follows only records its answer on this handler's transaction.
    const outcome = yield* Effect.either(Effect.flatMap(CatalogBatchApi, (api) => api.submit(connection.value.catalogId, token, sent)))
    const at = yield* Clock.currentTimeMillis
    if (outcome._tag === "Left") {
      if (outcome.left._tag === "CatalogRetryLater") return yield* outcome.left
      yield* Effect.logWarning("Meta refused a catalogue batch", { storeId: request.storeId, detail: outcome.left.detail })
      return yield* store.recordBatch({
        ...base,
        handles: [],
        status: "REFUSED",
        errors: [{ id: undefined, message: outcome.left.detail }],
        submittedAt: at,
        finishedAt: at
      })
    }
    yield* store.recordBatch({ ...base, handles: outcome.right, status: "SUBMITTED", errors: [], submittedAt: at })
    yield* Effect.flatMap(Outbox, (o) =>
      o.append([{ type: BATCH_SUBMITTED, aggregateType: "STORE", aggregateId: request.storeId, payload: { storeId: request.storeId, batchId: id } }], {
        delayMs: 2_000
      })
    )
  }).pipe(Effect.withSpan("MetaCatalogue.submit"))

/** Handler 3 (its own transactions): polls the batch's handles; fails routinely while Meta is still at it. */
export const checkCatalogueBatch = (batchId: string) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const store = yield* CatalogueConnectionStore
    const batch = yield* uow.transaction(store.findBatch(batchId))
    if (Option.isNone(batch) || batch.value.status !== "SUBMITTED") return
    const connection = yield* uow.transaction(store.find(batch.value.storeId))
    if (Option.isNone(connection) || connection.value.catalogId !== batch.value.catalogId) return // disconnected or moved: nothing to ask with
    const token = yield* Effect.flatMap(SecretBox, (b) => b.open(connection.value.sealedToken, batch.value.storeId))
    const api = yield* CatalogBatchApi
    const errors: Array<BatchItemError> = []
    for (const handle of batch.value.handles) {
      const status = yield* api.status(batch.value.catalogId, token, handle)
      if (status.status === "IN_PROGRESS") return yield* new BatchInProgress({ handle })
      errors.push(...status.errors)
    }
    const at = yield* Clock.currentTimeMillis
    yield* uow.transaction(store.finishBatch(batchId, errors, at))
  }).pipe(Effect.withSpan("MetaCatalogue.checkBatch"))
