/**
 * Least privilege (issue 10 item 14): the app runs as a role that owns nothing and may only append
 * to history, so its credentials cannot switch off a trigger, rewrite or truncate the ledger, the
 * snapshots, the timeline, loyalty, the audit log or the raw M-Pesa callbacks (B2C results included).
 * The audit chain's head is anchored by an HMAC whose key the database never holds: a superuser who
 * rewrites the chain and recomputes every hash and the head fools audit_verify_chain(), not the
 * back-office's "verify chain".
 *
 * `db.sql` logs in exactly as the app does (the derived runtime role); `db.owner` is the superuser.
 * That every other suite passes through `db.sql` / `db.url` is the proof that the app runs under it.
 */
import { AdminUserId } from "../../domain/ids.js"
import { createHash, randomBytes } from "node:crypto"
import fc from "fast-check"
import { ConfigProvider, Effect, Layer, Option } from "effect"
import postgres from "postgres"
import { beforeAll, describe, expect, it } from "vitest"
import { verifyAuditChain } from "../../application/admin/admin-accounts.js"
import { AdminStore } from "../../application/admin/admin.port.js"
import type { AuditEntry } from "../../application/admin/admin.port.js"
import { AdminStoreLive, auditAnchorMac, firstUnanchored } from "../../adapters/postgres/admin-store.js"
import { DatabaseFromPool } from "../../adapters/postgres/database.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { prepareDatabase } from "../../adapters/postgres/prepare.js"
import { RUNTIME_GROUP, derivedRuntimeUrl, provisionRuntimeRole, roleOf } from "../../adapters/postgres/runtime-role.js"
import { DatabaseSetupError } from "../../adapters/postgres/setup-error.js"
import { seedOrderGraph, type OrderGraph } from "../support/fixtures.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase({ max: 5 })

const codeOf = async (run: () => PromiseLike<unknown>): Promise<string | undefined> => {
  try {
    await run()
    return "no error"
  } catch (error) {
    return (error as { code?: string }).code
  }
}
const DENIED = "42501"
const APPEND_ONLY = "AM001"

const KEY = "a-test-audit-anchor-key-of-32-chars-or-more-9f3a"
const adminLayer = (sql: Sql, key: string = KEY) =>
  AdminStoreLive.pipe(
    Layer.provide(DatabaseFromPool(sql)),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["AUDIT_ANCHOR_KEY", key]]))))
  )
const withAdminStore = <A, E>(sql: Sql, effect: Effect.Effect<A, E, AdminStore>, key?: string) =>
  Effect.runPromise(Effect.provide(effect, adminLayer(sql, key)))
const entry = (action: string, reason: string | null = null): AuditEntry => ({
  actorKind: "ADMIN",
  actorId: AdminUserId.make("adm_wanjiku"),
  actorRole: "PLATFORM_ADMIN",
  action,
  entity: "store",
  entityId: "sto_1",
  before: { kyc: "PENDING" },
  after: { kyc: "VERIFIED" },
  reason
})
const auditor = { id: AdminUserId.make("adm_auditor"), email: "auditor@amana.test", role: "AUDITOR" as const }
const appVerifies = (sql: Sql, key?: string) => withAdminStore(sql, verifyAuditChain(auditor), key)
const databaseVerifies = async (sql: Sql) => (await sql<Array<{ broken: number | null }>>`select audit_verify_chain() as broken`)[0]?.broken ?? null

/** What a superuser can do: rewrite audit entry `seq`, then recompute every hash after it and the head. */
const rewriteChainAsSuperuser = async (owner: Sql, seq: number, reason: string) => {
  await owner.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    await tx`update audit_log set reason = ${reason} where seq = ${seq}`
    const rows = await tx<Array<{ seq: number }>>`select seq from audit_log where seq >= ${seq} order by seq`
    for (const r of rows) {
      await tx`update audit_log l set prev_hash = coalesce((select p.hash from audit_log p where p.seq = l.seq - 1), repeat('0', 64)) where seq = ${r.seq}`
      await tx`update audit_log set hash = audit_row_digest(prev_hash, audit_log) where seq = ${r.seq}`
    }
    await tx`update audit_chain_head set last_seq = (select max(seq) from audit_log), last_hash = (select hash from audit_log order by seq desc limit 1)`
  })
}

