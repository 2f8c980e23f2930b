/**
 * Seed rows: small, typed inserts shared by the demo seed (`npm start`), the tests and the
 * benchmarks. Every insert is idempotent (fixed ids, `on conflict do nothing`), so seeding twice
 * changes nothing. This is data setup, not an admin action: live changes go through use cases.
 */
import type { IncentiveEffect, PromotionScope } from "../../domain/incentives.js"
import type { Money } from "../../domain/money.js"
import type { Sql } from "./database.js"

export interface UserSeed {
  readonly id: string
  readonly phone: string
  readonly roles?: ReadonlyArray<string>
  readonly displayName?: string
  readonly affiliateCode?: string
}
export const insertUser = async (sql: Sql, u: UserSeed) => {
  await sql`insert into users (id, phone, roles, display_name, affiliate_code)
    values (${u.id}, ${u.phone}, ${(u.roles ?? ["BUYER"]) as Array<string>}, ${u.displayName ?? null}, ${u.affiliateCode ?? null})
    on conflict do nothing`
}

export const insertStore = async (sql: Sql, s: { id: string; ownerId: string; name: string; kyc?: string; payoutPhone?: string; slug?: string }) => {
  await sql`insert into stores (id, owner_user_id, name, kyc_state, kyc_reason, payout_method, payout_phone, slug)
    values (${s.id}, ${s.ownerId}, ${s.name}, ${s.kyc ?? "VERIFIED"}, ${s.kyc && s.kyc !== "VERIFIED" && s.kyc !== "PENDING" ? "seeded" : null},
            ${s.payoutPhone ? "B2C" : null}, ${s.payoutPhone ?? null}, ${s.slug ?? null})
    on conflict do nothing`
  // a database seeded before stores had slugs gets this one (never another store's, never a changed one)
  if (s.slug !== undefined)
    await sql`update stores set slug = ${s.slug} where id = ${s.id} and slug is null and not exists (select 1 from stores where slug = ${s.slug})`
  await sql`insert into store_members (store_id, user_id, role) values (${s.id}, ${s.ownerId}, 'OWNER') on conflict do nothing`
  await sql`insert into stock_locations (id, store_id, name) values (${`${s.id}_main`}, ${s.id}, 'Main') on conflict do nothing`
}

export interface ProductSeed {
  readonly id: string
  readonly storeId: string
  readonly title: string
  readonly description?: string
  /** minor units */
  readonly price: number
  readonly state?: string
  readonly commissionBps?: number
  readonly categoryId?: string
  readonly brandId?: string
  readonly media?: ReadonlyArray<string>
}
export const insertProduct = async (sql: Sql, p: ProductSeed) => {
  await sql`insert into products (id, store_id, title, description, base_price, state, commission_rate_bps, category_id, brand_id, media, rejection_reason)
    values (${p.id}, ${p.storeId}, ${p.title}, ${p.description ?? ""}, ${p.price}, ${p.state ?? "VERIFIED"}, ${p.commissionBps ?? 0},
            ${p.categoryId ?? null}, ${p.brandId ?? null}, ${sql.json((p.media ?? []) as never)},
            ${p.state === "REJECTED" || p.state === "SUSPENDED" ? "seeded" : null})
    on conflict do nothing`
}

export const insertVariant = async (
  sql: Sql,
  v: {
    id: string
    productId: string
    sku: string
    weightGrams: number
    priceOverride?: number
    attributes?: Record<string, string>
    storeId: string
    onHand: number
  }
) => {
  await sql`insert into variants (id, product_id, sku, weight_grams, price_override, attributes)
    values (${v.id}, ${v.productId}, ${v.sku}, ${v.weightGrams}, ${v.priceOverride ?? null}, ${sql.json((v.attributes ?? {}) as never)})
    on conflict do nothing`
  await sql`insert into inventory (variant_id, stock_location_id, on_hand) values (${v.id}, ${`${v.storeId}_main`}, ${v.onHand}) on conflict do nothing`
}

export type RateSeed =
  | { readonly id: string; readonly kind: "FLAT"; readonly amount: number }
  | { readonly id: string; readonly kind: "WEIGHT"; readonly base: number; readonly perKg: number }
  | { readonly id: string; readonly kind: "FREE_OVER"; readonly threshold: number }
