/**
 * A small commerce world for use-case tests: buyers, two verified stores with stock, a Nairobi zone
 * (KES 300 flat, free over KES 5,000), and a runtime over the file's test database.
 */
import { LocationId, UserId, VariantId } from "../../domain/ids.js"
import type { Layer } from "effect"
import { Effect, ManagedRuntime } from "effect"
import type { Sql } from "../../adapters/postgres/database.js"
import { insertProduct, insertStore, insertUser, insertVariant, insertZone } from "../../adapters/postgres/seed.js"
import { persistenceLayer } from "../../composition/platform.js"
import type { PlaceCheckout } from "../../application/checkout/place-checkout.js"

let n = 0
export const uniq = (prefix: string) => `${prefix}_${process.pid}_${++n}`
export const phoneFor = (i: number) => `2547${String(10_000_000 + i).slice(-8)}`

export const seedWorld = async (sql: Sql) => {
  await insertUser(sql, { id: "usr_seller_a", phone: "254711100001", roles: ["SELLER_OWNER"] })
  await insertUser(sql, { id: "usr_seller_b", phone: "254711100002", roles: ["SELLER_OWNER"] })
  await insertUser(sql, { id: "usr_affiliate", phone: "254711100003", roles: ["BUYER", "AFFILIATE"], affiliateCode: "AKINYI" })
  await insertStore(sql, { id: "sto_a", ownerId: "usr_seller_a", name: "Store A" })
  await insertStore(sql, { id: "sto_b", ownerId: "usr_seller_b", name: "Store B" })
  await insertProduct(sql, { id: "prd_dress", storeId: "sto_a", title: "Kitenge dress", price: 2_500_00, commissionBps: 1_000 })
  await insertVariant(sql, { id: "var_dress", productId: "prd_dress", sku: "DRESS-1", weightGrams: 400, storeId: "sto_a", onHand: 100 })
  await insertProduct(sql, { id: "prd_basket", storeId: "sto_b", title: "Sisal basket", price: 1_200_00 })
  await insertVariant(sql, { id: "var_basket", productId: "prd_basket", sku: "BASKET-1", weightGrams: 500, storeId: "sto_b", onHand: 100 })
  await insertZone(sql, {
    id: "zone_nbi",
    name: "Nairobi",
    covers: ["KE-047"],
    rates: [
      { id: "rate_nbi_flat", kind: "FLAT", amount: 300_00 },
      { id: "rate_nbi_free", kind: "FREE_OVER", threshold: 5_000_00 }
    ]
  })
}

export const newBuyer = async (sql: Sql, i: number = ++n) => {
  const id = `usr_buyer_${process.pid}_${i}`
  await insertUser(sql, { id, phone: phoneFor(i), roles: ["BUYER"] })
  return UserId.make(id)
}

/** Items as tests write them: plain strings, branded here as the HTTP edge would decode them. */
export type TestItems = ReadonlyArray<{ readonly variantId: string; readonly quantity: number }>
export const itemsOf = (items: TestItems): PlaceCheckout["items"] => items.map((i) => ({ variantId: VariantId.make(i.variantId), quantity: i.quantity }))

export const checkoutCommand = (
  buyerId: UserId,
  items: TestItems,
  { destination, ...extra }: Partial<Omit<PlaceCheckout, "destination">> & { readonly destination?: string } = {}
): PlaceCheckout => ({
  buyerId,
  idempotencyKey: uniq("idem"),
  items: itemsOf(items),
  destination: LocationId.make(destination ?? "KE-047-westlands"),
  payerPhone: "254708374149",
  ...extra
})

export const runtimeFor = (sql: Sql) => ManagedRuntime.make(persistenceLayer(sql))
export type WorldRuntime = ReturnType<typeof runtimeFor>

/** Run an effect and return its Either (tests assert on failures as values). */
export const attempt = <A, E>(runtime: WorldRuntime, effect: Effect.Effect<A, E, Layer.Layer.Success<ReturnType<typeof persistenceLayer>>>) =>
  runtime.runPromise(Effect.either(effect))
