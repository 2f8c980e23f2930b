-- Back-office sessions are server-side rows in admin_sessions (0001): the cookie carries only a
-- random session id, stored here as its sha256. The payload and last activity are added here;
-- logout revokes the row (kept for the record) rather than deleting it.
alter table admin_sessions add column data jsonb not null default '{}'::jsonb check (jsonb_typeof(data) = 'object');
alter table admin_sessions add column last_seen_at timestamptz;
create index admin_sessions_live_idx on admin_sessions (expires_at) where revoked_at is null;
