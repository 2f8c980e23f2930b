/** StaffDirectory in PostgreSQL: a store member's phone and current role, and the store's name. */
import { Effect, Layer, Option } from "effect"
import { StaffDirectory } from "../../application/notifications/notify-staff.js"
import type { StoreRole } from "../../domain/store.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

export const StaffDirectoryLive = Layer.effect(
  StaffDirectory,
  Effect.map(Database, (db) =>
    StaffDirectory.of({
      member: (storeId, userId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ phone: string; store_name: string; role: StoreRole }>>`
            select u.phone, s.name as store_name, m.role
              from store_members m join users u on u.id = m.user_id join stores s on s.id = m.store_id
             where m.store_id = ${storeId} and m.user_id = ${userId}`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ phone: r.phone, storeName: r.store_name, role: r.role }))
        )
    })
  )
)
