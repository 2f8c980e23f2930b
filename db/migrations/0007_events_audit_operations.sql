-- Events (transactional outbox, idempotent handlers), the hash-chained audit log, the exception
-- queue, notifications, seller webhooks, riders, deliveries and disputes.

create table outbox (
  id              text primary key default gen_random_uuid()::text,
  -- commit-ish order for relays that publish in sequence
  seq             bigint generated always as identity unique,
  event_type      text not null,
  aggregate_type  text not null,
  aggregate_id    text not null,
  payload         jsonb not null,
  occurred_at     timestamptz not null default now(),
  published_at    timestamptz,
  attempts        int not null default 0 check (attempts >= 0),
  last_error      text
);
create index outbox_unpublished_idx on outbox (seq) where published_at is null;
create index outbox_aggregate_idx on outbox (aggregate_type, aggregate_id, seq);

-- A handler records the event it handled in the same transaction as its effect: at-least-once
-- delivery, exactly-once effect (`insert ... on conflict do nothing`, no row = already done).
create table processed_events (
  handler       text not null,
  event_id      text not null,
  processed_at  timestamptz not null default now(),
  primary key (handler, event_id)
);

-- Append-only, hash-chained audit log. seq is assigned by the chain trigger (gapless, in commit
-- order), never by the caller; hash = sha256(prev_hash || canonical row text).
create table audit_log (
  seq         bigint primary key,
  at          timestamptz not null default now(),
  actor_kind  text not null check (actor_kind in ('ADMIN', 'USER', 'SYSTEM')),
  actor_id    text,
  actor_role  text,
  action      text not null,
  entity      text not null,
  entity_id   text,
  before      jsonb,
  after       jsonb,
  reason      text,
  prev_hash   text not null,
  hash        text not null
);
create index audit_log_entity_idx on audit_log (entity, entity_id, seq);

-- The chain's tip. Locking this row (after the advisory lock) is what makes a stale snapshot
-- under REPEATABLE READ fail with a serialization error instead of forking the chain.
create table audit_chain_head (
  id         boolean primary key default true check (id),
  last_seq   bigint not null,
  last_hash  text not null
);
insert into audit_chain_head (id, last_seq, last_hash) values (true, 0, repeat('0', 64));

