/**
 * Fulfilment over PostgreSQL: deliveries, SLA timers, disputes, rider statistics, partner events,
 * the exception queue, the facts notifications need, and WhatsApp delivery statuses.
 */
import type { CheckoutId, DeliveryId, OrderId, StoreId, UserId } from "../../domain/ids.js"
import { Effect, Layer, Option, Schema } from "effect"
import { FulfilmentStore } from "../../application/fulfilment/fulfilment.port.js"
import type { DeliveryRecord, DeliveryStatus, RiderJob } from "../../application/fulfilment/fulfilment.port.js"
import { NotificationDirectory } from "../../application/notifications/notify-order.js"
import { MessageStatusStore } from "../../application/notifications/whatsapp-statuses.js"
import { DeliveryDetails } from "../../domain/delivery.js"
import type { Currency } from "../../domain/money.js"
import { Database } from "./database.js"
import type { Sql } from "./database.js"
import { q } from "./unit-of-work.js"

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
type DeliveryRow = {
  id: DeliveryId
  order_id: OrderId
  attempt: number
  carrier: "RIDER" | "PARTNER"
  rider_user_id: UserId | null
  partner: string | null
  partner_ref: string | null
  rider_name: string | null
  rider_phone: string | null
  status: DeliveryStatus
  wrong_code_attempts: number
  due_at: Date | null
}

const toDelivery = (r: DeliveryRow): DeliveryRecord => ({
  id: r.id,
  orderId: r.order_id,
  attempt: r.attempt,
  carrier: r.carrier,
  riderUserId: r.rider_user_id ?? undefined,
  partner: r.partner ?? undefined,
  partnerRef: r.partner_ref ?? undefined,
  riderName: r.rider_name ?? "",
  riderPhone: r.rider_phone ?? "",
  status: r.status,
  wrongCodeAttempts: r.wrong_code_attempts,
  dueAt: r.due_at?.getTime()
})

const DELIVERY_COLUMNS = "id, order_id, attempt, carrier, rider_user_id, partner, partner_ref, rider_name, rider_phone, status, wrong_code_attempts, due_at"

/** Per rider: delivered, on time (by the promised time; no promise counts as on time), failed attempts, disputes. */
export const riderStatsSql = `
  select r.user_id as rider_user_id, coalesce(u.display_name, u.phone) as name, u.phone,
         count(d.id) filter (where d.status = 'DELIVERED')::int as delivered,
         count(d.id) filter (where d.status = 'DELIVERED' and (d.due_at is null or d.delivered_at <= d.due_at))::int as on_time,
         count(d.id) filter (where d.status in ('FAILED', 'RETURNED'))::int as failed_attempts,
         count(dp.order_id) filter (where d.status = 'DELIVERED')::int as disputes,
         count(d.id) filter (where d.status in ('ASSIGNED', 'PICKED_UP', 'IN_TRANSIT'))::int as load
    from riders r join users u on u.id = r.user_id
    left join deliveries d on d.rider_user_id = r.user_id
    left join disputes dp on dp.order_id = d.order_id`

export type RiderStatsRow = {
  rider_user_id: UserId
  name: string
  phone: string
  delivered: number
  on_time: number
  failed_attempts: number
  disputes: number
  load: number
}

const decodeDelivery = Schema.decodeUnknownOption(DeliveryDetails)

