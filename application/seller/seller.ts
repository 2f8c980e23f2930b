/**
 * The seller's side: listings (new ones and material edits go to PENDING_REVIEW, by the domain's
 * applyEdit), stock per SKU, per-product commission rate, their store's orders (accept or reject a
 * paid order) and a statement from the ledger. Everything is scoped to the seller's own store: a
 * product or order of another store is "not found".
 */
import { Clock, Effect, Either, Option, Schema } from "effect"
import type { ParseResult } from "effect"
import { applyEdit, currencyIssues, Product, Variant } from "../../domain/catalogue.js"
import type { Listing, ListingPatch } from "../../domain/catalogue.js"
import { ProductId, StoreId, VariantId } from "../../domain/ids.js"
import type { OrderId, UserId } from "../../domain/ids.js"
import { sellerSettlement } from "../../domain/ledger.js"
import * as M from "../../domain/money.js"
import type { Money } from "../../domain/money.js"
import { schemaIssues } from "../../domain/schema-issues.js"
import { decodeSnapshot } from "../../domain/snapshot.js"
import { roleMay } from "../../domain/store.js"
import type { StoreCapability } from "../../domain/store.js"
import { BuyerOrderStore } from "../buyer-orders/buyer-order.port.js"
import { OrderNotFound } from "../orders/order.errors.js"
import { transitionOrder } from "../orders/transition-order.js"
import { Ids } from "../ports/ids.js"
import { recordUserAction } from "./record-user-action.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { InvalidListing, NotASeller, OwnerOnly, SellerProductNotFound, SellerVariantNotFound, StockBelowReserved } from "./seller.errors.js"
import { SellerStore } from "./seller.port.js"
import type { SellerStoreRef } from "./seller.port.js"

export const sellerStore = (userId: UserId) =>
  Effect.flatMap(SellerStore, (s) => Effect.flatMap(s.storeOf(userId), Option.match({ onNone: () => Effect.fail(new NotASeller()), onSome: Effect.succeed })))

const WHAT: { readonly [C in StoreCapability]: string } = {
  PRODUCTS: "manage products",
  STOCK: "manage stock",
  ORDERS: "manage orders",
  STATEMENT: "read the statement",
  PAYOUT_METHOD: "change the payout destination",
  STAFF: "manage staff",
  WEBHOOKS: "manage webhooks",
  KYC: "submit KYC",
  CHAT_SETTINGS: "change the chat settings",
  META_CATALOGUE: "connect the Meta catalogue",
  INSIGHTS: "read the store's insights"
}

/** The user's store, if their role there allows `capability` (else OwnerOnly, 403). */
export const sellerWith = (userId: UserId, capability: StoreCapability) =>
  Effect.flatMap(sellerStore(userId), (store) =>
    roleMay(store.role, capability) ? Effect.succeed(store) : Effect.fail(new OwnerOnly({ what: WHAT[capability] }))
  )

const invalid = (e: ParseResult.ParseError) => new InvalidListing({ issues: schemaIssues(e) })

/** A brand or category the listing names must exist (a foreign key refusing it would be a 503, not the seller's 422). */
const knownReferences = (refs: { readonly brandId?: string | undefined; readonly categoryId?: string | undefined }) =>
  Effect.gen(function* () {
    if (refs.brandId === undefined && refs.categoryId === undefined) return
    const missing = yield* Effect.flatMap(SellerStore, (s) => s.missingReferences(refs))
    if (missing.length > 0)
      return yield* new InvalidListing({
        issues: missing.map((field) => ({ path: field, message: `there is no ${field === "brandId" ? "brand" : "category"} ${refs[field]}` }))
      })
  })

export interface NewVariant {
  readonly sku: string
  readonly attributes: Readonly<Record<string, string>>
  readonly priceOverride?: Money | undefined
  readonly weightGrams: number
  readonly stock: number
}

export interface NewProduct {
  readonly title: string
  readonly description: string
  readonly basePrice: Money
  readonly media: ReadonlyArray<string>
  readonly brandId?: string | undefined
  readonly categoryId?: string | undefined
  readonly commissionRateBps: number
  readonly variants: ReadonlyArray<NewVariant>
}

const ownListing = (store: SellerStoreRef, productId: ProductId) =>
  Effect.gen(function* () {
    const found = yield* Effect.flatMap(SellerStore, (s) => s.loadListing(productId))
    if (Option.isNone(found) || found.value.listing.product.storeId !== store.storeId) return yield* new SellerProductNotFound({ productId })
    return found.value
  })

