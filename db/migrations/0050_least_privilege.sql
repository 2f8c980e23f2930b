-- Least privilege (issue 10 item 14). Migrations run as the owner (whoever runs them: the embedded
-- superuser, DATABASE_URL's user, or MIGRATION_DATABASE_URL's); the app runs as a login role that
-- is a member of `amana_app`, which holds only the grants below: no ownership, no TRUNCATE, no
-- UPDATE or DELETE on history. Only the owner can ALTER TABLE ... DISABLE TRIGGER.

-- Roles are cluster-wide while grants are per database, and many databases (tests) migrate at once:
-- creating the role is idempotent and race-safe (a concurrent creator wins, we carry on).
do $$
begin
  create role amana_app nologin nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
exception when duplicate_object or unique_violation then
  null;
end
$$;

-- The audit chain's head is written by its trigger, not by the app: the trigger runs with the
-- owner's rights so the runtime role needs (and has) no UPDATE on audit_chain_head.
alter function audit_log_chain() security definer;
alter function audit_log_chain() set search_path = public, pg_temp;

-- Raw M-Pesa callbacks (STK callbacks, B2C results and timeouts, status-query results) are evidence:
-- what Daraja sent is never changed or removed, by anyone short of the owner disabling triggers.
-- Only the processing mark (processed_at, outcome) is written, once, when the callback is handled.
create function mpesa_callbacks_guard() returns trigger
language plpgsql as $$
begin
  if tg_op <> 'UPDATE' then
    raise exception 'mpesa_callbacks is append-only: % refused', tg_op
      using errcode = 'AM001', hint = 'a callback is evidence: store a new row instead';
  end if;
  if (new.id, new.kind, new.received_at, new.checkout_request_id, new.originator_conversation_id, new.raw::text, new.remote_addr, new.callback_token)
     is distinct from
     (old.id, old.kind, old.received_at, old.checkout_request_id, old.originator_conversation_id, old.raw::text, old.remote_addr, old.callback_token) then
    raise exception 'mpesa_callbacks is append-only: UPDATE of what Daraja sent refused'
      using errcode = 'AM001', hint = 'only processed_at and outcome are written, once';
  end if;
  if old.processed_at is not null then
    raise exception 'mpesa_callbacks is append-only: callback % was already processed (%)', old.id, old.outcome
      using errcode = 'AM001', hint = 'the processing mark is written once';
  end if;
  return new;
end
$$;
create trigger mpesa_callbacks_guard_row before update or delete on mpesa_callbacks
  for each row execute function mpesa_callbacks_guard();
create trigger mpesa_callbacks_guard_truncate before truncate on mpesa_callbacks
  for each statement execute function mpesa_callbacks_guard();

-- The audit chain's anchors: for each entry the app writes, HMAC-SHA256(AUDIT_ANCHOR_KEY, "seq:hash")
-- computed by the app with a key the database never holds. Whoever rewrites the chain and its head
-- in the database (a superuser, a restored dump) cannot make anchors that verify.
create table audit_anchors (
  seq   bigint primary key references audit_log(seq),
  mac   text not null check (mac ~ '^[0-9a-f]{64}$'),
  at    timestamptz not null default now()
);
select amana_make_append_only('audit_anchors');

-- What the runtime role may do, table by table. Re-applied by the migration runner after every run
-- (adapters/postgres/migrate.ts), so a table added later gets its grants by the same rule:
--   * a history table (one with amana_make_append_only's trigger): SELECT, INSERT;
--   * mpesa_callbacks: SELECT, INSERT, and UPDATE of processed_at and outcome only;
--   * schema_migrations, audit_chain_head: SELECT (the app checks the schema; the trigger moves the head);
--   * every other table: SELECT, INSERT, UPDATE, DELETE;
--   * never TRUNCATE, REFERENCES, TRIGGER, ownership, or CREATE on a schema;
--   * graphile-worker's schema: what a worker needs to run jobs (its migrations run as the owner),
--     including a policy past the row level security it turns on for its tables.
create function amana_grant_runtime_privileges() returns void
language plpgsql as $$
declare
  t record;
begin
  execute 'grant usage on schema public to amana_app';
  for t in
    select c.oid::regclass as tbl, c.relname,
           exists (select 1 from pg_trigger g where g.tgrelid = c.oid and g.tgname = 'append_only_row') as history
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p', 'v')
  loop
    -- also revokes column privileges
    execute format('revoke all on %s from amana_app', t.tbl);
    if t.relname in ('schema_migrations', 'audit_chain_head') then
      execute format('grant select on %s to amana_app', t.tbl);
    elsif t.relname = 'mpesa_callbacks' then
      execute format('grant select, insert on %s to amana_app', t.tbl);
      execute format('grant update (processed_at, outcome) on %s to amana_app', t.tbl);
    elsif t.history then
      execute format('grant select, insert on %s to amana_app', t.tbl);
    else
      execute format('grant select, insert, update, delete on %s to amana_app', t.tbl);
    end if;
  end loop;
  execute 'grant usage on all sequences in schema public to amana_app';
  if exists (select 1 from pg_namespace where nspname = 'graphile_worker') then
    execute 'grant usage on schema graphile_worker to amana_app';
    execute 'grant select, insert, update, delete on all tables in schema graphile_worker to amana_app';
    execute 'revoke insert, update, delete on graphile_worker.migrations from amana_app';
    execute 'grant usage on all sequences in schema graphile_worker to amana_app';
    execute 'grant execute on all functions in schema graphile_worker to amana_app';
    -- graphile-worker turns row level security on for its tables (no policy: only the owner sees
    -- rows); the runtime role runs the worker, so it gets a policy admitting every row.
    for t in
      select c.oid::regclass as tbl, c.relname, false as history
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'graphile_worker' and c.relkind = 'r' and c.relrowsecurity
         and not exists (select 1 from pg_policy p where p.polrelid = c.oid and p.polname = 'amana_app_worker')
    loop
      execute format('create policy amana_app_worker on %s for all to amana_app using (true) with check (true)', t.tbl);
    end loop;
  end if;
end
$$;
revoke execute on function amana_grant_runtime_privileges() from public;

select amana_grant_runtime_privileges();
