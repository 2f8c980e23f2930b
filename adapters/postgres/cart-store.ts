/**
 * CartStore over PostgreSQL (carts, cart_items). One ACTIVE cart per buyer (a partial unique index).
 * Every method is one statement: the cart with its items is one read, and a write answers the
 * cart's items after it (a data-modifying CTE), so a cart request need not read them again.
 */
import type { CartId, VariantId } from "../../domain/ids.js"
import { Effect, Layer, Option } from "effect"
import { CartStore } from "../../application/cart/cart.port.js"
import type { CartItem, CartOwner } from "../../application/cart/cart.port.js"
import { CartChanged } from "../../application/checkout/checkout.errors.js"
import { Database, SqlState } from "./database.js"
import type { Sql } from "./database.js"
import { q, unavailable, w } from "./unit-of-work.js"

/**
 * The user of the statement's own `auth_session` (a session read in the same statement as the cart,
 * by auth-store.ts's sessionQuery: checkout-store.ts, loadCartPricingWithSession), as a cart's owner.
 */
export const sessionBuyer = { _tag: "SessionBuyer" } as const
export type SqlCartOwner = CartOwner | typeof sessionBuyer

/** The owner's carts (a where-clause over carts). */
const ownedBy = (sql: Sql, owner: SqlCartOwner) =>
  owner._tag === "Buyer"
    ? sql`buyer_id = ${owner.buyerId}`
    : owner._tag === "SessionBuyer"
      ? sql`buyer_id = (select id from auth_session)`
      : sql`guest_token = ${owner.guestToken} and buyer_id is null`

/** The owner's ACTIVE cart (the latest): a subquery of one `id` row, or none. */
export const activeCartOf = (sql: Sql, owner: SqlCartOwner) =>
  sql`(select id from carts where state = 'ACTIVE' and ${ownedBy(sql, owner)} order by created_at desc limit 1)`

