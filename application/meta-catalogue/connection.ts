/**
 * A store's connection to its own Meta catalogue (a catalogue id and an access token with
 * catalog_management on it, made in the seller's Business Manager). The OWNER connects it through
 * the seller API, unlike chat accounts (application/conversations/channel-accounts.ts, admin-only):
 * an account id is not a secret and claiming another store's would read its buyers, while this
 * token is itself the proof that the catalogue is the seller's, and it should pass through no one
 * else's hands. The token is sealed (SecretBox) before it reaches the database, never returned,
 * never in the audit log, an event or a log line. Connecting syncs the whole store (the
 * META_CATALOGUE_CONNECTED event); disconnecting stops syncing and leaves the catalogue as it is.
 */
import { Clock, Effect, Option } from "effect"
import type { Redacted } from "effect"
import type { UserId } from "../../domain/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { recordUserAction } from "../seller/record-user-action.js"
import { sellerWith } from "../seller/seller.js"
import { CatalogueConnectionStore, SecretBox } from "./meta-catalogue.port.js"
import type { CatalogueBatch } from "./meta-catalogue.port.js"

const RECENT_BATCHES = 10

const batchView = (b: CatalogueBatch) => ({
  id: b.id,
  status: b.status,
  items: b.items,
  errors: b.errors,
  submittedAt: b.submittedAt,
  finishedAt: b.finishedAt
})

/** What the owner may see: the catalogue id, when, and the latest batches with Meta's per-item errors. Never the token. */
export const metaCatalogueConnection = (userId: UserId) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "META_CATALOGUE")
    const s = yield* CatalogueConnectionStore
    const connection = yield* s.find(store.storeId)
    const batches = yield* s.recentBatches(store.storeId, RECENT_BATCHES)
    return {
      connected: Option.isSome(connection),
      catalogId: Option.getOrUndefined(Option.map(connection, (c) => c.catalogId)),
      connectedAt: Option.getOrUndefined(Option.map(connection, (c) => c.connectedAt)),
      batches: batches.map(batchView)
    }
  })

/** `catalogId` (digits) and `accessToken` are already bounded by the API's schema. */
export const connectMetaCatalogue = (userId: UserId, cmd: { readonly catalogId: string; readonly accessToken: Redacted.Redacted<string> }) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "META_CATALOGUE")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const sealedToken = yield* Effect.flatMap(SecretBox, (b) => b.seal(cmd.accessToken, store.storeId))
    return yield* uow.transaction(
      Effect.gen(function* () {
        const s = yield* CatalogueConnectionStore
        const before = yield* s.lock(store.storeId)
        yield* s.save({ storeId: store.storeId, catalogId: cmd.catalogId, sealedToken, connectedAt: at, connectedBy: userId })
        yield* recordUserAction(
          { userId, role: store.role },
          {
            action: "STORE.META_CATALOGUE_CONNECT",
            entity: "store",
            entityId: store.storeId,
            // the token is never recorded: only that one was given
            before: Option.match(before, { onNone: () => null, onSome: (c) => ({ catalogId: c.catalogId, token: "(sealed)" }) }),
            after: { catalogId: cmd.catalogId, token: "(sealed)" }
          },
          [
            {
              type: "META_CATALOGUE_CONNECTED",
              aggregateType: "STORE",
              aggregateId: store.storeId,
              payload: { storeId: store.storeId, catalogId: cmd.catalogId, at }
            }
          ]
        )
        return { connected: true as const, catalogId: cmd.catalogId, connectedAt: at }
      })
    )
  }).pipe(Effect.withSpan("MetaCatalogue.connect"))

export const disconnectMetaCatalogue = (userId: UserId) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "META_CATALOGUE")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const s = yield* CatalogueConnectionStore
        const before = yield* s.lock(store.storeId)
        if (Option.isNone(before)) return { connected: false as const }
        yield* s.remove(store.storeId)
        yield* recordUserAction(
          { userId, role: store.role },
          { action: "STORE.META_CATALOGUE_DISCONNECT", entity: "store", entityId: store.storeId, before: { catalogId: before.value.catalogId }, after: null },
          [
            {
              type: "META_CATALOGUE_DISCONNECTED",
              aggregateType: "STORE",
              aggregateId: store.storeId,
              payload: { storeId: store.storeId, catalogId: before.value.catalogId, at }
            }
          ]
        )
        return { connected: false as const }
      })
    )
  }).pipe(Effect.withSpan("MetaCatalogue.disconnect"))
