/**
 * A store from nothing: any logged-in user opens one (and becomes its OWNER), submits KYC with
 * uploaded documents, sets where the money goes (with a fresh step-up code; payouts then wait 24 h),
 * invites staff and removes them, and archives products. Every change is audited (actor: the user
 * and their role in the store) with its outbox event, in the change's transaction.
 *
 * Products can be drafted at once, but nothing is sold before KYC and the product are VERIFIED:
 * the catalogue and checkout reads apply domain/catalogue.ts `sellability`, which needs both.
 */
import { Clock, Effect, Option, Schema } from "effect"
import { CategoryId, LocationId, StoreId, UserId } from "../../domain/ids.js"
import type { ProductId } from "../../domain/ids.js"
import { canRemoveMember, KycSubmission, kycSubmittable, normaliseIdentifier, normaliseSlug, slugProblem } from "../../domain/store.js"
import { schemaIssues } from "../../domain/schema-issues.js"
import type { PayoutDestination, StoreRole } from "../../domain/store.js"
import { AuthStore } from "../auth/auth.port.js"
import type { AuthUser } from "../auth/auth.port.js"
import { requestStepUpCode, spendStepUpCode, StepUpRequired } from "../auth/step-up.js"
import { Ids } from "../ports/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { UnknownUploads } from "../uploads/upload.errors.js"
import { UploadStore } from "../uploads/upload.port.js"
import { OnboardingStore } from "./onboarding.port.js"
import type { StoreProfile } from "./onboarding.port.js"
import { recordUserAction } from "./record-user-action.js"
import {
  AlreadyInAStore,
  KycInvalid,
  KycNotSubmittable,
  LastOwner,
  MemberNotFound,
  SellerProductNotFound,
  SlugRefused,
  StoreDetailsInvalid
} from "./seller.errors.js"
import { sellerStore, sellerWith } from "./seller.js"

const lockedProfile = (storeId: StoreId) =>
  Effect.flatMap(
    Effect.flatMap(OnboardingStore, (s) => s.lockStore(storeId)),
    Option.match({ onNone: () => Effect.die(new Error(`store ${storeId} vanished`)), onSome: Effect.succeed })
  )

export interface OpenStore {
  readonly name: string
  readonly slug: string
  readonly mainCategoryId: string
  /** a town or market of the geography tree */
  readonly locationId: string
  readonly contactPhone: string
}

export const openStore = (userId: UserId, input: OpenStore) =>
  Effect.gen(function* () {
    const slug = normaliseSlug(input.slug)
    const problem = slugProblem(slug)
    if (problem !== undefined) return yield* new SlugRefused({ slug, reason: problem })
    const name = input.name.trim()
    if (name === "") return yield* new StoreDetailsInvalid({ detail: "the store needs a name" })
    const ids = yield* Ids
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const storeId = StoreId.make(yield* ids.next("sto"))
    const mainCategoryId = CategoryId.make(input.mainCategoryId)
    const locationId = LocationId.make(input.locationId)
    return yield* uow.transaction(
      Effect.gen(function* () {
        const s = yield* OnboardingStore
        if (Option.isSome(yield* s.membershipOf(userId))) return yield* new AlreadyInAStore()
        if (!(yield* s.categoryExists(mainCategoryId))) return yield* new StoreDetailsInvalid({ detail: `there is no category ${input.mainCategoryId}` })
        const kind = yield* s.locationKind(locationId)
        if (Option.isNone(kind) || (kind.value !== "TOWN" && kind.value !== "MARKET"))
          return yield* new StoreDetailsInvalid({ detail: `${input.locationId} is not a town or market of the geography tree` })
        yield* s.insertStore({ id: storeId, ownerId: userId, name, slug, mainCategoryId, locationId, contactPhone: input.contactPhone, at })
        const after = { name, slug, mainCategoryId, locationId, contactPhone: input.contactPhone, kycState: "PENDING" }
        yield* recordUserAction({ userId, role: "OWNER" }, { action: "STORE.OPEN", entity: "store", entityId: storeId, before: null, after }, [
          { type: "STORE_OPENED", aggregateType: "STORE", aggregateId: storeId, payload: { storeId, ownerUserId: userId, slug, at } }
        ])
        return yield* lockedProfile(storeId)
      })
    )
  }).pipe(Effect.withSpan("Seller.openStore"))

/** The store as its members see it (the KYC details and payout destination only to an OWNER). */
export const myStore = (userId: UserId) =>
  Effect.gen(function* () {
    const store = yield* sellerStore(userId)
    const profile = yield* lockedProfile(store.storeId)
    return { role: store.role, profile: store.role === "OWNER" ? profile : { ...profile, kyc: undefined, payout: undefined } } satisfies {
      role: StoreRole
      profile: StoreProfile
    }
  })

