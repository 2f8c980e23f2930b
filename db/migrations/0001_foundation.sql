-- Foundation: extensions, shared guard functions, people (buyers, sellers, riders, affiliates, admins).
-- Conventions for every migration: ids are text (the app generates prefixed ids; a uuid default is a
-- fallback), money is bigint minor units beside a currency char(3), time is timestamptz.

create extension if not exists pg_trgm;

-- Append-only tables attach this to BEFORE UPDATE/DELETE (row) and BEFORE TRUNCATE (statement).
-- SQLSTATE AM001 lets callers tell "you tried to rewrite history" from other failures.
create function amana_refuse_mutation() returns trigger
language plpgsql as $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op
    using errcode = 'AM001',
          hint = 'record a correcting entry instead of changing history';
end
$$;

-- Makes a table append-only: rows can be inserted, never updated, deleted or truncated.
create function amana_make_append_only(tbl regclass) returns void
language plpgsql as $$
begin
  execute format('create trigger append_only_row before update or delete on %s '
                 'for each row execute function amana_refuse_mutation()', tbl);
  execute format('create trigger append_only_truncate before truncate on %s '
                 'for each statement execute function amana_refuse_mutation()', tbl);
end
$$;

create domain currency_code as char(3) check (value in ('KES', 'TZS', 'UGX'));

create table users (
  id            text primary key default gen_random_uuid()::text,
  phone         text not null unique check (phone ~ '^[1-9][0-9]{7,14}$'),
  display_name  text,
  roles         text[] not null default array['BUYER']::text[]
                check (roles <@ array['BUYER', 'SELLER_OWNER', 'SELLER_STAFF', 'RIDER', 'AFFILIATE', 'ADMIN', 'AUDITOR']::text[]),
  status        text not null default 'ACTIVE' check (status in ('ACTIVE', 'SUSPENDED', 'BANNED')),
  -- the ?ref=CODE an affiliate shares; null for non-affiliates
  affiliate_code text unique check (affiliate_code ~ '^[A-Za-z0-9_-]{3,32}$'),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);

-- Buyer/seller/rider sessions after a one-time code login (tokens stored hashed).
create table user_sessions (
  id          text primary key default gen_random_uuid()::text,
  user_id     text not null references users(id),
  token_hash  text not null unique,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null,
  revoked_at  timestamptz
);
create index user_sessions_user_idx on user_sessions (user_id);

create table otp_codes (
  id           text primary key default gen_random_uuid()::text,
  phone        text not null,
  code_hash    text not null,
  created_at   timestamptz not null default now(),
  expires_at   timestamptz not null,
  attempts     int not null default 0 check (attempts >= 0),
  consumed_at  timestamptz,
  check (expires_at > created_at)
);
-- "latest live code for this phone" and "codes sent to this phone in the last hour" (rate limit)
create index otp_codes_phone_idx on otp_codes (phone, created_at desc);

create table admin_users (
  id             text primary key default gen_random_uuid()::text,
  email          text not null check (email = lower(email) and email like '%@%'),
  password_hash  text not null,
  role           text not null check (role in ('PLATFORM_ADMIN', 'CATALOG_REVIEWER', 'FINANCE', 'AUDITOR')),
  status         text not null default 'ACTIVE' check (status in ('ACTIVE', 'DISABLED')),
  created_at     timestamptz not null default now(),
  last_login_at  timestamptz
);
create unique index admin_users_email_key on admin_users (email);

create table admin_sessions (
  id             text primary key default gen_random_uuid()::text,
  admin_user_id  text not null references admin_users(id),
  token_hash     text not null unique,
  created_at     timestamptz not null default now(),
  expires_at     timestamptz not null,
  revoked_at     timestamptz,
  ip             text,
  user_agent     text
);
create index admin_sessions_admin_idx on admin_sessions (admin_user_id);
