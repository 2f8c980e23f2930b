/** CartStore over PostgreSQL (carts, cart_items). One ACTIVE cart per buyer (a partial unique index). */
import type { CartId, VariantId } from "../../domain/ids.js"
import { Effect, Layer, Option } from "effect"
import { CartStore } from "../../application/cart/cart.port.js"
import type { CartOwner } from "../../application/cart/cart.port.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
export const CartStoreLive = Layer.effect(
  CartStore,
  Effect.map(Database, (db) => ({
    findActive: (owner: CartOwner) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ id: CartId }>>`
          select id from carts where state = 'ACTIVE' and ${owner._tag === "Buyer" ? sql`buyer_id = ${owner.buyerId}` : sql`guest_token = ${owner.guestToken} and buyer_id is null`}
           order by created_at desc limit 1`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.id)
      ),
    create: (cartId, owner) =>
      q(
        db,
        (sql) => sql`
        insert into carts (id, buyer_id, guest_token) values (${cartId}, ${owner._tag === "Buyer" ? owner.buyerId : null}, ${owner._tag === "Guest" ? owner.guestToken : null})`
      ).pipe(Effect.asVoid),
    items: (cartId) =>
      q(
        db,
        (sql) => sql<Array<{ variantId: VariantId; quantity: number }>>`
        select variant_id as "variantId", quantity from cart_items where cart_id = ${cartId} order by added_at, variant_id`
      ),
    setQuantity: (cartId, variantId, quantity) =>
      Effect.zipRight(
        q(
          db,
          (sql) => sql`
          insert into cart_items (cart_id, variant_id, quantity) values (${cartId}, ${variantId}, ${quantity})
          on conflict (cart_id, variant_id) do update set quantity = excluded.quantity`
        ),
        q(db, (sql) => sql`update carts set updated_at = now() where id = ${cartId}`)
      ).pipe(Effect.asVoid),
    remove: (cartId, variantId) =>
      Effect.map(
        q(db, (sql) => sql`delete from cart_items where cart_id = ${cartId} and variant_id = ${variantId} returning 1`),
        (rows) => rows.length > 0
      ),
    close: (cartId, state) =>
      q(db, (sql) => sql`update carts set state = ${state}, updated_at = now() where id = ${cartId} and state = 'ACTIVE'`).pipe(Effect.asVoid)
  }))
)