/** What the audit log keeps of a listing before and after a seller's change. */
const auditView = (listing: Listing) => ({
  title: listing.product.title,
  basePrice: listing.product.basePrice,
  state: listing.product.state,
  commissionRateBps: listing.product.commissionRateBps,
  brandId: listing.product.brandId ?? null,
  categoryId: listing.product.categoryId ?? null,
  media: listing.product.media.length,
  variants: listing.variants.map((v) => v.sku)
})

/**
 * A seller's product change: the audit entry (who, their role in the store, before, after) and
 * PRODUCT_UPDATED (it reaches the seller's webhook, the worker and the storefront cache), in the
 * change's transaction.
 */
const recordProductChange = (store: SellerStoreRef, userId: UserId, before: Listing | null, after: Listing, change: "CREATED" | "EDITED", at: number) => {
  // A variant's old SKU, when an edit renamed it: the Meta catalogue knows the item by it (application/meta-catalogue/sync.ts).
  const retiredSkus = (before?.variants ?? []).flatMap((old) => {
    const now = after.variants.find((v) => v.id === old.id)
    return now !== undefined && now.sku !== old.sku ? [old.sku] : []
  })
  return recordUserAction(
    { userId, role: store.role },
    {
      action: change === "CREATED" ? "PRODUCT.CREATE" : "PRODUCT.EDIT",
      entity: "product",
      entityId: after.product.id,
      before: before === null ? null : auditView(before),
      after: auditView(after)
    },
    [
      {
        type: "PRODUCT_UPDATED",
        aggregateType: "PRODUCT",
        aggregateId: after.product.id,
        payload: {
          productId: after.product.id,
          storeId: after.product.storeId,
          change,
          state: after.product.state,
          ...(retiredSkus.length > 0 && { retiredSkus }),
          at
        }
      }
    ]
  )
}

/** A new listing goes straight to PENDING_REVIEW: nothing is sold before an admin has looked. */
export const createProduct = (userId: UserId, input: NewProduct) =>
  Effect.gen(function* () {
    const store = yield* sellerStore(userId)
    const ids = yield* Ids
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const productId = yield* ids.next("prd")
    const variantIds = yield* Effect.forEach(input.variants, () => ids.next("var"))
    const product = yield* Effect.mapError(
      Schema.validate(Product)({
        id: ProductId.make(productId),
        storeId: StoreId.make(store.storeId),
        ...(input.brandId !== undefined && { brandId: input.brandId }),
        ...(input.categoryId !== undefined && { categoryId: input.categoryId }),
        title: input.title.trim(),
        description: input.description,
        basePrice: input.basePrice,
        media: input.media,
        state: "PENDING_REVIEW",
        commissionRateBps: input.commissionRateBps
      } as Product),
      invalid
    )
    const variants = yield* Effect.mapError(
      Schema.validate(Schema.Array(Variant))(
        input.variants.map((v, i) => ({
          id: VariantId.make(variantIds[i]!),
          productId: ProductId.make(productId),
          sku: v.sku.trim(),
          attributes: v.attributes,
          ...(v.priceOverride !== undefined && { priceOverride: v.priceOverride }),
          weightGrams: v.weightGrams
        }))
      ),
      invalid
    )
    const listing: Listing = { product, variants }
    const mixed = currencyIssues(listing, product.basePrice.currency)
    if (mixed.length > 0) return yield* new InvalidListing({ issues: mixed })
    const stock = new Map(input.variants.map((v, i) => [variantIds[i]!, v.stock]))
    yield* uow.transaction(
      Effect.gen(function* () {
        yield* knownReferences({ brandId: product.brandId, categoryId: product.categoryId })
        yield* Effect.flatMap(SellerStore, (s) => s.insertListing(listing, stock, at))
        yield* recordProductChange(store, userId, null, listing, "CREATED", at)
      })
    )
    return { listing, stock: variants.map((v) => ({ variantId: v.id, onHand: stock.get(v.id) ?? 0, reserved: 0 })) }
  }).pipe(Effect.withSpan("Seller.createProduct"))

export interface ProductEdit {
  readonly title?: string | undefined
  readonly description?: string | undefined
  readonly basePrice?: Money | undefined
  readonly media?: ReadonlyArray<string> | undefined
  readonly brandId?: string | null | undefined
  readonly categoryId?: string | null | undefined
  readonly commissionRateBps?: number | undefined
  /** the whole variant set: existing ones by id, new ones without */
  readonly variants?:
    | ReadonlyArray<{
        readonly id?: string | undefined
        readonly sku: string
        readonly attributes: Readonly<Record<string, string>>
        readonly priceOverride?: Money | undefined
        readonly weightGrams: number
      }>
    | undefined
}

