-- Carts, checkouts, orders (one per seller per checkout), their immutable snapshots and timelines,
-- stock reservations, incentive burns and the loyalty ledger.

create table carts (
  id           text primary key default gen_random_uuid()::text,
  buyer_id     text references users(id),
  -- a guest browses with a random token; the cart is adopted by the buyer at login
  guest_token  text unique,
  state        text not null default 'ACTIVE' check (state in ('ACTIVE', 'CHECKED_OUT', 'ABANDONED')),
  currency     currency_code not null default 'KES',
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  check (buyer_id is not null or guest_token is not null)
);
create unique index carts_active_buyer_key on carts (buyer_id) where state = 'ACTIVE' and buyer_id is not null;

create table cart_items (
  cart_id     text not null references carts(id) on delete cascade,
  variant_id  text not null references variants(id),
  quantity    int not null check (quantity > 0),
  added_at    timestamptz not null default now(),
  primary key (cart_id, variant_id)
);

create table checkouts (
  id                       text primary key default gen_random_uuid()::text,
  buyer_id                 text not null references users(id),
  -- a retried "place order" with the same key returns the first result; the hash detects a
  -- different request reusing a key
  idempotency_key          text not null,
  request_hash             text not null,
  cart_id                  text references carts(id),
  state                    text not null default 'PENDING_PAYMENT'
                           check (state in ('PENDING_PAYMENT', 'PAID', 'PAYMENT_FAILED', 'EXPIRED', 'CANCELLED')),
  currency                 currency_code not null default 'KES',
  subtotal                 bigint not null check (subtotal >= 0),
  discount_total           bigint not null default 0 check (discount_total >= 0),
  shipping_total           bigint not null default 0 check (shipping_total >= 0),
  total                    bigint not null check (total >= 0),
  -- what M-Pesa is asked for (whole shillings); total - charge_amount is the rounding the platform absorbs
  charge_amount            bigint not null check (charge_amount >= 0),
  payer_phone              text not null check (payer_phone ~ '^[1-9][0-9]{7,14}$'),
  destination_location_id  text not null references locations(id),
  affiliate_user_id        text references users(id),
  created_at               timestamptz not null default now(),
  expires_at               timestamptz not null,
  paid_at                  timestamptz,
  unique (buyer_id, idempotency_key),
  -- merchandise discounts never exceed the subtotal; only free shipping discounts shipping
  check (discount_total <= subtotal + shipping_total),
  check (total = subtotal - discount_total + shipping_total),
  check (expires_at > created_at)
);
create index checkouts_expiry_idx on checkouts (expires_at) where state in ('PENDING_PAYMENT', 'PAYMENT_FAILED');

create table orders (
  id                       text primary key default gen_random_uuid()::text,
  checkout_id              text not null references checkouts(id),
  store_id                 text not null references stores(id),
  buyer_id                 text not null references users(id),
  state                    text not null default 'PENDING_PAYMENT' check (state in (
                             'PENDING_PAYMENT', 'PAID', 'CANCELLED_BY_USER', 'PAYMENT_FAILED', 'EXPIRED',
                             'ACCEPTED', 'CANCELLED', 'DISPATCHED', 'PICKED_UP', 'IN_TRANSIT', 'DELIVERED',
                             'DELIVERY_FAILED', 'RETURNED', 'REFUNDED', 'COMPLETED', 'DISPUTED')),
  currency                 currency_code not null default 'KES',
  -- merchandise at base prices (what the seller is paid from), incentives, shipping, buyer's total
  subtotal                 bigint not null check (subtotal >= 0),
  discount_total           bigint not null default 0 check (discount_total >= 0),
  shipping_total           bigint not null default 0 check (shipping_total >= 0),
  total                    bigint not null check (total >= 0),
  destination_location_id  text not null references locations(id),
  affiliate_user_id        text references users(id),
  -- the buyer's handover code, stored hashed; the rider enters it as proof of delivery
  handover_code_hash       text,
  paid_at                  timestamptz,
  delivered_at             timestamptz,
  completed_at             timestamptz,
  -- end of the dispute window once delivered
  dispute_deadline         timestamptz,
  created_at               timestamptz not null default now(),
  updated_at               timestamptz not null default now(),
  version                  int not null default 1,
  unique (checkout_id, store_id),
  check (discount_total <= subtotal + shipping_total),
  check (total = subtotal - discount_total + shipping_total)
);
create index orders_buyer_idx on orders (buyer_id, created_at desc);
create index orders_store_idx on orders (store_id, created_at desc);
create index orders_state_idx on orders (state);
create index orders_affiliate_idx on orders (affiliate_user_id) where affiliate_user_id is not null;

