/**
 * The catalogue review queue: products and brands verified, rejected (with a reason) or suspended by
 * a reviewer, through the domain's verification state machine. Verifying a product stores what was
 * approved, so a later material edit can be reviewed as a diff against it.
 */
import type { AdminUserId } from "../../domain/ids.js"
import { Clock, Effect, Either } from "effect"
import type { Option } from "effect"
import { transitionVerification } from "../../domain/catalogue.js"
import type { VerificationState } from "../../domain/catalogue.js"
import type { BrandId, ProductId } from "../../domain/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { AdminChangedSinceViewed, AdminInvalidInput } from "./admin.errors.js"
import { AdminStore } from "./admin.port.js"
import type { BrandRecord, ProductRecord, ProductReviewedFields } from "./admin.port.js"
import { found, optionalText, recordAdminAction, requiredText } from "./record-admin-action.js"

export type CatalogueDecision = "VERIFY" | "REJECT" | "SUSPEND"

const target: { readonly [D in CatalogueDecision]: VerificationState } = { VERIFY: "VERIFIED", REJECT: "REJECTED", SUSPEND: "SUSPENDED" }

/** `Id` is the reviewed record's branded id (ProductId or BrandId), decoded by the caller. */
export interface DecideCatalogueItem<Id extends string = string> {
  readonly id: Id
  readonly decision: CatalogueDecision
  readonly reason?: string | undefined
  /**
   * The version the reviewer looked at: required to VERIFY a product (versioned: every seller edit
   * bumps it), which is refused when the product has changed since. Brands have no versions.
   */
  readonly reviewedVersion?: number | undefined
}

const decideReason = (cmd: DecideCatalogueItem<string>) =>
  // a rejection or a suspension is explained to the seller; a verification may carry a note
  cmd.decision === "VERIFY" ? Effect.map(optionalText(cmd.reason, "the note"), (note) => note ?? null) : requiredText(cmd.reason, "a reason")

/** What differs between reviewing a product and a brand; the decision itself is one use case. */
interface Reviewable<Id extends string, Item extends { readonly id: Id; readonly state: VerificationState; readonly rejectionReason: string | null }> {
  readonly entity: "product" | "brand"
  readonly lock: (store: AdminStore["Type"], id: Id) => Effect.Effect<Option.Option<Item>, StoreUnavailable>
  readonly save: (
    store: AdminStore["Type"],
    item: Item,
    change: { readonly state: VerificationState; readonly reason: string | null; readonly by: AdminUserId; readonly at: number }
  ) => Effect.Effect<void, StoreUnavailable>
  /** What the audit entry records beside the state and the reason. */
  readonly before: (item: Item) => Readonly<Record<string, unknown>>
  readonly after: (item: Item, to: VerificationState) => Readonly<Record<string, unknown>>
  /** The event's payload beside from, to, reason and at. */
  readonly facts: (item: Item) => Readonly<Record<string, unknown>>
  /** The item's version, for a kind whose content the seller can change under review. */
  readonly version?: (item: Item) => number
}

