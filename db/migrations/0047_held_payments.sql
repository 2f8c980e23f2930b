-- Money that arrives but cannot settle its checkout is held and given back (issue 10 item 5).
-- A push confirmed paid by Daraja's STK query whose money cannot pay the checkout (a wrong amount or
-- phone, a checkout expired, cancelled or already paid) is recorded here, once per push, with a
-- balanced ledger posting (Dr M-Pesa clearing, Cr HELD_PAYMENTS:<id>), shown to the buyer, and sent
-- back by M-Pesa B2C through the refunds machinery (a refund row naming the held payment instead of
-- an order): automatically, or on a FINANCE decision (audited) when the policy says so.
create table held_payments (
  id              text primary key,
  checkout_id     text not null references checkouts(id),
  -- one held sum per push: a replayed callback holds nothing twice
  stk_request_id  text not null unique references mpesa_stk_requests(id),
  buyer_id        text not null references users(id),
  -- where it goes back: the phone the push went to (the one Daraja's query confirmed)
  phone           text not null check (phone ~ '^[1-9][0-9]{7,14}$'),
  currency        currency_code not null,
  amount          bigint not null check (amount > 0),
  receipt         text,
  reason          text not null check (reason in ('AMOUNT_MISMATCH', 'PHONE_MISMATCH', 'CHECKOUT_EXPIRED', 'CHECKOUT_CANCELLED', 'ALREADY_PAID', 'NOT_PAYABLE')),
  return_policy   text not null check (return_policy in ('AUTOMATIC', 'FINANCE')),
  status          text not null default 'HELD' check (status in ('HELD', 'RETURNING', 'RETURNED', 'RETURN_FAILED')),
  held_at         timestamptz not null,
  decided_by      text references admin_users(id),
  decided_at      timestamptz,
  returned_at     timestamptz
);
create index held_payments_checkout_idx on held_payments (checkout_id);
create index held_payments_open_idx on held_payments (held_at) where status <> 'RETURNED';

-- A refund either gives back an order's share (order_id) or a held payment (held_payment_id).
alter table refunds alter column order_id drop not null;
alter table refunds add column held_payment_id text unique references held_payments(id);
alter table refunds add constraint refunds_order_or_held_check check ((order_id is null) <> (held_payment_id is null));

alter table ledger_entries drop constraint ledger_entries_account_check;
alter table ledger_entries add constraint ledger_entries_account_check check (account in (
  'MPESA_CLEARING', 'ESCROW', 'SELLER_PAYABLE', 'AFFILIATE_PAYABLE', 'SHIPPING_PAYABLE',
  'PLATFORM_FEE_REVENUE', 'PLATFORM_INCENTIVE_EXPENSE', 'PLATFORM_ROUNDING',
  'REFUNDS_PAYABLE', 'PAYOUT_CLEARING', 'HELD_PAYMENTS'));
alter table ledger_entries add constraint ledger_entries_held_ref_check check (account <> 'HELD_PAYMENTS' or account_ref is not null);
