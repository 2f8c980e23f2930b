/**
 * The catalogue review queue: products and brands verified, rejected (with a reason) or suspended by
 * a reviewer, through the domain's verification state machine. Verifying a product stores what was
 * approved, so a later material edit can be reviewed as a diff against it.
 */
import { Clock, Effect, Either } from "effect"
import { transitionVerification } from "../../domain/catalogue.js"
import type { VerificationState } from "../../domain/catalogue.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { AdminStore } from "./admin.port.js"
import type { ProductReviewedFields } from "./admin.port.js"
import { found, recordAdminAction, requiredText } from "./record-admin-action.js"

export type CatalogueDecision = "VERIFY" | "REJECT" | "SUSPEND"

const target: { readonly [D in CatalogueDecision]: VerificationState } = { VERIFY: "VERIFIED", REJECT: "REJECTED", SUSPEND: "SUSPENDED" }

export interface DecideCatalogueItem {
  readonly id: string
  readonly decision: CatalogueDecision
  readonly reason?: string | undefined
}

const decideReason = (cmd: DecideCatalogueItem) =>
  // a rejection or a suspension is explained to the seller; a verification may carry a note
  cmd.decision === "VERIFY" ? Effect.succeed(cmd.reason?.trim() || null) : requiredText(cmd.reason, "a reason")

export const decideProduct = (actor: AdminActor, cmd: DecideCatalogueItem) =>
  Effect.gen(function* () {
    yield* authorize(actor, "catalogue.review")
    const reason = yield* decideReason(cmd)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const product = yield* found("product", cmd.id, store.lockProduct(cmd.id))
        const to = target[cmd.decision]
        const next = transitionVerification(product.state, to, reason ?? undefined)
        if (Either.isLeft(next)) return yield* Effect.fail(next.left)
        const keptReason = to === "VERIFIED" ? null : reason
        yield* store.setProductState(product.id, { state: to, reason: keptReason, by: actor.id, at, ...(to === "VERIFIED" && { verified: product.current }) })
        yield* recordAdminAction(
          actor,
          {
            action: `PRODUCT.${cmd.decision}`,
            entity: "product",
            entityId: product.id,
            before: { state: product.state, rejectionReason: product.rejectionReason, version: product.version },
            after: { state: to, rejectionReason: keptReason, version: product.version, ...(to === "VERIFIED" && { approved: product.current }) },
            reason
          },
          [{ type: `PRODUCT_${to}`, aggregateType: "PRODUCT", aggregateId: product.id, payload: { productId: product.id, storeId: product.storeId, from: product.state, to, version: product.version, reason, at } }]
        )
        return { productId: product.id, state: to }
      })
    )
  }).pipe(Effect.withSpan("Admin.decideProduct"))

export const decideBrand = (actor: AdminActor, cmd: DecideCatalogueItem) =>
  Effect.gen(function* () {
    yield* authorize(actor, "catalogue.review")
    const reason = yield* decideReason(cmd)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const brand = yield* found("brand", cmd.id, store.lockBrand(cmd.id))
        const to = target[cmd.decision]
        const next = transitionVerification(brand.state, to, reason ?? undefined)
        if (Either.isLeft(next)) return yield* Effect.fail(next.left)
        const keptReason = to === "VERIFIED" ? null : reason
        yield* store.setBrandState(brand.id, { state: to, reason: keptReason, by: actor.id, at })
        yield* recordAdminAction(
          actor,
          { action: `BRAND.${cmd.decision}`, entity: "brand", entityId: brand.id, before: { state: brand.state, rejectionReason: brand.rejectionReason }, after: { state: to, rejectionReason: keptReason }, reason },
          [{ type: `BRAND_${to}`, aggregateType: "BRAND", aggregateId: brand.id, payload: { brandId: brand.id, from: brand.state, to, reason, at } }]
        )
        return { brandId: brand.id, state: to }
      })
    )
  }).pipe(Effect.withSpan("Admin.decideBrand"))

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
