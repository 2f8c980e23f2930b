-- Seller onboarding (issue 12, sellers): a store opened by its owner through the API, KYC with
-- uploaded documents, a payout destination changed only with a fresh one-time code (and held 24 h
-- after a change), staff, and archived products.

-- What the owner gives when opening the store. Null on stores that predate onboarding (seeded).
alter table stores
  add column main_category_id text references categories(id),
  add column location_id text references locations(id),
  add column contact_phone text check (contact_phone ~ '^[1-9][0-9]{7,14}$'),
  add column kyc_submitted_at timestamptz,
  -- the last change of payout destination: the weekly batch holds the store's payout for 24 h after it
  add column payout_method_changed_at timestamptz;
create index stores_location_idx on stores (location_id);

-- An archived product is kept (orders' snapshots name it) but hidden from buyers and never sold.
alter table products add column archived_at timestamptz;

-- Files uploaded through POST /api/v1/uploads: the bytes live in the Storage port (disk or S3),
-- this row says whose they are and what they are (type sniffed from the content, never the header).
create table uploads (
  id             text primary key,
  owner_user_id  text not null references users(id),
  content_type   text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
  size_bytes     int not null check (size_bytes > 0),
  sha256         text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key    text not null unique,
  created_at     timestamptz not null default now()
);
create index uploads_owner_idx on uploads (owner_user_id, created_at desc);

-- Step-up codes: a one-time code sent to a logged-in user's own phone to confirm one sensitive
-- change (today: the store's payout destination). Separate from login codes, so a login code
-- phished from a seller cannot move their money. Hashed at rest like login codes.
create table step_up_codes (
  id           text primary key,
  user_id      text not null references users(id),
  purpose      text not null check (purpose in ('PAYOUT_METHOD')),
  code_hash    text not null,
  created_at   timestamptz not null,
  expires_at   timestamptz not null,
  attempts     int not null default 0 check (attempts >= 0),
  consumed_at  timestamptz,
  check (expires_at > created_at)
);
create index step_up_codes_user_idx on step_up_codes (user_id, purpose, created_at desc);