export const FulfilmentStoreLive = Layer.effect(
  FulfilmentStore,
  Effect.gen(function* () {
    const db = yield* Database
    const lockWhere = (where: (sql: Sql) => unknown) =>
      Effect.map(
        q(
          db,
          (sql) =>
            sql<
              Array<DeliveryRow>
            >`select ${sql.unsafe(DELIVERY_COLUMNS)} from deliveries where ${where(sql) as never} order by attempt desc limit 1 for update`
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), toDelivery)
      )
    /** The rider's live jobs, or one job of theirs (any status) by id; delivery details from the order's snapshot. */
    const riderJobsWhere = (riderUserId: UserId, deliveryId: DeliveryId | undefined) =>
      Effect.map(
        q(
          db,
          (sql) => sql<
            Array<{
              id: DeliveryId
              order_id: OrderId
              attempt: number
              status: DeliveryStatus
              order_state: string
              store_name: string
              loc_id: string
              loc_name: string
              loc_address: string | null
              phone: string
              delivery: unknown
              assigned_at: Date
              due_at: Date | null
            }>
          >`
          select d.id, d.order_id, d.attempt, d.status, o.state as order_state, s.name as store_name, l.id as loc_id, l.name as loc_name, l.address as loc_address,
                 u.phone, os.snapshot->'delivery' as delivery, d.assigned_at, d.due_at
            from deliveries d join orders o on o.id = d.order_id join stores s on s.id = o.store_id
            join locations l on l.id = o.destination_location_id join users u on u.id = o.buyer_id
            left join order_snapshots os on os.order_id = o.id
           where d.rider_user_id = ${riderUserId}
             and ${deliveryId === undefined ? sql`d.status in ('ASSIGNED', 'PICKED_UP', 'IN_TRANSIT')` : sql`d.id = ${deliveryId}`}
           order by d.assigned_at, d.id`
        ),
        (rows) =>
          rows.map((r): RiderJob => ({
            deliveryId: r.id,
            orderId: r.order_id,
            attempt: r.attempt,
            status: r.status,
            orderState: r.order_state,
            storeName: r.store_name,
            destination: { id: r.loc_id, name: r.loc_name, address: r.loc_address ?? undefined },
            buyerPhone: r.phone,
            delivery: Option.getOrElse(decodeDelivery(r.delivery ?? {}), () => ({})),
            assignedAt: r.assigned_at.getTime(),
            dueAt: r.due_at?.getTime()
          }))
      )
    return {
      dispatchContext: (orderId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ phone: string; attempts: number; failed: Array<UserId> }>>`
            select coalesce(c.payer_phone, u.phone) as phone,
                   (select count(*)::int from deliveries where order_id = o.id) as attempts,
                   coalesce((select array_agg(rider_user_id) from deliveries where order_id = o.id and status in ('FAILED', 'RETURNED') and rider_user_id is not null), '{}') as failed
              from orders o join checkouts c on c.id = o.checkout_id join users u on u.id = o.buyer_id
             where o.id = ${orderId}`
          ),
          (rows) => ({ buyerPhone: rows[0]?.phone ?? "", previousAttempts: rows[0]?.attempts ?? 0, failedRiders: rows[0]?.failed ?? [] })
        ),
      zoneSla: (zoneId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ d: number; v: number; p: number }>>`
            select dispatch_within_minutes as d, deliver_within_minutes as v, compensation_points as p from zone_slas where zone_id = ${zoneId}`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (r) => ({ dispatchWithinMs: r.d * 60_000, deliverWithinMs: r.v * 60_000, compensationPoints: r.p }))
        ),
      setHandoverHash: (orderId, hash) =>
        q(db, (sql) => sql`update orders set handover_code_hash = ${hash}, updated_at = now() where id = ${orderId}`).pipe(Effect.asVoid),
      insertDelivery: (d) =>
        q(
          db,
          (sql) => sql`
          insert into deliveries (id, order_id, rider_user_id, attempt, status, carrier, partner, partner_ref, rider_name, rider_phone, assigned_at, updated_at, due_at)
          values (${d.id}, ${d.orderId}, ${d.assignment.carrier === "RIDER" ? d.assignment.riderUserId : null}, ${d.attempt}, 'ASSIGNED', ${d.assignment.carrier},
                  ${d.assignment.carrier === "PARTNER" ? d.assignment.partner : null}, ${d.assignment.carrier === "PARTNER" ? d.assignment.partnerRef : null},
                  ${d.assignment.riderName}, ${d.assignment.riderPhone}, ${new Date(d.at)}, ${new Date(d.at)}, ${d.dueAt === undefined ? null : new Date(d.dueAt)})`
        ).pipe(Effect.asVoid),
      lockDelivery: (deliveryId) => lockWhere((sql) => sql`id = ${deliveryId}`),
      lockDeliveryByPartnerRef: (partner, partnerRef) => lockWhere((sql) => sql`partner = ${partner} and partner_ref = ${partnerRef}`),
      lockLatestDelivery: (orderId) => lockWhere((sql) => sql`order_id = ${orderId}`),
      updateDelivery: (deliveryId, c) =>
        Effect.gen(function* () {
          const at = new Date(c.at)
          yield* q(
            db,
            (sql) => sql`
            update deliveries set status = ${c.status}, updated_at = ${at},
                   picked_up_at = case when ${c.status} = 'PICKED_UP' then ${at} else picked_up_at end,
                   in_transit_at = case when ${c.status} = 'IN_TRANSIT' then ${at} else in_transit_at end,
                   delivered_at = case when ${c.status} = 'DELIVERED' then ${at} else delivered_at end,
                   failed_at = case when ${c.status} = 'FAILED' then ${at} else failed_at end,
                   proof = coalesce(${c.proof ? sql.json(c.proof as never) : null}, proof),
                   failure_reason = coalesce(${c.failureReason ?? null}, failure_reason)
             where id = ${deliveryId}`
          )
        }),
      recordWrongCode: (deliveryId) =>
        Effect.map(
          q(
            db,
            (sql) =>
              sql<
                Array<{ n: number }>
              >`update deliveries set wrong_code_attempts = wrong_code_attempts + 1, updated_at = now() where id = ${deliveryId} returning wrong_code_attempts as n`
          ),
          (rows) => rows[0]?.n ?? 0
        ),
      riderJobs: (riderUserId) => riderJobsWhere(riderUserId, undefined),
      riderJob: (riderUserId, deliveryId) => Effect.map(riderJobsWhere(riderUserId, deliveryId), (jobs) => Option.fromNullable(jobs[0])),
      openTimer: (t) =>
        q(
          db,
          (sql) => sql`
          insert into sla_timers (id, order_id, kind, zone_id, started_at, due_at) values (${t.id}, ${t.orderId}, ${t.kind}, ${t.zoneId}, ${new Date(t.startedAt)}, ${new Date(t.dueAt)})
          on conflict (order_id, kind) where status = 'OPEN' do nothing`
        ).pipe(Effect.asVoid),
      closeTimers: (orderId, kinds, status, at) =>
        q(
          db,
          (sql) =>
            sql`update sla_timers set status = ${status}, closed_at = ${new Date(at)}
                 where order_id = ${orderId} and kind = any(${kinds as Array<string>}) and status = 'OPEN'
                   and ${status === "MET" ? sql`due_at >= ${new Date(at)}` : sql`true`} returning id`
        ).pipe(Effect.map((rows) => rows.length)),
      overdueTimers: (now, limit) =>
        Effect.map(
          q(
            db,
            (sql) => sql<
              Array<{
                id: string
                order_id: OrderId
                store_id: StoreId
                kind: "DISPATCH" | "DELIVERY"
                buyer_id: UserId
                checkout_id: CheckoutId
                due_at: Date
                points: number
              }>
            >`
            select t.id, t.order_id, o.store_id, t.kind, o.buyer_id, o.checkout_id, t.due_at, coalesce(z.compensation_points, 0) as points
              from sla_timers t join orders o on o.id = t.order_id left join zone_slas z on z.zone_id = t.zone_id
             where t.status = 'OPEN' and t.due_at <= ${new Date(now)} order by t.due_at, t.id limit ${limit}`
          ),
          (rows) =>
            rows.map((r) => ({
              id: r.id,
              orderId: r.order_id,
              storeId: r.store_id,
              kind: r.kind,
              buyerId: r.buyer_id,
              checkoutId: r.checkout_id,
              dueAt: r.due_at.getTime(),
              compensationPoints: r.points
            }))
        ),
      breachTimer: (timerId, at) =>
        Effect.map(
          q(db, (sql) => sql`update sla_timers set status = 'BREACHED', closed_at = ${new Date(at)} where id = ${timerId} and status = 'OPEN' returning id`),
          (rows) => rows.length === 1
        ),
      compensate: (c) =>
        q(
          db,
          (sql) => sql`
          insert into loyalty_ledger (buyer_id, points, reason, order_id, checkout_id, note) values (${c.buyerId}, ${c.points}, 'ADJUSTED', ${c.orderId}, ${c.checkoutId}, ${c.note})`
        ).pipe(Effect.asVoid),
      resolveDispute: (orderId, r) =>
        Effect.map(
          q(
            db,
            (sql) => sql`
            update disputes set status = ${r.status}, resolution = ${r.resolution}, resolved_by = ${r.by}, resolved_at = ${new Date(r.at)}
             where order_id = ${orderId} and status = 'OPEN' returning id`
          ),
          (rows) => rows.length === 1
        ),
      riderEarnings: (riderUserId) =>
        Effect.gen(function* () {
          const money = (amount: number | string, currency: string) => ({ amount: Number(amount), currency: currency.trim() as Currency })
          const balances = yield* q(
            db,
            (sql) => sql<Array<{ currency: string; earned: string; paid: string; owed: string }>>`
            select currency, coalesce(-sum(amount) filter (where amount < 0), 0)::bigint as earned, coalesce(sum(amount) filter (where amount > 0), 0)::bigint as paid,
                   (-sum(amount))::bigint as owed
              from ledger_entries where account = 'SHIPPING_PAYABLE' and account_ref = ${riderUserId} group by currency order by currency`
          )
          const deliveries = yield* q(
            db,
            (sql) => sql<Array<{ order_id: OrderId; currency: string; amount: string; at: Date }>>`
            select t.order_id, e.currency, (-e.amount)::bigint as amount, e.created_at as at
              from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
             where e.account = 'SHIPPING_PAYABLE' and e.account_ref = ${riderUserId} and e.amount < 0 and t.order_id is not null
             order by e.created_at desc, t.order_id limit 200`
          )
          const payouts = yield* q(
            db,
            (sql) => sql<Array<{ id: string; currency: string; amount: string; status: string; created_at: Date }>>`
            select id, currency, amount, status, created_at from payouts where payee_kind = 'RIDER' and payee_id = ${riderUserId} order by created_at desc limit 100`
          )
          return {
            balances: balances.map((b) => ({ earned: money(b.earned, b.currency), paidOut: money(b.paid, b.currency), owed: money(b.owed, b.currency) })),
            deliveries: deliveries.map((d) => ({ orderId: d.order_id, shipping: money(d.amount, d.currency), creditedAt: d.at.getTime() })),
            payouts: payouts.map((p) => ({ payoutId: p.id, amount: money(p.amount, p.currency), status: p.status, createdAt: p.created_at.getTime() }))
          }
        }),
      riderStats: (riderUserId) =>
        Effect.map(
          q(
            db,
            (sql) =>
              sql<
                Array<RiderStatsRow>
              >`${sql.unsafe(riderStatsSql)} where ${riderUserId === undefined ? sql`true` : sql`r.user_id = ${riderUserId}`} group by r.user_id, u.display_name, u.phone order by r.user_id`
          ),
          (rows) =>
            rows.map((r) => ({
              riderUserId: r.rider_user_id,
              name: r.name,
              stats: { delivered: r.delivered, onTime: r.on_time, failedAttempts: r.failed_attempts, disputes: r.disputes }
            }))
        ),
      recordPartnerEvent: (e) =>
        Effect.map(
          q(
            db,
            (sql) => sql`
            insert into partner_events (partner, event_id, partner_ref, status, raw) values (${e.partner}, ${e.eventId}, ${e.partnerRef}, ${e.status}, ${sql.json(e.raw as never)})
            on conflict do nothing returning event_id`
          ),
          (rows) => rows.length === 1
        )
    }
  })
)

