-- M-Pesa (Daraja) payments, the double-entry ledger, affiliate commissions and payouts.

-- One row per STK push. CheckoutRequestID (Daraja's id for the push) and the M-Pesa receipt
-- number are unique: a replayed callback can find its request but can never pay twice.
create table mpesa_stk_requests (
  id                    text primary key default gen_random_uuid()::text,
  checkout_id           text not null references checkouts(id),
  phone                 text not null check (phone ~ '^\+?[0-9]{9,15}$'),
  amount                bigint not null check (amount > 0),
  currency              currency_code not null default 'KES',
  -- null until Daraja accepts the push (a refused push keeps status FAILED and no ids)
  merchant_request_id   text,
  checkout_request_id   text unique,
  status                text not null default 'PENDING'
                        check (status in ('PENDING', 'PAID', 'CANCELLED', 'FAILED')),
  result_code           int,
  result_desc           text,
  mpesa_receipt_number  text unique,
  -- the payer's phone and amount as M-Pesa reported them, for mismatch checks
  paid_phone            text,
  paid_amount           bigint,
  transaction_date      timestamptz,
  requested_at          timestamptz not null default now(),
  completed_at          timestamptz,
  check (status <> 'PAID' or mpesa_receipt_number is not null)
);
create index mpesa_stk_requests_checkout_idx on mpesa_stk_requests (checkout_id);
-- "at most 3 pushes per phone per hour"
create index mpesa_stk_requests_phone_idx on mpesa_stk_requests (phone, requested_at desc);

-- Callbacks are stored raw and durably before anything else; processing comes later, once the
-- STK status query confirms them.
create table mpesa_callbacks (
  id                   bigint generated always as identity primary key,
  kind                 text not null default 'STK' check (kind in ('STK', 'B2C_RESULT', 'B2C_TIMEOUT')),
  received_at          timestamptz not null default now(),
  -- parsed from the body when possible (null when the body is unreadable)
  checkout_request_id  text,
  originator_conversation_id text,
  raw                  jsonb not null,
  remote_addr          text,
  processed_at         timestamptz,
  outcome              text
);
create index mpesa_callbacks_checkout_request_idx on mpesa_callbacks (checkout_request_id);
create index mpesa_callbacks_unprocessed_idx on mpesa_callbacks (received_at) where processed_at is null;

-- Double-entry ledger. Each transaction's entries sum to zero per currency (debits positive,
-- credits negative), checked at commit by a deferred constraint trigger. Append-only.
create table ledger_transactions (
  id           text primary key default gen_random_uuid()::text,
  kind         text not null,
  order_id     text references orders(id),
  checkout_id  text references checkouts(id),
  -- makes postings idempotent: the same business event posts once (e.g. 'PAYMENT:<receipt>')
  idempotency_key text unique,
  description  text,
  created_at   timestamptz not null default now()
);
create index ledger_transactions_order_idx on ledger_transactions (order_id);

create table ledger_entries (
  id              bigint generated always as identity primary key,
  transaction_id  text not null references ledger_transactions(id),
  account         text not null check (account in (
                    'MPESA_CLEARING', 'ESCROW', 'SELLER_PAYABLE', 'AFFILIATE_PAYABLE', 'SHIPPING_PAYABLE',
                    'PLATFORM_FEE_REVENUE', 'PLATFORM_INCENTIVE_EXPENSE', 'PLATFORM_ROUNDING',
                    'REFUNDS_PAYABLE', 'PAYOUT_CLEARING')),
  -- whose sub-account: the order for ESCROW, the store for SELLER_PAYABLE, the user for
  -- AFFILIATE_PAYABLE / SHIPPING_PAYABLE; null for platform-wide accounts
  account_ref     text,
  order_id        text references orders(id),
  currency        currency_code not null,
  -- signed minor units: debit > 0, credit < 0
  amount          bigint not null check (amount <> 0),
  created_at      timestamptz not null default now(),
  check (account not in ('ESCROW', 'SELLER_PAYABLE', 'AFFILIATE_PAYABLE', 'SHIPPING_PAYABLE') or account_ref is not null)
);
create index ledger_entries_transaction_idx on ledger_entries (transaction_id);
create index ledger_entries_account_idx on ledger_entries (account, account_ref);
create index ledger_entries_order_idx on ledger_entries (order_id);

