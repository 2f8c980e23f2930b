-- The buyer/seller REST API: product search in English and Swahili with typo tolerance, and M-Pesa
-- pushes confirmed by STK query before their callback (and receipt) arrives.

-- English stemming beside the existing 'simple' vector (which serves Swahili and other words as
-- typed: Postgres ships no Swahili dictionary, and 'simple' does no stemming that could mangle them).
alter table products add column search_en tsvector generated always as (
  to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(description, ''))
) stored;
create index products_search_en_idx on products using gin (search_en);
-- Typos: trigram word similarity over title and description together.
create index products_text_trgm_idx on products using gin ((lower(title || ' ' || description)) gin_trgm_ops);

-- Pickup points are searched by name and address.
create index locations_pickup_trgm_idx on locations using gin ((lower(name || ' ' || coalesce(address, ''))) gin_trgm_ops)
  where kind = 'PICKUP_POINT';

-- A push can be confirmed PAID by Daraja's STK query before its callback brings the receipt (or when
-- the callback never comes): the receipt is filled in when the callback arrives. Safaricom's query
-- does not return the receipt, so it may stay empty; finance reconciles those from the statement.
alter table mpesa_stk_requests drop constraint mpesa_stk_requests_check;
-- Non-numeric result codes exist ("SFC_IC0003"); keep the code as text too.
alter table mpesa_stk_requests add column result_code_text text;
create index mpesa_stk_requests_paid_without_receipt_idx on mpesa_stk_requests (completed_at)
  where status = 'PAID' and mpesa_receipt_number is null;

