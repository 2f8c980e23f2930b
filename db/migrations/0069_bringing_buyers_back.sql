-- Issue 14, bringing buyers back: abandoned-cart messages (one sequence per cart), WhatsApp opt-outs,
-- every user's referral code, referrals made at sign-up and the one reward each can earn.

-- One recovery sequence per cart (the primary key): how many of its three messages went out, when the
-- last did, the one-use code its second message carried, and why it stopped early.
create table cart_recovery (
  cart_id           text primary key references carts(id),
  buyer_id          text not null references users(id),
  phone             text not null check (phone ~ '^[1-9][0-9]{7,14}$'),
  steps_sent        int not null default 0 check (steps_sent between 0 and 3),
  last_sent_at      timestamptz,
  discount_code_id  text unique references discount_codes(id),
  stopped           text check (stopped in ('CHECKED_OUT', 'EMPTIED', 'OPTED_OUT')),
  stopped_at        timestamptz,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  check ((stopped is null) = (stopped_at is null)),
  check ((steps_sent = 0) = (last_sent_at is null))
);

-- Phones that sent "STOP" (or "acha kunitumia", ...) on WhatsApp: no marketing message goes to them.
create table whatsapp_opt_outs (
  phone       text primary key check (phone ~ '^[1-9][0-9]{7,14}$'),
  -- the inbound message that asked (whatsapp_inbound.wamid)
  wamid       text not null,
  at          timestamptz not null,
  created_at  timestamptz not null default now()
);

-- Every user's code to share. A volatile default is evaluated per row, existing users included.
alter table users add column referral_code text not null
  default ('R' || upper(substr(md5(gen_random_uuid()::text), 1, 9)))
  check (referral_code ~ '^[A-Z0-9]{4,16}$');
alter table users add constraint users_referral_code_key unique (referral_code);

-- A new buyer who signed up with someone's code. One per referred user and per phone; decided once,
-- on the referred buyer's first completed order (rewarded, or refused with the reason).
create table referrals (
  referred_user_id  text primary key references users(id),
  referred_phone    text not null unique check (referred_phone ~ '^[1-9][0-9]{7,14}$'),
  referrer_user_id  text not null references users(id),
  code              text not null,
  created_at        timestamptz not null default now(),
  outcome           text check (outcome in ('REWARDED', 'REFUSED_SELF', 'REFUSED_STAFF')),
  order_id          text references orders(id),
  points            int check (points >= 0),
  decided_at        timestamptz,
  check (referrer_user_id <> referred_user_id),
  check ((outcome is null) = (decided_at is null))
);
create index referrals_referrer_idx on referrals (referrer_user_id);

-- Referral points on the loyalty ledger: platform-funded, once per referral (the referrals row is the
-- idempotency record, so the once-per-(checkout, order) key leaves them out). The referred buyer's row
-- names their order; the referrer's names none (another buyer's order is not theirs to see).
alter table loyalty_ledger drop constraint loyalty_ledger_reason_check;
alter table loyalty_ledger add constraint loyalty_ledger_reason_check
  check (reason in ('EARNED', 'REDEEMED', 'REDEMPTION_REVERSED', 'EARNING_REVERSED', 'ADJUSTED', 'REFERRAL'));
alter table loyalty_ledger add constraint loyalty_ledger_referral_positive check (reason <> 'REFERRAL' or points > 0);
drop index loyalty_ledger_once_key;
create unique index loyalty_ledger_once_key on loyalty_ledger (reason, coalesce(checkout_id, ''), coalesce(order_id, ''))
  where reason not in ('ADJUSTED', 'REFERRAL');
