-- One payout batch per week and currency (issue 10 item 13): balances in different currencies are
-- never added, and a currency without a B2C rail is paid by hand (PAYOUT_MANUAL) without holding up
-- the others. Riders are payees too (item 11): their shipping payable is paid in the same batch.
alter table payout_batches add column currency currency_code not null default 'KES';
alter table payout_batches drop constraint payout_batches_week_key_key;
alter table payout_batches add constraint payout_batches_week_currency_key unique (week_key, currency);
