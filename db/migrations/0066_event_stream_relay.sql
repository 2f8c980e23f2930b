-- The outbox relay to NATS JetStream (application/events/relay-outbox.ts, adapters/postgres/outbox-feed.ts).
--
-- outbox.seq is taken when a row is inserted, not when its transaction commits: a transaction that
-- took seq 10 may commit after one that took seq 11. A relay that remembered "the last seq
-- published" would skip 10 forever. So each row records the top-level transaction that wrote it
-- (txid), and the relay works in batches bounded by two snapshots, as PgQ does: a batch is every
-- event whose transaction is visible in the batch's snapshot and was not in the previous one. A
-- transaction still running when a snapshot is taken falls in the batch after the one it commits in.
-- Within a batch the events go out in seq order: a use case locks the aggregate's row before it
-- appends its events, so for one aggregate seq order is commit order.
--
-- Adding a column without a default rewrites nothing; rows written before this migration keep a
-- null txid and belong to the relay's first batch.
alter table outbox add column txid xid8;
alter table outbox alter column txid set default pg_current_xact_id();
-- the range of transactions between two snapshots
create index outbox_txid_idx on outbox (txid);

-- One cursor per stream, moved only after the stream acknowledged the events it passes.
create table event_stream_cursors (
  stream          text primary key,
  -- every event visible in this snapshot has been published (null: none yet)
  done_snapshot   pg_snapshot,
  -- the batch being published: events visible here and not in done_snapshot (null: none open)
  batch_snapshot  pg_snapshot,
  -- within the open batch, the last outbox seq acknowledged by the stream
  batch_last_seq  bigint not null default 0 check (batch_last_seq >= 0),
  published       bigint not null default 0 check (published >= 0),
  updated_at      timestamptz not null default now()
);