describe("the runtime role", () => {
  let g: OrderGraph
  beforeAll(async () => {
    g = await seedOrderGraph(db.sql)
    // history written through the runtime role, as the app writes it
    await db.sql`insert into order_snapshots (order_id, snapshot, snapshot_hash) values (${g.orderId}, '{"lines":[]}', ${"a".repeat(64)})`
    await db.sql`insert into order_timeline (order_id, from_state, to_state, actor_kind, actor_id, reason) values (${g.orderId}, null, 'PENDING_PAYMENT', 'BUYER', ${g.buyerId}, 'checkout')`
    await db.sql`insert into loyalty_ledger (buyer_id, points, reason, order_id) values (${g.buyerId}, 150, 'EARNED', ${g.orderId})`
    await db.sql.begin(async (tx) => {
      await tx`insert into ledger_transactions (id, kind, order_id) values (${`ltx_${g.orderId}`}, 'PAYMENT', ${g.orderId})`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, order_id, currency, amount) values (${`ltx_${g.orderId}`}, 'ESCROW', ${g.orderId}, ${g.orderId}, 'KES', -170000)`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, order_id, currency, amount) values (${`ltx_${g.orderId}`}, 'MPESA_CLEARING', null, ${g.orderId}, 'KES', 170000)`
    })
    await withAdminStore(
      db.sql,
      Effect.flatMap(AdminStore, (s) => s.audit(entry("STORE.VERIFY", "documents ok")))
    )
    await db.sql`insert into mpesa_callbacks (kind, checkout_request_id, raw, processed_at, outcome) values ('STK', 'ws_CO_1', '{"Body":{"stkCallback":{"ResultCode":0}}}', now(), 'PAID')`
    await db.sql`insert into mpesa_callbacks (kind, originator_conversation_id, callback_token, raw) values ('B2C_RESULT', 'oc-1', 'tok-1', '{"Result":{"ResultCode":0}}')`
  })

  it("is who the app logs in as: not a superuser, a member of amana_app, owner of nothing", async () => {
    const role = await roleOf(db.url)
    expect(role).toMatchObject({ superuser: false, runtime: true })
    expect(role.user).toBe(RUNTIME_GROUP)
    const [attrs] = await db.owner<Array<Record<string, boolean>>>`
      select rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication from pg_roles where rolname = ${role.user}`
    expect(attrs).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false, rolreplication: false })
    const owned = await db.owner<Array<{ name: string }>>`
      select c.relname as name from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = ${role.user}
      union all select p.proname from pg_proc p join pg_roles r on r.oid = p.proowner where r.rolname = ${role.user}
      union all select n.nspname from pg_namespace n join pg_roles r on r.oid = n.nspowner where r.rolname = ${role.user}`
    expect(owned).toEqual([])
    // nor may it take anything: no TRUNCATE, REFERENCES or TRIGGER grant on any table, no CREATE in a schema
    const extra = await db.owner<Array<{ table_name: string; privilege_type: string }>>`
      select table_name, privilege_type from information_schema.role_table_grants
       where grantee = ${RUNTIME_GROUP} and privilege_type not in ('SELECT', 'INSERT', 'UPDATE', 'DELETE')`
    expect(extra).toEqual([])
    expect(await codeOf(() => db.sql`create table squatter (id int)`)).toBe(DENIED)
    expect(await codeOf(() => db.sql`create function squatter() returns int language sql as 'select 1'`)).toBe(DENIED)
  })

  const history = [
    "ledger_entries",
    "ledger_transactions",
    "order_snapshots",
    "order_timeline",
    "loyalty_ledger",
    "audit_log",
    "audit_anchors",
    "audit_chain_head",
    "mpesa_callbacks",
    "promotion_versions",
    "discount_code_versions"
  ] as const
  for (const table of history) {
    it(`${table}: cannot disable its triggers, truncate it, delete from it, or give it away`, async () => {
      expect(await codeOf(() => db.sql.unsafe(`alter table ${table} disable trigger all`))).toBe(DENIED)
      expect(await codeOf(() => db.sql.unsafe(`alter table ${table} disable trigger user`))).toBe(DENIED)
      expect(await codeOf(() => db.sql.unsafe(`truncate ${table}`))).toBe(DENIED)
      expect(await codeOf(() => db.sql.unsafe(`delete from ${table}`))).toBe(DENIED)
      expect(await codeOf(() => db.sql.unsafe(`alter table ${table} owner to ${RUNTIME_GROUP}`))).toBe(DENIED)
      // granting itself more is a no-op (PostgreSQL warns: it holds no grant option)
      await db.sql.unsafe(`grant update, delete, truncate on ${table} to ${RUNTIME_GROUP}`)
      const [now] = await db.sql<Array<Record<string, boolean>>>`
        select has_table_privilege(${table}, 'UPDATE') as update, has_table_privilege(${table}, 'DELETE') as delete, has_table_privilege(${table}, 'TRUNCATE') as truncate`
      expect(now).toEqual({ update: false, delete: false, truncate: false })
    })
  }

  it("cannot update any history row", async () => {
    for (const [table, change] of [
      ["ledger_entries", "amount = amount * 2"],
      ["ledger_transactions", "description = 'rewritten'"],
      ["order_snapshots", "snapshot = '{}'"],
      ["order_timeline", "reason = 'rewritten'"],
      ["loyalty_ledger", "points = 1000000"],
      ["audit_log", "reason = 'rewritten'"],
      ["audit_anchors", "mac = repeat('0', 64)"],
      ["audit_chain_head", "last_seq = 0"]
    ] as const)
      expect({ table, code: await codeOf(() => db.sql.unsafe(`update ${table} set ${change}`)) }).toEqual({ table, code: DENIED })
    const [ledger] = await db.sql<Array<{ n: number; total: number }>>`select count(*)::int as n, sum(abs(amount))::bigint as total from ledger_entries`
    expect(ledger).toEqual({ n: 2, total: 340000 })
  })

  it("cannot switch triggers off for its session (session_replication_role), nor become another role", async () => {
    expect(await codeOf(() => db.sql`set session_replication_role = replica`)).toBe(DENIED)
    expect(await codeOf(() => db.sql`set role postgres`)).toBe(DENIED)
    expect(await codeOf(() => db.sql`alter role ${db.sql(RUNTIME_GROUP)} superuser`)).toBe(DENIED)
  })

  it("mpesa_callbacks (STK callbacks and B2C results) are append-only: what Daraja sent never changes, the processing mark is written once", async () => {
    const [stk] = await db.sql<Array<{ id: number }>>`select id from mpesa_callbacks where kind = 'STK'`
    const [b2c] = await db.sql<Array<{ id: number }>>`select id from mpesa_callbacks where kind = 'B2C_RESULT'`
    for (const id of [stk!.id, b2c!.id]) {
      // the evidence columns are not even granted
      expect(await codeOf(() => db.sql`update mpesa_callbacks set raw = '{"forged":true}' where id = ${id}`)).toBe(DENIED)
      expect(
        await codeOf(() => db.sql`update mpesa_callbacks set checkout_request_id = 'ws_CO_other', originator_conversation_id = 'oc-forged' where id = ${id}`)
      ).toBe(DENIED)
      expect(await codeOf(() => db.sql`delete from mpesa_callbacks where id = ${id}`)).toBe(DENIED)
    }
    // the processing mark: once, never rewritten (the STK callback is processed already)
    expect(await codeOf(() => db.sql`update mpesa_callbacks set outcome = 'UNKNOWN_REQUEST' where id = ${stk!.id}`)).toBe(APPEND_ONLY)
    expect(await codeOf(() => db.sql`update mpesa_callbacks set processed_at = now(), outcome = 'SETTLED' where id = ${b2c!.id}`)).toBe("no error")
    expect(await codeOf(() => db.sql`update mpesa_callbacks set processed_at = null, outcome = null where id = ${b2c!.id}`)).toBe(APPEND_ONLY)
    // and the owner, triggers on, cannot rewrite the evidence either
    expect(await codeOf(() => db.owner`update mpesa_callbacks set raw = '{"forged":true}' where id = ${b2c!.id}`)).toBe(APPEND_ONLY)
    expect(await codeOf(() => db.owner`delete from mpesa_callbacks where id = ${b2c!.id}`)).toBe(APPEND_ONLY)
    expect(await codeOf(() => db.owner`truncate mpesa_callbacks`)).toBe(APPEND_ONLY)
    const rows = await db.sql<Array<{ raw: unknown; outcome: string | null }>>`select raw, outcome from mpesa_callbacks order by id`
    expect(rows).toEqual([
      { raw: { Body: { stkCallback: { ResultCode: 0 } } }, outcome: "PAID" },
      { raw: { Result: { ResultCode: 0 } }, outcome: "SETTLED" }
    ])
  })
})

