-- The platform's settings from the back-office (issue 12): shipping rates and SLAs as versions,
-- locations whose terms never change, riders' availability, why a user was suspended or banned, and
-- a revision number that tells the checkout's shipping cache when anything shipping-related changed.

-- A rate row is one version of a rate: order snapshots name it (snapshot.shipping.rateId). Its terms
-- never change; it can only be retired (active -> false), and a revision is a new row that names the
-- version it supersedes. Deleting one is refused too.
alter table shipping_rates add column version int not null default 1 check (version >= 1);
alter table shipping_rates add column supersedes text references shipping_rates(id);
alter table shipping_rates add column retired_at timestamptz;
alter table shipping_rates add column created_by text;
create unique index shipping_rates_supersedes_key on shipping_rates (supersedes) where supersedes is not null;
alter table shipping_rates add constraint shipping_rates_retired check (active = (retired_at is null));

create function shipping_rates_versions_only() returns trigger
language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'shipping_rates: a rate version is never deleted (retire it)' using errcode = 'AM001';
  end if;
  if (new.id, new.zone_id, new.kind, new.name, new.currency, new.amount, new.base_amount, new.per_kg_amount,
      new.threshold_amount, new.version, new.supersedes, new.created_at, new.created_by)
     is distinct from
     (old.id, old.zone_id, old.kind, old.name, old.currency, old.amount, old.base_amount, old.per_kg_amount,
      old.threshold_amount, old.version, old.supersedes, old.created_at, old.created_by)
     or (new.active and not old.active) then
    raise exception 'shipping_rates: a rate version never changes; retire it and add a new version' using errcode = 'AM001';
  end if;
  return new;
end
$$;
create trigger shipping_rates_versions_only before update or delete on shipping_rates
  for each row execute function shipping_rates_versions_only();

-- A location's terms (what it is, where it hangs, its name, address and coordinates) never change:
-- orders name their destination by id. A pickup point that moves is retired (active -> false: no
-- longer offered) and a new one is added. Nodes are never deleted.
create function locations_terms_fixed() returns trigger
language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'locations: a location is never deleted (retire it)' using errcode = 'AM001';
  end if;
  if (new.id, new.kind, new.name, new.code, new.parent_id, new.address, new.lat, new.lng)
     is distinct from (old.id, old.kind, old.name, old.code, old.parent_id, old.address, old.lat, old.lng) then
    raise exception 'locations: a location''s terms never change; retire it and add a new one' using errcode = 'AM001';
  end if;
  return new;
end
$$;
create trigger locations_terms_fixed before update or delete on locations
  for each row execute function locations_terms_fixed();

-- Service levels: every version kept (zone_slas stays the current one, read by dispatch).
create table zone_sla_versions (
  zone_id                  text not null references shipping_zones(id),
  version                  int not null check (version >= 1),
  dispatch_within_minutes  int not null check (dispatch_within_minutes > 0),
  deliver_within_minutes   int not null check (deliver_within_minutes > 0),
  compensation_points      int not null check (compensation_points >= 0),
  effective_from           timestamptz not null,
  created_by               text,
  primary key (zone_id, version)
);
select amana_make_append_only('zone_sla_versions');
insert into zone_sla_versions (zone_id, version, dispatch_within_minutes, deliver_within_minutes, compensation_points, effective_from)
  select zone_id, 1, dispatch_within_minutes, deliver_within_minutes, compensation_points, now() from zone_slas;
alter table zone_slas add column version int not null default 1 check (version >= 1);

-- Zones are never deleted (orders name them): they are switched off.
alter table shipping_zones add column updated_at timestamptz;

-- Bumped by every change to the tree, zones, coverage or rates: the checkout's cached shipping
-- settings are reused only while this number is the one they were read at.
create table shipping_settings (
  id        boolean primary key default true check (id),
  revision  bigint not null default 1
);
insert into shipping_settings (id, revision) values (true, 1);
create function shipping_settings_bump() returns trigger
language plpgsql as $$
begin
  update shipping_settings set revision = revision + 1 where id;
  return null;
end
$$;
create trigger shipping_settings_bump after insert or update or delete on locations
  for each statement execute function shipping_settings_bump();
create trigger shipping_settings_bump after insert or update or delete on shipping_zones
  for each statement execute function shipping_settings_bump();
create trigger shipping_settings_bump after insert or update or delete on shipping_zone_coverage
  for each statement execute function shipping_settings_bump();
create trigger shipping_settings_bump after insert or update or delete on shipping_rates
  for each statement execute function shipping_settings_bump();

-- Riders say whether they take jobs; only ONLINE riders are offered one. Riders who existed before
-- keep getting jobs (ONLINE); a rider onboarded from now on starts OFFLINE.
alter table riders add column availability text not null default 'ONLINE' check (availability in ('ONLINE', 'OFFLINE'));
alter table riders alter column availability set default 'OFFLINE';
alter table riders add column availability_changed_at timestamptz;
alter table riders add column onboarded_by text references admin_users(id);

-- Why a user is suspended or banned (the audit log keeps the history).
alter table users add column status_reason text;
alter table users add column status_changed_at timestamptz;

-- Categories are named once per parent (slugs are unique already).
alter table categories add column created_at timestamptz not null default now();
