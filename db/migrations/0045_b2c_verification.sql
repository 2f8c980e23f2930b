-- B2C results are verified, never trusted (issue 10).
--  * Each payout and refund gets its own unguessable callback token at creation (before any B2C call,
--    so a retry after a crash reuses it): Daraja POSTs its Result to a URL carrying it.
--  * A result is stored raw with the token its URL carried, then accepted only if it names the
--    ConversationID Daraja gave us in the synchronous reply; a failure (or a missing or unverifiable
--    result) is confirmed with a Transaction Status query before anything re-opens a balance.
alter table payouts add column callback_token text not null default replace(gen_random_uuid()::text, '-', '');
alter table payouts add constraint payouts_callback_token_key unique (callback_token);
alter table refunds add column callback_token text not null default replace(gen_random_uuid()::text, '-', '');
alter table refunds add constraint refunds_callback_token_key unique (callback_token);

-- Transaction Status queries: one open per payout/refund; its answer comes to its own token's URL and
-- must carry the ConversationID of the query's synchronous reply.
create table b2c_status_queries (
  id                          text primary key default gen_random_uuid()::text,
  target_kind                 text not null check (target_kind in ('PAYOUT', 'REFUND')),
  target_id                   text not null,
  reason                      text not null,
  callback_token              text not null unique default replace(gen_random_uuid()::text, '-', ''),
  conversation_id             text,
  status                      text not null default 'PENDING' check (status in ('PENDING', 'SUBMITTED', 'ANSWERED', 'REFUSED', 'EXPIRED')),
  answer                      jsonb,
  requested_at                timestamptz not null default now(),
  submitted_at                timestamptz,
  answered_at                 timestamptz
);
create unique index b2c_status_queries_open_key on b2c_status_queries (target_kind, target_id) where status in ('PENDING', 'SUBMITTED');
create index b2c_status_queries_target_idx on b2c_status_queries (target_kind, target_id, requested_at desc);

alter table mpesa_callbacks drop constraint mpesa_callbacks_kind_check;
alter table mpesa_callbacks add constraint mpesa_callbacks_kind_check check (kind in ('STK', 'B2C_RESULT', 'B2C_TIMEOUT', 'B2C_STATUS_RESULT', 'B2C_STATUS_TIMEOUT'));
-- the per-request token the callback's URL carried (null on the legacy shared-secret URL)
alter table mpesa_callbacks add column callback_token text;
