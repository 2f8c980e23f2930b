-- An order's refund that Daraja confirmed FAILED may be sent again on a FINANCE decision (as a held
-- money return may since 0051): one refund row per attempt, at most one not FAILED per order, so never
-- two in flight and never two that succeed (the total refunded for an order is at most its share of
-- the charge). Each attempt has its own OriginatorConversationID (amana-refund-<refund id>); rows made
-- before this keep theirs (amana-refund-<order id>), which stays unique.
-- No new table: the runtime role's grants on refunds (SELECT, INSERT, UPDATE, DELETE; refunds is not a
-- history table) are re-applied by the migration runner (0050_least_privilege.sql); the app role only
-- ever inserts a new attempt and moves its status, never rewrites a finished one (markFinished).
alter table refunds drop constraint refunds_order_id_key;
create unique index refunds_order_live_key on refunds (order_id) where order_id is not null and status <> 'FAILED';
create index refunds_order_idx on refunds (order_id) where order_id is not null;