describe("the audit chain's head is anchored outside the database", () => {
  it("each entry the app writes carries an anchor only the key's holder can make; an intact chain verifies", async () => {
    await withAdminStore(
      db.sql,
      Effect.flatMap(AdminStore, (s) => Effect.forEach(["PRODUCT.REJECT", "PROMOTION.CREATE", "PAYOUT_BATCH.APPROVE"], (a) => s.audit(entry(a))))
    )
    const rows = await db.sql<
      Array<{ seq: number; hash: string; mac: string }>
    >`select l.seq, l.hash, a.mac from audit_log l join audit_anchors a using (seq) order by seq`
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4])
    for (const r of rows) expect(r.mac).toBe(auditAnchorMac(KEY, r.seq, r.hash))
    expect(await appVerifies(db.sql)).toEqual(Option.none())
    // with another key nothing verifies: the anchors are the key's, not the database's
    expect(await appVerifies(db.sql, "another-key-that-is-long-enough-0123456789")).toEqual(Option.some(1))
  })

  it("the runtime role cannot forge an anchor or rewrite the chain", async () => {
    const [head] = await db.sql<Array<{ seq: number; hash: string }>>`select seq, hash from audit_log order by seq desc limit 1`
    expect(await codeOf(() => db.sql`insert into audit_anchors (seq, mac) values (${head!.seq}, ${"0".repeat(64)})`)).toBe("23505")
    expect(await codeOf(() => db.sql`update audit_log set reason = 'rewritten' where seq = 2`)).toBe(DENIED)
    expect(await codeOf(() => db.sql`update audit_chain_head set last_hash = repeat('0', 64)`)).toBe(DENIED)
    expect(await appVerifies(db.sql)).toEqual(Option.none())
  })

  it("an entry slipped in by raw SQL, past the app, is caught: it has no anchor", async () => {
    await db.sql`insert into audit_log (actor_kind, action, entity) values ('SYSTEM', 'LEDGER.FIX', 'ledger')`
    expect(await databaseVerifies(db.sql)).toBeNull()
    expect(await appVerifies(db.sql)).toEqual(Option.some(5))
  })

  it("a superuser who rewrites an entry and recomputes every hash and the head fools audit_verify_chain(), not the verify action", async () => {
    await rewriteChainAsSuperuser(db.owner, 2, "nothing to see here")
    // the database alone cannot tell
    expect(await databaseVerifies(db.sql)).toBeNull()
    // the anchors can: the first entry whose hash changed no longer matches its HMAC (and #5 above has none)
    expect(await appVerifies(db.sql)).toEqual(Option.some(2))
  })
})

