/**
 * Readiness from the database, in one statement bounded in time: it answers (database), its
 * schema_migrations rows are this code's db/migrations files with the same checksums (migrations),
 * and some worker's heartbeat (worker.ts writes one every 5 s, whatever process runs it) is fresh
 * (worker). Ages are measured by the database's clock, the same one that stamped the heartbeat.
 */
import { Duration, Effect, Layer } from "effect"
import { Readiness } from "../../application/ports/readiness.js"
import type { ReadinessCheck } from "../../application/ports/readiness.js"
import { Database } from "./database.js"
import { readMigrations } from "./migrate.js"
import type { MigrationFile } from "./migrate.js"

export interface ReadinessOptions {
  /** a newest heartbeat older than this means no worker runs (default 30 s: when the worker's own reaper declares a worker dead) */
  readonly workerMaxAgeMs?: number
  /** how long the database may take to answer (default 2 s) */
  readonly timeoutMs?: number
  /** the migrations this code expects (default db/migrations) */
  readonly migrationsDir?: string
}

/** Pure: the migrations check from the files and the applied rows. */
export const migrationsCheck = (
  files: ReadonlyArray<Pick<MigrationFile, "version" | "name" | "checksum">>,
  applied: ReadonlyArray<{ readonly version: string; readonly checksum: string }>
): ReadinessCheck => {
  const byVersion = new Map(applied.map((a) => [a.version, a.checksum]))
  const pending = files.filter((f) => !byVersion.has(f.version)).map((f) => f.name)
  const edited = files.filter((f) => byVersion.has(f.version) && byVersion.get(f.version) !== f.checksum).map((f) => f.name)
  const known = new Set(files.map((f) => f.version))
  // A database migrated by newer code (a rolling deploy) still serves this code: forward-only migrations add, they do not take away.
  const ahead = applied.filter((a) => !known.has(a.version)).map((a) => a.version)
  if (pending.length > 0 || edited.length > 0)
    return {
      name: "migrations",
      ready: false,
      detail: [pending.length > 0 ? `pending: ${pending.join(", ")}` : "", edited.length > 0 ? `applied with another checksum: ${edited.join(", ")}` : ""]
        .filter((s) => s !== "")
        .join("; ")
    }
  return { name: "migrations", ready: true, detail: `${files.length} applied${ahead.length > 0 ? ` (the database is ahead: ${ahead.join(", ")})` : ""}` }
}

/** Pure: the worker check from the newest heartbeat's age (null: no worker has a heartbeat). */
export const workerCheck = (ageMs: number | null, maxAgeMs: number): ReadinessCheck =>
  ageMs === null
    ? { name: "worker", ready: false, detail: "no worker heartbeat: start a worker (--role=worker or npm start)" }
    : ageMs > maxAgeMs
      ? { name: "worker", ready: false, detail: `newest worker heartbeat ${Math.round(ageMs / 1000)} s ago (limit ${Math.round(maxAgeMs / 1000)} s)` }
      : { name: "worker", ready: true, detail: `newest worker heartbeat ${Math.round(ageMs / 1000)} s ago` }

export const ReadinessLive = (options: ReadinessOptions = {}): Layer.Layer<Readiness, never, Database> =>
  Layer.effect(
    Readiness,
    Effect.gen(function* () {
      const db = yield* Database
      // Read once: the files this process was built with.
      const files = yield* Effect.orDie(Effect.tryPromise(() => readMigrations(options.migrationsDir)))
      const maxAgeMs = options.workerMaxAgeMs ?? 30_000
      const probe = db.query(
        (sql) => sql<Array<{ applied: ReadonlyArray<{ version: string; checksum: string }>; heartbeat_age_ms: number | null }>>`
        select
          (select coalesce(json_agg(json_build_object('version', version, 'checksum', checksum)), '[]'::json) from schema_migrations) as applied,
          (select (extract(epoch from now() - max(seen_at)) * 1000)::float8 from worker_heartbeats) as heartbeat_age_ms`
      )
      const check = Effect.disconnect(probe).pipe(
        Effect.timeoutFail({ duration: Duration.millis(options.timeoutMs ?? 2_000), onTimeout: () => "did not answer in time" }),
        Effect.match({
          onFailure: (e): ReadonlyArray<ReadinessCheck> => {
            // the code only: /readyz is public, a server's message may name hosts and roles
            const why = typeof e === "string" ? e : (e.code ?? "error")
            return [
              { name: "database", ready: false, detail: `unreachable (${why})` },
              { name: "migrations", ready: false, detail: "unknown: the database did not answer" },
              { name: "worker", ready: false, detail: "unknown: the database did not answer" }
            ]
          },
          onSuccess: ([row]): ReadonlyArray<ReadinessCheck> => [
            { name: "database", ready: true, detail: "answers" },
            migrationsCheck(files, row?.applied ?? []),
            workerCheck(row?.heartbeat_age_ms ?? null, maxAgeMs)
          ]
        })
      )
      return Readiness.of({ check })
    })
  )
