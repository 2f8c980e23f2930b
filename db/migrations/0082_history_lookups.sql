-- Hot lookups that scanned tables growing with every sale or message (found with every statement's
-- plan logged under enable_seqscan = off over the test suite and bench:flow-steps; kept indexed by
-- tests/payments/settle-round-trips.test.ts and tests/db/history-lookups.test.ts):
--
--   * inventory_reservations by order_id: settling a paid checkout locks its stock through its
--     orders' reservations, and confirming, releasing or restocking an order's reservations updates
--     them by order_id. Without an index a restock read every confirmed reservation ever made, while
--     it held the checkout's stock rows locked.
--   * incentive_burns by order_id: an order cancelled or expired releases its burns
--     (order_id = $1 or, for the checkout's code burn, checkout_id = ...): the OR read every burn.
--   * users by lower(affiliate_code): a checkout or a click naming an affiliate code read every user.
--   * whatsapp_inbound by sender, newest first: each abandoned-cart reminder looks at the buyer's
--     latest texts (a STOP), and read every inbound message.
--
-- A plain CREATE INDEX blocks writes to its table while it builds. On a large live database, build
-- them first with CREATE INDEX CONCURRENTLY and the same names: this migration then finds them.
create index if not exists inventory_reservations_order_idx on inventory_reservations (order_id);
create index if not exists incentive_burns_order_idx on incentive_burns (order_id);
create index if not exists users_affiliate_code_lower_idx on users (lower(affiliate_code));
create index if not exists whatsapp_inbound_sender_idx on whatsapp_inbound (from_phone, at desc);