const decide = <Id extends string, Item extends { readonly id: Id; readonly state: VerificationState; readonly rejectionReason: string | null }>(
  kind: Reviewable<Id, Item>
) => {
  const prefix = kind.entity.toUpperCase() as "PRODUCT" | "BRAND"
  return (actor: AdminActor, cmd: DecideCatalogueItem<Id>) =>
    Effect.gen(function* () {
      yield* authorize(actor, "catalogue.review")
      const reason = yield* decideReason(cmd)
      const uow = yield* UnitOfWork
      const at = yield* Clock.currentTimeMillis
      return yield* uow.transaction(
        Effect.gen(function* () {
          const store = yield* AdminStore
          const item = yield* found(kind.entity, cmd.id, kind.lock(store, cmd.id))
          // a verification approves what the reviewer saw, not what the seller saved since (under the lock: no edit slips in after)
          if (cmd.decision === "VERIFY" && kind.version !== undefined) {
            if (cmd.reviewedVersion === undefined || !Number.isSafeInteger(cmd.reviewedVersion))
              return yield* new AdminInvalidInput({ detail: `say which version of the ${kind.entity} you reviewed` })
            if (cmd.reviewedVersion !== kind.version(item))
              return yield* new AdminChangedSinceViewed({ entity: kind.entity, viewed: cmd.reviewedVersion, current: kind.version(item) })
          }
          const to = target[cmd.decision]
          const next = transitionVerification(item.state, to, reason ?? undefined)
          if (Either.isLeft(next)) return yield* Effect.fail(next.left)
          const keptReason = to === "VERIFIED" ? null : reason
          yield* kind.save(store, item, { state: to, reason: keptReason, by: actor.id, at })
          yield* recordAdminAction(
            actor,
            {
              action: `${prefix}.${cmd.decision}`,
              entity: kind.entity,
              entityId: item.id,
              before: { state: item.state, rejectionReason: item.rejectionReason, ...kind.before(item) },
              after: { state: to, rejectionReason: keptReason, ...kind.after(item, to) },
              reason
            },
            [{ type: `${prefix}_${to}`, aggregateType: prefix, aggregateId: item.id, payload: { ...kind.facts(item), from: item.state, to, reason, at } }]
          )
          return { id: item.id, state: to }
        })
      )
    })
}

const decideProductItem = decide<ProductId, ProductRecord>({
  entity: "product",
  lock: (store, id) => store.lockProduct(id),
  // Verifying stores what was approved, for later diffs.
  save: (store, product, change) => store.setProductState(product.id, { ...change, ...(change.state === "VERIFIED" && { verified: product.current }) }),
  before: (product) => ({ version: product.version }),
  after: (product, to) => ({ version: product.version, ...(to === "VERIFIED" && { approved: product.current }) }),
  facts: (product) => ({ productId: product.id, storeId: product.storeId, version: product.version }),
  version: (product) => product.version
})

const decideBrandItem = decide<BrandId, BrandRecord>({
  entity: "brand",
  lock: (store, id) => store.lockBrand(id),
  save: (store, brand, change) => store.setBrandState(brand.id, change),
  before: () => ({}),
  after: () => ({}),
  facts: (brand) => ({ brandId: brand.id })
})

export const decideProduct = (actor: AdminActor, cmd: DecideCatalogueItem<ProductId>) =>
  Effect.map(decideProductItem(actor, cmd), ({ id, state }) => ({ productId: id, state })).pipe(Effect.withSpan("Admin.decideProduct"))

export const decideBrand = (actor: AdminActor, cmd: DecideCatalogueItem<BrandId>) =>
  Effect.map(decideBrandItem(actor, cmd), ({ id, state }) => ({ brandId: id, state })).pipe(Effect.withSpan("Admin.decideBrand"))

export interface FieldChange {
  readonly field: string
  readonly before: unknown
  readonly after: unknown
}

/** What changed in a product since the version a reviewer last approved (empty for a first review). */
export const changesSinceVerified = (lastVerified: ProductReviewedFields | null, current: ProductReviewedFields): ReadonlyArray<FieldChange> => {
  if (lastVerified === null) return []
  const changes: Array<FieldChange> = []
  const compare = (field: string, before: unknown, after: unknown) => {
    if (JSON.stringify(before) !== JSON.stringify(after)) changes.push({ field, before, after })
  }
  compare("title", lastVerified.title, current.title)
  compare("description", lastVerified.description, current.description)
  compare("basePrice", lastVerified.basePrice, current.basePrice)
  compare("brandId", lastVerified.brandId, current.brandId)
  const added = current.media.filter((m) => !lastVerified.media.includes(m))
  const removed = lastVerified.media.filter((m) => !current.media.includes(m))
  if (added.length > 0 || removed.length > 0) changes.push({ field: "media", before: removed, after: added })
  const bySku = new Map(lastVerified.variants.map((v) => [v.sku, v]))
  for (const v of current.variants) compare(`variant ${v.sku}`, bySku.get(v.sku) ?? null, v)
  for (const v of lastVerified.variants) if (!current.variants.some((c) => c.sku === v.sku)) changes.push({ field: `variant ${v.sku}`, before: v, after: null })
  return changes
}
