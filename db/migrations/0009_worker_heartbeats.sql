-- Worker liveness, so jobs locked by a worker that died (SIGKILL, OOM, power loss) are unlocked as
-- soon as its heartbeat goes stale instead of after graphile-worker's 4-hour lock timeout.
create table worker_heartbeats (
  worker_id   text primary key,
  process     text not null,
  started_at  timestamptz not null default now(),
  seen_at     timestamptz not null default now()
);