-- Canonical text: a jsonb object (keys in jsonb's fixed order), time as UTC microseconds, so the
-- digest does not depend on the session's TimeZone or DateStyle.
create function audit_row_digest(prev_hash text, r audit_log) returns text
language sql stable as $$
  select encode(sha256(convert_to(prev_hash || E'\n' || jsonb_build_object(
    'seq', r.seq,
    'at', to_char(r.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'actorKind', r.actor_kind,
    'actorId', r.actor_id,
    'actorRole', r.actor_role,
    'action', r.action,
    'entity', r.entity,
    'entityId', r.entity_id,
    'before', r.before,
    'after', r.after,
    'reason', r.reason
  )::text, 'UTF8')), 'hex')
$$;

create function audit_log_chain() returns trigger
language plpgsql as $$
declare
  head audit_chain_head;
begin
  -- serialise concurrent writers for the rest of their transactions (key 727002: the audit chain)
  perform pg_advisory_xact_lock(727002);
  select * into head from audit_chain_head where id for update;
  new.seq := head.last_seq + 1;
  new.at := coalesce(new.at, now());
  new.prev_hash := head.last_hash;
  new.hash := audit_row_digest(new.prev_hash, new);
  update audit_chain_head set last_seq = new.seq, last_hash = new.hash where id;
  return new;
end
$$;
create trigger audit_log_chain before insert on audit_log
  for each row execute function audit_log_chain();
select amana_make_append_only('audit_log');

-- Walks the chain in seq order; returns the first seq that is missing or does not verify
-- (null when intact). Removed trailing rows are caught against the chain head.
create function audit_verify_chain() returns bigint
language plpgsql stable as $$
declare
  r audit_log;
  expected_seq bigint := 1;
  expected_prev text := repeat('0', 64);
  tip bigint;
begin
  for r in select * from audit_log order by seq loop
    if r.seq > expected_seq then
      return expected_seq;
    end if;
    if r.prev_hash is distinct from expected_prev or r.hash is distinct from audit_row_digest(r.prev_hash, r) then
      return r.seq;
    end if;
    expected_seq := r.seq + 1;
    expected_prev := r.hash;
  end loop;
  select last_seq into tip from audit_chain_head where id;
  if tip >= expected_seq then
    return expected_seq;
  end if;
  return null;
end
$$;

-- Things a human must look at: amount/phone mismatches, unknown CheckoutRequestIDs, payments for
-- expired orders, failed payouts, ...
create table exceptions (
  id           text primary key default gen_random_uuid()::text,
  kind         text not null,
  status       text not null default 'OPEN' check (status in ('OPEN', 'RESOLVED')),
  entity       text,
  entity_id    text,
  payload      jsonb not null default '{}'::jsonb,
  -- a replayed cause raises one exception, not many
  dedupe_key   text unique,
  created_at   timestamptz not null default now(),
  note         text,
  resolved_by  text references admin_users(id),
  resolved_at  timestamptz,
  check ((status = 'RESOLVED') = (resolved_at is not null and resolved_by is not null))
);
create index exceptions_open_idx on exceptions (created_at) where status = 'OPEN';

-- Outgoing WhatsApp/SMS messages; in development this table is the inbox.
create table notifications (
  id          text primary key default gen_random_uuid()::text,
  recipient   text not null,
  channel     text not null check (channel in ('WHATSAPP', 'SMS')),
  template    text not null,
  body        text not null,
  data        jsonb not null default '{}'::jsonb,
  dedupe_key  text unique,
  status      text not null default 'PENDING' check (status in ('PENDING', 'SENT', 'FAILED')),
  attempts    int not null default 0 check (attempts >= 0),
  last_error  text,
  created_at  timestamptz not null default now(),
  sent_at     timestamptz
);
create index notifications_recipient_idx on notifications (recipient, created_at desc);

-- Deliveries of signed webhooks to a store's endpoint (url and secret live on stores).
create table webhook_deliveries (
  id                text primary key default gen_random_uuid()::text,
  store_id          text not null references stores(id),
  event_id          text not null,
  event_type        text not null check (event_type in ('ORDER_CREATED', 'ORDER_PAID', 'ORDER_CANCELLED', 'PRODUCT_UPDATED')),
  url               text not null,
  body              text not null,
  -- hex HMAC-SHA256 of body with the store's webhook secret
  signature         text not null,
  status            text not null default 'PENDING' check (status in ('PENDING', 'DELIVERED', 'FAILED')),
  attempts          int not null default 0 check (attempts >= 0),
  last_status_code  int,
  last_error        text,
  next_attempt_at   timestamptz not null default now(),
  created_at        timestamptz not null default now(),
  delivered_at      timestamptz,
  unique (store_id, event_id)
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'PENDING';

create table riders (
  user_id     text primary key references users(id),
  zone_id     text references shipping_zones(id),
  status      text not null default 'ACTIVE' check (status in ('ACTIVE', 'INACTIVE', 'SUSPENDED')),
  vehicle     text,
  created_at  timestamptz not null default now()
);
create index riders_zone_idx on riders (zone_id) where status = 'ACTIVE';

create table deliveries (
  id              text primary key default gen_random_uuid()::text,
  order_id        text not null references orders(id),
  rider_user_id   text not null references riders(user_id),
  attempt         int not null default 1 check (attempt >= 1),
  status          text not null default 'ASSIGNED'
                  check (status in ('ASSIGNED', 'PICKED_UP', 'IN_TRANSIT', 'DELIVERED', 'FAILED', 'RETURNED')),
  -- handover code check result, optional photo and location
  proof           jsonb,
  failure_reason  text,
  assigned_at     timestamptz not null default now(),
  picked_up_at    timestamptz,
  delivered_at    timestamptz,
  updated_at      timestamptz not null default now(),
  unique (order_id, attempt),
  check (status <> 'DELIVERED' or proof is not null)
);
create unique index deliveries_one_live_per_order_key on deliveries (order_id)
  where status in ('ASSIGNED', 'PICKED_UP', 'IN_TRANSIT');
create index deliveries_rider_idx on deliveries (rider_user_id, status);

create table disputes (
  id           text primary key default gen_random_uuid()::text,
  order_id     text not null unique references orders(id),
  opened_by    text not null references users(id),
  evidence     jsonb not null check (jsonb_typeof(evidence) = 'object'),
  status       text not null default 'OPEN' check (status in ('OPEN', 'RELEASED_TO_SELLER', 'REFUNDED')),
  resolution   text,
  resolved_by  text references admin_users(id),
  opened_at    timestamptz not null default now(),
  resolved_at  timestamptz
);
