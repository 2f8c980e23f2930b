/**
 * CheckoutStore over PostgreSQL. `persist` is where the race for the last units and for limited
 * incentives is decided, with conditional updates that Postgres re-checks on the latest row version
 * after waiting for a concurrent writer:
 *   inventory:  update ... set reserved = reserved + q where on_hand - reserved >= q
 *   incentives: update ... set uses = uses + 1 where uses < global_limit
 * No row back means someone else got there first; the transaction rolls back whole.
 */
import type { CartId, CheckoutId, OrderId, StoreId, UserId, VariantId } from "../../domain/ids.js"
import { createHash } from "node:crypto"
import { Effect, Either, Layer, Option, Ref, Schema } from "effect"
import { CheckoutStore } from "../../application/checkout/checkout.port.js"
import type { CartPricing, CatalogueItem, CheckoutSummary } from "../../application/checkout/checkout.port.js"
import { DuplicateCheckout, IncentiveExhausted, OutOfStock } from "../../application/checkout/checkout.errors.js"
import type { Brand, Product } from "../../domain/catalogue.js"
import type { Affiliate } from "../../domain/commission.js"
import type { DiscountCode, PromotionCandidate, Usage } from "../../domain/incentives.js"
import { IncentiveEffect, PromotionScope } from "../../domain/incentives.js"
import type { Currency, Money } from "../../domain/money.js"
import { Money as MoneySchema } from "../../domain/money.js"
import type { OrderState } from "../../domain/order.js"
import { makeGeography } from "../../domain/shipping.js"
import type { Geography, LocationNode, ShippingRate, Zone } from "../../domain/shipping.js"
import { pipelined } from "../../application/ports/unit-of-work.js"
import type { StoreUnavailable } from "../../application/ports/unit-of-work.js"
import { Database, SqlState } from "./database.js"
import type { DbError, Sql } from "./database.js"
import { activeCartOf, sessionBuyer } from "./cart-store.js"
import type { SqlCartOwner } from "./cart-store.js"
import { sessionQuery, toSession } from "./auth-store.js"
import type { SessionRow } from "./auth-store.js"
import { q, unavailable } from "./unit-of-work.js"

/** The refusal a statement raised (amana_refuse: SQLSTATE AM003, its code as the message), if it was one. */
const refusal = (e: DbError): string | undefined => (e.code === SqlState.Refused ? e.message : undefined)

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex")
const money = (amount: number, currency: string): Money => ({ amount, currency: currency.trim() as Currency })
const ms = (d: Date | null | undefined): number | undefined => (d ? d.getTime() : undefined)

/** DB brand states predate the shared verification vocabulary: PENDING is PENDING_REVIEW. */
const brandState = (s: string): Brand["state"] => (s === "PENDING" ? "PENDING_REVIEW" : (s as Brand["state"]))

/** Promotion eligibility as stored: the domain's scope plus an optional minimum subtotal. */
export const PromotionEligibility = Schema.Struct({ scope: PromotionScope, minSubtotal: Schema.optional(MoneySchema) })
const decodeEligibility = Schema.decodeUnknownSync(PromotionEligibility)
const decodeEffect = Schema.decodeUnknownSync(IncentiveEffect)

/** Rule versions are append-only, so a decoded (id, version) never changes: decode each once. */
const ruleCache = new Map<string, { readonly eligibility: typeof PromotionEligibility.Type; readonly effect: typeof IncentiveEffect.Type }>()
const decodedRule = (key: string, eligibility: unknown, effect: unknown) => {
  let rule = ruleCache.get(key)
  if (!rule) {
    rule = { eligibility: decodeEligibility(eligibility ?? { scope: { _tag: "EVERYTHING" } }), effect: decodeEffect(effect) }
    if (ruleCache.size > 10_000) ruleCache.clear()
    ruleCache.set(key, rule)
  }
  return rule
}

type PromotionRow = {
  id: string
  name: string
  status: "ACTIVE"
  created_at: Date
  version: number
  priority: number
  starts_at: Date
  ends_at: Date
  eligibility: unknown
  effect: unknown
  global_limit: number | null
  per_buyer_limit: number | null
  uses: number
  buyer_uses: number
}

const promotionColumns = (sql: Sql) => sql`
  p.id, p.name, p.status, p.created_at, p.uses, v.version, v.priority, v.starts_at, v.ends_at, v.eligibility, v.effect,
  v.global_limit, v.per_buyer_limit, coalesce(u.uses, 0) as buyer_uses`

/** Live promotions (ACTIVE, in their window) with this buyer's uses: the from-and-where of a select of promotionColumns. */
/** A buyer as a statement names them: their id, none (a guest: ""), or the user of the statement's own `auth_session`. */
type BuyerRef = UserId | undefined | typeof sessionBuyer
const buyerOf = (sql: Sql, buyer: BuyerRef) => (typeof buyer === "object" ? sql`(select id from auth_session)` : (buyer ?? ""))

