/** Demo riders and service levels for `npm start` (idempotent), so an order can be walked to COMPLETED by hand. */
import type { Sql } from "../postgres/database.js"
import { insertUser } from "../postgres/seed.js"

export const seedFulfilmentDemo = async (sql: Sql) => {
  await insertUser(sql, { id: "usr_demo_rider", phone: "254722000111", roles: ["RIDER"], displayName: "Otieno (demo rider)" })
  await sql`insert into riders (user_id, zone_id, status, vehicle) values ('usr_demo_rider', 'zone_nairobi', 'ACTIVE', 'motorbike') on conflict do nothing`
  await sql`insert into rider_zones (rider_user_id, zone_id) values ('usr_demo_rider', 'zone_nairobi') on conflict do nothing`
  await sql`insert into zone_slas (zone_id, dispatch_within_minutes, deliver_within_minutes, compensation_points)
            values ('zone_nairobi', 240, 360, 100), ('zone_mombasa', 480, 1440, 100) on conflict do nothing`
}
