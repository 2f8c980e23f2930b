/**
 * Place a checkout: price the cart with the domain, then, in ONE transaction, reserve stock, burn
 * incentives within their limits, redeem loyalty, and write the checkout, one order per seller with
 * its immutable snapshot and timeline, and the outbox events. The same Idempotency-Key returns the
 * same result and creates nothing new.
 */
import { Clock, Effect, Either, Option } from "effect"
import { sellability } from "../../domain/catalogue.js"
import type { NotSellableReason } from "../../domain/catalogue.js"
import { attribute } from "../../domain/commission.js"
import { isEmptyDelivery } from "../../domain/delivery.js"
import type { DeliveryDetails } from "../../domain/delivery.js"
import type { UserId } from "../../domain/ids.js"
import { CheckoutId, EpochMillis, OrderId } from "../../domain/ids.js"
import type { LocationId, VariantId } from "../../domain/ids.js"
import { defaultLoyaltyPolicy, discountCodeKey, DiscountCodeNotApplicable } from "../../domain/incentives.js"
import type { LoyaltyPolicy } from "../../domain/incentives.js"
import * as M from "../../domain/money.js"
import { PAYMENT_WINDOW_MS } from "../../domain/order.js"
import type { Actor } from "../../domain/order.js"
import { priceCheckout } from "../../domain/pricing.js"
import type { CheckoutLine } from "../../domain/pricing.js"
import { quoteShipping } from "../../domain/shipping.js"
import { buildSnapshot, canonicalJson, encodeSnapshot } from "../../domain/snapshot.js"
import { payOrders } from "../payments/pay-orders.js"
import { Ids } from "../ports/ids.js"
import { STK_MAX_CHARGE } from "../ports/payment-gateway.js"
import { Outbox } from "../ports/outbox.js"
import { pipelined, UnitOfWork } from "../ports/unit-of-work.js"
import { ChargeAboveMpesaLimit, IdempotencyKeyReused, ItemNotSellable, OutOfStock, UnknownDiscountCode, UnknownItem } from "./checkout.errors.js"
import { CheckoutStore, checkoutLine } from "./checkout.port.js"
import type { CatalogueItem, CheckoutPlan, CheckoutSummary, PlannedBurn } from "./checkout.port.js"
import { CartChanged, DuplicateCheckout, IncentiveExhausted } from "./checkout.errors.js"

export interface PlaceCheckout {
  readonly buyerId: UserId
  readonly idempotencyKey: string
  readonly items: ReadonlyArray<{ readonly variantId: VariantId; readonly quantity: number }>
  readonly destination: LocationId
  /** 2547XXXXXXXX: where the STK push will go */
  readonly payerPhone: string
  readonly discountCode?: string | undefined
  readonly loyaltyPoints?: number | undefined
  readonly affiliateCode?: string | undefined
  /** Recipient, phone, address line, landmark, notes: frozen in every order's snapshot, shown to the rider. */
  readonly delivery?: DeliveryDetails | undefined
  /**
   * The items were read from the buyer's cart, not the request: the request is then identified
   * without them (a retry finds the cart closed), as "from the cart".
   */
  readonly fromCart?: boolean | undefined
}

export interface CheckoutSettings {
  readonly platformFeeBps: number
  readonly loyalty: LoyaltyPolicy
  readonly currency: M.Currency
}

export const defaultCheckoutSettings: CheckoutSettings = { platformFeeBps: 500, loyalty: defaultLoyaltyPolicy, currency: "KES" }

/** The request as it identifies itself for idempotency: order of items does not matter. */
export const fingerprintOf = (cmd: CheckoutRequest): string =>
  canonicalJson({
    items: cmd.fromCart ? "CART" : [...(cmd.items ?? [])].sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0)),
    destination: cmd.destination,
    payerPhone: cmd.payerPhone,
    discountCode: cmd.discountCode === undefined ? null : discountCodeKey(cmd.discountCode),
    loyaltyPoints: cmd.loyaltyPoints ?? 0,
    affiliateCode: cmd.affiliateCode ?? null,
    // only when given, so a request without details keeps the fingerprint it always had
    ...(cmd.delivery !== undefined && !isEmptyDelivery(cmd.delivery) && { delivery: cmd.delivery })
  })

