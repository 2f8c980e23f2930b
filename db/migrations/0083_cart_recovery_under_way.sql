-- The abandoned-cart sweep (every 5 minutes) looked for its candidates among every cart with a buyer:
-- a year of sales is ten checked-out carts per buyer. It now starts from the open carts (the partial
-- unique index carts_active_buyer_key already holds them) and the reminder sequences under way (this
-- index: a handful; every cart ever reminded keeps its row). Kept by tests/db/history-lookups.test.ts.
create index if not exists cart_recovery_under_way_idx on cart_recovery (cart_id) where stopped is null and steps_sent < 3;