type OrderFactsRow = {
  id: string
  buyer_phone: string
  seller_phone: string
  store_name: string
  currency: string
  total: number
  paid: string | null
  rider_name: string | null
  rider_phone: string | null
}

const orderFactsOf = (r: OrderFactsRow) => {
  const currency = r.currency.trim() as Currency
  return {
    orderId: r.id,
    buyerPhone: r.buyer_phone,
    sellerPhone: r.seller_phone,
    storeName: r.store_name,
    total: { amount: r.total, currency },
    buyerPaid: { amount: Number(r.paid ?? r.total), currency },
    rider: r.rider_name ? { name: r.rider_name, phone: r.rider_phone || "-" } : undefined
  }
}

export const NotificationDirectoryLive = Layer.effect(
  NotificationDirectory,
  Effect.map(Database, (db) => {
    const facts = (orderIds: ReadonlyArray<string>) =>
      q(
        db,
        (sql) => sql<Array<OrderFactsRow>>`
          select o.id, bu.phone as buyer_phone, su.phone as seller_phone, s.name as store_name, o.currency, o.total,
                 snap.snapshot -> 'totals' -> 'buyerPays' ->> 'amount' as paid, d.rider_name, d.rider_phone
            from orders o join users bu on bu.id = o.buyer_id join stores s on s.id = o.store_id join users su on su.id = s.owner_user_id
            join order_snapshots snap on snap.order_id = o.id
            left join lateral (select rider_name, rider_phone from deliveries where order_id = o.id order by attempt desc limit 1) d on true
           where o.id = any(${orderIds as Array<string>}::text[])`
      )
    return {
      ordersFacts: (orderIds) => Effect.map(facts(orderIds), (rows) => new Map(rows.map((r) => [r.id, orderFactsOf(r)])))
    }
  })
)

