/** OrderStore over PostgreSQL: row-locked transitions, stock and burn releases, ledger postings. */
import type { CheckoutId, OrderId, StoreId, UserId } from "../../domain/ids.js"
import { Effect, Layer, Option, Schema } from "effect"
import { OrderStore } from "../../application/orders/order.port.js"
import type { OrderRecord } from "../../application/orders/order.port.js"
import type { StoreUnavailable } from "../../application/ports/unit-of-work.js"
import type { Posting } from "../../domain/ledger.js"
import type { OrderState } from "../../domain/order.js"
import { DISPUTE_WINDOW_MS } from "../../domain/order.js"
import { OrderSnapshot } from "../../domain/snapshot.js"
import { Database } from "./database.js"
import type { Sql } from "./database.js"
import { q, unavailable } from "./unit-of-work.js"
import { ledgerRows } from "./ledger-rows.js"

const decodeSnapshot = Schema.decodeUnknownSync(OrderSnapshot)

/** States in which an order still holds its checkout's code burn. */
const DEAD_UNPAID: ReadonlyArray<OrderState> = ["EXPIRED", "CANCELLED_BY_USER"]

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
/**
 * A CTE locking, in (variant, location) order, the stock rows of every reservation in `state` of
 * the orders' whole checkouts. Settling a two-seller checkout confirms its orders one by one; locked
 * order by order, two checkouts sharing two products took them in opposite orders and deadlocked
 * (seen in bench:flow). Every writer of these rows takes them sorted (placement does too), the
 * first confirm of a checkout takes them all, so no two such transactions wait on each other in a cycle.
 * (A CTE is only run when referenced: each statement gates its update on the count of these rows,
 * a one-time filter evaluated before the update touches anything.)
 */
const lockCheckoutStock = (sql: Sql, orderIds: ReadonlyArray<string>, state: "RESERVED" | "CONFIRMED") => sql`
  stock_locked as materialized (
    select i.variant_id from inventory i
     where (i.variant_id, i.stock_location_id) in (
       select r.variant_id, r.stock_location_id from inventory_reservations r join orders o on o.id = r.order_id
        where o.checkout_id in (select checkout_id from orders where id = any(${[...orderIds]}::text[])) and r.state = ${state})
     order by i.variant_id, i.stock_location_id
       for update of i
  )`