type ItemRow = { variantId: VariantId | null; quantity: number | null }
const itemsOf = (rows: ReadonlyArray<ItemRow>): ReadonlyArray<CartItem> =>
  rows.flatMap((r) => (r.variantId === null || r.quantity === null ? [] : [{ variantId: r.variantId, quantity: r.quantity }]))

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
export const CartStoreLive = Layer.effect(
  CartStore,
  Effect.map(Database, (db) => ({
    findActiveWithItems: (owner: CartOwner) =>
      Effect.map(
        q(
          db,
          // one row per item, or one row of nulls for a cart without items; no row: no cart
          (sql) => sql<Array<{ id: CartId } & ItemRow>>`
          select c.id, i.variant_id as "variantId", i.quantity
            from ${activeCartOf(sql, owner)} c
            left join cart_items i on i.cart_id = c.id
           order by i.added_at, i.variant_id`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ cartId: r.id, items: itemsOf(rows) }))
      ),
    create: (cartId, owner) =>
      q(
        db,
        (sql) => sql`
        insert into carts (id, buyer_id, guest_token) values (${cartId}, ${owner._tag === "Buyer" ? owner.buyerId : null}, ${owner._tag === "Guest" ? owner.guestToken : null})`
      ).pipe(Effect.asVoid),
    createWithItem: (cartId, owner, variantId, quantity) =>
      Effect.map(
        q(
          db,
          // the line's foreign key is checked at the end of the statement, when the cart is there;
          // an owner's other open cart (made by a concurrent first add) makes nothing: no row back
          (sql) => sql<Array<{ variantId: VariantId; quantity: number }>>`
          with cart as (
            insert into carts (id, buyer_id, guest_token) values (${cartId}, ${owner._tag === "Buyer" ? owner.buyerId : null}, ${owner._tag === "Guest" ? owner.guestToken : null})
            on conflict do nothing
            returning id
          )
          insert into cart_items (cart_id, variant_id, quantity) select id, ${variantId}, ${quantity} from cart
          returning variant_id as "variantId", quantity`
        ),
        (rows) => (rows.length === 0 ? Option.none() : Option.some(rows))
      ),
    setQuantity: (cartId, variantId, quantity) =>
      Effect.map(
        q(
          db,
          // The cart is touched first, and only while it is ACTIVE (re-checked on its latest version once
          // a checkout closing it lets go): the line is written only into a cart that is still open.
          // The statement's snapshot does not see its own upsert: the line comes from `up`, the others from the table.
          (sql) => sql<Array<{ open: boolean; variantId: VariantId | null; quantity: number | null }>>`
          with touched as (
            update carts set updated_at = now() where id = ${cartId} and state = 'ACTIVE' returning id
          ), up as (
            insert into cart_items (cart_id, variant_id, quantity) select id, ${variantId}, ${quantity} from touched
            on conflict (cart_id, variant_id) do update set quantity = excluded.quantity
            returning variant_id, quantity, added_at
          )
          select exists (select 1 from touched) as open, i.variant_id as "variantId", i.quantity
            from (select 1) one
            left join (select variant_id, quantity, added_at from up
                       union all
                       select variant_id, quantity, added_at from cart_items
                        where cart_id = ${cartId} and variant_id <> ${variantId} and exists (select 1 from touched)) i on true
           order by i.added_at, i.variant_id`
        ),
        (rows) => (rows[0]?.open === true ? Option.some(itemsOf(rows)) : Option.none())
      ),
    remove: (cartId, variantId) =>
      Effect.map(
        q(
          db,
          // as setQuantity: the cart touched first, only while it is ACTIVE; a checked-out cart keeps its lines
          (sql) => sql<Array<{ removed: boolean } & ItemRow>>`
          with touched as (
            update carts set updated_at = now() where id = ${cartId} and state = 'ACTIVE' returning id
          ), del as (
            delete from cart_items where cart_id = (select id from touched) and variant_id = ${variantId} returning 1
          )
          select exists (select 1 from del) as removed, i.variant_id as "variantId", i.quantity
            from (select 1) one
            left join cart_items i on i.cart_id = ${cartId} and i.variant_id <> ${variantId}
           order by i.added_at, i.variant_id`
        ),
        (rows) => (rows[0]?.removed === true ? Option.some(itemsOf(rows)) : Option.none())
      ),
    // a write nobody waits for: in a checkout it leaves with the checkout's writes and COMMIT
    close: (cartId, state) => w(db, (sql) => sql`update carts set state = ${state}, updated_at = now() where id = ${cartId} and state = 'ACTIVE'`),
    // A write nobody waits for, like close, refused by the statement itself. The cart row's state and
    // last touch are checked again on its latest version once a concurrent writer (another checkout's
    // close, an edit: every edit touches the row first) lets go of it, so the same cart is never
    // checked out twice and an edit still running is never closed in. Its lines are compared with
    // what the checkout read and bought too (same variants, same quantities).
    // (the touch travels as text: postgres.js would send a timestamptz parameter through a Date, to the millisecond)
    closeCheckedOut: (cartId, touchedAt, items) =>
      db.write(
        (sql) => sql`
        with bought as (
          select x.variant_id, x.quantity from jsonb_to_recordset(${sql.json(items.map((i) => ({ variant_id: i.variantId, quantity: i.quantity })) as never)})
            as x(variant_id text, quantity int)
        ), closed as (
          update carts c set state = 'CHECKED_OUT', updated_at = now()
           where c.id = ${cartId} and c.state = 'ACTIVE' and c.updated_at = (${touchedAt}::text)::timestamptz
             and (select count(*) from cart_items i where i.cart_id = c.id) = ${items.length}::int
             and not exists (select i.variant_id, i.quantity from cart_items i where i.cart_id = c.id
                             except select variant_id, quantity from bought)
          returning c.id
        )
        select amana_refuse('CART_CHANGED', ${cartId}) where not exists (select from closed)`,
        (e) => (e.code === SqlState.Refused && e.message === "CART_CHANGED" ? new CartChanged() : unavailable(e))
      )
  }))
)
