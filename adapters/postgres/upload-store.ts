/** UploadStore over PostgreSQL: the uploads table (the bytes are in Storage). */
import type { UserId } from "../../domain/ids.js"
import { createHash } from "node:crypto"
import { Effect, Layer, Option } from "effect"
import { UploadStore } from "../../application/uploads/upload.port.js"
import type { UploadRecord } from "../../application/uploads/upload.port.js"
import type { UploadType } from "../../domain/upload-content.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
type Row = { id: string; owner_user_id: UserId; content_type: UploadType; size_bytes: number; sha256: string; storage_key: string; created_at: Date }
const toRecord = (r: Row): UploadRecord => ({
  id: r.id,
  ownerUserId: r.owner_user_id,
  contentType: r.content_type,
  sizeBytes: r.size_bytes,
  sha256: r.sha256,
  storageKey: r.storage_key,
  createdAt: r.created_at.getTime()
})

export const UploadStoreLive = Layer.effect(
  UploadStore,
  Effect.map(Database, (db) => ({
    insert: (u, bytes) =>
      Effect.gen(function* () {
        const sha256 = createHash("sha256").update(bytes).digest("hex")
        yield* q(
          db,
          (sql) => sql`
          insert into uploads (id, owner_user_id, content_type, size_bytes, sha256, storage_key, created_at)
          values (${u.id}, ${u.ownerUserId}, ${u.contentType}, ${u.sizeBytes}, ${sha256}, ${u.storageKey}, ${new Date(u.createdAt)})`
        )
        return { ...u, sha256 }
      }),
    find: (id) =>
      Effect.map(
        q(db, (sql) => sql<Array<Row>>`select id, owner_user_id, content_type, size_bytes, sha256, storage_key, created_at from uploads where id = ${id}`),
        (rows) => Option.map(Option.fromNullable(rows[0]), toRecord)
      ),
    ownedBy: (ownerUserId, ids) =>
      Effect.map(
        q(db, (sql) => sql<Array<{ id: string }>>`select id from uploads where owner_user_id = ${ownerUserId} and id = any(${ids as Array<string>})`),
        (rows) => rows.map((r) => r.id)
      )
  }))
)