/**
 * What is being bought, and may it be sold: the items' lines from their catalogue, or the first
 * item's refusal (in the items' order).
 */
export const linesOf = (
  items: ReadonlyArray<{ readonly variantId: VariantId; readonly quantity: number }>,
  catalogue: ReadonlyArray<CatalogueItem>
): Either.Either<ReadonlyArray<CheckoutLine>, UnknownItem | ItemNotSellable | OutOfStock> => {
  const byId = new Map(catalogue.map((c) => [c.variantId, c]))
  const lines: Array<CheckoutLine> = []
  for (const item of items) {
    const c = byId.get(item.variantId)
    if (!c || !c.active) return Either.left(new UnknownItem({ variantId: item.variantId }))
    const verdict = sellability({ storeKyc: c.storeKyc, product: c.product, ...(c.brand && { brand: c.brand }), availableStock: c.available })
    if (!verdict.sellable) {
      const reasons: ReadonlyArray<NotSellableReason> = verdict.reasons
      if (reasons.length === 1 && reasons[0] === "OUT_OF_STOCK")
        return Either.left(new OutOfStock({ variantId: item.variantId, requested: item.quantity, available: 0 }))
      return Either.left(new ItemNotSellable({ variantId: item.variantId, reasons }))
    }
    if (c.available < item.quantity) return Either.left(new OutOfStock({ variantId: item.variantId, requested: item.quantity, available: c.available }))
    lines.push(checkoutLine(c, item.quantity))
  }
  return Either.right(lines)
}

/** Merge repeated variants into one line each. */
const mergeItems = (items: PlaceCheckout["items"]) => {
  const merged = new Map<VariantId, number>()
  for (const i of items) merged.set(i.variantId, (merged.get(i.variantId) ?? 0) + i.quantity)
  return [...merged.entries()].map(([variantId, quantity]) => ({ variantId, quantity }))
}

const MAX_ATTEMPTS = 3

const PLATFORM_FUNDING: Actor = { kind: "SYSTEM", id: "platform-funding" }

/**
 * Where a checkout's items come from: the request (placeCheckout), or something read in the
 * checkout's own transaction (the buyer's cart: application/cart/checkout-cart.ts), with what to do
 * once the checkout is written (close the cart). `load` runs in every attempt, beside the
 * idempotency check and the pricing reads; a failure of it (an empty cart) counts only when the
 * key has not been used before (a retry of a checkout that closed the cart replays its result).
 */
export interface CheckoutItems<E, R> {
  readonly load: Effect.Effect<
    {
      readonly items: PlaceCheckout["items"]
      /** their catalogue, when read with them (else it is read after them) */
      readonly catalogue?: ReadonlyArray<CatalogueItem> | undefined
      readonly placed: Effect.Effect<void, E, R>
    },
    E,
    R
  >
}

/**
 * Variants this process recently saw refused as out of stock, with when (a flash sale's product once
 * sold out: most of its buyers are still to come). Only a hint of which way to go, never an answer:
 * a checkout naming one is first looked at without a transaction (refusedOnSight). When that look
 * finds it sellable again (stock released, restocked) the hint goes, and the checkout goes on as usual.
 */
const seenSoldOut = new Map<VariantId, number>()
/** How long a sighting steers checkouts to the look first: past it, one more checkout pays the full way to find out. */
const SOLD_OUT_SIGHTING_MS = 60_000
const noteSoldOut = (variantId: VariantId, at: number) => {
  if (seenSoldOut.size >= 10_000) seenSoldOut.clear()
  seenSoldOut.set(variantId, at)
}
const recentlySoldOut = (variantId: VariantId, now: number) => {
  const at = seenSoldOut.get(variantId)
  return at !== undefined && now - at < SOLD_OUT_SIGHTING_MS
}

