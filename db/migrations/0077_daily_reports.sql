-- The end-of-day report (issue 15): each report sent once per scope (a store, or '*' for the
-- platform), Nairobi day and recipient ('owner' for a store, an admin's id for the platform's).
-- The primary key decides between a rerun of the 21:00 cron, two workers or a retried task: only
-- the insert that wins asks for the WhatsApp message. What was sent is kept with it.
create table daily_reports (
  scope         text not null,
  day           date not null,
  recipient     text not null,
  phone         text not null check (phone ~ '^[1-9][0-9]{7,14}$'),
  params        jsonb not null check (jsonb_typeof(params) = 'array'),
  requested_at  timestamptz not null,
  primary key (scope, day, recipient)
);
create index daily_reports_day_idx on daily_reports (day);
