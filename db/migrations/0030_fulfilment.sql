-- Fulfilment and money out: riders serving zones, deliveries by an in-house rider or a logistics
-- partner, handover-code attempts, per-zone SLA timers, WhatsApp delivery statuses, partner status
-- events, refunds by M-Pesa B2C, and signed merchant-webhook attempts.

-- A rider serves one or more zones (riders.zone_id stays as the rider's home zone).
create table rider_zones (
  rider_user_id  text not null references riders(user_id),
  zone_id        text not null references shipping_zones(id),
  primary key (rider_user_id, zone_id)
);
create index rider_zones_zone_idx on rider_zones (zone_id);

-- Service levels per zone: dispatch within N minutes of acceptance, deliver within M minutes of
-- dispatch (the promised time). A breach gives the buyer this many platform-funded loyalty points.
create table zone_slas (
  zone_id                  text primary key references shipping_zones(id),
  dispatch_within_minutes  int not null check (dispatch_within_minutes > 0),
  deliver_within_minutes   int not null check (deliver_within_minutes > 0),
  compensation_points      int not null default 100 check (compensation_points >= 0)
);

-- A delivery is carried by one of our riders or by a logistics partner (who has its own riders).
alter table deliveries alter column rider_user_id drop not null;
alter table deliveries add column carrier text not null default 'RIDER' check (carrier in ('RIDER', 'PARTNER'));
alter table deliveries add column partner text;
alter table deliveries add column partner_ref text;
-- who the buyer should expect at the door, as told at dispatch
alter table deliveries add column rider_name text;
alter table deliveries add column rider_phone text;
-- wrong handover codes entered for this delivery; too many locks it and raises an exception
alter table deliveries add column wrong_code_attempts int not null default 0 check (wrong_code_attempts >= 0);
-- the promised delivery time (zone SLA), and when the rider set off / gave up
alter table deliveries add column due_at timestamptz;
alter table deliveries add column in_transit_at timestamptz;
alter table deliveries add column failed_at timestamptz;
alter table deliveries add constraint deliveries_carrier_party check (
  (carrier = 'RIDER' and rider_user_id is not null and partner is null)
  or (carrier = 'PARTNER' and rider_user_id is null and partner is not null and partner_ref is not null)
);
create unique index deliveries_partner_ref_key on deliveries (partner, partner_ref) where partner_ref is not null;

-- SLA timers: one open timer per order and kind. Closed MET by the step it waits for, CANCELLED
-- when the order dies, BREACHED (once: conditional update) by the checker.
create table sla_timers (
  id           text primary key default gen_random_uuid()::text,
  order_id     text not null references orders(id),
  kind         text not null check (kind in ('DISPATCH', 'DELIVERY')),
  zone_id      text,
  started_at   timestamptz not null,
  due_at       timestamptz not null,
  status       text not null default 'OPEN' check (status in ('OPEN', 'MET', 'BREACHED', 'CANCELLED')),
  closed_at    timestamptz,
  check (due_at >= started_at),
  check ((status = 'OPEN') = (closed_at is null))
);
create unique index sla_timers_one_open_key on sla_timers (order_id, kind) where status = 'OPEN';
create index sla_timers_due_idx on sla_timers (due_at) where status = 'OPEN';

-- Status events a logistics partner POSTed, by its event id: a redelivered event has no second effect.
create table partner_events (
  partner      text not null,
  event_id     text not null,
  partner_ref  text not null,
  status       text not null,
  raw          jsonb not null,
  received_at  timestamptz not null default now(),
  primary key (partner, event_id)
);

-- WhatsApp delivery statuses per message (Meta retries and reorders: one row per wamid + status).
create table whatsapp_statuses (
  wamid        text not null,
  status       text not null check (status in ('sent', 'delivered', 'read', 'failed')),
  at           timestamptz not null,
  recipient    text not null,
  errors       jsonb,
  received_at  timestamptz not null default now(),
  primary key (wamid, status)
);
-- Messages people sent us (kept for support; deduplicated on wamid).
create table whatsapp_inbound (
  wamid        text primary key,
  from_phone   text not null,
  at           timestamptz not null,
  type         text not null,
  body         text,
  received_at  timestamptz not null default now()
);

-- Money back to a buyer by M-Pesa B2C once an order is refunded (or a paid order cancelled).
-- Confirmed by Daraja's Result callback, matched by originator_conversation_id (our idempotency key).
create table refunds (
  id                          text primary key default gen_random_uuid()::text,
  order_id                    text not null unique references orders(id),
  buyer_id                    text not null references users(id),
  phone                       text not null check (phone ~ '^[1-9][0-9]{7,14}$'),
  currency                    currency_code not null,
  -- what the buyer paid for the order (refunds payable) and what M-Pesa sends (whole shillings, rounded up)
  amount                      bigint not null check (amount > 0),
  disbursed                   bigint not null check (disbursed >= amount),
  status                      text not null default 'PENDING' check (status in ('PENDING', 'SUBMITTED', 'SUCCEEDED', 'FAILED')),
  originator_conversation_id  text not null unique,
  conversation_id             text,
  mpesa_receipt_number        text unique,
  result                      jsonb,
  created_at                  timestamptz not null default now(),
  submitted_at                timestamptz,
  completed_at                timestamptz
);
create index refunds_status_idx on refunds (status);

-- What a payout actually sent (B2C pays whole shillings; cents stay owed).
alter table payouts add column disbursed bigint check (disbursed >= 0);

-- Merchant webhook attempts are signed over "<timestamp>.<body>"; the last attempt's timestamp.
alter table webhook_deliveries add column signed_at bigint;
create index webhook_deliveries_store_idx on webhook_deliveries (store_id, created_at desc);
