-- An affiliate's payout names the commissions it carries: those APPROVED and not carried by another
-- payout in flight, read in the same statement (so the same snapshot) as the balance the payout pays.
-- Only these become PAID when it is paid (and only these can be pulled out of it by a fraud
-- rejection). Before, "approved before the batch was created" was compared on transaction start
-- times: a commission whose completion began before the selection but committed after its read was
-- marked PAID by a payout that did not carry its money.
-- NULL: a payout made before this column (or not an affiliate's): the old rule applies to it.
-- No new table: the runtime role's grants on payouts are re-applied by the migration runner.
alter table payouts add column commission_ids text[];
-- The weekly selection reads the APPROVED commissions (few: they become PAID or REJECTED) of every affiliate.
create index commissions_approved_idx on commissions (affiliate_user_id, currency) where state = 'APPROVED';