export const submitKyc = (userId: UserId, input: KycSubmission) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "KYC")
    const kyc = yield* Effect.mapError(
      Schema.validate(KycSubmission)({
        idType: input.idType,
        idNumber: normaliseIdentifier(input.idNumber),
        kraPin: input.kraPin,
        ...(input.businessPermitNumber !== undefined && { businessPermitNumber: input.businessPermitNumber }),
        documentIds: [...new Set(input.documentIds)]
      }),
      (e) => new KycInvalid({ issues: schemaIssues(e) })
    )
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const owned = new Set(yield* Effect.flatMap(UploadStore, (u) => u.ownedBy(userId, kyc.documentIds)))
        const unknown = kyc.documentIds.filter((id) => !owned.has(id))
        if (unknown.length > 0) return yield* new UnknownUploads({ uploadIds: unknown })
        const before = yield* lockedProfile(store.storeId)
        if (!kycSubmittable(before.kycState)) return yield* new KycNotSubmittable({ state: before.kycState })
        yield* Effect.flatMap(OnboardingStore, (s) => s.saveKyc(store.storeId, kyc, at))
        yield* recordUserAction(
          { userId, role: store.role },
          {
            action: "STORE.KYC_SUBMIT",
            entity: "store",
            entityId: store.storeId,
            before: { kycState: before.kycState, kycReason: before.kycReason ?? null, kyc: before.kyc ?? null },
            after: { kycState: "PENDING", kyc }
          },
          [
            {
              type: "SELLER_KYC_SUBMITTED",
              aggregateType: "STORE",
              aggregateId: store.storeId,
              payload: { storeId: store.storeId, from: before.kycState, to: "PENDING", documents: kyc.documentIds.length, at }
            }
          ]
        )
        return yield* lockedProfile(store.storeId)
      })
    )
  }).pipe(Effect.withSpan("Seller.submitKyc"))

const describeDestination = (d: PayoutDestination | undefined) =>
  d === undefined
    ? null
    : d.method === "B2C"
      ? { method: d.method, phone: d.phone }
      : d.method === "TILL"
        ? { method: d.method, tillNumber: d.tillNumber }
        : { method: d.method, paybillNumber: d.paybillNumber, accountRef: d.accountRef }

/** The step-up code for a payout destination change goes to an OWNER only: staff cannot even start one. */
export const requestPayoutMethodCode = (user: AuthUser) =>
  Effect.flatMap(sellerWith(user.id, "PAYOUT_METHOD"), () => requestStepUpCode(user, "PAYOUT_METHOD")).pipe(Effect.withSpan("Seller.requestPayoutMethodCode"))

/**
 * The OWNER changes where the store is paid, with the step-up code sent to their phone for this
 * purpose (requestStepUpCode(..., "PAYOUT_METHOD")). The weekly batch then holds the store's payout
 * for 24 h (domain/store.ts PAYOUT_HOLD_MS).
 */
export const setPayoutMethod = (user: AuthUser, destination: PayoutDestination, code: string) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(user.id, "PAYOUT_METHOD")
    yield* spendStepUpCode(user.id, "PAYOUT_METHOD", code)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const before = yield* lockedProfile(store.storeId)
        yield* Effect.flatMap(OnboardingStore, (s) => s.setPayoutDestination(store.storeId, destination, at))
        yield* recordUserAction(
          { userId: user.id, role: store.role },
          {
            action: "STORE.PAYOUT_METHOD_CHANGE",
            entity: "store",
            entityId: store.storeId,
            before: describeDestination(before.payout),
            after: describeDestination(destination)
          },
          [
            {
              type: "STORE_PAYOUT_METHOD_CHANGED",
              aggregateType: "STORE",
              aggregateId: store.storeId,
              payload: { storeId: store.storeId, method: destination.method, at }
            }
          ]
        )
        return yield* lockedProfile(store.storeId)
      })
    )
  }).pipe(Effect.withSpan("Seller.setPayoutMethod"))

export const listStaff = (userId: UserId) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "STAFF")
    return yield* Effect.flatMap(OnboardingStore, (s) => s.members(store.storeId))
  })

/** The step-up code that makes someone an OWNER goes to the acting OWNER's own phone (staff cannot start one). */
export const requestOwnerCode = (user: AuthUser) =>
  Effect.flatMap(sellerWith(user.id, "STAFF"), () => requestStepUpCode(user, "STORE_OWNER")).pipe(Effect.withSpan("Seller.requestOwnerCode"))

/**
 * Adds a member by phone (creating the user, as a BUYER who can log in, when the phone is new), or
 * changes a member's role. Making someone an OWNER takes a fresh STORE_OWNER step-up code (spent
 * first, on its own): a new OWNER could change the payout destination with a code sent to their own
 * phone and remove the other owners, so a session alone must not make one.
 */