const promotionsLive = (sql: Sql, buyer: BuyerRef, now: number) => sql`
  promotions p
  join promotion_versions v on v.promotion_id = p.id and v.version = p.current_version
  left join incentive_buyer_uses u on u.incentive_kind = 'PROMOTION' and u.incentive_id = p.id and u.buyer_id = ${buyerOf(sql, buyer)}
  where p.status = 'ACTIVE' and v.starts_at <= ${new Date(now)} and v.ends_at > ${new Date(now)}`

const promotionCandidate = (r: PromotionRow): PromotionCandidate => {
  const { eligibility, effect } = decodedRule(`promotion:${r.id}:${r.version}`, r.eligibility, r.effect)
  return {
    promotion: {
      id: r.id,
      version: r.version,
      name: r.name,
      priority: r.priority,
      startsAt: r.starts_at.getTime(),
      endsAt: r.ends_at.getTime(),
      createdAt: r.created_at.getTime(),
      status: r.status,
      scope: eligibility.scope,
      ...(eligibility.minSubtotal && { minSubtotal: eligibility.minSubtotal }),
      effect,
      limits: { ...(r.global_limit !== null && { global: r.global_limit }), ...(r.per_buyer_limit !== null && { perBuyer: r.per_buyer_limit }) }
    } as PromotionCandidate["promotion"],
    usage: { global: r.uses, byBuyer: r.buyer_uses }
  }
}

type CatalogueRow = {
  variant_id: VariantId
  sku: string
  weight_grams: number
  price_override: number | null
  variant_active: boolean
  product_id: string
  store_id: string
  brand_id: string | null
  category_id: string | null
  title: string
  description: string
  base_price: number
  currency: string
  media: Array<string>
  state: Product["state"]
  rejection_reason: string | null
  commission_rate_bps: number
  brand_name: string | null
  brand_state: string | null
  brand_reason: string | null
  kyc_state: CatalogueItem["storeKyc"]
  available: number
}
type Nullable<T> = { [K in keyof T]: T[K] | null }

/** What a catalogue item is read from (variant `v`), and its columns. */
const catalogueFrom = (sql: Sql) => sql`
  variants v
  join products p on p.id = v.product_id
  join stores s on s.id = p.store_id
  left join brands b on b.id = p.brand_id`
const catalogueColumns = (sql: Sql) => sql`
  v.id as variant_id, v.sku, v.weight_grams, v.price_override, (v.active and p.archived_at is null) as variant_active,
  p.id as product_id, p.store_id, p.brand_id, p.category_id, p.title, p.description, p.base_price, p.currency,
  p.media, p.state, p.rejection_reason, p.commission_rate_bps,
  b.name as brand_name, b.state as brand_state, b.rejection_reason as brand_reason, s.kyc_state,
  coalesce((select sum(i.on_hand - i.reserved) from inventory i where i.variant_id = v.id), 0)::int as available`

const catalogueItem = (r: CatalogueRow): CatalogueItem => {
  const product = {
    id: r.product_id,
    storeId: r.store_id,
    ...(r.brand_id && { brandId: r.brand_id }),
    ...(r.category_id && { categoryId: r.category_id }),
    title: r.title,
    description: r.description,
    basePrice: money(r.base_price, r.currency),
    media: r.media,
    state: r.state,
    ...(r.rejection_reason && { rejectionReason: r.rejection_reason }),
    commissionRateBps: r.commission_rate_bps
  } as unknown as Product
  const brand =
    r.brand_id && r.brand_state
      ? ({
          id: r.brand_id,
          name: r.brand_name ?? "",
          state: brandState(r.brand_state),
          ...(r.brand_reason && { rejectionReason: r.brand_reason })
        } as unknown as Brand)
      : undefined
  return {
    variantId: r.variant_id,
    sku: r.sku,
    weightGrams: r.weight_grams,
    unitPrice: money(r.price_override ?? r.base_price, r.currency),
    active: r.variant_active,
    product,
    brand,
    storeKyc: r.kyc_state,
    available: r.available
  }
}

/** The shipping settings' revision, as text (the key of the in-process geography cache: shippingAt). */
const shippingRevision = (sql: Sql) => sql`(select revision::text from shipping_settings limit 1)`

type DiscountCodeRow = {
  id: string
  code: string
  status: DiscountCode["status"]
  uses: number
  version: number
  starts_at: Date | null
  expires_at: Date
  currency: string
  min_subtotal: number
  effect: unknown
  global_limit: number | null
  per_buyer_limit: number | null
  buyer_uses: number
}
/** A row read as json: its timestamps are text. */
type JsonDates<T, K extends keyof T> = Omit<T, K> & { [P in K]: null extends T[P] ? string | null : string }

