/**
 * What an operator watches that only the database knows, read in ONE statement when /metrics is
 * scraped (adapters/metrics/prometheus.ts names the gauges). Each part is cheap by an index or a
 * small table: the outbox's unpublished rows (a partial index; few unless the worker is behind), graphile-worker's jobs (completed
 * jobs are deleted, so the table holds only the backlog), open exceptions (partial index), payouts
 * by status (index).
 */
import { Effect } from "effect"
import { Database } from "./database.js"
import type { DbError } from "./database.js"
import { OUTBOX_MAX_ATTEMPTS } from "./unit-of-work.js"

export interface Readings {
  readonly outboxOldestUnpublishedSeconds: number
  readonly outboxUnpublished: number
  readonly jobs: { readonly ready: number; readonly running: number; readonly waiting: number; readonly failed: number }
  readonly exceptionsOpen: ReadonlyArray<{ readonly kind: string; readonly count: number }>
  readonly payoutsInFlight: ReadonlyArray<{ readonly status: string; readonly count: number }>
  readonly payoutsOldestInFlightSeconds: number
}

interface Row {
  outbox_oldest: number
  outbox_unpublished: number
  jobs: { ready: number; running: number; waiting: number; failed: number }
  exceptions: Array<{ kind: string; count: number }>
  payouts: Array<{ status: string; count: number }>
  payouts_oldest: number
}

export const readOperationalGauges: Effect.Effect<Readings, DbError, Database> = Effect.flatMap(Database, (db) =>
  db
    .query(
      (sql) => sql<Array<Row>>`
    select
      coalesce((select extract(epoch from now() - min(occurred_at))::float8 from outbox
                 where published_at is null and attempts < ${OUTBOX_MAX_ATTEMPTS}), 0) as outbox_oldest,
      (select count(*)::int from outbox where published_at is null) as outbox_unpublished,
      (select json_build_object(
                'ready',   count(*) filter (where locked_at is null and attempts < max_attempts and run_at <= now()),
                'running', count(*) filter (where locked_at is not null),
                'waiting', count(*) filter (where locked_at is null and attempts < max_attempts and run_at > now()),
                'failed',  count(*) filter (where attempts >= max_attempts))
         -- with the outbox's jobs the relay has not handed to graphile-worker yet (outbox-relay.ts)
         from (select locked_at, attempts, max_attempts, run_at from graphile_worker._private_jobs
               union all
               select null, 0, max_attempts, run_at from outbox_jobs) j) as jobs,
      (select coalesce(json_agg(json_build_object('kind', kind, 'count', n)), '[]'::json)
         from (select kind, count(*)::int as n from exceptions where status = 'OPEN' group by kind) e) as exceptions,
      (select coalesce(json_agg(json_build_object('status', status, 'count', n)), '[]'::json)
         -- MANUAL_PENDING: handed to FINANCE to pay by hand, in flight until recorded paid or given back
         from (select status, count(*)::int as n from payouts where status in ('PENDING', 'SUBMITTED', 'MANUAL_PENDING') group by status) p) as payouts,
      coalesce((select extract(epoch from now() - min(created_at))::float8 from payouts where status in ('PENDING', 'SUBMITTED')), 0) as payouts_oldest`
    )
    .pipe(
      Effect.map(([r]) => ({
        outboxOldestUnpublishedSeconds: Number(r?.outbox_oldest ?? 0),
        outboxUnpublished: Number(r?.outbox_unpublished ?? 0),
        jobs: r?.jobs ?? { ready: 0, running: 0, waiting: 0, failed: 0 },
        exceptionsOpen: r?.exceptions ?? [],
        payoutsInFlight: r?.payouts ?? [],
        payoutsOldestInFlightSeconds: Number(r?.payouts_oldest ?? 0)
      }))
    )
)
