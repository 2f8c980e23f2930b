/**
 * Categories and brands from the back-office. A category is named once (its slug is unique) and may
 * sit under another; a brand is created PENDING_REVIEW and verified through the review queue
 * (application/admin/review-catalogue.ts), or at once when the admin creating it says so.
 */
import { Effect, Option } from "effect"
import { BrandId, CategoryId } from "../../domain/ids.js"
import { AdminInvalidInput } from "../admin/admin.errors.js"
import { authorize } from "../admin/admin-roles.js"
import type { AdminActor } from "../admin/admin-roles.js"
import { recordAdminAction } from "../admin/record-admin-action.js"
import { decideBrand } from "../admin/review-catalogue.js"
import { Ids } from "../ports/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { PlatformSettingsStore } from "./platform.port.js"
import { nameOf, slugOf } from "./shipping-settings.js"

const invalid = (detail: string) => new AdminInvalidInput({ detail })

export const createCategory = (
  actor: AdminActor,
  cmd: { readonly name: string; readonly slug?: string | undefined; readonly parentId?: CategoryId | undefined }
) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const name = yield* nameOf(cmd.name, "the category's name")
    const slug = slugOf(cmd.slug?.trim() || name)
    if (slug === "") return yield* invalid("the category's name needs at least one letter or digit")
    const uow = yield* UnitOfWork
    const id = CategoryId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("cat")))
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        if (cmd.parentId !== undefined && !(yield* store.categoryExists(cmd.parentId))) return yield* invalid(`there is no category ${cmd.parentId}`)
        if (yield* store.categorySlugTaken(slug)) return yield* invalid(`a category with the slug "${slug}" exists already`)
        // A new category has a new id, so naming an existing parent can never close a cycle.
        yield* store.insertCategory({ id, name, slug, parentId: cmd.parentId ?? null })
        yield* recordAdminAction(
          actor,
          { action: "CATEGORY.CREATE", entity: "category", entityId: id, before: null, after: { name, slug, parentId: cmd.parentId ?? null } },
          []
        )
        return { categoryId: id, slug }
      })
    )
  }).pipe(Effect.withSpan("Platform.createCategory"))

/**
 * Renames a category or moves it under another (or to the top: parentId null). The slug stays, so
 * links keep working; products and stores filed under it stay under it. A move under itself or under
 * one of its own descendants would close a cycle and is refused.
 */
export const updateCategory = (
  actor: AdminActor,
  cmd: { readonly categoryId: CategoryId; readonly name?: string | undefined; readonly parentId?: CategoryId | null | undefined }
) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const newName = cmd.name === undefined ? undefined : yield* nameOf(cmd.name, "the category's name")
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        const found = yield* store.lockCategory(cmd.categoryId)
        if (Option.isNone(found)) return yield* invalid(`there is no category ${cmd.categoryId}`)
        const current = found.value
        const parentId = cmd.parentId === undefined ? current.parentId : cmd.parentId
        if (parentId !== null && parentId !== current.parentId) {
          const lineage = yield* store.categoryLineage(parentId)
          if (lineage.length === 0) return yield* invalid(`there is no category ${parentId}`)
          if (lineage.includes(cmd.categoryId)) return yield* invalid("a category cannot sit under itself or under one of its own subcategories")
        }
        const after = { name: newName ?? current.name, parentId }
        if (after.name === current.name && after.parentId === current.parentId) return { categoryId: cmd.categoryId, changed: false }
        yield* store.setCategory(cmd.categoryId, after)
        yield* recordAdminAction(
          actor,
          { action: "CATEGORY.UPDATE", entity: "category", entityId: cmd.categoryId, before: { name: current.name, parentId: current.parentId }, after },
          []
        )
        return { categoryId: cmd.categoryId, changed: true }
      })
    )
  }).pipe(Effect.withSpan("Platform.updateCategory"))

/** A brand is created PENDING_REVIEW; `verify` sends it through the review decision at once (same rules, own audit entry). */
export const createBrand = (actor: AdminActor, cmd: { readonly name: string; readonly verify: boolean }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "catalogue.review")
    const name = yield* nameOf(cmd.name, "the brand's name")
    const uow = yield* UnitOfWork
    const id = BrandId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("brd")))
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* PlatformSettingsStore
        if (yield* store.brandNameTaken(name)) return yield* invalid(`a brand named "${name}" exists already`)
        yield* store.insertBrand({ id, name })
        yield* recordAdminAction(actor, { action: "BRAND.CREATE", entity: "brand", entityId: id, before: null, after: { name, state: "PENDING_REVIEW" } }, [])
        if (!cmd.verify) return { brandId: id, state: "PENDING_REVIEW" as const }
        const decided = yield* decideBrand(actor, { id, decision: "VERIFY", reason: "created and verified by an admin" })
        return { brandId: id, state: decided.state }
      })
    )
  }).pipe(Effect.withSpan("Platform.createBrand"))
