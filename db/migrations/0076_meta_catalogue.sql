-- Meta catalogue (issue 15): a store's connection to its Meta catalogue and the Catalog Batch API
-- requests sent for it. The access token is stored sealed (AES-256-GCM under TOKEN_SEAL_KEY, which
-- only the process holds; the store's id is its associated data): the database never holds it in
-- clear, so no error detail, log line, dump or SELECT the app's role can make shows it.
create table meta_catalogue_connections (
  store_id      text primary key references stores(id),
  catalog_id    text not null check (catalog_id ~ '^[0-9]{5,30}$'),
  token_sealed  text not null check (token_sealed ~ '^v1:[A-Za-z0-9+/=]+$'),
  connected_at  timestamptz not null,
  connected_by  text not null references users(id)
);

-- One items_batch call: its handles, then its outcome (per-item errors as Meta listed them), or
-- REFUSED when Meta refused the whole call (a revoked token, an unknown catalogue).
create table meta_catalogue_batches (
  id            text primary key,
  store_id      text not null references stores(id),
  catalog_id    text not null,
  handles       jsonb not null check (jsonb_typeof(handles) = 'array'),
  items         int not null check (items > 0),
  status        text not null check (status in ('SUBMITTED', 'FINISHED', 'REFUSED')),
  errors        jsonb not null default '[]'::jsonb check (jsonb_typeof(errors) = 'array'),
  submitted_at  timestamptz not null,
  finished_at   timestamptz
);
create index meta_catalogue_batches_store_idx on meta_catalogue_batches (store_id, submitted_at desc);