/**
 * A checkout's refusal decided from what is committed now, without a transaction: whether its key
 * was used and its items' catalogue (one read), and the same check as the checkout's own (linesOf).
 * None when the key was used (the transaction replays its answer) or the items may be sold: the
 * checkout then runs in full. The refusal is as sound as the transaction's would be: that one too
 * refuses on stock read before it locks anything (in READ COMMITTED, a read in a transaction sees
 * what one outside it would).
 */
const refusedOnSight = (cmd: PlaceCheckout, items: PlaceCheckout["items"]) =>
  Effect.gen(function* () {
    const store = yield* CheckoutStore
    const { keyUsed, catalogue } = yield* store.lookBeforeCheckout(
      cmd.buyerId,
      cmd.idempotencyKey,
      items.map((i) => i.variantId)
    )
    if (keyUsed) return Option.none()
    return Either.match(linesOf(items, catalogue), { onLeft: Option.some, onRight: () => Option.none() })
  })

/**
 * placeCheckout with the items the request names. A checkout of an item this process recently saw
 * sold out is looked at first without a transaction (refusedOnSight): after a flash sale's product
 * sells out, its buyers' refusals cost one read instead of a whole checkout's reads in a transaction.
 */
export const placeCheckout = (cmd: PlaceCheckout, settings: CheckoutSettings = defaultCheckoutSettings) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    if (cmd.items.some((i) => recentlySoldOut(i.variantId, now))) {
      const items = mergeItems(cmd.items)
      const refused = yield* refusedOnSight(cmd, items)
      if (Option.isSome(refused)) return yield* Effect.fail(refused.value)
      for (const i of items) seenSoldOut.delete(i.variantId)
    }
    return yield* placeCheckoutOf(cmd, { load: Effect.succeed({ items: cmd.items, placed: Effect.void }) }, settings)
  }).pipe(
    Effect.tapError((e) =>
      Effect.map(Clock.currentTimeMillis, (at) => {
        if (e instanceof OutOfStock) noteSoldOut(e.variantId as VariantId, at)
      })
    )
  )

/** A checkout request whose items may come from elsewhere: it is identified (fingerprintOf) by the items it names, or as "from the cart". */
export type CheckoutRequest = Omit<PlaceCheckout, "items"> & { readonly items?: PlaceCheckout["items"] | undefined }

/**
 * placeCheckout with the items from `source`. Each attempt is one transaction (a savepoint when the
 * caller is already in one): a retry after a limited promotion ran out, or after the same key
 * committed under us, starts again from a clean slate, reading the idempotency key anew.
 */
export const placeCheckoutOf = <E, R>(cmd: CheckoutRequest, source: CheckoutItems<E, R>, settings: CheckoutSettings = defaultCheckoutSettings) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    const attempt = (pricedAway: ReadonlySet<string>) => uow.transaction(placeNew(cmd, source, settings, pricedAway))

    // A limited promotion that ran out under us: price again (it is no longer eligible). Should the
    // same promotion run out under us again (its uses are being released and taken meanwhile), the
    // next attempt is priced without it: each promotion is priced away at most once, so this ends,
    // and a checkout never fails because of a promotion. A code the buyer typed that ran out is
    // their error to see.
    type Attempts = { readonly n: number; readonly ranOut: ReadonlySet<string>; readonly pricedAway: ReadonlySet<string> }
    const run = (
      a: Attempts
    ): Effect.Effect<CheckoutSummary, PlaceError | DiscountCodeNotApplicable | CartChanged | E, Effect.Effect.Context<ReturnType<typeof attempt>>> =>
      Effect.catchAll(attempt(a.pricedAway), (e) => {
        // The same key raced in from another request and committed first: replay its result.
        if (e instanceof DuplicateCheckout)
          return a.n < MAX_ATTEMPTS ? run({ ...a, n: a.n + 1 }) : Effect.die(new Error("checkout key conflict did not resolve"))
        // The cart was checked out by another request, or changed, after this attempt read it: read
        // it again (a closed cart is then CART.EMPTY, an edited one is bought as it now is).
        if (e instanceof CartChanged) return a.n < MAX_ATTEMPTS ? run({ ...a, n: a.n + 1 }) : Effect.fail(e)
        if (e instanceof IncentiveExhausted && e.kind === "PROMOTION" && !a.pricedAway.has(e.id))
          return a.ranOut.has(e.id) ? run({ ...a, pricedAway: new Set([...a.pricedAway, e.id]) }) : run({ ...a, ranOut: new Set([...a.ranOut, e.id]) })
        if (e instanceof IncentiveExhausted)
          return Effect.fail(
            new DiscountCodeNotApplicable({
              discountCode: cmd.discountCode ?? e.id,
              reason: e.scope === "GLOBAL" ? "GLOBAL_LIMIT_REACHED" : "BUYER_LIMIT_REACHED"
            })
          )
        return Effect.fail(e as PlaceError | E)
      })
    return yield* run({ n: 1, ranOut: new Set(), pricedAway: new Set() })
  }).pipe(Effect.withSpan("Checkout.place"))