const discountCodeColumns = (sql: Sql) => sql`
  d.id, d.code, d.status, d.uses, v.version, v.starts_at, v.expires_at, v.currency, v.min_subtotal, v.effect,
  v.global_limit, v.per_buyer_limit, coalesce(u.uses, 0) as buyer_uses`
/** The code (not ENDED) with this buyer's uses: the from-and-where of a select of discountCodeColumns. */
const discountCodeOf = (sql: Sql, code: string, buyer: BuyerRef) => sql`
  discount_codes d
  join discount_code_versions v on v.discount_code_id = d.id and v.version = d.current_version
  left join incentive_buyer_uses u on u.incentive_kind = 'DISCOUNT_CODE' and u.incentive_id = d.id and u.buyer_id = ${buyerOf(sql, buyer)}
  where d.code = ${code} and d.status <> 'ENDED'`
const discountCode = (r: DiscountCodeRow): { readonly code: DiscountCode; readonly usage: Usage } => ({
  code: {
    id: r.id,
    version: r.version,
    code: r.code,
    startsAt: ms(r.starts_at) ?? 0,
    expiresAt: r.expires_at.getTime(),
    status: r.status,
    ...(r.min_subtotal > 0 && { minSubtotal: money(r.min_subtotal, r.currency) }),
    effect: decodedRule(`code:${r.id}:${r.version}`, null, r.effect).effect,
    limits: { ...(r.global_limit !== null && { global: r.global_limit }), ...(r.per_buyer_limit !== null && { perBuyer: r.per_buyer_limit }) }
  } as DiscountCode,
  usage: { global: r.uses, byBuyer: r.buyer_uses }
})

export type SummaryCheckoutRow = {
  id: CheckoutId
  state: string
  currency: string
  total: number
  charge_amount: number
  created_at: Date
  expires_at: Date
  payer_phone: string
}
export type SummaryOrderRow = { id: OrderId; store_id: StoreId; state: OrderState; total: number }

/** The buyer's summary of a checkout from its row and its orders' (ordered by store). */
export const checkoutSummary = (c: SummaryCheckoutRow, orders: ReadonlyArray<SummaryOrderRow>): CheckoutSummary => ({
  checkoutId: c.id,
  state: c.state,
  currency: c.currency.trim() as Currency,
  total: money(c.total, c.currency),
  charge: money(c.charge_amount, c.currency),
  roundingAbsorbed: money(c.total - c.charge_amount, c.currency),
  createdAt: c.created_at.getTime(),
  expiresAt: c.expires_at.getTime(),
  payerPhone: c.payer_phone,
  orders: orders.map((o) => ({ orderId: o.id, storeId: o.store_id, state: o.state, total: money(o.total, c.currency) }))
})

/** What CheckoutStore.loadCartPricing reads: ONE row (json, one column each). */
type CartPricingRow = {
  cart_id: CartId | null
  items: Array<{ variantId: VariantId; quantity: number }> | null
  catalogue: Array<CatalogueRow> | null
  promotions: Array<JsonDates<PromotionRow, "created_at" | "starts_at" | "ends_at">> | null
  shipping_revision: string | null
  code: JsonDates<DiscountCodeRow, "starts_at" | "expires_at"> | null
}
/** The owner's cart and its items (a statement's `cart` and `items`), after a `with`. */
const cartPricingCtes = (sql: Sql, owner: SqlCartOwner) => sql`
  cart as ${activeCartOf(sql, owner)},
  items as (select i.variant_id, i.quantity, i.added_at from cart_items i where i.cart_id = (select id from cart))`
/**
 * The cart's id (null: no cart), its items, the catalogue of its items and of `also`, the live
 * promotions, the shipping revision and the code (CartPricingRow), over cartPricingCtes.
 */
const cartPricingColumns = (sql: Sql, also: ReadonlyArray<VariantId>, buyer: BuyerRef, now: number, code: string | undefined) => sql`
  (select id from cart) as cart_id,
  (select json_agg(json_build_object('variantId', variant_id, 'quantity', quantity) order by added_at, variant_id) from items) as items,
  (select json_agg(c) from (select ${catalogueColumns(sql)} from ${catalogueFrom(sql)} where v.id = any(array(select variant_id from items) || ${also as ReadonlyArray<string> as Array<string>}::text[])) c) as catalogue,
  (select json_agg(p) from (select ${promotionColumns(sql)} from ${promotionsLive(sql, buyer, now)}) p) as promotions,
  ${shippingRevision(sql)} as shipping_revision,
  ${code === undefined ? sql`null::json` : sql`(select to_json(d) from (select ${discountCodeColumns(sql)} from ${discountCodeOf(sql, code, buyer)}) d)`} as code`