export const inviteStaff = (userId: UserId, input: { readonly phone: string; readonly role: StoreRole; readonly code?: string | undefined }) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "STAFF")
    if (input.role === "OWNER") {
      if (input.code === undefined) return yield* new StepUpRequired({ what: "making someone an OWNER", requestAt: "/api/v1/seller/staff/owner-code" })
      yield* spendStepUpCode(userId, "STORE_OWNER", input.code)
    }
    const ids = yield* Ids
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const newUserId = UserId.make(yield* ids.next("usr"))
    return yield* uow.transaction(
      Effect.gen(function* () {
        const s = yield* OnboardingStore
        const invited = yield* Effect.flatMap(AuthStore, (a) => a.findOrCreateUser(input.phone, newUserId))
        const members = yield* s.members(store.storeId)
        const current = members.find((m) => m.userId === invited.id)
        if (current === undefined) {
          const elsewhere = yield* s.membershipOf(invited.id)
          if (Option.isSome(elsewhere)) return yield* new AlreadyInAStore()
        }
        // demoting the last owner would leave the store without one
        if (current?.role === "OWNER" && input.role === "STAFF" && !canRemoveMember(members, invited.id)) return yield* new LastOwner()
        yield* s.putMember(store.storeId, invited.id, input.role, at)
        yield* recordUserAction(
          { userId, role: store.role },
          {
            action: current === undefined ? "STORE.STAFF_ADD" : "STORE.STAFF_ROLE_CHANGE",
            entity: "store",
            entityId: store.storeId,
            before: current === undefined ? null : { userId: invited.id, role: current.role },
            after: { userId: invited.id, role: input.role }
          },
          [
            {
              type: "STORE_MEMBER_ADDED",
              aggregateType: "STORE",
              aggregateId: store.storeId,
              payload: { storeId: store.storeId, userId: invited.id, role: input.role, at }
            }
          ]
        )
        const after = yield* s.members(store.storeId)
        return after.find((m) => m.userId === invited.id)!
      })
    )
  }).pipe(Effect.withSpan("Seller.inviteStaff"))

export const removeStaff = (userId: UserId, memberId: UserId) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "STAFF")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    yield* uow.transaction(
      Effect.gen(function* () {
        const s = yield* OnboardingStore
        const members = yield* s.members(store.storeId)
        const target = members.find((m) => m.userId === memberId)
        if (target === undefined) return yield* new MemberNotFound({ userId: memberId })
        if (!canRemoveMember(members, memberId)) return yield* new LastOwner()
        yield* s.removeMember(store.storeId, memberId)
        yield* recordUserAction(
          { userId, role: store.role },
          { action: "STORE.STAFF_REMOVE", entity: "store", entityId: store.storeId, before: { userId: memberId, role: target.role }, after: null },
          [{ type: "STORE_MEMBER_REMOVED", aggregateType: "STORE", aggregateId: store.storeId, payload: { storeId: store.storeId, userId: memberId, at } }]
        )
      })
    )
  }).pipe(Effect.withSpan("Seller.removeStaff"))

/**
 * Archiving keeps the product (orders' snapshots name it) but hides it from buyers and checkout.
 * Idempotent: archiving an archived product changes nothing and records nothing.
 */
const setArchived = (userId: UserId, productId: ProductId, archived: boolean) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "PRODUCTS")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const outcome = yield* Effect.flatMap(OnboardingStore, (s) => s.setArchived(productId, store.storeId, archived, at))
        if (outcome === "NOT_FOUND") return yield* new SellerProductNotFound({ productId })
        if (outcome === "CHANGED")
          yield* recordUserAction(
            { userId, role: store.role },
            {
              action: archived ? "PRODUCT.ARCHIVE" : "PRODUCT.RESTORE",
              entity: "product",
              entityId: productId,
              before: { archived: !archived },
              after: { archived }
            },
            [
              {
                type: "PRODUCT_UPDATED",
                aggregateType: "PRODUCT",
                aggregateId: productId,
                payload: { productId, storeId: store.storeId, change: archived ? "ARCHIVED" : "RESTORED", at }
              }
            ]
          )
        return { productId, archived }
      })
    )
  })

/** Hidden from buyers and the review queue, kept for the orders that name it (idempotent). */
export const archiveProduct = (userId: UserId, productId: ProductId) =>
  Effect.map(setArchived(userId, productId, true), (r) => ({ ...r, archived: true as const })).pipe(Effect.withSpan("Seller.archiveProduct"))

/** Back on sale as it was (its review state unchanged: a VERIFIED product sells again at once; idempotent). */
export const restoreProduct = (userId: UserId, productId: ProductId) =>
  Effect.map(setArchived(userId, productId, false), (r) => ({ ...r, archived: false as const })).pipe(Effect.withSpan("Seller.restoreProduct"))
