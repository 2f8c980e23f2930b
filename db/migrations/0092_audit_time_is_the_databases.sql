-- An audit entry's time is the database's: the chain trigger kept an `at` the inserting statement
-- gave (coalesce(new.at, now())), so the runtime role, which cannot rewrite an entry, could still
-- append one dated in the past. No writer gives `at` (adapters/postgres/audit-log.ts does not). The
-- function keeps the rights 0050 gave it (security definer, a fixed search_path): CREATE OR REPLACE
-- would otherwise reset them.
create or replace function audit_log_chain() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  head audit_chain_head;
begin
  -- serialise concurrent writers for the rest of their transactions (key 727002: the audit chain)
  perform pg_advisory_xact_lock(727002);
  select * into head from audit_chain_head where id for update;
  new.seq := head.last_seq + 1;
  new.at := now();
  new.prev_hash := head.last_hash;
  new.hash := audit_row_digest(new.prev_hash, new);
  update audit_chain_head set last_seq = new.seq, last_hash = new.hash where id;
  return new;
end
$$;