export const MessageStatusStoreLive = Layer.effect(
  MessageStatusStore,
  Effect.map(Database, (db) => ({
    recordStatus: (s) =>
      Effect.map(
        q(
          db,
          (sql) => sql`
          insert into whatsapp_statuses (wamid, status, at, recipient, errors) values (${s.wamid}, ${s.status}, ${new Date(s.at)}, ${s.recipient}, ${s.errors ? sql.json(s.errors as never) : null})
          on conflict do nothing returning wamid`
        ),
        (rows) => rows.length === 1
      ),
    recordInbound: (m) =>
      Effect.map(
        q(
          db,
          (sql) => sql`
          insert into whatsapp_inbound (wamid, from_phone, at, type, body) values (${m.wamid}, ${m.from}, ${new Date(m.at)}, ${m.type}, ${m.text ?? null})
          on conflict do nothing returning wamid`
        ),
        (rows) => rows.length === 1
      ),
    // a notification, or a chat reply (conversation_messages): the staff must see a reply the buyer never got
    markFailed: (wamid, error) =>
      Effect.zipRight(
        q(db, (sql) => sql`update notifications set status = 'FAILED', last_error = ${error} where data ->> 'providerMessageId' = ${wamid} or id = ${wamid}`),
        q(
          db,
          (sql) => sql`update conversation_messages set status = 'FAILED', last_error = ${error}
                        where provider_message_id = ${wamid} and direction = 'OUT' and status = 'SENT'`
        )
      ).pipe(Effect.asVoid)
  }))
)