describe("who migrates and who runs", () => {
  it("DATABASE_URL naming the owner: the owner migrates, the app gets the runtime role's URL", async () => {
    const prepared = await prepareDatabase({ env: { DATABASE_URL: db.ownerUrl } })
    expect(prepared.ownerUrl).toBe(db.ownerUrl)
    expect(prepared.runtimeUrl).toBe(db.url)
    expect(await roleOf(prepared.runtimeUrl)).toMatchObject({ user: RUNTIME_GROUP, superuser: false, runtime: true })
  })

  it("DATABASE_URL naming the runtime role: nothing is migrated, the app runs on it", async () => {
    const prepared = await prepareDatabase({ env: { DATABASE_URL: db.url } })
    expect(prepared).toMatchObject({ runtimeUrl: db.url, ownerUrl: undefined, applied: [] })
  })

  it("MIGRATION_DATABASE_URL and DATABASE_URL: the migrate step creates DATABASE_URL's role as a member of amana_app", async () => {
    const user = `amana_rt_${randomBytes(4).toString("hex")}`
    const runtimeUrl = new URL(db.ownerUrl)
    runtimeUrl.username = user
    runtimeUrl.password = randomBytes(16).toString("hex")
    try {
      const prepared = await prepareDatabase({ env: { MIGRATION_DATABASE_URL: db.ownerUrl, DATABASE_URL: runtimeUrl.toString() } })
      expect(prepared.runtimeUrl).toBe(runtimeUrl.toString())
      expect(await roleOf(prepared.runtimeUrl)).toMatchObject({ user, superuser: false, runtime: true })
      const as = postgres(prepared.runtimeUrl, { max: 1, onnotice: () => undefined })
      try {
        expect((await as`select count(*)::int as n from ledger_entries`)[0]?.["n"]).toBe(2)
        expect(await codeOf(() => as`delete from ledger_entries`)).toBe(DENIED)
      } finally {
        await as.end({ timeout: 5 })
      }
    } finally {
      await db.owner.unsafe(`drop role if exists ${user}`)
    }
  })

  it("refuses to run the app as the owner or as a superuser", async () => {
    const same = await provisionRuntimeRole(db.ownerUrl, db.ownerUrl).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(same).toBeInstanceOf(DatabaseSetupError)
    expect((same as DatabaseSetupError).problem).toMatch(/both name the role .*: the app would run as the owner of its tables/)
    const superuser = new URL(db.ownerUrl)
    const [root] = await db.owner<
      Array<{ name: string }>
    >`select rolname as name from pg_roles where rolsuper and rolname <> current_user and rolcanlogin limit 1`
    if (root !== undefined) {
      superuser.username = root.name
      const refused = await provisionRuntimeRole(db.ownerUrl, superuser.toString()).then(
        () => undefined,
        (e: unknown) => e
      )
      expect((refused as DatabaseSetupError).problem).toMatch(/is a superuser: it could disable the ledger's triggers/)
    }
  })

  it("the derived runtime URL keeps the server and database and never carries the owner's password", () => {
    const derived = new URL(derivedRuntimeUrl("postgres://owner:s3cret-owner-pw@db.internal:6543/amana?sslmode=require"))
    expect(derived.username).toBe(RUNTIME_GROUP)
    expect(derived.password).toMatch(/^[0-9a-f]{64}$/)
    expect(derived.password).not.toContain("s3cret")
    expect(`${derived.host}${derived.pathname}${derived.search}`).toBe("db.internal:6543/amana?sslmode=require")
  })
})

describe("the anchors' rule (firstUnanchored), for any chain", () => {
  const chainOf = (n: number, salt: string) => {
    const rows: Array<{ seq: number; hash: string }> = []
    let prev = "0".repeat(64)
    for (let seq = 1; seq <= n; seq++) {
      prev = createHash("sha256").update(`${prev}\n${salt}:${seq}`).digest("hex")
      rows.push({ seq, hash: prev })
    }
    return rows
  }
  const anchored = (rows: ReadonlyArray<{ seq: number; hash: string }>, from = 1) =>
    rows.map((r) => ({ ...r, mac: r.seq >= from ? auditAnchorMac(KEY, r.seq, r.hash) : null }))

  it("vouches for an intact chain anchored from any entry on; names the first entry rewritten (hashes recomputed after it), or left unanchored", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), fc.nat(), (n, fromSeed, kSeed, holeSeed) => {
        const rows = chainOf(n, "true")
        const from = 1 + (fromSeed % n)
        const intact = anchored(rows, from)
        expect(firstUnanchored(KEY, intact)).toBeUndefined()
        // a superuser rewrites entry k and recomputes every hash from it on: anchors from k on no longer match
        const k = 1 + (kSeed % n)
        const forged = chainOf(n, "forged")
        const rewritten = intact.map((r) => (r.seq >= k ? { ...r, hash: forged[r.seq - 1]!.hash } : r))
        expect(firstUnanchored(KEY, rewritten)).toBe(Math.max(k, from))
        // an entry after the first anchored one without its anchor (slipped in past the app)
        if (n - from >= 1) {
          const hole = from + 1 + (holeSeed % (n - from))
          expect(
            firstUnanchored(
              KEY,
              intact.map((r) => (r.seq === hole ? { ...r, mac: null } : r))
            )
          ).toBe(hole)
        }
        // no valid anchor at all (none made, or another key): nothing is vouched for
        expect(firstUnanchored(KEY, anchored(rows, n + 1))).toBe(1)
        expect(firstUnanchored("another-key-that-is-long-enough-0123456789", intact)).toBe(from)
      })
    )
  })
})