export const CheckoutStoreLive = Layer.effect(
  CheckoutStore,
  Effect.gen(function* () {
    const db = yield* Database
    // Geography and zones change rarely: cache them (per settings revision) rather than reading ~300 rows per checkout.
    const shippingCache = yield* Ref.make<Option.Option<{ revision: string; value: { geography: Geography; zones: ReadonlyArray<Zone> } }>>(Option.none())

    // Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
    const getSummary = (checkoutId: CheckoutId) =>
      Effect.map(
        // the checkout and its orders at once (pipelined): no orders without the checkout
        pipelined([
          q(
            db,
            (sql) => sql<Array<SummaryCheckoutRow>>`
            select id, state, currency, total, charge_amount, created_at, expires_at, payer_phone from checkouts where id = ${checkoutId}`
          ),
          q(
            db,
            (sql) => sql<Array<SummaryOrderRow>>`
            select id, store_id, state, total from orders where checkout_id = ${checkoutId} order by store_id`
          )
        ] as const),
        ([rows, orders]) => Option.map(Option.fromNullable(rows[0]), (c) => checkoutSummary(c, orders))
      )

    const loadShippingFresh = Effect.gen(function* () {
      const nodes = yield* q(
        db,
        (sql) => sql<Array<{ id: string; kind: LocationNode["kind"]; name: string; code: string; parent_id: string | null }>>`
        select id, kind, name, code, parent_id from locations where active`
      )
      const coverage = yield* q(
        db,
        (sql) => sql<Array<{ zone_id: string; name: string; location_id: string }>>`
        select z.id as zone_id, z.name, c.location_id from shipping_zones z join shipping_zone_coverage c on c.zone_id = z.id where z.active`
      )
      const rates = yield* q(
        db,
        (sql) => sql<
          Array<{
            id: string
            zone_id: string
            kind: ShippingRate["_tag"]
            currency: string
            amount: number | null
            base_amount: number | null
            per_kg_amount: number | null
            threshold_amount: number | null
            active: boolean
          }>
        >`
        select id, zone_id, kind, currency, amount, base_amount, per_kg_amount, threshold_amount, active from shipping_rates where active`
      )
      const geography = Either.getOrThrowWith(
        makeGeography(
          nodes.map((n) => ({ id: n.id, kind: n.kind, name: n.name, code: n.code, ...(n.parent_id && { parentId: n.parent_id }) }) as LocationNode)
        ),
        (e) => new Error(`the stored geography is invalid: ${e.message}`)
      )
      const zones = new Map<string, { id: string; name: string; covers: Array<string>; rates: Array<ShippingRate> }>()
      for (const c of coverage) {
        const z = zones.get(c.zone_id) ?? { id: c.zone_id, name: c.name, covers: [], rates: [] }
        z.covers.push(c.location_id)
        zones.set(c.zone_id, z)
      }
      for (const r of rates) {
        const z = zones.get(r.zone_id)
        if (!z) continue
        const base = { id: r.id, active: r.active }
        z.rates.push(
          (r.kind === "FLAT"
            ? { _tag: "FLAT", ...base, amount: money(r.amount ?? 0, r.currency) }
            : r.kind === "WEIGHT"
              ? { _tag: "WEIGHT", ...base, base: money(r.base_amount ?? 0, r.currency), perKg: money(r.per_kg_amount ?? 0, r.currency) }
              : { _tag: "FREE_OVER", ...base, threshold: money(r.threshold_amount ?? 0, r.currency) }) as ShippingRate
        )
      }
      return { geography, zones: [...zones.values()] as unknown as ReadonlyArray<Zone> }
    })

    /**
     * Geography and zones as of `revision`: the cached ones unless the revision moved. Any change to
     * the tree, zones, coverage or rates bumps it (db/migrations/0063), and every pricing reads it
     * beside the promotions, so a change made in the back-office applies to the next checkout.
     */
    const shippingAt = (revision: string) =>
      Effect.gen(function* () {
        const cached = yield* Ref.get(shippingCache)
        if (Option.isSome(cached) && cached.value.revision === revision) return cached.value.value
        const fresh = yield* loadShippingFresh
        yield* Ref.set(shippingCache, Option.some({ revision, value: fresh }))
        return fresh
      })
    /** What a CartPricingRow says (no row: nothing found). */
    const cartPricing = (row: CartPricingRow | undefined): CartPricing => ({
      cart: row?.cart_id ? Option.some({ cartId: row.cart_id, items: row.items ?? [] }) : Option.none(),
      catalogue: (row?.catalogue ?? []).map(catalogueItem),
      promotions: (row?.promotions ?? []).map((r) =>
        promotionCandidate({ ...r, created_at: new Date(r.created_at), starts_at: new Date(r.starts_at), ends_at: new Date(r.ends_at) })
      ),
      shipping: shippingAt(row?.shipping_revision ?? ""),
      code: Option.map(Option.fromNullable(row?.code), (r) =>
        discountCode({ ...r, starts_at: r.starts_at === null ? null : new Date(r.starts_at), expires_at: new Date(r.expires_at) })
      )
    })

    return {
      openCheckout: (buyerId, key, fingerprint, attributionAt) =>
        Effect.gen(function* () {
          // One row whatever is found: the key's checkout (or nulls) beside the attribution (or null).
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ id: CheckoutId | null; request_hash: string | null; attributed: string | null }>>`
            select c.id, c.request_hash, a.code as attributed
              from (select 1) one
              left join checkouts c on c.buyer_id = ${buyerId} and c.idempotency_key = ${key}
              left join affiliate_attributions a on ${attributionAt !== undefined}::boolean and a.owner = ${`buyer:${buyerId}`}
                                                and a.expires_at > ${new Date(attributionAt ?? 0)}`
          )
          const row = rows[0]
          const attributedAffiliateCode = Option.fromNullable(row?.attributed)
          if (!row?.id) return { previous: Option.none(), attributedAffiliateCode }
          const summary = yield* getSummary(row.id)
          return { previous: Option.map(summary, (s) => ({ sameRequest: row.request_hash === sha256(fingerprint), summary: s })), attributedAffiliateCode }
        }),

      loadCatalogue: (variantIds) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<CatalogueRow>>`
            select ${catalogueColumns(sql)}
              from ${catalogueFrom(sql)}
             where v.id = any(${variantIds as ReadonlyArray<string> as Array<string>})`
          ),
          (rows) => rows.map(catalogueItem)
        ),

      lookBeforeCheckout: (buyerId, key, variantIds) =>
        Effect.map(
          q(
            db,
            // one row per variant found (or one of nulls), each with whether the key was used
            (sql) => sql<Array<{ key_used: boolean } & Nullable<CatalogueRow>>>`
            select exists (select from checkouts where buyer_id = ${buyerId} and idempotency_key = ${key}) as key_used, c.*
              from (select 1) one
              left join lateral (select ${catalogueColumns(sql)} from ${catalogueFrom(sql)} where v.id = any(${variantIds as ReadonlyArray<string> as Array<string>})) c on true`
          ),
          (rows) => ({
            keyUsed: rows[0]?.key_used === true,
            catalogue: rows.flatMap((r) => (r.variant_id === null ? [] : [catalogueItem(r as CatalogueRow)]))
          })
        ),

      loadCartCatalogue: (buyerId) =>
        Effect.map(
          q(
            db,
            // one row per item (its catalogue columns null when the variant is gone), or one row of
            // nulls beside the cart's id for a cart without items, or one row of nulls: no cart
            (sql) => sql<
              Array<
                {
                  cart_id: CartId | null
                  cart_touched_at: string | null
                  item_variant_id: VariantId | null
                  item_quantity: number | null
                } & Nullable<CatalogueRow>
              >
            >`
            with cart as ${activeCartOf(sql, { _tag: "Buyer", buyerId })}
            select cart.id as cart_id, (select t.updated_at::text from carts t where t.id = cart.id) as cart_touched_at,
                   i.variant_id as item_variant_id, i.quantity as item_quantity, c.*
              from (select 1) one
              left join cart on true
              left join cart_items i on i.cart_id = cart.id
              left join lateral (select ${catalogueColumns(sql)} from ${catalogueFrom(sql)} where v.id = i.variant_id) c on true
             order by i.added_at, i.variant_id`
          ),
          (rows) => {
            const cartId = rows[0]?.cart_id
            const touchedAt = rows[0]?.cart_touched_at
            if (!cartId || !touchedAt) return Option.none()
            const items = rows.flatMap((r) =>
              r.item_variant_id === null || r.item_quantity === null ? [] : [{ variantId: r.item_variant_id, quantity: r.item_quantity }]
            )
            const catalogue = rows.flatMap((r) => (r.variant_id === null ? [] : [catalogueItem(r as CatalogueRow)]))
            return Option.some({ cartId, touchedAt, items, catalogue })
          }
        ),

      loadDiscountCode: (code, buyerId) =>
        Effect.map(
          q(db, (sql) => sql<Array<DiscountCodeRow>>`select ${discountCodeColumns(sql)} from ${discountCodeOf(sql, code, buyerId)}`),
          (rows) => Option.map(Option.fromNullable(rows[0]), discountCode)
        ),

      loadCartPricing: (owner, also, buyerId, now, code) =>
        Effect.map(
          q(db, (sql) => sql<Array<CartPricingRow>>`with ${cartPricingCtes(sql, owner)} select ${cartPricingColumns(sql, also, buyerId, now, code)}`),
          ([row]) => cartPricing(row)
        ),

      loadCartPricingWithSession: (token, now, also, code) =>
        Effect.map(
          q(
            db,
            // the session by auth-store.ts's own rule (sessionQuery) and what loadCartPricing reads for its
            // user: ONE row, or none (no live session: nothing priced)
            (sql) => sql<Array<SessionRow & CartPricingRow>>`
            with auth_session as (${sessionQuery(sql, token, now)}), ${cartPricingCtes(sql, sessionBuyer)}
            select a.*, ${cartPricingColumns(sql, also, sessionBuyer, now, code)} from auth_session a`
          ),
          ([row]) => ({ session: Option.map(Option.fromNullable(row), toSession), pricing: cartPricing(row) })
        ),

      lockLoyaltyBalance: (buyerId) =>
        Effect.gen(function* () {
          yield* q(db, (sql) => sql`select id from users where id = ${buyerId} for update`)
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ balance: number }>>`select coalesce(sum(points), 0)::int as balance from loyalty_ledger where buyer_id = ${buyerId}`
          )
          return rows[0]?.balance ?? 0
        }),

      findAffiliates: (code) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ code: string; user_id: string; active: boolean }>>`
            select affiliate_code as code, id as user_id, (status = 'ACTIVE' and 'AFFILIATE' = any(roles)) as active
              from users where lower(affiliate_code) = lower(${code.trim()})`
          ),
          (rows) => rows.map((r) => ({ code: r.code, userId: r.user_id, active: r.active }) as unknown as Affiliate)
        ),

      storeMemberIds: (storeIds) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ user_id: UserId }>>`
            select user_id from store_members where store_id = any(${storeIds as ReadonlyArray<string> as Array<string>})
            union select owner_user_id from stores where id = any(${storeIds as ReadonlyArray<string> as Array<string>})`
          ),
          (rows) => rows.map((r) => r.user_id)
        ),

      loadPromotionsAndShipping: (buyerId, now) =>
        Effect.gen(function* () {
          // The revision as one column beside the live promotions: one row of nulls when there is no promotion.
          const rows = yield* q(
            db,
            (sql) => sql<Array<Omit<PromotionRow, "id"> & { id: string | null; shipping_revision: string | null }>>`
            select s.shipping_revision, p.*
              from (select ${shippingRevision(sql)} as shipping_revision) s
              left join lateral (select ${promotionColumns(sql)} from ${promotionsLive(sql, buyerId, now)}) p on true`
          )
          const promotions = rows.flatMap((r) => (r.id === null ? [] : [promotionCandidate({ ...r, id: r.id })]))
          const { geography, zones } = yield* shippingAt(rows[0]?.shipping_revision ?? "")
          return { promotions, geography, zones }
        }),

      persist: (plan) =>
        Effect.gen(function* () {
          const c = plan.checkout
          const at = new Date(c.createdAt)
          const heads = plan.orders.map((o) => ({
            id: o.id,
            store_id: o.storeId,
            subtotal: o.subtotal.amount,
            discount_total: o.discountTotal.amount,
            shipping_total: o.shippingTotal.amount,
            total: o.total.amount
          }))
          // The canonical text goes to the database as is (cast to jsonb there), hashed once here.
          const snaps = plan.orders.map((o) => ({ id: o.id, snapshot: o.snapshotJson, snapshot_hash: sha256(o.snapshotJson) }))
          const lines = plan.orders.flatMap((o) =>
            o.snapshot.lines.map((l) => ({
              order_id: o.id,
              variant_id: l.variantId,
              product_id: l.productId,
              title: l.title,
              sku: l.sku,
              quantity: l.quantity,
              unit_base_price: l.unitPrice.amount,
              line_base_total: l.baseLineTotal.amount,
              discount_allocated: l.promotionDiscount.amount + l.codeDiscount.amount + l.loyaltyDiscount.amount,
              commission_rate_bps: l.commissionRateBps
            }))
          )
          const burns = [...plan.burns].sort((a, b) => (a.incentiveId < b.incentiveId ? -1 : a.incentiveId > b.incentiveId ? 1 : 0))

          // Every statement below is a write nobody waits for: the checkout's rows leave at once
          // (Database.write); those that lock hot rows (a limited promotion's counter, the stock last)
          // are held and leave with COMMIT, in the same socket write (Database.writeAtCommit). A refusal
          // is raised by the statement itself (amana_refuse: no row means someone else got there
          // first), which aborts the transaction on the server; COMMIT then answers ROLLBACK and the
          // transaction fails with the first failure in this order, refined into the domain's error.
          // So the hot rows are held while the server runs those statements and COMMIT, never through
          // a round trip to this process and back (docs/decisions.md, "refusals raised"), nor while it
          // waits for this process's next turn to send COMMIT (docs/decisions.md, "hot writes at COMMIT").
          //
          // Limited incentives, in id order (before the stock): a conditional counter update each.
          // Counters exist to enforce limits; an unlimited incentive keeps no hot counter row.
          const exhausted =
            (b: (typeof burns)[number], scope: "GLOBAL" | "BUYER") =>
            (e: DbError): IncentiveExhausted | StoreUnavailable =>
              refusal(e) === "INCENTIVE_EXHAUSTED" ? new IncentiveExhausted({ kind: b.kind, id: b.incentiveId, scope }) : unavailable(e)
          const burnChecks: Array<Effect.Effect<void, IncentiveExhausted | StoreUnavailable>> = []
          for (const b of burns) {
            if (b.globalLimit !== undefined) {
              // a promotion's counter and a code's are kept alike, in their own tables
              const [counters, versions, owner] =
                b.kind === "PROMOTION" ? ["promotions", "promotion_versions", "promotion_id"] : ["discount_codes", "discount_code_versions", "discount_code_id"]
              burnChecks.push(
                db.writeAtCommit(
                  (sql) => sql`
                    with used as (
                      update ${sql(counters)} t set uses = t.uses + 1, updated_at = now()
                        from ${sql(versions)} v
                       where t.id = ${b.incentiveId} and v.${sql(owner)} = t.id and v.version = ${b.version}
                         and (v.global_limit is null or t.uses < v.global_limit)
                      returning t.uses
                    )
                    select amana_refuse('INCENTIVE_EXHAUSTED', ${b.incentiveId}) where not exists (select from used)`,
                  exhausted(b, "GLOBAL")
                )
              )
            }
            const perBuyerLimit = b.perBuyerLimit
            if (perBuyerLimit !== undefined)
              burnChecks.push(
                db.writeAtCommit(
                  (sql) => sql`
                    with used as (
                      insert into incentive_buyer_uses (incentive_kind, incentive_id, buyer_id, uses) values (${b.kind}, ${b.incentiveId}, ${c.buyerId}, 1)
                      on conflict (incentive_kind, incentive_id, buyer_id)
                      do update set uses = incentive_buyer_uses.uses + 1 where incentive_buyer_uses.uses < ${perBuyerLimit}::int
                      returning uses
                    )
                    select amana_refuse('INCENTIVE_EXHAUSTED', ${b.incentiveId}) where not exists (select from used)`,
                  exhausted(b, "BUYER")
                )
              )
          }

          // The checkout, its orders, lines, snapshots, timeline, burns and loyalty redemption: one statement.
          const burnRows = burns.map((b) => ({
            incentive_kind: b.kind,
            promotion_id: b.kind === "PROMOTION" ? b.incentiveId : null,
            discount_code_id: b.kind === "DISCOUNT_CODE" ? b.incentiveId : null,
            version: b.version,
            order_id: b.orderId ?? null,
            amount: b.amount.amount
          }))
          const written = db.write(
            (sql) => sql`
            with chk as (
              insert into checkouts (id, buyer_id, idempotency_key, request_hash, state, currency, subtotal, discount_total, shipping_total, total,
                                     charge_amount, payer_phone, destination_location_id, affiliate_user_id, created_at, expires_at)
              values (${c.id}, ${c.buyerId}, ${c.idempotencyKey}, ${sha256(c.fingerprint)}, ${c.state}, ${c.currency}, ${c.subtotal.amount},
                      ${c.discountTotal.amount}, ${c.shippingTotal.amount}, ${c.total.amount}, ${c.charge.amount}, ${c.payerPhone},
                      ${c.destination}, ${c.affiliateUserId ?? null}, ${at}, ${new Date(c.expiresAt)})
            ), ord as (
              insert into orders (id, checkout_id, store_id, buyer_id, state, currency, subtotal, discount_total, shipping_total, total,
                                  destination_location_id, affiliate_user_id, created_at, updated_at)
              select x.id, ${c.id}, x.store_id, ${c.buyerId}, 'PENDING_PAYMENT', ${c.currency}, x.subtotal, x.discount_total, x.shipping_total, x.total,
                     ${c.destination}, ${c.affiliateUserId ?? null}, ${at}, ${at}
                from jsonb_to_recordset(${sql.json(heads as never)}) as x(id text, store_id text, subtotal bigint, discount_total bigint, shipping_total bigint, total bigint)
            ), snap as (
              insert into order_snapshots (order_id, snapshot, snapshot_hash, created_at)
              select x.id, x.snapshot::jsonb, x.snapshot_hash, ${at}
                from jsonb_to_recordset(${sql.json(snaps as never)}) as x(id text, snapshot text, snapshot_hash text)
            ), tl as (
              insert into order_timeline (order_id, at, from_state, to_state, actor_kind, actor_id, reason)
              select x.id, ${at}, null, 'PENDING_PAYMENT', 'BUYER', ${c.buyerId}, 'checkout'
                from jsonb_to_recordset(${sql.json(heads as never)}) as x(id text)
            ), lin as (
              insert into order_lines (order_id, variant_id, product_id, title, sku, quantity, currency, unit_base_price, line_base_total,
                                       discount_allocated, commission_rate_bps)
              select x.order_id, x.variant_id, x.product_id, x.title, x.sku, x.quantity, ${c.currency}, x.unit_base_price, x.line_base_total,
                     x.discount_allocated, x.commission_rate_bps
                from jsonb_to_recordset(${sql.json(lines as never)}) as x(order_id text, variant_id text, product_id text, title text, sku text,
                     quantity int, unit_base_price bigint, line_base_total bigint, discount_allocated bigint, commission_rate_bps int)
            ), brn as (
              insert into incentive_burns (incentive_kind, promotion_id, discount_code_id, version, buyer_id, checkout_id, order_id, currency, amount, created_at)
              select x.incentive_kind, x.promotion_id, x.discount_code_id, x.version, ${c.buyerId}, ${c.id}, x.order_id, ${c.currency}, x.amount, ${at}
                from jsonb_to_recordset(${sql.json(burnRows as never)}) as x(incentive_kind text, promotion_id text, discount_code_id text, version int,
                     order_id text, amount bigint)
            )
            insert into loyalty_ledger (buyer_id, points, reason, checkout_id, created_at)
            select ${c.buyerId}, ${-plan.loyaltyPointsRedeemed}, 'REDEEMED', ${c.id}, ${at} where ${plan.loyaltyPointsRedeemed}::int > 0`,
            (e): DuplicateCheckout | StoreUnavailable =>
              e.isUniqueViolation && e.constraint === "checkouts_buyer_id_idempotency_key_key"
                ? new DuplicateCheckout({ key: c.idempotencyKey })
                : unavailable(e)
          )

          // Stock last: an inventory row is hot (every buyer of that SKU wants it), so its lock is taken
          // as late as possible (with COMMIT) and held only until commit. Rows are locked in one fixed order across
          // checkouts (no deadlocks), then reserved with a conditional update per line (no row = sold out).
          const variantIds = [...new Set(plan.reservations.map((r) => r.variantId))]
          const reserve = db.writeAtCommit(
            (sql) => sql`
            with locked as materialized (
              select variant_id from inventory where variant_id = any(${variantIds}) order by variant_id, stock_location_id for update
            ), req as (
              select * from jsonb_to_recordset(${sql.json(plan.reservations as never)}) as r("variantId" text, quantity int, "orderId" text)
            ), pick as (
              select req.*, (select stock_location_id from inventory i
                              -- (after "locked": every candidate row is already ours)
                              where i.variant_id = req."variantId" and i.on_hand - i.reserved >= req.quantity
                              order by i.on_hand - i.reserved desc, i.stock_location_id limit 1) as location
                from req where (select count(*) from locked) >= 0
            ), upd as (
              update inventory i set reserved = i.reserved + pick.quantity, updated_at = now()
                from pick
               where i.variant_id = pick."variantId" and i.stock_location_id = pick.location and i.on_hand - i.reserved >= pick.quantity
              returning i.variant_id, i.stock_location_id, pick.quantity, pick."orderId" as order_id
            ), ins as (
              insert into inventory_reservations (checkout_id, order_id, variant_id, stock_location_id, quantity, state, created_at, updated_at)
              select ${c.id}, order_id, variant_id, stock_location_id, quantity, 'RESERVED', ${at}, ${at} from upd
              returning variant_id
            )
            -- a line without its reservation: the first such variant is the refusal's detail
            select amana_refuse('OUT_OF_STOCK',
                     (select r."variantId" from req r where not exists (select from ins where ins.variant_id = r."variantId") order by r."variantId" limit 1))
             where (select count(*) from ins) < ${plan.reservations.length}::int`,
            (e): OutOfStock | StoreUnavailable => {
              if (refusal(e) !== "OUT_OF_STOCK") return unavailable(e)
              const missing = plan.reservations.find((r) => r.variantId === e.detail) ?? plan.reservations[0]!
              return new OutOfStock({ variantId: missing.variantId, requested: missing.quantity, available: 0 })
            }
          )

          const statements: Array<Effect.Effect<void, IncentiveExhausted | DuplicateCheckout | OutOfStock | StoreUnavailable>> = [
            // the checkout's rows first: the limited incentives' counters (hot in a flash sale) and the
            // stock (hotter) are locked by the last statements, sent with COMMIT, so neither is held
            // through the big insert
            written,
            ...burnChecks,
            reserve
          ]
          // the checkout's events first (gathered for COMMIT: adapters/postgres/unit-of-work.ts), so
          // the stock rows locked last are held only until COMMIT, not through the events' insert too
          yield* db.sendGathered
          // (writes: each returns at once; their failures are the transaction's, at COMMIT)
          yield* pipelined(statements)
        }),

      getSummary
    }
  })
)