create function ledger_check_balanced() returns trigger
language plpgsql as $$
declare
  -- shared by both tables: an entry names its transaction, a transaction is its own id
  tx_id text := case when tg_table_name = 'ledger_entries' then to_jsonb(new) ->> 'transaction_id'
                     else to_jsonb(new) ->> 'id' end;
  bad record;
  n int;
begin
  select count(*) into n from ledger_entries where transaction_id = tx_id;
  if n < 2 then
    raise exception 'ledger transaction % has % entries; a posting needs at least two', tx_id, n
      using errcode = 'AM002';
  end if;
  select currency, sum(amount) as total into bad
    from ledger_entries where transaction_id = tx_id
    group by currency having sum(amount) <> 0 limit 1;
  if found then
    raise exception 'ledger transaction % is unbalanced: % % off', tx_id, bad.total, bad.currency
      using errcode = 'AM002';
  end if;
  return null;
end
$$;
-- Checked at commit, so entries can be inserted one by one within the transaction.
create constraint trigger ledger_entries_balanced after insert on ledger_entries
  deferrable initially deferred for each row execute function ledger_check_balanced();
create constraint trigger ledger_transactions_balanced after insert on ledger_transactions
  deferrable initially deferred for each row execute function ledger_check_balanced();

select amana_make_append_only('ledger_transactions');
select amana_make_append_only('ledger_entries');

create table commissions (
  id                 text primary key default gen_random_uuid()::text,
  order_id           text not null unique references orders(id),
  affiliate_user_id  text not null references users(id),
  currency           currency_code not null,
  amount             bigint not null check (amount >= 0),
  rate_bps           int check (rate_bps between 0 and 5000),
  state              text not null default 'PENDING' check (state in ('PENDING', 'APPROVED', 'REJECTED', 'PAID')),
  reason             text,
  payout_id          text,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  check ((state = 'PAID') = (payout_id is not null))
);
create index commissions_affiliate_idx on commissions (affiliate_user_id, state);

create table payout_batches (
  id           text primary key default gen_random_uuid()::text,
  -- the Nairobi date of the payout Friday, e.g. '2026-11-20': one batch a week, however often the job runs
  week_key     text not null unique check (week_key ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
  state        text not null default 'DRAFT' check (state in ('DRAFT', 'APPROVED', 'PROCESSING', 'COMPLETED')),
  created_at   timestamptz not null default now(),
  approved_by  text references admin_users(id),
  approved_at  timestamptz,
  completed_at timestamptz,
  check (state = 'DRAFT' or approved_by is not null)
);

create table payouts (
  id                          text primary key default gen_random_uuid()::text,
  batch_id                    text not null references payout_batches(id),
  payee_kind                  text not null check (payee_kind in ('SELLER', 'AFFILIATE', 'RIDER')),
  -- store id for SELLER, user id otherwise
  payee_id                    text not null,
  method                      text not null check (method in ('B2C', 'TILL', 'PAYBILL')),
  destination                 text not null,
  account_ref                 text,
  currency                    currency_code not null,
  amount                      bigint not null check (amount > 0),
  status                      text not null default 'PENDING'
                              check (status in ('PENDING', 'SUBMITTED', 'SUCCEEDED', 'FAILED')),
  -- Daraja's ids for the B2C request; the result callback is matched by originator_conversation_id
  originator_conversation_id  text unique,
  conversation_id             text,
  mpesa_receipt_number        text unique,
  result                      jsonb,
  created_at                  timestamptz not null default now(),
  submitted_at                timestamptz,
  completed_at                timestamptz,
  unique (batch_id, payee_kind, payee_id, currency)
);
create index payouts_status_idx on payouts (status);
alter table commissions add foreign key (payout_id) references payouts(id);
