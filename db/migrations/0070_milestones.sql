-- Merchant milestones (issue 15): what counts as one is data (milestone_definitions: sales counted
-- in completed orders, or revenue in completed orders' merchandise at base prices, per currency);
-- reaching one is recorded once per store (the primary key), whoever notices first.
create table milestone_definitions (
  code        text primary key check (code ~ '^[A-Z0-9_]{2,40}$'),
  title       text not null check (length(title) between 1 and 80),
  kind        text not null check (kind in ('SALES', 'REVENUE')),
  threshold   bigint not null check (threshold > 0),
  currency    currency_code,
  active      boolean not null default true,
  check ((kind = 'REVENUE') = (currency is not null))
);

insert into milestone_definitions (code, title, kind, threshold, currency) values
  ('FIRST_SALE', 'First sale', 'SALES', 1, null),
  ('SALES_10', '10 sales', 'SALES', 10, null),
  ('SALES_50', '50 sales', 'SALES', 50, null),
  ('SALES_100', '100 sales', 'SALES', 100, null),
  ('REVENUE_KES_100K', 'First KES 100,000 in sales', 'REVENUE', 10000000, 'KES');

create table store_milestones (
  store_id    text not null references stores(id),
  code        text not null references milestone_definitions(code),
  reached_at  timestamptz not null,
  -- the completed order that reached it
  order_id    text references orders(id),
  primary key (store_id, code)
);