create table order_lines (
  id                  text primary key default gen_random_uuid()::text,
  order_id            text not null references orders(id),
  variant_id          text not null references variants(id),
  product_id          text not null references products(id),
  title               text not null,
  sku                 text not null,
  quantity            int not null check (quantity > 0),
  currency            currency_code not null,
  unit_base_price     bigint not null check (unit_base_price > 0),
  line_base_total     bigint not null check (line_base_total = unit_base_price * quantity),
  -- this line's share of the order discount (largest-remainder allocation)
  discount_allocated  bigint not null default 0 check (discount_allocated >= 0),
  commission_rate_bps int not null default 0 check (commission_rate_bps between 0 and 5000),
  unique (order_id, variant_id)
);

-- The immutable record auditors rely on: written once at checkout, never updated or deleted.
create table order_snapshots (
  order_id       text primary key references orders(id),
  snapshot       jsonb not null check (jsonb_typeof(snapshot) = 'object'),
  -- sha256 hex of the canonical snapshot text, so a copy can be checked against the original
  snapshot_hash  text not null check (snapshot_hash ~ '^[0-9a-f]{64}$'),
  created_at     timestamptz not null default now()
);
select amana_make_append_only('order_snapshots');

create table order_timeline (
  id          bigint generated always as identity primary key,
  order_id    text not null references orders(id),
  at          timestamptz not null default now(),
  from_state  text,
  to_state    text not null,
  actor_kind  text not null check (actor_kind in ('BUYER', 'SELLER', 'RIDER', 'ADMIN', 'SYSTEM')),
  actor_id    text,
  reason      text,
  -- proof (handover, photo, location) or evidence (disputes) attached to the transition
  details     jsonb
);
create index order_timeline_order_idx on order_timeline (order_id, id);
select amana_make_append_only('order_timeline');

create table inventory_reservations (
  id                 text primary key default gen_random_uuid()::text,
  checkout_id        text not null references checkouts(id),
  order_id           text references orders(id),
  variant_id         text not null,
  stock_location_id  text not null,
  quantity           int not null check (quantity > 0),
  state              text not null default 'RESERVED' check (state in ('RESERVED', 'CONFIRMED', 'RELEASED')),
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  foreign key (variant_id, stock_location_id) references inventory (variant_id, stock_location_id)
);
create index inventory_reservations_checkout_idx on inventory_reservations (checkout_id);
create index inventory_reservations_live_idx on inventory_reservations (variant_id, stock_location_id) where state = 'RESERVED';

-- Every use of a promotion or code, with the rule version applied. RELEASED when the order dies
-- unpaid (the head's `uses` and the buyer's count are decremented in the same transaction).
create table incentive_burns (
  id                text primary key default gen_random_uuid()::text,
  incentive_kind    text not null check (incentive_kind in ('PROMOTION', 'DISCOUNT_CODE')),
  promotion_id      text,
  discount_code_id  text,
  version           int not null,
  buyer_id          text not null references users(id),
  checkout_id       text not null references checkouts(id),
  order_id          text references orders(id),
  currency          currency_code not null,
  amount            bigint not null check (amount >= 0),
  state             text not null default 'ACTIVE' check (state in ('ACTIVE', 'RELEASED')),
  created_at        timestamptz not null default now(),
  released_at       timestamptz,
  foreign key (promotion_id, version) references promotion_versions (promotion_id, version),
  foreign key (discount_code_id, version) references discount_code_versions (discount_code_id, version),
  check (
    (incentive_kind = 'PROMOTION' and promotion_id is not null and discount_code_id is null)
    or (incentive_kind = 'DISCOUNT_CODE' and discount_code_id is not null and promotion_id is null)
  ),
  check ((state = 'RELEASED') = (released_at is not null))
);
create index incentive_burns_checkout_idx on incentive_burns (checkout_id);
create index incentive_burns_promotion_idx on incentive_burns (promotion_id, buyer_id) where promotion_id is not null;
create index incentive_burns_code_idx on incentive_burns (discount_code_id, buyer_id) where discount_code_id is not null;

-- Points earned (+) and redeemed (-); a balance is a sum. Corrections are new rows.
create table loyalty_ledger (
  id           bigint generated always as identity primary key,
  buyer_id     text not null references users(id),
  points       int not null check (points <> 0),
  reason       text not null check (reason in ('EARNED', 'REDEEMED', 'REDEMPTION_REVERSED', 'EARNING_REVERSED', 'ADJUSTED')),
  order_id     text references orders(id),
  checkout_id  text references checkouts(id),
  note         text,
  created_at   timestamptz not null default now(),
  check (reason <> 'EARNED' or points > 0),
  check (reason <> 'REDEEMED' or points < 0)
);
create index loyalty_ledger_buyer_idx on loyalty_ledger (buyer_id, id);
-- Earning, redeeming or reversing happens once per (checkout, order), however often a handler
-- runs: a redemption is per checkout (order_id null), its reversal per dead order or whole checkout.
create unique index loyalty_ledger_once_key on loyalty_ledger (reason, coalesce(checkout_id, ''), coalesce(order_id, ''))
  where reason <> 'ADJUSTED';
select amana_make_append_only('loyalty_ledger');
