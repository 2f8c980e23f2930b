-- A return of held money that Daraja confirmed FAILED may be sent again on a FINANCE decision: one
-- refund row per attempt, at most one not FAILED per held payment (so never two in flight, never
-- two that succeed). Each attempt has its own OriginatorConversationID (amana-return-<refund id>).
alter table refunds drop constraint refunds_held_payment_id_key;
create unique index refunds_held_payment_live_key on refunds (held_payment_id) where held_payment_id is not null and status <> 'FAILED';
