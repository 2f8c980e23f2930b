-- The outbox's jobs wait here until the relay (adapters/postgres/outbox-relay.ts) hands them to
-- graphile-worker in batches. An append used to call graphile_worker.add_job inside its transaction:
-- PL/pgSQL run per append, and a NOTIFY whose queue lock PostgreSQL holds from the commit's start to
-- its end (WAL flush included), so every transaction that appended events committed one at a time,
-- platform-wide. The append now writes one plain row here (the job as add_job would have made it);
-- the relay moves the rows to graphile-worker with ONE add_jobs call (one NOTIFY) per batch, deleting
-- them in the same statement, so a row is handed over exactly once (or not at all, and then again).
create table outbox_jobs (
  id           bigserial primary key,
  task         text not null check (task in ('outbox__dispatch', 'outbox__dispatch_urgent')),
  payload      json not null,
  priority     int not null,
  run_at       timestamptz not null,
  max_attempts int not null check (max_attempts > 0),
  job_key      text
);
-- the relay takes urgent jobs (a stored M-Pesa callback, priority -10) first, then the oldest
create index outbox_jobs_relay_idx on outbox_jobs (priority, id);
create index outbox_jobs_key_idx on outbox_jobs (job_key) where job_key is not null;
