-- Platform alerts (issue 15): the on-call admins, what the alert evaluation reads, and each firing
-- once per condition and window (the dedupe key decides between two workers or a rerun).

-- On call: paged by WhatsApp when an alert fires (set in the back-office, audited).
alter table admin_users
  add column on_call boolean not null default false,
  add column whatsapp_phone text check (whatsapp_phone ~ '^254[17][0-9]{8}$'),
  add constraint admin_users_on_call_has_phone check (not on_call or whatsapp_phone is not null);

-- Signals taken from outbox events by the `alerts.record-signal` handler: payment outcomes and SLA
-- breaches (with the breach's zone). Keyed by the event, so a replay adds nothing; read by time
-- range when alerts are evaluated (once a minute), pruned after a day.
create table alert_signals (
  event_id  text not null,
  signal    text not null check (signal in ('PAYMENT_PAID', 'PAYMENT_NOT_PAID', 'SLA_BREACH')),
  -- the zone of an SLA breach; '' for platform-wide signals
  scope     text not null default '',
  at        timestamptz not null,
  primary key (event_id, signal)
);
create index alert_signals_at_idx on alert_signals (signal, at);

-- Dead letters are exceptions of kind DEAD_LETTER: counted by creation time when alerts are evaluated.
create index exceptions_kind_created_idx on exceptions (kind, created_at);

-- One row per alert that fired: the dedupe key (condition, scope, window) is unique.
create table fired_alerts (
  id            text primary key,
  dedupe_key    text not null unique,
  condition     text not null check (condition in ('PAYMENT_SUCCESS_LOW', 'OUTBOX_LAG', 'DEAD_LETTERS', 'SLA_BREACHES')),
  scope         text not null,
  window_start  timestamptz not null,
  observed      jsonb not null,
  summary       text not null,
  fired_at      timestamptz not null
);
create index fired_alerts_fired_at_idx on fired_alerts (fired_at);
select amana_make_append_only('fired_alerts');
