/** StepUpCodes over PostgreSQL: codes kept only as SHA-256 hashes salted with their id (like login codes). */
import { createHash, timingSafeEqual } from "node:crypto"
import { Effect, Layer, Option } from "effect"
import { StepUpCodes } from "../../application/auth/step-up.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

const hashCode = (id: string, code: string) => createHash("sha256").update(`step-up:${id}:${code}`).digest("hex")
const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"))

export const StepUpCodesLive = Layer.effect(
  StepUpCodes,
  Effect.map(Database, (db) => ({
    save: (c) =>
      q(
        db,
        (sql) => sql`
        insert into step_up_codes (id, user_id, purpose, code_hash, created_at, expires_at)
        values (${c.id}, ${c.userId}, ${c.purpose}, ${hashCode(c.id, c.code)}, ${new Date(c.createdAt)}, ${new Date(c.expiresAt)})`
      ).pipe(Effect.asVoid),
    latest: (userId, purpose) =>
      Effect.map(
        q(
          db,
          (sql) => sql<Array<{ id: string; created_at: Date; expires_at: Date; attempts: number; consumed_at: Date | null }>>`
          select id, created_at, expires_at, attempts, consumed_at from step_up_codes
           where user_id = ${userId} and purpose = ${purpose} order by created_at desc, id desc limit 1 for update`
        ),
        (rows) =>
          Option.map(Option.fromNullable(rows[0]), (r) => ({
            id: r.id,
            createdAt: r.created_at.getTime(),
            expiresAt: r.expires_at.getTime(),
            attempts: r.attempts,
            consumed: r.consumed_at !== null
          }))
      ),
    matches: (id, code) =>
      Effect.map(
        q(db, (sql) => sql<Array<{ code_hash: string }>>`select code_hash from step_up_codes where id = ${id}`),
        (rows) => rows[0] !== undefined && /^\d{6}$/.test(code) && sameHex(rows[0].code_hash, hashCode(id, code))
      ),
    recordFailedAttempt: (id) => q(db, (sql) => sql`update step_up_codes set attempts = attempts + 1 where id = ${id}`).pipe(Effect.asVoid),
    consume: (id, at) =>
      q(db, (sql) => sql`update step_up_codes set consumed_at = ${new Date(at)} where id = ${id} and consumed_at is null`).pipe(Effect.asVoid)
  }))
)