export const insertZone = async (sql: Sql, z: { id: string; name: string; covers: ReadonlyArray<string>; rates: ReadonlyArray<RateSeed> }) => {
  await sql`insert into shipping_zones (id, name) values (${z.id}, ${z.name}) on conflict do nothing`
  for (const c of z.covers) await sql`insert into shipping_zone_coverage (zone_id, location_id) values (${z.id}, ${c}) on conflict do nothing`
  for (const r of z.rates)
    await sql`insert into shipping_rates (id, zone_id, kind, name, amount, base_amount, per_kg_amount, threshold_amount)
      values (${r.id}, ${z.id}, ${r.kind}, ${r.id}, ${r.kind === "FLAT" ? r.amount : null}, ${r.kind === "WEIGHT" ? r.base : null},
              ${r.kind === "WEIGHT" ? r.perKg : null}, ${r.kind === "FREE_OVER" ? r.threshold : null})
      on conflict do nothing`
}

export interface PromotionSeed {
  readonly id: string
  readonly name: string
  readonly priority?: number
  readonly startsAt: Date
  readonly endsAt: Date
  readonly scope: PromotionScope
  readonly minSubtotal?: Money
  readonly effect: IncentiveEffect
  readonly globalLimit?: number
  readonly perBuyerLimit?: number
  readonly createdAt?: Date
}
export const insertPromotion = async (sql: Sql, p: PromotionSeed) => {
  await sql`insert into promotions (id, name, created_at) values (${p.id}, ${p.name}, ${p.createdAt ?? new Date()}) on conflict do nothing`
  await sql`insert into promotion_versions (promotion_id, version, priority, starts_at, ends_at, eligibility, effect, global_limit, per_buyer_limit)
    values (${p.id}, 1, ${p.priority ?? 0}, ${p.startsAt}, ${p.endsAt},
            ${sql.json({ scope: p.scope, ...(p.minSubtotal && { minSubtotal: p.minSubtotal }) } as never)}, ${sql.json(p.effect as never)},
            ${p.globalLimit ?? null}, ${p.perBuyerLimit ?? null})
    on conflict do nothing`
}

export interface DiscountCodeSeed {
  readonly id: string
  readonly code: string
  readonly expiresAt: Date
  readonly startsAt?: Date
  readonly effect: IncentiveEffect
  readonly minSubtotal?: number
  readonly globalLimit?: number
  readonly perBuyerLimit?: number
}
export const insertDiscountCode = async (sql: Sql, d: DiscountCodeSeed) => {
  await sql`insert into discount_codes (id, code) values (${d.id}, ${d.code}) on conflict do nothing`
  await sql`insert into discount_code_versions (discount_code_id, version, starts_at, expires_at, min_subtotal, effect, global_limit, per_buyer_limit)
    values (${d.id}, 1, ${d.startsAt ?? null}, ${d.expiresAt}, ${d.minSubtotal ?? 0}, ${sql.json(d.effect as never)}, ${d.globalLimit ?? null}, ${d.perBuyerLimit ?? null})
    on conflict do nothing`
}

const YEAR_MS = 365 * 86_400_000

/**
 * The demo world for `npm start`: a verified seller in Nairobi with products in stock, a Nairobi
 * shipping zone (KES 250 flat, free over KES 5,000) and a Mombasa zone (KES 150 + KES 60/kg), a
 * promotion (10% off everything, capped at KES 500), a discount code KARIBU (KES 200 off over
 * KES 1,000), a buyer and an affiliate.
 */
