/**
 * The audit log's one writer: an entry (hash-chained by the database, 0007) and its anchor
 * (HMAC-SHA256(AUDIT_ANCHOR_KEY, "seq:hash"), 0050) in one transaction: the caller's when it has
 * one. Used by the AuditLog port and by AdminStore.audit.
 */
import { createHmac } from "node:crypto"
import { Effect, Layer, Redacted } from "effect"
import { AuditLog } from "../../application/ports/audit-log.js"
import type { AuditRecord } from "../../application/ports/audit-log.js"
import { requiredSecret } from "../system/secrets.js"
import { Database, DbError } from "./database.js"
import { q, unavailable } from "./unit-of-work.js"

/** The audit anchors' key: never in the database. Outside a world-facing deployment a development stand-in. */
export const AuditAnchorKeyConfig = requiredSecret("AUDIT_ANCHOR_KEY", () => "amana-dev-audit-anchor-key")

/** The anchor of audit entry `seq` whose chain hash is `hash`. */
export const auditAnchorMac = (key: string, seq: number, hash: string): string => createHmac("sha256", key).update(`${seq}:${hash}`).digest("hex")

const json = (value: unknown) => value as never

export const appendAudit = (db: Database["Type"], anchorKey: string) => (e: AuditRecord) =>
  Effect.flatMap(db.inTransaction, (inside) => {
    const write = Effect.gen(function* () {
      const rows = yield* q(
        db,
        (sql) => sql<Array<{ seq: number; hash: string }>>`
        insert into audit_log (actor_kind, actor_id, actor_role, action, entity, entity_id, before, after, reason)
        values (${e.actorKind}, ${e.actorId}, ${e.actorRole}, ${e.action}, ${e.entity}, ${e.entityId},
                ${e.before === null || e.before === undefined ? null : sql.json(json(e.before))},
                ${e.after === null || e.after === undefined ? null : sql.json(json(e.after))}, ${e.reason})
        returning seq, hash`
      )
      const row = rows[0]
      if (row === undefined) return 0
      yield* q(db, (sql) => sql`insert into audit_anchors (seq, mac) values (${row.seq}, ${auditAnchorMac(anchorKey, row.seq, row.hash)})`)
      return row.seq
    })
    return inside ? write : db.transaction(write).pipe(Effect.mapError((e) => (e instanceof DbError ? unavailable(e) : e)))
  })

export const AuditLogLive = Layer.effect(
  AuditLog,
  Effect.gen(function* () {
    const db = yield* Database
    const anchorKey = Redacted.value(yield* AuditAnchorKeyConfig)
    return { append: appendAudit(db, anchorKey) }
  })
)
