/**
 * The audit log is an append-only hash chain: hash = sha256(prev_hash || canonical row). Anyone can
 * re-verify it with audit_verify_chain(), which names the first seq that does not verify.
 */
import type { Sql } from "../../adapters/postgres/database.js"
import { afterAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/test-database.js"

const opened: Array<TestDatabase> = []
afterAll(async () => {
  for (const db of opened) await db.drop()
})

/** Tamper tests break the chain, so each gets its own database. */
const freshDb = async (): Promise<TestDatabase> => {
  const db = await createTestDatabase({ max: 20 })
  opened.push(db)
  return db
}

const record = (sql: Sql, action: string, extra: { reason?: string; before?: object; after?: object } = {}) =>
  sql`insert into audit_log (actor_kind, actor_id, actor_role, action, entity, entity_id, before, after, reason)
      values ('ADMIN', 'adm_wanjiku', 'PLATFORM_ADMIN', ${action}, 'store', 'sto_1',
              ${extra.before ? sql.json(extra.before as never) : null}, ${extra.after ? sql.json(extra.after as never) : null},
              ${extra.reason ?? null})`

const verify = async (sql: Sql): Promise<number | null> => {
  const [row] = await sql<{ broken: number | null }[]>`select audit_verify_chain() as broken`
  return row?.broken ?? null
}

/** What a superuser with a psql prompt could do (never the app's runtime role): switch triggers off and rewrite history. */
const asTamperer = (sql: Sql, statement: string) =>
  sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    await tx.unsafe(statement)
  })

const seedFive = async (sql: Sql) => {
  await record(sql, "STORE.VERIFY", { before: { kyc: "PENDING" }, after: { kyc: "VERIFIED" }, reason: "documents ok" })
  await record(sql, "PRODUCT.REJECT", { reason: "blurry photos" })
  await record(sql, "PROMOTION.CREATE", { after: { priority: 10, effect: { kind: "PERCENT_OFF", bps: 1000 } } })
  await record(sql, "EXCEPTION.RESOLVE", { reason: "refunded by hand" })
  await record(sql, "PAYOUT_BATCH.APPROVE", { after: { weekKey: "2025-W07" } })
}

describe("audit log hash chain", () => {
  it("links each row to the previous one; an intact chain verifies (null)", async () => {
    const db = await freshDb()
    await seedFive(db.sql)
    const rows = await db.sql<{ seq: number; prev_hash: string; hash: string }[]>`select seq, prev_hash, hash from audit_log order by seq`
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5])
    expect(rows[0]?.prev_hash).toBe("0".repeat(64))
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash)
    for (const row of rows) expect(row.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(await verify(db.sql)).toBeNull()
  })

  it("a row whose content was changed behind the triggers' back is reported by its seq", async () => {
    const db = await freshDb()
    await seedFive(db.sql)
    await asTamperer(db.owner, "update audit_log set reason = 'nothing to see here' where seq = 3")
    expect(await verify(db.sql)).toBe(3)
  })

  it("a tampered row whose own hash was recomputed breaks the link from the next row", async () => {
    const db = await freshDb()
    await seedFive(db.sql)
    await asTamperer(db.owner, "update audit_log set reason = 'rewritten' where seq = 2")
    await asTamperer(db.owner, "update audit_log set hash = audit_row_digest(prev_hash, audit_log) where seq = 2")
    expect(await verify(db.sql)).toBe(3)
  })

  it("a deleted row is reported as the missing seq; a deleted last row is caught by the chain head", async () => {
    const db = await freshDb()
    await seedFive(db.sql)
    await asTamperer(db.owner, "delete from audit_log where seq = 5")
    expect(await verify(db.sql)).toBe(5)
    await asTamperer(db.owner, "delete from audit_log where seq = 2")
    expect(await verify(db.sql)).toBe(2)
  })

  it("a caller cannot choose seq or hashes: the trigger assigns them", async () => {
    const db = await freshDb()
    await db.sql`insert into audit_log (seq, actor_kind, action, entity, prev_hash, hash) values (999, 'SYSTEM', 'X', 'y', 'forged', 'forged')`
    const [row] = await db.sql<{ seq: number; prev_hash: string }[]>`select seq, prev_hash from audit_log`
    expect(row).toEqual({ seq: 1, prev_hash: "0".repeat(64) })
    expect(await verify(db.sql)).toBeNull()
  })

  it("concurrent writers on 20 connections serialise: seq is gapless and the chain verifies", async () => {
    const db = await freshDb()
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        db.sql.begin(async (tx) => {
          await tx`select pg_sleep(0.002)`
          await record(tx as unknown as Sql, `CONCURRENT.${i}`)
          if (i % 3 === 0) await record(tx as unknown as Sql, `CONCURRENT.${i}.second`)
        })
      )
    )
    const rows = await db.sql<{ seq: number }[]>`select seq from audit_log order by seq`
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 54 }, (_, i) => i + 1))
    expect(await verify(db.sql)).toBeNull()
  })

  it("a rolled-back insert leaves no gap", async () => {
    const db = await freshDb()
    await record(db.sql, "ONE")
    await db.sql
      .begin(async (tx) => {
        await record(tx as unknown as Sql, "ROLLED.BACK")
        throw new Error("abort")
      })
      .catch(() => undefined)
    await record(db.sql, "TWO")
    const rows = await db.sql<{ seq: number; action: string }[]>`select seq, action from audit_log order by seq`
    expect(rows).toEqual([
      { seq: 1, action: "ONE" },
      { seq: 2, action: "TWO" }
    ])
    expect(await verify(db.sql)).toBeNull()
  })

  it("a REPEATABLE READ writer with a stale snapshot gets a serialization failure (40001), never a fork", async () => {
    const db = await freshDb()
    await record(db.sql, "FIRST")
    const stale = await db.sql.reserve()
    try {
      await stale`begin isolation level repeatable read`
      await stale`select count(*) from audit_log` // snapshot taken here
      await record(db.sql, "COMMITTED.MEANWHILE")
      const error = await record(stale as unknown as Sql, "STALE").then(
        () => undefined,
        (e: { code?: string }) => e
      )
      expect(error?.code).toBe("40001")
      await stale`rollback`
    } finally {
      stale.release()
    }
    expect(await verify(db.sql)).toBeNull()
  })

  it("the digest does not depend on the session time zone", async () => {
    const db = await freshDb()
    await db.sql.begin(async (tx) => {
      await tx`set local timezone = 'Africa/Nairobi'`
      await record(tx as unknown as Sql, "IN.NAIROBI")
    })
    const verifiedIn = async (zone: string) =>
      db.sql.begin(async (tx) => {
        await tx`select set_config('timezone', ${zone}, true)`
        const [row] = await tx<{ broken: number | null }[]>`select audit_verify_chain() as broken`
        return row?.broken ?? null
      })
    expect(await verifiedIn("UTC")).toBeNull()
    expect(await verifiedIn("America/New_York")).toBeNull()
  })
})
