/** Shared bench plumbing: a scratch database, latency statistics, and pgbench on the same server. */
import { execFile } from "node:child_process"
import { readFile, writeFile } from "node:fs/promises"
import { Session } from "node:inspector/promises"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { promisify } from "node:util"
import { randomBytes } from "node:crypto"
import postgres from "postgres"
import { LocationId, UserId, VariantId } from "../domain/ids.js"
import { hashToken } from "../adapters/postgres/auth-store.js"
import { resolveDatabase } from "../adapters/postgres/embedded.js"
import { migrate } from "../adapters/postgres/migrate.js"
import type { Sql } from "../adapters/postgres/database.js"
import { insertProduct, insertPromotion, insertStore, insertUser, insertVariant, insertZone } from "../adapters/postgres/seed.js"

const run = promisify(execFile)

export const withDatabase = (serverUrl: string, name: string) => {
  const u = new URL(serverUrl)
  u.pathname = `/${name}`
  return u.toString()
}

/** A fresh migrated database on DATABASE_URL's server (or the embedded one); dropped by `drop`. */
export const scratchDatabase = async (prefix: string) => {
  const server = await resolveDatabase({ name: "bench", database: "postgres" })
  const admin = postgres(server.url, { max: 1, onnotice: () => undefined })
  const name = `${prefix}_${Date.now()}`
  await admin.unsafe(`create database ${name}`)
  const url = withDatabase(server.url, name)
  await migrate(url)
  return {
    url,
    serverUrl: server.url,
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end({ timeout: 5 })
      await server.stop()
    }
  }
}

/**
 * Statistics for the seeded tables only, as a live database has them: `vacuum analyze` of the whole
 * database would also record the empty tables (checkouts, orders, jobs...) as empty, and a plan made
 * from that (a foreign key's check, cached per connection) scans them in full for as long as it
 * lives: measured, thousands of rows read per checkout by the end of a run. A live database never
 * has those statistics for a table it writes to (autovacuum analyzes a table after its first
 * writes), and a table never analyzed is planned as if it had some pages: index lookups.
 */
export const analyzeSeeded = async (pool: Sql) => {
  const tables = await pool<Array<{ name: string }>>`
    select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`
  for (const { name } of tables) {
    const [row] = await pool.unsafe(`select exists (select from ${name}) as seeded`)
    if (row?.["seeded"] === true) await pool.unsafe(`vacuum analyze ${name}`)
  }
}

/**
 * Autovacuum's analyze, once, after a bench's warm-up: this machine's server runs without autovacuum
 * (the CI's conf.d), so the tables a bench fills would keep the statistics they had when empty, and
 * the plans each connection caches (postgres.js prepares its statements) would never be made again:
 * a lookup planned as a scan of a few rows stays a scan as the table grows (bench:flow: ~770
 * reservation and ~360 order rows read per paid checkout). Each table changed by more than
 * autovacuum's default threshold since its last analyze (50 rows + 10%) is analyzed, which also
 * makes the connections plan their statements anew, as a live database's would have been. Once, not
 * through the run: autovacuum visits a database once a minute, and analyzing every second cost the
 * run more PostgreSQL CPU than it saved.
 */
export const analyzeChanged = async (pool: Sql) => {
  const due = await pool<Array<{ name: string }>>`
    select format('%I.%I', schemaname, relname) as name from pg_stat_user_tables
     where n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, 0)`
  for (const { name } of due) await pool.unsafe(`analyze ${name}`)
}

/**
 * BENCH_PROFILE=<file>: a V8 CPU profile of what runs between this and the returned stop (the
 * measured part of a bench, not its setup). Without the variable, nothing.
 */
export const startProfile = async (): Promise<() => Promise<void>> => {
  const file = process.env["BENCH_PROFILE"]
  if (file === undefined) return async () => undefined
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.start")
  return async () => {
    const { profile } = await session.post("Profiler.stop")
    await writeFile(file, JSON.stringify(profile))
    session.disconnect()
  }
}

/** The middle value (the upper one of an even count): a round-alternating bench's figure. */
export const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

