-- Geography tree (County > Town > Market > Pickup point) and the shipping zones and rates over it.
-- The Kenyan tree itself is seeded by a later migration; ids are stable and readable ('KE-047',
-- 'KE-047-westlands', ...) because snapshots, zones and addresses refer to them.

create table locations (
  id         text primary key,
  kind       text not null check (kind in ('COUNTY', 'TOWN', 'MARKET', 'PICKUP_POINT')),
  name       text not null,
  -- COUNTY: the official three-digit county code ('001'..'047'); below it, a short slug
  code       text not null,
  parent_id  text references locations(id),
  -- pickup points (partner shops, lockers) carry a street address and coordinates
  address    text,
  lat        numeric(9, 6) check (lat between -90 and 90),
  lng        numeric(9, 6) check (lng between -180 and 180),
  active     boolean not null default true,
  check ((kind = 'COUNTY') = (parent_id is null)),
  check (kind <> 'PICKUP_POINT' or (address is not null and lat is not null and lng is not null)),
  unique (parent_id, code)
);
create index locations_parent_idx on locations (parent_id);
create unique index locations_county_code_key on locations (code) where kind = 'COUNTY';

-- A child must sit strictly below its parent in the County > Town > Market > Pickup point order
-- (a pickup point may hang off a town or a market; a market off a town).
create function locations_check_parent() returns trigger
language plpgsql as $$
declare
  parent_kind text;
  rank_of constant jsonb := '{"COUNTY":1,"TOWN":2,"MARKET":3,"PICKUP_POINT":4}';
begin
  if new.parent_id is null then
    return new;
  end if;
  select kind into parent_kind from locations where id = new.parent_id;
  if (rank_of ->> parent_kind)::int >= (rank_of ->> new.kind)::int then
    raise exception 'location % (%) cannot sit under % (%)', new.id, new.kind, new.parent_id, parent_kind
      using errcode = '23514';
  end if;
  return new;
end
$$;
create trigger locations_check_parent before insert or update of parent_id, kind on locations
  for each row execute function locations_check_parent();

create table shipping_zones (
  id          text primary key default gen_random_uuid()::text,
  name        text not null,
  active      boolean not null default true,
  created_at  timestamptz not null default now()
);

-- A zone covers whole subtrees: covering a county covers its towns, markets and pickup points.
-- The zone for a destination is the one covering the nearest ancestor-or-self (most specific).
create table shipping_zone_coverage (
  zone_id      text not null references shipping_zones(id) on delete cascade,
  location_id  text not null references locations(id),
  primary key (zone_id, location_id)
);
-- One zone per node keeps "the most specific covering zone" unambiguous.
create unique index shipping_zone_coverage_location_key on shipping_zone_coverage (location_id);

create table shipping_rates (
  id                text primary key default gen_random_uuid()::text,
  zone_id           text not null references shipping_zones(id) on delete cascade,
  kind              text not null check (kind in ('FLAT', 'WEIGHT', 'FREE_OVER')),
  name              text not null,
  currency          currency_code not null default 'KES',
  -- FLAT: amount; WEIGHT: base_amount + per_kg_amount per started kg; FREE_OVER: 0 at/above threshold
  amount            bigint check (amount >= 0),
  base_amount       bigint check (base_amount >= 0),
  per_kg_amount     bigint check (per_kg_amount >= 0),
  threshold_amount  bigint check (threshold_amount >= 0),
  active            boolean not null default true,
  created_at        timestamptz not null default now(),
  check (
    (kind = 'FLAT' and amount is not null)
    or (kind = 'WEIGHT' and base_amount is not null and per_kg_amount is not null)
    or (kind = 'FREE_OVER' and threshold_amount is not null)
  )
);
create index shipping_rates_zone_idx on shipping_rates (zone_id) where active;
