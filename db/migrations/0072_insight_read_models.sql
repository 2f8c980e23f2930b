-- Seller success and platform insight (issue 15): daily read models per store and for the whole
-- platform, kept up to date from outbox events by one idempotent handler (insights.read-models) and
-- rebuilt from the outbox by `npm run read-models:rebuild`. Days are Nairobi days (UTC+3).
-- `scope` is a store id, or '*' for the whole platform. Every figure is a sum of per-event
-- contributions (commutative), so the order events are handled in does not change the result.
-- Nothing here is read by the order flow: these tables are written by the handler and read by the
-- seller insights API, the back-office dashboard and the end-of-day report.

-- Counters that have no currency.
create table insight_daily (
  scope               text not null,
  day                 date not null,
  orders_placed       int not null default 0,
  orders_paid         int not null default 0,
  -- M-Pesa outcomes per order: paid by M-Pesa vs failed or declined on the phone
  payments_succeeded  int not null default 0,
  payments_failed     int not null default 0,
  -- seller rejections (PAID -> CANCELLED) and refunds (-> REFUNDED): the buyer gets money back
  refunds             int not null default 0,
  -- SLA timers (dispatch, delivery) closed on time vs breached, on the day they ended
  sla_met             int not null default 0,
  sla_breached        int not null default 0,
  exceptions_opened   int not null default 0,
  exceptions_closed   int not null default 0,
  primary key (scope, day)
);
create index insight_daily_day_idx on insight_daily (day, scope);

-- Money, per currency, in integer minor units.
create table insight_daily_money (
  scope     text not null,
  day       date not null,
  currency  currency_code not null,
  -- paid orders' totals (what buyers were charged for them), on the day they were paid
  gmv       bigint not null default 0,
  -- what buyers got back (their share of the charge), on the day of the refund
  refunded  bigint not null default 0,
  primary key (scope, day, currency)
);

-- Time from checkout to PAID: one sample per checkout and scope (exact median, idempotent).
create table insight_paid_samples (
  scope        text not null,
  checkout_id  text not null,
  day          date not null,
  millis       bigint not null check (millis >= 0),
  primary key (scope, checkout_id)
);
create index insight_paid_samples_day_idx on insight_paid_samples (scope, day, millis);

-- Paid units and revenue per product (merchandise after discounts), on the day paid.
create table insight_daily_products (
  scope       text not null,
  day         date not null,
  product_id  text not null,
  currency    currency_code not null,
  units       int not null default 0,
  revenue     bigint not null default 0,
  primary key (scope, day, product_id, currency)
);

-- Per delivery area (the shipping zone an order was priced in): orders placed with their shipping
-- fees, and how many of them were paid, on the day each happened.
create table insight_daily_areas (
  scope          text not null,
  day            date not null,
  zone_id        text not null,
  currency       currency_code not null,
  orders_placed  int not null default 0,
  shipping_fees  bigint not null default 0,
  orders_paid    int not null default 0,
  primary key (scope, day, zone_id, currency)
);

-- An exception's store, when it is about one store's order (the read models count a store's open
-- issues). Filled by the exception queue's one writer; older rows from their order.
alter table exceptions add column store_id text;
update exceptions e set store_id = o.store_id from orders o where e.entity = 'order' and o.id = e.entity_id and e.store_id is null;

-- (the runtime role's grants are re-applied by the migration runner: SELECT, INSERT, UPDATE, DELETE)
