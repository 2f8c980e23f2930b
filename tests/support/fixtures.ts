/**
 * Minimal rows for database tests: a buyer, a verified store with one product and SKU in stock,
 * and a checkout with one order delivered to Westlands. Ids are suffixed so a file can seed many.
 */
import type { Sql } from "../../adapters/postgres/database.js"

export interface OrderGraph {
  readonly buyerId: string
  readonly sellerId: string
  readonly storeId: string
  readonly productId: string
  readonly variantId: string
  readonly stockLocationId: string
  readonly checkoutId: string
  readonly orderId: string
}

let counter = 0

export const seedOrderGraph = async (sql: Sql, options: { onHand?: number } = {}): Promise<OrderGraph> => {
  const n = `${process.pid}_${++counter}`
  const phone = (base: number) => `2547${String(base + counter).padStart(8, "0")}`
  const g: OrderGraph = {
    buyerId: `usr_buyer_${n}`,
    sellerId: `usr_seller_${n}`,
    storeId: `sto_${n}`,
    productId: `prd_${n}`,
    variantId: `var_${n}`,
    stockLocationId: `stl_${n}`,
    checkoutId: `chk_${n}`,
    orderId: `ord_${n}`
  }
  await sql`insert into users (id, phone, roles) values
    (${g.buyerId}, ${phone(10_000_000)}, '{BUYER}'), (${g.sellerId}, ${phone(20_000_000)}, '{SELLER_OWNER}')`
  await sql`insert into stores (id, owner_user_id, name, kyc_state) values (${g.storeId}, ${g.sellerId}, 'Mama Njeri Fabrics', 'VERIFIED')`
  await sql`insert into products (id, store_id, title, description, base_price, state, commission_rate_bps)
    values (${g.productId}, ${g.storeId}, 'Kitenge dress', 'Hand-printed cotton kitenge', 150000, 'VERIFIED', 500)`
  await sql`insert into variants (id, product_id, sku, attributes, weight_grams)
    values (${g.variantId}, ${g.productId}, ${`SKU-${n}`}, '{"size":"M"}', 400)`
  await sql`insert into stock_locations (id, store_id, name, location_id) values (${g.stockLocationId}, ${g.storeId}, 'Shop', 'KE-047-eastleigh')`
  await sql`insert into inventory (variant_id, stock_location_id, on_hand) values (${g.variantId}, ${g.stockLocationId}, ${options.onHand ?? 5})`
  await sql`insert into checkouts (id, buyer_id, idempotency_key, request_hash, subtotal, shipping_total, total, charge_amount,
      payer_phone, destination_location_id, expires_at)
    values (${g.checkoutId}, ${g.buyerId}, ${`idem-${n}`}, 'h', 150000, 20000, 170000, 170000, ${phone(10_000_000)},
      'KE-047-westlands', now() + interval '12 hours')`
  await sql`insert into orders (id, checkout_id, store_id, buyer_id, subtotal, shipping_total, total, destination_location_id)
    values (${g.orderId}, ${g.checkoutId}, ${g.storeId}, ${g.buyerId}, 150000, 20000, 170000, 'KE-047-westlands')`
  return g
}