/** A material edit (title, price, media, brand, variants) sends a verified product back to review. */
export const editProduct = (userId: UserId, productId: ProductId, edit: ProductEdit) =>
  Effect.gen(function* () {
    const store = yield* sellerStore(userId)
    const ids = yield* Ids
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const newIds = yield* Effect.forEach(edit.variants ?? [], (v) => (v.id === undefined ? ids.next("var") : Effect.succeed(v.id)))
    return yield* uow.transaction(
      Effect.gen(function* () {
        const current = yield* ownListing(store, productId)
        yield* knownReferences({ brandId: edit.brandId ?? undefined, categoryId: edit.categoryId ?? undefined })
        const known = new Set(current.listing.variants.map((v) => v.id as string))
        const unknown = (edit.variants ?? []).find((v) => v.id !== undefined && !known.has(v.id))
        if (unknown?.id !== undefined) return yield* new SellerVariantNotFound({ variantId: unknown.id })
        // A SKU removed from this product and listed on it again is the same variant back (SKUs are unique in a store).
        const retired = new Map(
          (edit.variants ?? []).some((v) => v.id === undefined)
            ? (yield* Effect.flatMap(SellerStore, (s) => s.retiredVariants(productId))).map((r) => [r.sku, r.id] as const)
            : []
        )
        const variantIds = (edit.variants ?? []).map((v, i) => (v.id === undefined ? (retired.get(v.sku.trim()) ?? newIds[i]!) : v.id))
        const patch: ListingPatch = {
          ...(edit.title !== undefined && { title: edit.title.trim() }),
          ...(edit.description !== undefined && { description: edit.description }),
          ...(edit.basePrice !== undefined && { basePrice: edit.basePrice }),
          ...(edit.media !== undefined && { media: edit.media }),
          ...(edit.brandId !== undefined && { brandId: edit.brandId as NonNullable<ListingPatch["brandId"]> | null }),
          ...(edit.categoryId !== undefined && { categoryId: edit.categoryId as NonNullable<ListingPatch["categoryId"]> | null }),
          ...(edit.commissionRateBps !== undefined && { commissionRateBps: edit.commissionRateBps as NonNullable<ListingPatch["commissionRateBps"]> }),
          ...(edit.variants !== undefined && {
            variants: edit.variants.map((v, i) => ({
              id: VariantId.make(variantIds[i]!),
              productId: ProductId.make(productId),
              sku: v.sku.trim(),
              attributes: v.attributes,
              ...(v.priceOverride !== undefined && { priceOverride: v.priceOverride }),
              weightGrams: v.weightGrams
            }))
          })
        }
        const edited = applyEdit(current.listing, patch)
        if (Either.isLeft(edited)) return yield* edited.left._tag === "ParseError" ? Effect.fail(invalid(edited.left)) : Effect.fail(edited.left)
        const mixed = currencyIssues(edited.right, current.listing.product.basePrice.currency)
        if (mixed.length > 0) return yield* new InvalidListing({ issues: mixed })
        yield* Effect.flatMap(SellerStore, (s) => s.updateListing(edited.right, at))
        yield* recordProductChange(store, userId, current.listing, edited.right, "EDITED", at)
        return yield* ownListing(store, productId)
      })
    )
  }).pipe(Effect.withSpan("Seller.editProduct"))

export const setCommissionRate = (userId: UserId, productId: ProductId, commissionRateBps: number) => editProduct(userId, productId, { commissionRateBps })

/** The store's products (archived ones only with `archived`, to restore one). */
export const listProducts = (userId: UserId, archived = false) =>
  Effect.flatMap(sellerStore(userId), (store) => Effect.flatMap(SellerStore, (s) => s.listings(store.storeId, archived)))

/**
 * The on-hand figure of one of the store's variants (never below what is reserved). Audited (before,
 * after) with STOCK_SET, which also tells the storefront cache that the store's product list changed.
 */
