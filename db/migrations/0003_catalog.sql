-- Sellers and the catalogue: stores, members, categories, brands, products, variants, stock.

create table stores (
  id                     text primary key default gen_random_uuid()::text,
  owner_user_id          text not null references users(id),
  name                   text not null,
  slug                   text unique check (slug ~ '^[a-z0-9-]{2,64}$'),
  currency               currency_code not null default 'KES',
  kyc_state              text not null default 'PENDING'
                         check (kyc_state in ('PENDING', 'VERIFIED', 'REJECTED', 'SUSPENDED', 'BANNED')),
  kyc_reason             text,
  kyc_documents          jsonb not null default '{}'::jsonb,
  kyc_decided_at         timestamptz,
  kyc_decided_by         text references admin_users(id),
  -- how the seller is paid: M-Pesa B2C to a phone, or to the seller's own Till / Paybill
  payout_method          text check (payout_method in ('B2C', 'TILL', 'PAYBILL')),
  payout_phone           text check (payout_phone ~ '^[1-9][0-9]{7,14}$'),
  payout_till_number     text check (payout_till_number ~ '^[0-9]{5,10}$'),
  payout_paybill_number  text check (payout_paybill_number ~ '^[0-9]{5,10}$'),
  payout_account_ref     text,
  -- outbound webhooks (ORDER_CREATED, ORDER_PAID, ...) are signed with HMAC-SHA256 using this secret
  webhook_url            text check (webhook_url ~ '^https?://'),
  webhook_secret         text,
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now(),
  version                int not null default 1,
  check (
    payout_method is null
    or (payout_method = 'B2C' and payout_phone is not null)
    or (payout_method = 'TILL' and payout_till_number is not null)
    or (payout_method = 'PAYBILL' and payout_paybill_number is not null and payout_account_ref is not null)
  ),
  check (kyc_state not in ('REJECTED', 'SUSPENDED', 'BANNED') or kyc_reason is not null),
  check ((webhook_url is null) = (webhook_secret is null))
);
create index stores_owner_idx on stores (owner_user_id);

create table store_members (
  store_id    text not null references stores(id),
  user_id     text not null references users(id),
  role        text not null check (role in ('OWNER', 'STAFF')),
  added_at    timestamptz not null default now(),
  primary key (store_id, user_id)
);
create index store_members_user_idx on store_members (user_id);

create table categories (
  id         text primary key default gen_random_uuid()::text,
  parent_id  text references categories(id),
  name       text not null,
  slug       text not null unique check (slug ~ '^[a-z0-9-]{1,64}$')
);
create index categories_parent_idx on categories (parent_id);

create table brands (
  id                   text primary key default gen_random_uuid()::text,
  name                 text not null,
  state                text not null default 'PENDING' check (state in ('PENDING', 'VERIFIED', 'REJECTED', 'SUSPENDED')),
  rejection_reason     text,
  proposed_by_store_id text references stores(id),
  decided_at           timestamptz,
  decided_by           text references admin_users(id),
  created_at           timestamptz not null default now(),
  check (state <> 'REJECTED' or rejection_reason is not null)
);
create unique index brands_name_key on brands (lower(name));

create table products (
  id                   text primary key default gen_random_uuid()::text,
  store_id             text not null references stores(id),
  brand_id             text references brands(id),
  category_id          text references categories(id),
  title                text not null check (length(title) between 1 and 200),
  description          text not null default '',
  base_price           bigint not null check (base_price > 0),
  currency             currency_code not null default 'KES',
  media                jsonb not null default '[]'::jsonb check (jsonb_typeof(media) = 'array'),
  state                text not null default 'DRAFT'
                       check (state in ('DRAFT', 'PENDING_REVIEW', 'VERIFIED', 'REJECTED', 'SUSPENDED')),
  rejection_reason     text,
  -- the affiliate commission the seller offers, in basis points of the base price (max 50%)
  commission_rate_bps  int not null default 0 check (commission_rate_bps between 0 and 5000),
  -- bumped on every edit; optimistic concurrency and "which version did the reviewer see"
  version              int not null default 1 check (version >= 1),
  -- what the admin last approved (title, price, media, brand, ...) so a re-review can show a diff
  last_verified        jsonb,
  last_verified_at     timestamptz,
  last_verified_by     text references admin_users(id),
  search               tsvector generated always as (
                         to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(description, ''))
                       ) stored,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  check (state not in ('REJECTED', 'SUSPENDED') or rejection_reason is not null)
);
create index products_store_idx on products (store_id);
create index products_brand_idx on products (brand_id);
create index products_category_idx on products (category_id);
create index products_review_queue_idx on products (updated_at) where state = 'PENDING_REVIEW';
create index products_search_idx on products using gin (search);
create index products_title_trgm_idx on products using gin (title gin_trgm_ops);

create table variants (
  id              text primary key default gen_random_uuid()::text,
  product_id      text not null references products(id),
  sku             text not null unique check (length(sku) between 1 and 64),
  -- size, colour, model, ...
  attributes      jsonb not null default '{}'::jsonb check (jsonb_typeof(attributes) = 'object'),
  price_override  bigint check (price_override > 0),
  weight_grams    int not null check (weight_grams > 0),
  active          boolean not null default true,
  created_at      timestamptz not null default now()
);
create index variants_product_idx on variants (product_id);

-- Where a store keeps stock (a shop, a stall, a home); optionally placed on the geography tree.
create table stock_locations (
  id           text primary key default gen_random_uuid()::text,
  store_id     text not null references stores(id),
  name         text not null,
  location_id  text references locations(id),
  address      text,
  active       boolean not null default true,
  unique (store_id, name)
);

-- Stock per SKU per location. Checks make overselling impossible at the database:
-- available = on_hand - reserved, and neither can go below zero.
create table inventory (
  variant_id         text not null references variants(id),
  stock_location_id  text not null references stock_locations(id),
  on_hand            int not null default 0 check (on_hand >= 0),
  reserved           int not null default 0 check (reserved >= 0),
  updated_at         timestamptz not null default now(),
  primary key (variant_id, stock_location_id),
  constraint inventory_reserved_within_on_hand check (reserved <= on_hand)
);
create index inventory_location_idx on inventory (stock_location_id);