export const summarise = (latenciesMs: ReadonlyArray<number>, wallMs: number) => {
  const sorted = [...latenciesMs].sort((a, b) => a - b)
  return {
    count: sorted.length,
    perSecond: (sorted.length / wallMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN
  }
}

/** pgbench's TPC-B-like workload on the same server at the same concurrency, in a scratch database. */
export const pgbenchTps = async (serverUrl: string, clients: number, seconds: number) => {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined })
  const name = `amana_pgbench_${Date.now()}`
  await admin.unsafe(`create database ${name}`)
  try {
    const url = withDatabase(serverUrl, name)
    await run("pgbench", ["-i", "-q", "-s", "10", url])
    const { stdout } = await run("pgbench", ["-n", "-c", String(clients), "-j", String(Math.min(clients, 4)), "-T", String(seconds), url])
    const tps = /tps = ([\d.]+)/.exec(stdout)?.[1]
    if (!tps) throw new Error(`could not read pgbench's tps from:\n${stdout}`)
    return Number(tps)
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`)
    await admin.end({ timeout: 5 })
  }
}

export const ensurePgbench = async () => {
  try {
    await run("pgbench", ["--version"])
  } catch {
    throw new Error("pgbench is missing: install it with `apt-get install -y postgresql-client` (Debian) and run the bench again")
  }
}

/** A marketplace-shaped world: 5 stores sharing `products` products in deep stock, a Nairobi zone, a 5% promotion. */
export const seedBenchWorld = async (pool: Sql, products: number) => {
  for (let s = 0; s < 5; s++) {
    await insertUser(pool, { id: `usr_seller_${s}`, phone: `25471130000${s}`, roles: ["SELLER_OWNER"] })
    await insertStore(pool, { id: `sto_${s}`, ownerId: `usr_seller_${s}`, name: `Store ${s}` })
  }
  for (let p = 0; p < products; p++) {
    await insertProduct(pool, { id: `prd_${p}`, storeId: `sto_${p % 5}`, title: `Product ${p}`, price: 500_00 + p * 37_00, commissionBps: 500 })
    await insertVariant(pool, { id: `var_${p}`, productId: `prd_${p}`, sku: `SKU-${p}`, weightGrams: 300 + p * 20, storeId: `sto_${p % 5}`, onHand: 1_000_000 })
  }
  await insertZone(pool, {
    id: "zone_nbi",
    name: "Nairobi",
    covers: ["KE-047"],
    rates: [
      { id: "flat", kind: "FLAT", amount: 250_00 },
      { id: "free", kind: "FREE_OVER", threshold: 5_000_00 }
    ]
  })
  await insertPromotion(pool, {
    id: "promo_bench",
    name: "5% off",
    startsAt: new Date(Date.now() - 86_400_000),
    endsAt: new Date(Date.now() + 86_400_000),
    scope: { _tag: "EVERYTHING" },
    effect: { _tag: "PERCENT_OFF", bps: 500 }
  })
}

/** utime + stime of a process, in ms (/proc/<pid>/stat fields 14 and 15, in clock ticks); undefined once it is gone. */
const CLOCK_TICK_MS = 10 // getconf CLK_TCK = 100 on Linux
export const processCpuMs = async (pid: number): Promise<number | undefined> => {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8")
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS
  } catch {
    return undefined
  }
}

/**
 * CPU time used by this (Node) process and by the PostgreSQL backends serving one database, between
 * `start` and `stop`, from the OS counters. Backends are found by pg_stat_activity at both ends; one
 * that came and went in between is missed (the benches' pools keep theirs open).
 */
export const cpuMeter = async (admin: Sql, database: string, platformPids?: ReadonlyArray<number>) => {
  const backends = async () =>
    (await admin<Array<{ pid: number }>>`select pid from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`).map((r) => r.pid)
  const sample = async (pids: ReadonlyArray<number>) => new Map(await Promise.all(pids.map(async (p) => [p, (await processCpuMs(p)) ?? 0] as const)))
  // The platform in this process (process.cpuUsage), or in the given processes (/proc).
  const nodeNow = async () =>
    platformPids === undefined
      ? (({ user, system }) => (user + system) / 1000)(process.cpuUsage())
      : [...(await sample(platformPids)).values()].reduce((a, b) => a + b, 0)
  const nodeStart = await nodeNow()
  const pgStart = await sample(await backends())
  return {
    stop: async () => {
      const nodeMs = (await nodeNow()) - nodeStart
      const pgEnd = await sample(await backends())
      let postgresMs = 0
      for (const [pid, ms] of pgEnd) postgresMs += ms - (pgStart.get(pid) ?? 0)
      return { nodeMs, postgresMs, backends: pgEnd.size }
    }
  }
}

/** A process and its children (node:cluster's forks), from /proc. */
export const processTree = async (pid: number): Promise<Array<number>> => {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "")
  const direct = children
    .split(" ")
    .filter((c) => c.trim() !== "")
    .map(Number)
  return [pid, ...(await Promise.all(direct.map(processTree))).flat()]
}

export const cpuLine = (cpu: { nodeMs: number; postgresMs: number; backends: number }, units: number, what = "checkout") =>
  `  CPU per ${what}${" ".repeat(Math.max(1, 10 - what.length))}node ${(cpu.nodeMs / units).toFixed(2)} ms + postgres ${(cpu.postgresMs / units).toFixed(2)} ms = ${((cpu.nodeMs + cpu.postgresMs) / units).toFixed(2)} ms   (/proc counters: this process, ${cpu.backends} backends)`

export const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1))

/** A port free on 127.0.0.1 right now. */
export const freePort = () =>
  new Promise<number>((ok, fail) => {
    const probe = createServer()
    probe.once("error", fail)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => ok(port))
    })
  })

/**
 * `count` buyers with a session each, in bulk: ids `<prefix><n>`, phones new to this run (the prompt
 * limit per phone lives in Redis, across runs) ending in 5 (paid: never one of the simulator's failure endings).
 */
export const seedBuyers = async (pool: Sql, count: number, prefix: string) => {
  const firstPhone = 1_000_000 + Math.floor(Math.random() * (8_999_999 - count))
  const buyers = Array.from({ length: count }, (_, b) => ({
    id: `${prefix}${b}`,
    phone: `2547${String(firstPhone + b)}5`,
    token: randomBytes(32).toString("base64url")
  }))
  await pool`insert into users (id, phone, roles) select id, phone, '{BUYER}' from unnest(${buyers.map((b) => b.id)}::text[], ${buyers.map((b) => b.phone)}::text[]) as u(id, phone)`
  await pool`insert into user_sessions (user_id, token_hash, expires_at)
    select id, hash, now() + interval '1 day' from unnest(${buyers.map((b) => b.id)}::text[], ${buyers.map((b) => hashToken(b.token))}::text[]) as s(id, hash)`
  return buyers
}

/** Waits (checking every `everyMs`, at most `withinMs`) until the worker has no job due; returns how long it took. */
export const drainJobs = async (pool: Sql, everyMs: number, withinMs: number) => {
  const started = performance.now()
  while (performance.now() - started < withinMs) {
    const [due] = await pool<Array<{ n: number }>>`select count(*)::int as n from graphile_worker.jobs where run_at <= now() and attempts < max_attempts`
    if ((due?.n ?? 0) === 0) break
    await new Promise((r) => setTimeout(r, everyMs))
  }
  return performance.now() - started
}

/**
 * The benches' checkout command: two sellers per cart, like a real social-commerce basket (product
 * i and product 7i+3 of the seeded world), to the Westlands pickup point; buyer i of `buyers` seeded
 * as `${buyerPrefix}${n}`, an idempotency key of its own.
 */
export const twoSellerCheckout = (
  i: number,
  o: { readonly buyerPrefix: string; readonly keyPrefix: string; readonly buyers: number; readonly products: number }
) => ({
  buyerId: UserId.make(`${o.buyerPrefix}${i % o.buyers}`),
  idempotencyKey: `${o.keyPrefix}${i}`,
  items: [
    { variantId: VariantId.make(`var_${i % o.products}`), quantity: 1 + (i % 3) },
    { variantId: VariantId.make(`var_${(i * 7 + 3) % o.products}`), quantity: 1 }
  ],
  destination: LocationId.make("KE-047-westlands"),
  payerPhone: "254708374149"
})
