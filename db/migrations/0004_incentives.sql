-- Platform-funded incentives: promotions and discount codes, each a head row (identity, status and
-- the usage counter) plus immutable rule versions. An order's snapshot cites (id, version), so a
-- rule is never edited in place: a change is a new version and the head points at it.
--
-- Limits under concurrency: a use increments the head's `uses` with a conditional update,
--   update promotions p set uses = uses + 1 from promotion_versions v
--    where p.id = $1 and v.promotion_id = p.id and v.version = p.current_version
--      and (v.global_limit is null or p.uses < v.global_limit) returning p.uses
-- Postgres re-checks the condition on the latest row after waiting for a concurrent writer, so a
-- limit of 100 admits exactly 100. Per-buyer limits use incentive_buyer_uses the same way.

create table promotions (
  id               text primary key default gen_random_uuid()::text,
  name             text not null,
  status           text not null default 'ACTIVE' check (status in ('ACTIVE', 'PAUSED', 'ENDED')),
  current_version  int not null default 1 check (current_version >= 1),
  uses             int not null default 0 check (uses >= 0),
  created_at       timestamptz not null default now(),
  created_by       text references admin_users(id),
  updated_at       timestamptz not null default now()
);

create table promotion_versions (
  promotion_id     text not null references promotions(id),
  version          int not null check (version >= 1),
  priority         int not null default 0,
  starts_at        timestamptz not null,
  ends_at          timestamptz not null,
  -- {"kind":"ALL"} | {"kind":"CATEGORY","categoryId":..} | {"kind":"STORE",..} | {"kind":"PRODUCTS",..}, optional minSubtotal
  eligibility      jsonb not null check (jsonb_typeof(eligibility) = 'object'),
  -- {"kind":"PERCENT_OFF","bps":..,"cap":..} | {"kind":"AMOUNT_OFF","amount":..} | {"kind":"FREE_SHIPPING"}
  effect           jsonb not null check (jsonb_typeof(effect) = 'object'),
  currency         currency_code not null default 'KES',
  global_limit     int check (global_limit > 0),
  per_buyer_limit  int check (per_buyer_limit > 0),
  created_at       timestamptz not null default now(),
  created_by       text references admin_users(id),
  primary key (promotion_id, version),
  check (ends_at > starts_at)
);
select amana_make_append_only('promotion_versions');

create table discount_codes (
  id               text primary key default gen_random_uuid()::text,
  code             text not null check (code ~ '^[A-Z0-9_-]{3,32}$'),
  status           text not null default 'ACTIVE' check (status in ('ACTIVE', 'PAUSED', 'ENDED')),
  current_version  int not null default 1 check (current_version >= 1),
  uses             int not null default 0 check (uses >= 0),
  created_at       timestamptz not null default now(),
  created_by       text references admin_users(id),
  updated_at       timestamptz not null default now()
);
-- A code string names at most one live code; an ENDED code frees the string for reuse.
create unique index discount_codes_live_code_key on discount_codes (code) where status <> 'ENDED';

create table discount_code_versions (
  discount_code_id  text not null references discount_codes(id),
  version           int not null check (version >= 1),
  starts_at         timestamptz,
  expires_at        timestamptz not null,
  currency          currency_code not null default 'KES',
  min_subtotal      bigint not null default 0 check (min_subtotal >= 0),
  effect            jsonb not null check (jsonb_typeof(effect) = 'object'),
  global_limit      int check (global_limit > 0),
  per_buyer_limit   int check (per_buyer_limit > 0),
  created_at        timestamptz not null default now(),
  created_by        text references admin_users(id),
  primary key (discount_code_id, version),
  check (starts_at is null or expires_at > starts_at)
);
select amana_make_append_only('discount_code_versions');

-- Live (ACTIVE burn) uses per buyer, for per-buyer limits under concurrency:
--   insert ... values (..., 1) on conflict (incentive_kind, incentive_id, buyer_id)
--   do update set uses = incentive_buyer_uses.uses + 1 where incentive_buyer_uses.uses < $limit
-- (no row returned = limit reached). Releasing a burn decrements it.
create table incentive_buyer_uses (
  incentive_kind  text not null check (incentive_kind in ('PROMOTION', 'DISCOUNT_CODE')),
  incentive_id    text not null,
  buyer_id        text not null references users(id),
  uses            int not null default 0 check (uses >= 0),
  primary key (incentive_kind, incentive_id, buyer_id)
);
