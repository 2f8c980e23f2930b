/**
 * RiderJobDirectory in PostgreSQL: an order's live in-house delivery with what its rider needs to
 * know. The pickup is the store's stock location with an address (else the store's own town or
 * market); the seller's phone is the store's contact phone (else its owner's); the drop-off and the
 * recipient's phone come from the delivery details frozen in the order's snapshot (else the buyer's).
 */
import { Effect, Layer, Option } from "effect"
import { RiderJobDirectory } from "../../application/notifications/notify-rider.js"
import type { RiderJobFacts } from "../../application/notifications/notify-rider.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

export const RiderJobDirectoryLive = Layer.effect(
  RiderJobDirectory,
  Effect.map(Database, (db) =>
    RiderJobDirectory.of({
      liveRiderJob: (orderId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<
              Array<{
                id: string
                rider_phone: string
                store_name: string
                seller_phone: string
                pickup_name: string | null
                pickup_address: string | null
                pickup_place: string | null
                pickup_area: string | null
                loc_name: string
                loc_address: string | null
                parent_name: string | null
                buyer_phone: string
                recipient_name: string | null
                address_line: string | null
                landmark: string | null
              }>
            >`
            select d.id, ru.phone as rider_phone, s.name as store_name, coalesce(s.contact_phone, su.phone) as seller_phone,
                   sl.name as pickup_name, sl.address as pickup_address, coalesce(pl.name, stl.name) as pickup_place, stp.name as pickup_area,
                   l.name as loc_name, l.address as loc_address, lp.name as parent_name,
                   coalesce(os.snapshot->'delivery'->>'recipientPhone', bu.phone) as buyer_phone,
                   os.snapshot->'delivery'->>'recipientName' as recipient_name, os.snapshot->'delivery'->>'addressLine' as address_line,
                   os.snapshot->'delivery'->>'landmark' as landmark
              from deliveries d
              join orders o on o.id = d.order_id
              join users ru on ru.id = d.rider_user_id
              join stores s on s.id = o.store_id
              join users su on su.id = s.owner_user_id
              join users bu on bu.id = o.buyer_id
              join locations l on l.id = o.destination_location_id
              left join locations lp on lp.id = l.parent_id
              left join order_snapshots os on os.order_id = o.id
              left join lateral (select name, address, location_id from stock_locations x where x.store_id = s.id and x.active
                                  order by (x.address is null and x.location_id is null), x.id limit 1) sl on true
              left join locations pl on pl.id = sl.location_id
              left join locations stl on stl.id = s.location_id
              left join locations stp on stp.id = stl.parent_id
             where d.order_id = ${orderId} and d.carrier = 'RIDER' and d.status in ('ASSIGNED', 'PICKED_UP', 'IN_TRANSIT')
             order by d.attempt desc limit 1`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (r): RiderJobFacts => ({
              deliveryId: r.id,
              riderPhone: r.rider_phone,
              storeName: r.store_name,
              sellerPhone: r.seller_phone,
              pickup: [r.pickup_address, r.pickup_place].filter((p) => p !== null && p.trim() !== "").join(", ") || "the seller's address",
              dropOff: [r.recipient_name, r.address_line, r.landmark === null ? null : `near ${r.landmark}`, r.loc_name, r.loc_address, r.parent_name]
                .filter((p) => p !== null && p.trim() !== "")
                .join(", "),
              recipientPhone: r.buyer_phone
            }))
        )
    })
  )
)