/** What an attempt fails with besides its items' source, once its retries are spent (the retried refusals are not among them). */
type PlaceError = Exclude<Effect.Effect.Error<ReturnType<typeof placeNew<never, never>>>, IncentiveExhausted | DuplicateCheckout>

const placeNew = <E, R>(cmd: CheckoutRequest, source: CheckoutItems<E, R>, settings: CheckoutSettings, pricedAway: ReadonlySet<string> = new Set()) =>
  Effect.gen(function* () {
    const store = yield* CheckoutStore
    const ids = yield* Ids
    const outbox = yield* Outbox
    const now = EpochMillis.make(yield* Clock.currentTimeMillis)
    const fingerprint = fingerprintOf(cmd)

    // The idempotency check (with the buyer's affiliate attribution, unless the request names a
    // code), the items and their catalogue, and everything else pricing needs, read at once
    // (pipelined on one connection: the catalogue follows the items when they are read here and
    // the source did not read it with them).
    // The items' failure waits for the idempotency check: a replay wins over an empty cart.
    const points = cmd.loyaltyPoints ?? 0
    const [opened, loaded, { promotions: live, geography, zones }, code, balance] = yield* pipelined([
      store.openCheckout(cmd.buyerId, cmd.idempotencyKey, fingerprint, cmd.affiliateCode ? undefined : now),
      Effect.either(
        Effect.flatMap(source.load, ({ items, catalogue, placed }) => {
          const merged = mergeItems(items)
          return Effect.map(catalogue ? Effect.succeed(catalogue) : store.loadCatalogue(merged.map((i) => i.variantId)), (catalogue) => ({
            items: merged,
            catalogue,
            placed
          }))
        })
      ),
      store.loadPromotionsAndShipping(cmd.buyerId, now),
      cmd.discountCode ? store.loadDiscountCode(discountCodeKey(cmd.discountCode), cmd.buyerId) : Effect.succeed(Option.none()),
      points > 0 ? store.lockLoyaltyBalance(cmd.buyerId) : Effect.succeed(0)
    ] as const)
    // (a promotion that ran out under this checkout twice is priced away: placeCheckoutOf)
    const promotions = pricedAway.size === 0 ? live : live.filter((c) => !pricedAway.has(c.promotion.id))
    const replay = ({ sameRequest, summary }: { readonly sameRequest: boolean; readonly summary: CheckoutSummary }) =>
      sameRequest ? Effect.succeed(summary) : Effect.fail(new IdempotencyKeyReused({ key: cmd.idempotencyKey }))
    if (Option.isSome(opened.previous)) return yield* replay(opened.previous.value)
    if (Either.isLeft(loaded)) {
      // Each statement sees what was committed when it began: the cart may have been closed by this
      // very key's checkout (a double tap), committed after the key was read. Read it again before refusing.
      const again = yield* store.openCheckout(cmd.buyerId, cmd.idempotencyKey, fingerprint, undefined)
      if (Option.isSome(again.previous)) return yield* replay(again.previous.value)
      return yield* Effect.fail(loaded.left)
    }
    const { items, catalogue, placed } = loaded.right

    // What is being bought, and may it be sold?
    const sellable = linesOf(items, catalogue)
    if (Either.isLeft(sellable)) return yield* Effect.fail(sellable.left)
    const lines = sellable.right

    if (cmd.discountCode && Option.isNone(code)) return yield* new UnknownDiscountCode({ discountCode: cmd.discountCode })
    const destination = cmd.destination

    const priced = priceCheckout({
      currency: settings.currency,
      now,
      lines,
      promotions,
      code: Option.getOrUndefined(code),
      loyalty: points > 0 ? { policy: settings.loyalty, requestedPoints: points, balance } : undefined,
      quoteShipping: (r) => quoteShipping(geography, zones, { destination, totalWeightGrams: r.totalWeightGrams, discountedSubtotal: r.discountedSubtotal })
    })
    if (Either.isLeft(priced)) return yield* Effect.fail(priced.left)
    const checkout = priced.right
    // One STK push cannot ask for more: refuse now, before any stock or incentive is held.
    if (checkout.currency === STK_MAX_CHARGE.currency && M.compare(checkout.charge, STK_MAX_CHARGE) > 0)
      return yield* new ChargeAboveMpesaLimit({ charge: checkout.charge, limit: STK_MAX_CHARGE })
    // Nothing to charge (incentives cover it all, or a total under one shilling): the platform's
    // funding pays the orders at once; M-Pesa cannot be asked for zero.
    const fundedByPlatform = M.isZero(checkout.charge)

    // Affiliate attribution (never the buyer or the sellers' own people): the code the request names,
    // else the last affiliate link the buyer followed within 30 days (not part of the idempotency fingerprint).
    let affiliate: { userId: UserId; code: string } | undefined
    const refCode = cmd.affiliateCode || Option.getOrUndefined(opened.attributedAffiliateCode)
    if (refCode) {
      const [affiliates, sellerPeople] = yield* pipelined([store.findAffiliates(refCode), store.storeMemberIds(checkout.orders.map((o) => o.storeId))] as const)
      const who = attribute({ refCode, affiliates, buyerId: cmd.buyerId, sellerOwnerIds: sellerPeople })
      if (Option.isSome(who)) affiliate = { userId: who.value, code: refCode.trim().toUpperCase() }
    }

    const checkoutId = CheckoutId.make(yield* ids.next("chk"))
    const orders = yield* Effect.forEach(checkout.orders, (order) =>
      Effect.map(Effect.map(ids.next("ord"), OrderId.make), (id) => {
        const snapshot = buildSnapshot(checkout, order, {
          orderId: id,
          checkoutId,
          buyerId: cmd.buyerId,
          createdAt: now,
          destination,
          platformFeeBps: settings.platformFeeBps,
          affiliate,
          delivery: cmd.delivery
        })
        return {
          id,
          storeId: order.storeId,
          subtotal: order.merchandiseSubtotal,
          discountTotal: M.add(order.merchandiseDiscount, order.shippingDiscount),
          shippingTotal: order.shippingCost,
          total: order.total,
          snapshot,
          snapshotJson: encodeSnapshot(snapshot),
          priced: order
        }
      })
    )

    const burns: Array<PlannedBurn> = []
    for (const o of orders) {
      const p = o.priced.promotion
      if (!p) continue
      const limits = promotions.find((c) => c.promotion.id === p.id)?.promotion.limits
      burns.push({
        kind: "PROMOTION",
        incentiveId: p.id,
        version: p.version,
        orderId: o.id,
        amount: M.add(o.priced.promotionDiscount, p.freeShipping ? o.priced.shippingDiscount : M.zero(settings.currency)),
        globalLimit: limits?.global,
        perBuyerLimit: limits?.perBuyer
      })
    }
    if (checkout.code && Option.isSome(code)) {
      // A free-shipping code spends the fees it waived: not those an order's own free-shipping
      // promotion waived already (that promotion's burn counts them), so the burns sum to the funding.
      const codeShipping = checkout.code.freeShipping
        ? M.sum(
            checkout.orders.filter((o) => !o.promotion?.freeShipping).map((o) => o.shippingDiscount),
            settings.currency
          )
        : M.zero(settings.currency)
      burns.push({
        kind: "DISCOUNT_CODE",
        incentiveId: checkout.code.id,
        version: checkout.code.version,
        amount: M.add(checkout.code.discount, codeShipping),
        globalLimit: code.value.code.limits.global,
        perBuyerLimit: code.value.code.limits.perBuyer
      })
    }

    const plan: CheckoutPlan = {
      checkout: {
        id: checkoutId,
        buyerId: cmd.buyerId,
        idempotencyKey: cmd.idempotencyKey,
        fingerprint,
        state: fundedByPlatform ? "PAID" : "PENDING_PAYMENT",
        currency: checkout.currency,
        subtotal: checkout.merchandiseSubtotal,
        discountTotal: M.add(checkout.merchandiseDiscount, checkout.shippingDiscount),
        shippingTotal: checkout.shippingCost,
        total: checkout.total,
        charge: checkout.charge,
        payerPhone: cmd.payerPhone,
        destination,
        affiliateUserId: affiliate?.userId,
        createdAt: now,
        expiresAt: now + PAYMENT_WINDOW_MS
      },
      orders: orders.map(({ priced: _priced, ...o }) => o),
      reservations: orders
        .flatMap((o) => o.snapshot.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity, orderId: o.id })))
        .sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0)),
      burns,
      loyaltyPointsRedeemed: checkout.loyalty?.points ?? 0
    }
    // The events (gathered for COMMIT; persist sends them before its writes), what the source does
    // once placed (closes the cart), and the plan: sent together (pipelined), none waits for
    // another's answer. persist takes the hot stock locks in its last statement, so they are held
    // only until COMMIT. The first failure, in this order, is the answer.
    yield* pipelined([
      outbox.append([
        {
          type: "CHECKOUT_CREATED",
          aggregateType: "CHECKOUT",
          aggregateId: checkoutId,
          payload: { checkoutId, buyerId: cmd.buyerId, total: checkout.total, charge: checkout.charge, orderIds: orders.map((o) => o.id) }
        },
        ...orders.map((o) => ({
          type: "ORDER_CREATED",
          aggregateType: "ORDER" as const,
          aggregateId: o.id,
          payload: {
            orderId: o.id,
            checkoutId,
            storeId: o.storeId,
            buyerId: cmd.buyerId,
            total: o.total,
            // the delivery area and its fee, for the read models (application/insights)
            zoneId: o.snapshot.shipping.zoneId,
            shippingFee: o.snapshot.totals.shipping
          }
        }))
      ]),
      placed,
      store.persist(plan)
    ] as const)
    if (fundedByPlatform)
      yield* payOrders(
        { checkoutId, charge: checkout.charge, orderIds: orders.map((o) => o.id) },
        {
          actor: PLATFORM_FUNDING,
          reason: "nothing to charge: paid in full by the platform's incentives",
          reference: `platform:${checkoutId}`,
          stkRequestId: null,
          receipt: null
        },
        now
      )
    const state = fundedByPlatform ? ("PAID" as const) : ("PENDING_PAYMENT" as const)
    const summary: CheckoutSummary = {
      checkoutId,
      state,
      currency: checkout.currency,
      total: checkout.total,
      charge: checkout.charge,
      roundingAbsorbed: checkout.roundingAbsorbed,
      createdAt: now,
      expiresAt: now + PAYMENT_WINDOW_MS,
      payerPhone: cmd.payerPhone,
      orders: orders.map((o) => ({ orderId: o.id, storeId: o.storeId, state, total: o.total }))
    }
    return summary
  })