export const OrderStoreLive = Layer.effect(
  OrderStore,
  Effect.gen(function* () {
    const db = yield* Database
    /**
     * The orders, row-locked in one statement in id order (ORDER BY runs below the row locks, so
     * rows are locked in that order: two transactions locking orders of one checkout never wait on
     * each other in a cycle), with what a transition needs; those that exist, sorted by id.
     */
    const lockOrders = (orderIds: ReadonlyArray<OrderId>): Effect.Effect<ReadonlyArray<OrderRecord>, StoreUnavailable> =>
      orderIds.length === 0
        ? Effect.succeed([])
        : Effect.map(
            q(
              db,
              (sql) => sql<
                Array<{
                  id: OrderId
                  checkout_id: CheckoutId
                  store_id: StoreId
                  buyer_id: UserId
                  state: OrderState
                  checked_out_at: Date
                  delivered_at: Date | null
                  handover_code: string | null
                  snapshot: unknown
                  carrier: "RIDER" | "PARTNER" | null
                  carrier_id: string | null
                }>
              >`
              select o.id, o.checkout_id, o.store_id, o.buyer_id, o.state, c.created_at as checked_out_at, o.delivered_at,
                     o.handover_code_hash as handover_code, s.snapshot, d.carrier, coalesce(d.rider_user_id, d.partner) as carrier_id
                from orders o join checkouts c on c.id = o.checkout_id join order_snapshots s on s.order_id = o.id
                left join lateral (
                  select carrier, rider_user_id, partner from deliveries where order_id = o.id and status = 'DELIVERED' order by attempt desc limit 1
                ) d on true
               where o.id = any(${[...orderIds] as Array<string>})
               order by o.id
                 for update of o`
            ),
            (rows) =>
              rows.map((r): OrderRecord => ({
                id: r.id,
                checkoutId: r.checkout_id,
                storeId: r.store_id,
                buyerId: r.buyer_id,
                state: r.state,
                checkedOutAt: r.checked_out_at.getTime(),
                deliveredAt: r.delivered_at?.getTime(),
                handoverCode: r.handover_code ?? undefined,
                snapshot: decodeSnapshot(r.snapshot),
                deliveredBy:
                  r.carrier === null || r.carrier_id === null
                    ? undefined
                    : r.carrier === "RIDER"
                      ? { kind: "RIDER", riderUserId: r.carrier_id }
                      : { kind: "PARTNER", partner: r.carrier_id }
              }))
          )

    /**
     * Every posting in one statement: the transactions inserted (a key already posted is skipped:
     * a replay has no second effect, and of two postings with one key only the first is kept), then
     * the entries of those inserted, in posting and entry order. The balance is checked at COMMIT
     * (deferred constraint triggers), as for postings written one by one.
     */
    const postAll = (postings: ReadonlyArray<Posting>, at: Date) =>
      q(
        db,
        (sql) => sql`
        with posting as (
          select distinct on (p.idempotency_key) p.*
            from jsonb_to_recordset(${sql.json(
              postings.map((p, n) => {
                const { transaction, entries } = ledgerRows(p)
                return {
                  n,
                  kind: p.kind,
                  order_id: transaction.orderId,
                  checkout_id: transaction.checkoutId,
                  idempotency_key: transaction.idempotencyKey,
                  description: p.memo,
                  entries
                }
              }) as never
            )}) as p(n int, kind text, order_id text, checkout_id text, idempotency_key text, description text, entries jsonb)
           order by p.idempotency_key, p.n
        ), inserted as (
          insert into ledger_transactions (kind, order_id, checkout_id, idempotency_key, description, created_at)
          select kind, order_id, checkout_id, idempotency_key, description, ${at}::timestamptz from posting order by n
          on conflict (idempotency_key) do nothing
          returning id, idempotency_key
        )
        insert into ledger_entries (account, account_ref, order_id, currency, amount, transaction_id, created_at)
        select e.entry->>'account', e.entry->>'account_ref', e.entry->>'order_id', e.entry->>'currency', (e.entry->>'amount')::bigint, t.id, ${at}::timestamptz
          from inserted t join posting p on p.idempotency_key = t.idempotency_key
         cross join lateral jsonb_array_elements(p.entries) with ordinality as e(entry, i)
         order by p.n, e.i`
      ).pipe(Effect.asVoid)

    return {
      lock: (orderId) => Effect.map(lockOrders([orderId]), (orders) => Option.fromNullable(orders[0])),
      lockAll: lockOrders,

      recordTransition: (t) =>
        Effect.gen(function* () {
          const at = new Date(t.at)
          // the move and its timeline entry in one statement: no entry unless the order moved
          const moved = yield* q(
            db,
            (sql) => sql<Array<{ order_id: string }>>`
            with moved as (
              update orders set state = ${t.to}, updated_at = ${at}, version = version + 1,
                     paid_at = case when ${t.to} = 'PAID' then ${at} else paid_at end,
                     delivered_at = case when ${t.to} = 'DELIVERED' then ${at} else delivered_at end,
                     dispute_deadline = case when ${t.to} = 'DELIVERED' then ${new Date(t.at + DISPUTE_WINDOW_MS)} else dispute_deadline end,
                     completed_at = case when ${t.to} = 'COMPLETED' then ${at} else completed_at end
               where id = ${t.orderId} and state = ${t.from}
              returning id
            )
            insert into order_timeline (order_id, at, from_state, to_state, actor_kind, actor_id, reason, details)
            select id, ${at}::timestamptz, ${t.from}::text, ${t.to}::text, ${t.actor.kind}::text, ${t.actor.id}::text, ${t.reason ?? null}::text,
                   ${t.details ? sql.json(t.details as never) : null}::jsonb
              from moved
            returning order_id`
          )
          if (moved.length !== 1) return yield* Effect.die(new Error(`order ${t.orderId} was not in ${t.from} under its row lock`))
        }),

      // Gathered for COMMIT (Database.atCommit): the transaction's confirms are ONE statement, sent
      // last, with COMMIT, so the stock rows it locks (every buyer of those products wants them) are
      // held only while the server runs it and COMMIT, not through the rest of the settle and a round
      // trip to this process. Nothing in a transaction reads an order's stock after confirming it.
      // The rows are locked sorted, across the gathered orders' checkouts (lockCheckoutStock);
      // a variant reserved by two of them is counted once per reservation (summed).
      confirmReservations: (orderId) =>
        Effect.mapError(
          db.atCommit(
            "orders.confirm-reservations",
            [orderId],
            (orderIds) => (sql) => sql`
            with ${lockCheckoutStock(sql, orderIds, "RESERVED")}, r as (
              update inventory_reservations set state = 'CONFIRMED', updated_at = now()
               where order_id = any(${[...orderIds]}::text[]) and state = 'RESERVED' and (select count(*) from stock_locked) > 0
              returning variant_id, stock_location_id, quantity
            )
            update inventory i set on_hand = i.on_hand - r.quantity, reserved = i.reserved - r.quantity, updated_at = now()
              from (select variant_id, stock_location_id, sum(quantity)::int as quantity from r group by variant_id, stock_location_id) r
             where i.variant_id = r.variant_id and i.stock_location_id = r.stock_location_id`
          ),
          unavailable
        ),

      releaseHolds: (orderId, atMs) =>
        Effect.gen(function* () {
          const at = new Date(atMs)
          yield* q(
            db,
            (sql) => sql`
            with ${lockCheckoutStock(sql, [orderId], "RESERVED")}, r as (
              update inventory_reservations set state = 'RELEASED', updated_at = ${at}
               where order_id = ${orderId} and state = 'RESERVED' and (select count(*) from stock_locked) > 0
              returning variant_id, stock_location_id, quantity
            )
            update inventory i set reserved = i.reserved - r.quantity, updated_at = ${at}
              from r where i.variant_id = r.variant_id and i.stock_location_id = r.stock_location_id`
          )
          // The order's promotion burn; the checkout's code burn once no order of the checkout is alive.
          // Counters are decremented where they are kept (guarded by "> 0"); an unlimited incentive keeps none.
          const released = yield* q(
            db,
            (sql) => sql<Array<{ incentive_kind: string; incentive_id: string; buyer_id: string }>>`
            update incentive_burns b set state = 'RELEASED', released_at = ${at}
             where b.state = 'ACTIVE'
               and (b.order_id = ${orderId}
                    or (b.order_id is null
                        and b.checkout_id = (select checkout_id from orders where id = ${orderId})
                        and not exists (select 1 from orders o where o.checkout_id = b.checkout_id and o.id <> ${orderId}
                                          and o.state <> all(${DEAD_UNPAID as Array<string>}))))
            returning b.incentive_kind, coalesce(b.promotion_id, b.discount_code_id) as incentive_id, b.buyer_id`
          )
          for (const b of released) {
            yield* b.incentive_kind === "PROMOTION"
              ? q(db, (sql) => sql`update promotions set uses = uses - 1 where id = ${b.incentive_id} and uses > 0`)
              : q(db, (sql) => sql`update discount_codes set uses = uses - 1 where id = ${b.incentive_id} and uses > 0`)
            yield* q(
              db,
              (sql) => sql`
              update incentive_buyer_uses set uses = uses - 1
               where incentive_kind = ${b.incentive_kind} and incentive_id = ${b.incentive_id} and buyer_id = ${b.buyer_id} and uses > 0`
            )
          }
        }),

      restock: (orderId) =>
        q(
          db,
          (sql) => sql`
          with ${lockCheckoutStock(sql, [orderId], "CONFIRMED")}, r as (
            update inventory_reservations set state = 'RELEASED', updated_at = now()
             where order_id = ${orderId} and state = 'CONFIRMED' and (select count(*) from stock_locked) > 0
            returning variant_id, stock_location_id, quantity
          )
          update inventory i set on_hand = i.on_hand + r.quantity, updated_at = now()
            from r where i.variant_id = r.variant_id and i.stock_location_id = r.stock_location_id`
        ).pipe(Effect.asVoid),

      post: (postings, atMs) => (postings.length === 0 ? Effect.void : postAll(postings, new Date(atMs))),

      recordCommission: (orderId, change) =>
        change.state === "PENDING"
          ? q(
              db,
              (sql) => sql`
              insert into commissions (order_id, affiliate_user_id, currency, amount, state)
              values (${orderId}, ${change.affiliateUserId}, ${change.amount.currency}, ${change.amount.amount}, 'PENDING')
              on conflict (order_id) do nothing`
            ).pipe(Effect.asVoid)
          : change.state === "APPROVED"
            ? q(db, (sql) => sql`update commissions set state = 'APPROVED', updated_at = now() where order_id = ${orderId} and state = 'PENDING'`).pipe(
                Effect.asVoid
              )
            : q(
                db,
                (sql) => sql`
                update commissions set state = 'REJECTED', reason = ${change.reason ?? null}, updated_at = now()
                 where order_id = ${orderId} and state in ('PENDING', 'APPROVED')`
              ).pipe(Effect.asVoid),

      loyalty: (entry) =>
        q(
          db,
          (sql) => sql`
          insert into loyalty_ledger (buyer_id, points, reason, order_id, checkout_id)
          values (${entry.buyerId}, ${entry.points}, ${entry.reason}, ${entry.orderId}, ${entry.checkoutId})
          on conflict do nothing`
        ).pipe(Effect.asVoid),

      expirable: (now, limit) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: OrderId }>>`
            select o.id from orders o join checkouts c on c.id = o.checkout_id
             where o.state in ('PENDING_PAYMENT', 'PAYMENT_FAILED') and c.expires_at <= ${new Date(now)}
             order by c.expires_at, o.id limit ${limit}`
          ),
          (rows) => rows.map((r) => r.id)
        ),

      completable: (now, limit) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: OrderId }>>`
            select id from orders where state = 'DELIVERED' and dispute_deadline <= ${new Date(now)} order by dispute_deadline, id limit ${limit}`
          ),
          (rows) => rows.map((r) => r.id)
        )
    }
  })
)
