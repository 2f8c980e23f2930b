-- A payout handed to a human (no B2C rail for its currency, or a Till/Paybill store while B2B is not
-- wired) was marked FAILED, which payableBalances does not count as in flight: the next Friday the
-- same balance was selected and handed over again. It is now MANUAL_PENDING (in flight) until
-- FINANCE records it paid by hand (SUCCEEDED, with the reference and who) or gives it back (FAILED:
-- the balance is owed again). application/admin/manual-payouts.ts; docs/decisions.md, eleventh session.
alter table payouts drop constraint payouts_status_check;
alter table payouts add constraint payouts_status_check check (status in ('PENDING', 'SUBMITTED', 'SUCCEEDED', 'FAILED', 'MANUAL_PENDING'));
alter table payouts add column manual_reference text;
alter table payouts add column manual_by text references admin_users(id);
alter table payouts add constraint payouts_paid_by_hand_check check ((manual_reference is null) = (manual_by is null));

-- The ones already handed over and still open (their PAYOUT_MANUAL exception unresolved, and no later
-- payout took the same balance again) are in flight too. Of a balance already handed over twice only the
-- latest is; the earlier stays FAILED, its exception open for a person.
update payouts p set status = 'MANUAL_PENDING'
 where p.status = 'FAILED' and p.result->>'reason' in ('B2B_NOT_WIRED', 'NO_B2C_RAIL')
   and exists (select 1 from exceptions x where x.kind = 'PAYOUT_MANUAL' and x.entity = 'payout' and x.entity_id = p.id and x.status = 'OPEN')
   and not exists (select 1 from payouts l where l.payee_kind = p.payee_kind and l.payee_id = p.payee_id and l.currency = p.currency and l.created_at > p.created_at);