export const seedDemo = async (sql: Sql, now: Date = new Date()) => {
  await insertUser(sql, { id: "usr_demo_seller", phone: "254711000001", roles: ["SELLER_OWNER"], displayName: "Wanjiru (Kitenge House)" })
  await insertUser(sql, { id: "usr_demo_buyer", phone: "254708374149", roles: ["BUYER"], displayName: "Demo buyer" })
  await insertUser(sql, { id: "usr_demo_affiliate", phone: "254722000003", roles: ["BUYER", "AFFILIATE"], displayName: "Akinyi", affiliateCode: "AKINYI" })
  // its page and its Meta feed: /api/v1/stores/kitenge-house, /feeds/meta/kitenge-house.csv
  await insertStore(sql, { id: "sto_kitenge_house", ownerId: "usr_demo_seller", name: "Kitenge House", payoutPhone: "254711000001", slug: "kitenge-house" })
  const products: Array<[string, string, string, number, number, number]> = [
    ["prd_kitenge_dress", "Kitenge dress", "Hand-printed cotton kitenge dress, made in Nairobi", 2_500_00, 400, 1_000],
    ["prd_maasai_shuka", "Maasai shuka blanket", "Warm checked shuka blanket, red and blue", 1_800_00, 700, 500],
    ["prd_sisal_basket", "Sisal kiondo basket", "Woven sisal basket with leather straps (kiondo)", 1_200_00, 500, 800],
    ["prd_leather_sandals", "Leather sandals", "Handmade leather sandals with beadwork (viatu vya ngozi)", 1_500_00, 600, 1_000]
  ]
  for (const [id, title, description, price, grams, commission] of products) {
    await insertProduct(sql, {
      id,
      storeId: "sto_kitenge_house",
      title,
      description,
      price,
      commissionBps: commission,
      media: [`https://images.amana.example/${id}.jpg`]
    })
    await insertVariant(sql, {
      id: `${id}_v1`,
      productId: id,
      sku: `${id.slice(4).toUpperCase()}-1`,
      weightGrams: grams,
      storeId: "sto_kitenge_house",
      onHand: 50
    })
  }
  await insertZone(sql, {
    id: "zone_nairobi",
    name: "Nairobi",
    covers: ["KE-047"],
    rates: [
      { id: "rate_nairobi_flat", kind: "FLAT", amount: 250_00 },
      { id: "rate_nairobi_free", kind: "FREE_OVER", threshold: 5_000_00 }
    ]
  })
  await insertZone(sql, {
    id: "zone_mombasa",
    name: "Mombasa",
    covers: ["KE-001"],
    rates: [{ id: "rate_mombasa_weight", kind: "WEIGHT", base: 150_00, perKg: 60_00 }]
  })
  await insertPromotion(sql, {
    id: "promo_karibu_10",
    name: "10% off everything (up to KES 500)",
    priority: 1,
    startsAt: new Date(now.getTime() - 86_400_000),
    endsAt: new Date(now.getTime() + YEAR_MS),
    scope: { _tag: "EVERYTHING" },
    effect: { _tag: "PERCENT_OFF", bps: 1_000, cap: { amount: 500_00, currency: "KES" } }
  })
  await insertDiscountCode(sql, {
    id: "code_karibu",
    code: "KARIBU",
    expiresAt: new Date(now.getTime() + YEAR_MS),
    effect: { _tag: "AMOUNT_OFF", amount: { amount: 200_00, currency: "KES" } },
    minSubtotal: 1_000_00,
    perBuyerLimit: 1
  })
}

/** Demo riders and service levels for `npm start` (idempotent), so an order can be walked to COMPLETED by hand. */
export const seedFulfilmentDemo = async (sql: Sql) => {
  await insertUser(sql, { id: "usr_demo_rider", phone: "254722000111", roles: ["RIDER"], displayName: "Otieno (demo rider)" })
  await sql`insert into riders (user_id, zone_id, status, vehicle, availability) values ('usr_demo_rider', 'zone_nairobi', 'ACTIVE', 'MOTORBIKE', 'ONLINE') on conflict do nothing`
  await sql`insert into rider_zones (rider_user_id, zone_id) values ('usr_demo_rider', 'zone_nairobi') on conflict do nothing`
  await sql`insert into zone_slas (zone_id, dispatch_within_minutes, deliver_within_minutes, compensation_points)
            values ('zone_nairobi', 240, 360, 100), ('zone_mombasa', 480, 1440, 100) on conflict do nothing`
  await sql`insert into zone_sla_versions (zone_id, version, dispatch_within_minutes, deliver_within_minutes, compensation_points, effective_from)
            select zone_id, version, dispatch_within_minutes, deliver_within_minutes, compensation_points, now() from zone_slas
             where zone_id in ('zone_nairobi', 'zone_mombasa') on conflict do nothing`
}

/**
 * The demo world (a store, products, zones, a buyer, a rider...) is seeded in development unless
 * SEED_DEMO=0, and in production only with SEED_DEMO=1. Without it the marketplace starts empty:
 * only the geography reference data from the migrations, and the first back-office admin.
 */
export const seedsDemo = (env: Readonly<Record<string, string | undefined>>): boolean =>
  env["SEED_DEMO"] === "1" || (env["SEED_DEMO"] !== "0" && env["NODE_ENV"] !== "production")
