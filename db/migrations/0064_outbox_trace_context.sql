-- Observability (issue 13): an outbox event carries the request that caused it, so the worker's
-- handler spans and log lines join that request's trace and carry its id.
--   request_id    the X-Request-Id of the HTTP request (or the request id of the event that caused it)
--   trace_parent  a W3C traceparent (00-<trace id>-<span id>-<flags>) of the span that appended it
alter table outbox add column request_id text check (request_id ~ '^[A-Za-z0-9._:-]{1,128}$');
alter table outbox add column trace_parent text check (trace_parent ~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');
