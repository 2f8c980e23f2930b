-- Affiliates (issue 12): applications an admin decides, link clicks, and the attribution a click
-- leaves with the visitor's cart (a guest cart token or a buyer) for 30 days.

-- Any logged-in user applies; a PLATFORM_ADMIN approves (the user gets the AFFILIATE role and a
-- code) or rejects with a reason. One open application per user; after a rejection one may apply again.
create table affiliate_applications (
  id          text primary key,
  user_id     text not null references users(id),
  pitch       text not null check (length(pitch) between 1 and 1000),
  channel     text check (length(channel) between 1 and 200),
  state       text not null default 'PENDING' check (state in ('PENDING', 'APPROVED', 'REJECTED')),
  reason      text check (length(reason) <= 2000),
  code        text,
  decided_at  timestamptz,
  decided_by  text references admin_users(id),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  check ((state = 'PENDING') = (decided_at is null)),
  check (state <> 'REJECTED' or reason is not null),
  check (state <> 'APPROVED' or code is not null)
);
create unique index affiliate_applications_one_open on affiliate_applications (user_id) where state = 'PENDING';
create index affiliate_applications_queue on affiliate_applications (state, created_at);

-- One click per visitor per affiliate per Nairobi day. The visitor is "buyer:<user id>",
-- "guest:<cart token>" or "addr:<keyed hash of the client address>" (never the address itself).
create table affiliate_clicks (
  id                 text primary key,
  affiliate_user_id  text not null references users(id),
  visitor            text not null check (length(visitor) between 3 and 200),
  day                date not null,
  target_kind        text not null check (target_kind in ('HOME', 'PRODUCT', 'STORE')),
  target             text check (length(target) between 1 and 100),
  created_at         timestamptz not null default now(),
  unique (affiliate_user_id, visitor, day)
);
create index affiliate_clicks_affiliate_idx on affiliate_clicks (affiliate_user_id, day);

-- The latest click of a cart owner ("buyer:<user id>" or "guest:<cart token>"): last click wins,
-- good until expires_at (30 days after the click). A checkout without an explicit code uses it.
create table affiliate_attributions (
  owner              text primary key check (length(owner) between 3 and 200),
  affiliate_user_id  text not null references users(id),
  code               text not null,
  clicked_at         timestamptz not null,
  expires_at         timestamptz not null,
  check (expires_at > clicked_at)
);
