-- A second step-up purpose: making someone an OWNER of a store (adding one, or promoting STAFF) takes a
-- fresh code sent to the acting owner's phone, as changing the payout destination does. A new OWNER
-- may change the payout destination with a code sent to their own phone and remove the other owners,
-- so without it a stolen session or a phished login code could move a store's money after all.
alter table step_up_codes drop constraint step_up_codes_purpose_check;
alter table step_up_codes add constraint step_up_codes_purpose_check check (purpose in ('PAYOUT_METHOD', 'STORE_OWNER'));
