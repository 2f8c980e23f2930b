-- Two hot lookups scanned tables that grow with every sale (found with every statement's plan logged
-- under enable_seqscan = off; tests/db/history-scans.test.ts keeps them indexed):
--
--   * inventory_reservations by order_id: settling a paid checkout locks its stock through its
--     orders' reservations, and confirming, releasing or restocking an order's reservations updates
--     them by order_id. Without an index each payment read every reservation ever made, while it held
--     the checkout's stock rows locked (bench:flow: ~680 rows read per settlement after 20 s).
--   * users by lower(affiliate_code): a checkout or a click naming an affiliate code read every user.
--
-- A plain CREATE INDEX blocks writes to the table while it builds. On a large live database, build
-- them first with CREATE INDEX CONCURRENTLY and the same names: this migration then finds them.
create index if not exists inventory_reservations_order_idx on inventory_reservations (order_id);
create index if not exists users_affiliate_code_lower_idx on users (lower(affiliate_code));
