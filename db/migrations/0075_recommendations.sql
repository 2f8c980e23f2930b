-- "Bought together" (issue 15): counts kept up to date from ORDER_COMPLETED, never computed from
-- orders on a request. A basket is a checkout: its products bought together count once per checkout
-- in which both were completed (a checkout's orders are one per store, so across stores too).

-- Each completed order is counted once, whatever the event that carried it (a replay, a re-sent event).
create table recommendation_counted_orders (
  order_id    text primary key references orders(id),
  checkout_id text not null references checkouts(id),
  counted_at  timestamptz not null
);
create index recommendation_counted_orders_checkout_idx on recommendation_counted_orders (checkout_id);

-- Support of a pair: completed checkouts holding both. Both directions are stored (read by product_id).
create table product_pair_counts (
  product_id  text not null references products(id),
  other_id    text not null references products(id),
  baskets     int not null check (baskets > 0),
  primary key (product_id, other_id),
  check (product_id <> other_id)
);

-- The store's best sellers: units in completed orders.
create table product_sales_counts (
  product_id  text primary key references products(id),
  store_id    text not null references stores(id),
  units       bigint not null check (units > 0)
);
create index product_sales_counts_store_idx on product_sales_counts (store_id, units desc, product_id);