export const setStock = (userId: UserId, variantId: VariantId, onHand: number) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "STOCK")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const s = yield* SellerStore
        const owner = yield* s.variantOwner(variantId)
        if (Option.isNone(owner) || owner.value.storeId !== store.storeId) return yield* new SellerVariantNotFound({ variantId })
        const result = yield* s.setStock(variantId, onHand)
        if (!result.ok) return yield* new StockBelowReserved({ variantId, reserved: result.reserved })
        if (result.before !== onHand)
          yield* recordUserAction(
            { userId, role: store.role },
            { action: "STOCK.SET", entity: "variant", entityId: variantId, before: { onHand: result.before }, after: { onHand } },
            [
              {
                type: "STOCK_SET",
                aggregateType: "PRODUCT",
                aggregateId: owner.value.productId,
                payload: { productId: owner.value.productId, variantId, storeId: store.storeId, onHand, before: result.before, at }
              }
            ]
          )
        return { variantId, onHand, reserved: result.reserved }
      })
    )
  }).pipe(Effect.withSpan("Seller.setStock"))

export const storeOrders = (userId: UserId, limit = 20, offset = 0) =>
  Effect.flatMap(sellerStore(userId), (store) => Effect.flatMap(BuyerOrderStore, (s) => s.list({ storeId: store.storeId, limit, offset })))

export const storeOrder = (userId: UserId, orderId: OrderId) =>
  Effect.gen(function* () {
    const store = yield* sellerStore(userId)
    const found = yield* Effect.flatMap(BuyerOrderStore, (s) => s.get(orderId))
    if (Option.isNone(found) || found.value.storeId !== store.storeId) return yield* new OrderNotFound({ orderId })
    return found.value
  })

export const acceptOrder = (userId: UserId, orderId: OrderId) =>
  Effect.gen(function* () {
    yield* storeOrder(userId, orderId)
    yield* transitionOrder({ orderId, to: "ACCEPTED", actor: { kind: "SELLER", id: userId }, reason: "seller accepted" })
    return yield* storeOrder(userId, orderId)
  })

/** Rejecting a paid order cancels it with a full refund (transitionOrder's CANCELLED consequences). */
export const rejectOrder = (userId: UserId, orderId: OrderId, reason: string) =>
  Effect.gen(function* () {
    yield* storeOrder(userId, orderId)
    yield* transitionOrder({ orderId, to: "CANCELLED", actor: { kind: "SELLER", id: userId }, reason: `seller rejected: ${reason}` })
    return yield* storeOrder(userId, orderId)
  })

/**
 * The statement: every ledger line on the store's payable account (earnings from released escrow,
 * payouts), the per-order breakdown (base price, platform fee, affiliate commission, net) and the
 * balance still owed.
 */
export const statement = (userId: UserId) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "STATEMENT")
    const s = yield* SellerStore
    // one snapshot: the lines, the payouts and the breakdown tell the same story (a fraud rejection committing between reads would not)
    const [lines, payouts, snapshots] = yield* Effect.flatMap(UnitOfWork, (uow) =>
      uow.snapshot(Effect.all([s.ledger(store.storeId), s.payouts(store.storeId), s.settledSnapshots(store.storeId)]))
    )
    // One balance per currency the store is owed in (a TZS store's lines are not KES); KES 0 when none.
    const currencies = [...new Set(lines.map((l) => l.amount.currency))].sort()
    const balances = (currencies.length === 0 ? (["KES"] as const) : currencies).map((c) =>
      M.sum(
        lines.filter((l) => l.amount.currency === c).map((l) => l.amount),
        c
      )
    )
    const orders = snapshots.flatMap(({ snapshot: raw, commissionReversed }) => {
      const decoded = decodeSnapshot(typeof raw === "string" ? raw : JSON.stringify(raw))
      if (Either.isLeft(decoded)) return []
      const settlement = sellerSettlement(decoded.right)
      // a commission rejected for fraud went back to the store (COMMISSION_REVERSED): the order's net is what the ledger credited
      return [
        {
          orderId: decoded.right.orderId as string,
          base: settlement.base,
          platformFee: settlement.platformFee,
          commission: commissionReversed ? M.zero(settlement.commission.currency) : settlement.commission,
          net: commissionReversed ? M.add(settlement.sellerPayable, settlement.commission) : settlement.sellerPayable,
          ...(commissionReversed && { commissionReversed: true as const })
        }
      ]
    })
    return {
      storeId: store.storeId,
      storeName: store.storeName,
      // the only currency's balance, else the KES one (as before)
      balance: balances.length === 1 ? balances[0]! : (balances.find((b) => b.currency === "KES") ?? M.zero("KES")),
      balances,
      lines,
      orders,
      payouts
    }
  }).pipe(Effect.withSpan("Seller.statement"))
